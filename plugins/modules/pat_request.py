#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_request
short_description: Approve or deny fine-grained personal access token requests of an organization
version_added: 0.1.0
description:
  - Approves or denies pending requests for fine-grained personal access tokens (PATs), in bulk calls
    of at most 100 IDs, one per distinct action and reason.
  - Idempotent. It first reads which of the given requests are still pending and acts only on those; the
    others are returned in RV(unchanged), so a second run reports no change and sends no write.
  - Every given ID ends under exactly one of RV(approved), RV(denied), RV(unchanged), RV(gone) and RV(unconfirmed).
  - GitHub answers a bulk review with C(202 Accepted) and does not document when the change shows in the
    listings, nor what a second submission of a handled ID answers. When an answer is lost, the module
    reads the pending requests again and resends only what is still listed; a resend refused (404 or 422)
    after a lost answer means GitHub already handled it, so it counts as done. A request cancelled by its
    owner or reviewed by someone else meanwhile is returned in RV(gone); the task carries on.
  - Reconciliation is bounded (at most three listings, 0, 1 and 3 seconds apart). Requests GitHub called
    handled that its listing still shows pending after that are returned in RV(unconfirmed), not as a failure;
    the next run sees them as no longer pending.
  - If the run stops half-way (rate limit, outage), the error lists the IDs already approved or denied and
    those not processed; running the task again finishes the job.
  - GitHub serves this endpoint to GitHub App installation tokens only.
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.org
  - patguard.github.attributes
attributes:
  check_mode:
    support: full
    details: Reads the pending requests and reports what would be approved or denied; sends no write.
  diff_mode:
    support: full
    details: Shows the pending request IDs before and after.
  idempotent:
    support: full
options:
  ids:
    description:
      - IDs of the requests (C(id) from M(patguard.github.pat_request_info)) to review with O(action) and O(reason).
      - Mutually exclusive with O(decisions).
    type: list
    elements: raw
  action:
    description:
      - What to do with the requests given by O(ids).
    type: str
    choices: [approve, deny]
  reason:
    description:
      - Reason sent to GitHub with O(action), shown to the requester. At most 1024 characters.
    type: str
  decisions:
    description:
      - One decision per request, for a whole review in one task (the output of the
        P(patguard.github.policy_plan#filter) filter fits here).
      - Decisions with the same action and reason share bulk calls.
      - Mutually exclusive with O(ids).
    type: list
    elements: dict
    suboptions:
      id:
        description: ID of the request.
        type: int
        required: true
      action:
        description: V(approve) or V(deny).
        type: str
        required: true
        choices: [approve, deny]
      reason:
        description: Reason sent to GitHub, at most 1024 characters.
        type: str
      token_id:
        description:
          - ID of the request's token. When every decision carries it, the pending check and any
            reconciliation use a filtered listing instead of reading every pending request.
        type: int
  fail_on_missing:
    description:
      - Fail when a given request is not pending (already reviewed, withdrawn or unknown) instead of
        returning it in RV(unchanged). Nothing is sent in that case.
    type: bool
    default: false
  refresh:
    description:
      - Read the pending requests before acting (default). Roles that have just listed them set V(false)
        to save the calls; refused or lost writes are still reconciled from a fresh listing.
    type: bool
    default: true
seealso:
  - module: patguard.github.pat_request_info
  - module: patguard.github.pat_grant
  - name: Reviewing requests for fine-grained PATs
    description: GitHub's REST API for reviewing requests.
    link: https://docs.github.com/en/rest/orgs/personal-access-tokens
"""

EXAMPLES = r"""
- name: Approve two requests
  patguard.github.pat_request:
    org: acme
    ids: [1201, 1202]
    action: approve
    reason: Scoped to the docs repository, expires in 30 days

- name: Deny every pending request of a departing user
  block:
    - name: Find the requests
      patguard.github.pat_request_info:
        org: acme
        owners: [mallory]
      register: found

    - name: Deny them
      patguard.github.pat_request:
        org: acme
        ids: "{{ found.requests | map(attribute='id') }}"
        action: deny
        reason: Owner left the organization
      when: found.count > 0

- name: Apply a whole review in one task
  patguard.github.pat_request:
    org: acme
    decisions:
      - {id: 1201, action: approve, reason: "Approved by policy: compliant"}
      - {id: 1203, action: deny, reason: "Denied by policy: lifetime: token never expires (max 90 days)"}
"""

RETURN = r"""
approved:
  description: IDs approved by this task (would be, in check mode).
  returned: always
  type: list
  elements: int
  sample: [1201]
denied:
  description: IDs denied by this task (would be, in check mode).
  returned: always
  type: list
  elements: int
  sample: [1203]
unchanged:
  description:
    - Given IDs that were not pending when the task started (already reviewed, withdrawn or unknown), so
      nothing was sent for them. Named so because Ansible reads a result key C(skipped) as its own flag.
  returned: always
  type: list
  elements: int
  sample: [1202]
gone:
  description:
    - Requests that were pending when listed but vanished before the review took effect (cancelled by
      their owner, or reviewed by someone else, for example in the web UI). Nothing more is done for them.
  returned: always
  type: list
  elements: dict
  sample: [{"id": 1204, "kind": "request", "token_id": 98716, "step": "review"}]
  contains:
    id:
      description: ID of the request.
      type: int
    kind:
      description: Always V(request) here.
      type: str
    token_id:
      description: ID of the request's token, when known.
      type: int
    step:
      description: The call that found it gone (V(review)).
      type: str
unconfirmed:
  description:
    - IDs GitHub answered as already handled after a lost answer, but that its listing still showed pending
      after the bounded reconciliation (the listing lags behind a C(202 Accepted)). Counted as reviewed by this task.
  returned: always
  type: list
  elements: int
  sample: []
calls:
  description: Bulk review calls needed (made, or that would be made in check mode).
  returned: always
  type: int
  sample: 2
not_processed:
  description: On failure after a partial run, the IDs not yet reviewed (run again to finish).
  returned: failure
  type: list
  elements: int
  sample: [1207, 1208]
api:
  description: What the task cost in API calls (requests, writes, retries, rate-limit budget left, seconds waited by reason).
  returned: always
  type: dict
  sample: {"requests": 3, "writes": 1, "retries": 0, "rate_limit_remaining": 4990, "rate_limit_limit": 5000,
           "rate_limit_reset": 1767225600, "waited_seconds": {"write_interval": 0.0, "retry_after": 0.0,
           "backoff": 0.0, "primary_reset": 0.0}}
"""

from ansible_collections.patguard.github.plugins.module_utils._module import build_module, fail_on_input, run
from ansible_collections.patguard.github.plugins.module_utils._pat import check_org, normalize_decisions
from ansible_collections.patguard.github.plugins.module_utils._pat_writes import review_requests


def main():
    module = build_module(
        dict(
            org=dict(type="str", required=True),
            ids=dict(type="list", elements="raw"),
            action=dict(type="str", choices=["approve", "deny"]),
            reason=dict(type="str"),
            decisions=dict(
                type="list",
                elements="dict",
                options=dict(
                    id=dict(type="int", required=True),
                    action=dict(type="str", required=True, choices=["approve", "deny"]),
                    reason=dict(type="str"),
                    token_id=dict(type="int"),
                ),
            ),
            fail_on_missing=dict(type="bool", default=False),
            refresh=dict(type="bool", default=True),
        ),
        mutually_exclusive=[("ids", "decisions"), ("decisions", "action"), ("decisions", "reason")],
        required_one_of=[("ids", "decisions")],
        required_by={"ids": "action"},
    )
    params = module.params

    def check():
        return check_org(params["org"]), normalize_decisions(
            ids=params["ids"], action=params["action"], reason=params["reason"], decisions=params["decisions"]
        )

    org, decisions = fail_on_input(module, check)

    def task(client):
        result = review_requests(
            client,
            org,
            decisions,
            check_mode=module.check_mode,
            refresh=params["refresh"],
            fail_on_missing=params["fail_on_missing"],
        )
        acted = result["approved"] + result["denied"] + result["unconfirmed"]
        result["changed"] = bool(acted)
        if module._diff:
            before = sorted(d["id"] for d in decisions if d["id"] not in result["unchanged"])
            result["diff"] = {
                "before": {"pending": before},
                "after": {"pending": sorted(set(before) - set(acted) - set(g["id"] for g in result["gone"]))},
            }
        return result

    run(module, task, org=org)


if __name__ == "__main__":
    main()
