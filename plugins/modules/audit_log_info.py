#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: audit_log_info
short_description: Read an organization's audit log (GitHub Enterprise Cloud and Server)
version_added: 0.1.0
description:
  - Reads the organization's audit log with GitHub's search O(phrase) (for example V(action:personal_access_token)),
    O(include), O(order) and cursor pagination (O(after) or O(before), then GitHub's C(Link) header), and returns
    normalised events (action, actor, affected user, token ID, time).
  - Returns the review history of the events read (decisions by kind, by day and by actor), and, given the writes of
    this run in O(expect), which of their audit events have appeared yet. GitHub answers bulk reviews and revocations
    with C(202 Accepted); the audit log is the after-the-fact confirmation.
  - GitHub keeps web events for 180 days and, without a C(created:) qualifier, searches the last three months.
  - github.com organizations without Enterprise Cloud have no audit log API; see O(when_unavailable).
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.org
  - patguard.github.attributes
  - patguard.github.attributes.INFO_MODULE
options:
  phrase:
    description:
      - A search phrase in GitHub's audit-log syntax, for example V(action:personal_access_token) or
        V(action:org_credential_authorization actor:octocat).
    type: str
  since_days:
    description:
      - Only events of the last N days (adds a C(created:>=) qualifier to O(phrase)).
    type: int
  include:
    description:
      - V(web) (GitHub's default), V(git) or V(all) events.
    type: str
    choices: [web, git, all]
  order:
    description:
      - V(desc) (newest first, GitHub's default) or V(asc).
    type: str
    choices: [desc, asc]
  after:
    description:
      - A cursor from GitHub's C(Link) header; only events after it.
    type: str
  before:
    description:
      - A cursor from GitHub's C(Link) header; only events before it.
    type: str
  max_events:
    description:
      - Stop after this many events (RV(truncated) says so).
    type: int
    default: 1000
  expect:
    description:
      - Writes of this run whose audit events to look for, as C({kind, token_id, at}). C(kind) is V(approve),
        V(deny), V(revoke) (fine-grained PATs, C(token_id) is the token ID) or V(remove_authorization) (SAML SSO
        authorizations, C(token_id) is the C(authorized_credential_id)); C(at) is when the write was sent (ISO 8601).
    type: list
    elements: dict
  when_unavailable:
    description:
      - V(fail) ends the task when GitHub has no audit log API for the organization (it answers 404);
        V(warn) returns RV(available=false) with the reason.
    type: str
    choices: [fail, warn]
    default: fail
notes:
  - "Authentication: an organization owner. A personal access token (classic) or OAuth token needs the
    C(read:audit_log) scope; a GitHub App installation needs the organization Administration (read) permission.
    The endpoint has its own rate limit of 1,750 queries an hour per user and IP address."
seealso:
  - module: patguard.github.credential_authorization_info
  - module: patguard.github.pat_grant
  - name: GitHub REST API, organization audit log
    description: Get the audit log for an organization.
    link: https://docs.github.com/en/enterprise-cloud@latest/rest/orgs/orgs#get-the-audit-log-for-an-organization
"""

EXAMPLES = r"""
- name: Fine-grained PAT decisions of the last 30 days
  patguard.github.audit_log_info:
    org: acme
    phrase: "action:personal_access_token"
    since_days: 30
  register: pat_history

- name: Did GitHub record this run's revocations?
  patguard.github.audit_log_info:
    org: acme
    phrase: "action:personal_access_token.access_revoked"
    since_days: 1
    expect:
      - {kind: revoke, token_id: 98716, at: "2026-12-01T10:00:00Z"}
  register: confirmation

- name: Credential authorization removals, oldest first
  patguard.github.audit_log_info:
    org: acme
    phrase: "action:org_credential_authorization"
    order: asc
"""

RETURN = r"""
events:
  description: The events read, normalised, in GitHub's order.
  returned: always
  type: list
  elements: dict
  sample:
    - document_id: "xJJFlFOhQ6b-5vaAFy9Rjw"
      action: personal_access_token.access_revoked
      category: personal_access_token
      decision: revoked
      actor: patguard[bot]
      user: alice
      token_id: 98716
      token_name: ci
      token_scopes: null
      reason: null
      time: "2026-12-01T10:00:02Z"
      org: acme
count:
  description: Number of events returned.
  returned: always
  type: int
truncated:
  description: True when O(max_events) stopped the reading before the last page.
  returned: always
  type: bool
history:
  description: Review decisions among the events (requested, approved, denied, cancelled, revoked, authorized,
    authorization_removed, deauthorized), counted by decision, by day and by actor, with one entry each.
  returned: always
  type: dict
  sample: {"days": 30, "since": "2026-11-01T00:00:00Z", "total": 1, "by_decision": {"revoked": 1},
           "by_day": {"2026-12-01": {"revoked": 1}}, "by_actor": {"patguard[bot]": {"revoked": 1}},
           "entries": [{"time": "2026-12-01T10:00:02Z", "decision": "revoked", "action": "personal_access_token.access_revoked",
                        "actor": "patguard[bot]", "user": "alice", "token_id": 98716, "token_name": "ci"}]}
confirmation:
  description: With O(expect), the writes whose events appeared (C(confirmed)), those not yet (C(missing)), and
    C(all_confirmed).
  returned: when O(expect) is given
  type: dict
available:
  description: False when the organization has no audit log API and O(when_unavailable=warn).
  returned: always
  type: bool
unavailable_reason:
  description: Why the audit log is unavailable.
  returned: when not available
  type: str
api:
  description: What the task cost in API calls.
  returned: always
  type: dict
"""

from ansible_collections.patguard.github.plugins.module_utils._audit_log import (
    AuditLogUnavailable,
    check_query,
    check_writes,
    confirm_writes,
    history,
    list_events,
)
from ansible_collections.patguard.github.plugins.module_utils._module import (
    build_module,
    fail_on_input,
    run,
    unavailable_result,
)
from ansible_collections.patguard.github.plugins.module_utils._pat import check_org

ARGUMENT_SPEC = dict(
    org=dict(type="str", required=True),
    phrase=dict(type="str"),
    since_days=dict(type="int"),
    include=dict(type="str", choices=["web", "git", "all"]),
    order=dict(type="str", choices=["desc", "asc"]),
    after=dict(type="str", no_log=False),
    before=dict(type="str"),
    max_events=dict(type="int", default=1000),
    expect=dict(type="list", elements="dict"),
    when_unavailable=dict(type="str", choices=["fail", "warn"], default="fail"),
)


def _check(params):
    """The search query, the event cap and the expected writes (ConfigError before any request)."""
    check_org(params["org"])
    query, cap = check_query(
        params["phrase"],
        params["include"],
        params["order"],
        params["after"],
        params["before"],
        params["max_events"],
        params["since_days"],
    )
    return query, cap, check_writes(params["expect"]) if params["expect"] is not None else None


def main():
    module = build_module(ARGUMENT_SPEC, mutually_exclusive=[("after", "before")])
    params = module.params
    query, cap, expect = fail_on_input(module, lambda: _check(params))

    def task(client):
        try:
            events, truncated = list_events(client, params["org"], query, cap)
        except AuditLogUnavailable as exc:
            return unavailable_result(
                module, exc, events=[], count=0, truncated=False, history=history([], params["since_days"])
            )
        result = {
            "changed": False,
            "events": events,
            "count": len(events),
            "truncated": truncated,
            "history": history(events, params["since_days"]),
            "available": True,
        }
        if expect is not None:
            result["confirmation"] = confirm_writes(expect, events)
        return result

    run(module, task, org=params["org"])


if __name__ == "__main__":
    main()
