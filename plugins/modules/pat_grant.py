#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_grant
short_description: Revoke fine-grained personal access tokens' access to an organization
version_added: 0.1.0
description:
  - Revokes active grants of fine-grained personal access tokens (PATs), given by O(ids) or selected with the
    same filters as M(patguard.github.pat_grant_info) (for example every token of some owners, or every token
    that can reach a repository), in bulk calls of at most 100 IDs.
  - Idempotent. Grants that are no longer active are returned in RV(unchanged); a second run reports no change
    and sends no write.
  - Every selected ID ends under exactly one of RV(revoked), RV(unchanged), RV(gone) and RV(unconfirmed).
  - GitHub answers a bulk revoke with C(202 Accepted) and does not document when the change shows in the
    listings, nor what a second submission of a revoked ID answers. When an answer is lost, the module lists
    again and resends only what is still active; a resend refused (404 or 422) after a lost answer counts as
    done. A grant revoked by someone else meanwhile is returned in RV(gone); the task carries on.
    Reconciliation is bounded (at most three listings, 0, 1 and 3 seconds apart); grants GitHub called
    handled that its listing still shows are returned in RV(unconfirmed), not as a failure.
  - O(last_used_before) and O(last_used_after) are decided on each token's C(token_last_used_at), not by
    GitHub, which does not document whether a never-used token matches them. O(never_used) says what a
    never-used token does.
  - O(owners) that match no grant and are not members of the organization give a warning (one membership
    call per such owner).
  - If the run stops half-way, the error lists the IDs already revoked and those not processed; running the
    task again finishes the job.
  - Revoking removes the token's access to this organization only; the token itself still exists for its owner.
  - GitHub serves this endpoint to GitHub App installation tokens only.
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.org
  - patguard.github.pat_filters
  - patguard.github.attributes
attributes:
  check_mode:
    support: full
    details: Lists the matching grants and reports what would be revoked; sends no write.
  diff_mode:
    support: full
    details: Shows the matching active grant IDs before and after.
  idempotent:
    support: full
options:
  state:
    description:
      - V(revoked) removes the tokens' access to the organization.
    type: str
    choices: [revoked]
    default: revoked
  ids:
    description:
      - IDs of the grants to revoke (C(id) from M(patguard.github.pat_grant_info)).
      - Mutually exclusive with the filters (O(owners), O(token_ids), O(repository), O(permission),
        O(last_used_before), O(last_used_after)). One of them, or O(ids), is required, so that no task
        revokes every token of the organization by accident.
    type: list
    elements: raw
  refresh:
    description:
      - With O(ids), read the active grants before acting (default), so that grants already gone are
        returned in RV(unchanged) without a write. Roles that have just listed them set V(false) to save the calls; a
        refused or lost write is still reconciled from a fresh listing.
    type: bool
    default: true
seealso:
  - module: patguard.github.pat_grant_info
  - module: patguard.github.pat_request
  - module: patguard.github.credential_revoke
    description: Revokes a leaked token everywhere, whoever owns it.
"""

EXAMPLES = r"""
- name: Revoke every token of two departing users (check mode shows what would go)
  patguard.github.pat_grant:
    org: acme
    owners: [alice, bob]
    state: revoked
  check_mode: true

- name: Revoke every token that can reach the payments repository
  patguard.github.pat_grant:
    org: acme
    repository: payments
    state: revoked

- name: Revoke given grants
  patguard.github.pat_grant:
    org: acme
    ids: [4001, 4002]
"""

RETURN = r"""
revoked:
  description: IDs of the grants revoked by this task (would be, in check mode).
  returned: always
  type: list
  elements: int
  sample: [4001, 4002]
revoked_tokens:
  description: The revoked grants with their owner and token (when selected by filters).
  returned: always
  type: list
  elements: dict
  sample: [{"id": 4001, "owner": "alice", "token_id": 9911, "token_name": "ci"}]
unchanged:
  description:
    - Given IDs that were not active when the task started, so nothing was sent for them. Named so because
      Ansible reads a result key C(skipped) as its own flag.
  returned: always
  type: list
  elements: int
  sample: []
gone:
  description:
    - Grants that were active when listed but vanished before the revocation took effect (revoked by
      someone else, for example in the web UI). Nothing more is done for them.
  returned: always
  type: list
  elements: dict
  sample: [{"id": 4003, "kind": "grant", "token_id": 9913, "step": "revoke"}]
  contains:
    id:
      description: ID of the grant.
      type: int
    kind:
      description: Always V(grant) here.
      type: str
    token_id:
      description: ID of the grant's token, when known.
      type: int
    step:
      description: The call that found it gone (V(revoke)).
      type: str
unconfirmed:
  description:
    - IDs GitHub answered as already revoked after a lost answer, but that its listing still showed active
      after the bounded reconciliation. Counted as revoked by this task.
  returned: always
  type: list
  elements: int
  sample: []
calls:
  description: Bulk revoke calls needed (made, or that would be made in check mode).
  returned: always
  type: int
  sample: 1
not_processed:
  description: On failure after a partial run, the IDs not yet revoked (run again to finish).
  returned: failure
  type: list
  elements: int
  sample: [4003]
api:
  description: What the task cost in API calls (requests, writes, retries, rate-limit budget left, seconds waited by reason).
  returned: always
  type: dict
  sample: {"requests": 2, "writes": 1, "retries": 0, "rate_limit_remaining": 4990, "rate_limit_limit": 5000,
           "rate_limit_reset": 1767225600, "waited_seconds": {"write_interval": 0.0, "retry_after": 0.0,
           "backoff": 0.0, "primary_reset": 0.0}}
"""

from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError
from ansible_collections.patguard.github.plugins.module_utils._module import build_module, fail_on_input, run
from ansible_collections.patguard.github.plugins.module_utils._pat import (
    check_ids,
    check_org,
    filter_argument_spec,
    filters_from_params,
    list_records,
    owners_not_members,
)
from ansible_collections.patguard.github.plugins.module_utils._pat_writes import revoke_grants

FILTER_OPTIONS = ("owners", "token_ids", "repository", "permission", "last_used_before", "last_used_after")


def _argument_spec():
    spec = filter_argument_spec()
    del spec["include_repositories"]
    spec.update(
        state=dict(type="str", choices=["revoked"], default="revoked"),
        ids=dict(type="list", elements="raw"),
        refresh=dict(type="bool", default=True),
    )
    return spec


def _check(params):
    """``(org, filters, ids)`` of the task (ConfigError before any request)."""
    org = check_org(params["org"])
    filters = filters_from_params(params)
    ids = check_ids("ids", params["ids"]) if params["ids"] is not None else None
    # never_used only qualifies the last_used filters: it selects nothing by itself.
    if ids is None and not any(filters[k] for k in FILTER_OPTIONS):
        raise ConfigError(
            "give ids or at least one filter (owners, token_ids, repository, permission, "
            "last_used_before, last_used_after); an empty selection would revoke every token"
        )
    return org, filters, ids


def _revoke_selected(module, client, org, filters):
    """Revoke the grants the filters select: ``(result, selected ids, records by id)``."""
    records = list_records(client, org, "grant", filters)
    for message in owners_not_members(client, org, filters["owners"], records):
        module.warn(message)
    selected = [r["id"] for r in records]
    result = revoke_grants(
        client,
        org,
        selected,
        check_mode=module.check_mode,
        active=set(selected),
        token_of=dict((r["id"], r["token_id"]) for r in records),
    )
    return result, selected, dict((r["id"], r) for r in records)


def _diff(result, selected):
    before = sorted(i for i in selected if i not in result["unchanged"])
    after = set(before) - set(result["revoked"]) - set(result["unconfirmed"]) - set(g["id"] for g in result["gone"])
    return {"before": {"active": before}, "after": {"active": sorted(after)}}


def main():
    module = build_module(
        _argument_spec(),
        mutually_exclusive=[("ids",) + FILTER_OPTIONS[i : i + 1] for i in range(len(FILTER_OPTIONS))],
        required_one_of=[("ids",) + FILTER_OPTIONS],
    )
    params = module.params
    org, filters, ids = fail_on_input(module, lambda: _check(params))

    def task(client):
        if ids is not None:
            active = None if params["refresh"] else set(ids)
            result = revoke_grants(client, org, ids, check_mode=module.check_mode, active=active)
            selected, by_id = ids, {}
        else:
            result, selected, by_id = _revoke_selected(module, client, org, filters)
        result["revoked_tokens"] = [
            dict((k, by_id[i].get(k)) for k in ("id", "owner", "token_id", "token_name"))
            for i in result["revoked"]
            if i in by_id
        ]
        result["changed"] = bool(result["revoked"] or result["unconfirmed"])
        if module._diff:
            result["diff"] = _diff(result, selected)
        return result

    run(module, task, org=org)


if __name__ == "__main__":
    main()
