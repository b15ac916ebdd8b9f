#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_policy
short_description: Make an organization's fine-grained PAT requests and grants comply with a policy
version_added: 0.2.0
description:
  - The whole policy pass in one task and one process, with one GitHub App token. It lists each kind (pending
    requests, active grants) once, evaluates every record against O(policy), reads repository lists only for
    the records whose decision waits on them, and in V(enforce) mode approves, denies and revokes in bulk calls
    of at most 100 IDs.
  - A request is judged by the grant it would become, so that V(report) mode predicts V(enforce) mode record by
    record. A request for a token that has already expired, or was last used too long ago, is denied (not
    approved and then revoked). A permission-upgrade request (same C(token_id) as an active grant) is judged on
    that grant widened to the requested permissions and repositories; if it is approved, the grant is judged
    widened too.
  - "Deny reasons name each broken rule with the policy's own limit, for example C(Denied by policy: lifetime
    over the 90-day maximum; permission administration:write is forbidden), so requests that break the same
    rules share one reason and one bulk call per 100 IDs. The policy key C(deny_reason_detail) quotes each
    request's own figures instead (one bulk call per distinct text; see docs/policy.md)."
  - An action plugin runs the pass on the controller and shows its progress at the default verbosity (list pages
    of the total, decisions, writes sent and still to send, and every wait with its cause and length).
  - If the run stops half-way, the error lists what was applied and RV(not_processed); running the task again
    finishes the job.
  - The roles C(patguard.github.pat_governance), C(pat_request_review) and C(pat_grant_hygiene) wrap this module.
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.attributes
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the work can be done on the
      controller.
    support: full
    details: The action plugin does the whole pass on the controller (it reads the controller's environment).
  check_mode:
    support: full
    details: Lists and evaluates; returns the plan without sending any write (the same as O(mode=report)).
  diff_mode:
    support: full
    details: Shows the per-record decisions (the plan table).
  idempotent:
    support: full
options:
  org:
    description: Login of the organization.
    type: str
    required: true
  policy:
    description:
      - The token policy (see docs/policy.md). Validated before any API call.
      - An empty policy decides nothing; in V(enforce) mode the task warns about it.
    type: dict
    default: {}
  mode:
    description:
      - V(report) lists, evaluates and returns the plan without changing anything; V(enforce) applies it.
    type: str
    choices: [report, enforce]
    default: report
  scope:
    description:
      - Which kinds the pass reviews. With V(requests) only, the grants of the requests' tokens are read
        (C(token_id[]) filter, 50 a call) to judge permission-upgrade requests, and nothing is revoked.
    type: list
    elements: str
    choices: [requests, grants]
    default: [requests, grants]
  owners:
    description:
      - Only the records of these logins (GitHub's C(owner[]) filter, 10 logins a call), for example to offboard
        users.
    type: list
    elements: str
  deny_reason:
    description:
      - One reason for every denial instead of the policy's (for example an offboarding message).
    type: str
  now:
    description:
      - Evaluation time (ISO 8601). Defaults to the current time; set it for reproducible reports.
    type: str
  plan_rows:
    description:
      - How many records RV(plan_table) lists (acting decisions first); the rest is summarised in one line.
    type: int
    default: 20
  return_records:
    description:
      - Also return the listed records (RV(records)), for example for M(patguard.github.pat_report).
    type: bool
    default: false
  hide_result:
    description:
      - Keep a successful result away from Ansible's callbacks (the C(-v) output, AWX job events, the C(json)
        callback), as C(no_log=true) does and with its message, while the registered variable stays whole. A
        failure is still shown with its message, and so is the result in diff mode (the diff is part of it).
      - The result holds every decision (10,000 decisions are about 3 MB), and handing it to the callbacks costs
        ansible-playbook about 0.8 s. The roles set it and print their summary lines (and, in V(report) mode, the
        plan table) instead; C(ansible.builtin.debug) of the registered variable shows it whole.
    type: bool
    default: false
seealso:
  - module: patguard.github.pat_request
  - module: patguard.github.pat_grant
"""

EXAMPLES = r"""
- name: Report what the policy would do, without changing anything
  patguard.github.pat_policy:
    org: acme
    policy:
      max_lifetime_days: 90
      forbidden_permissions: ["administration:write"]
      actions: {compliant_request: approve, violating_request: deny, violating_grant: revoke}
    mode: report
    plan_rows: 50
  register: acme_plan

- name: Print the plan
  ansible.builtin.debug:
    msg: "{{ acme_plan.plan_table }}"

- name: Enforce it
  patguard.github.pat_policy:
    org: acme
    policy: "{{ acme_policy }}"
    mode: enforce
"""

RETURN = r"""
mode:
  description: V(enforce) when writes were sent, else V(report) (also in check mode).
  returned: always
  type: str
summary:
  description: Records evaluated, counts by decision and records per violation code.
  returned: always
  type: dict
  sample: {requests: 2, grants: 10, decisions: {approve: 1, deny: 1, revoke: 3, keep: 7, none: 0, exempt: 0},
           violations: {lifetime: 2}}
decisions:
  description: One per record (requests first) with C(id), C(kind), C(owner), C(token_id), C(token_name),
    C(decision), C(violations) and C(reason).
  returned: always
  type: list
  elements: dict
plan:
  description: The bulk calls (C(approve), C(deny) groups of C(ids) with their C(reason); C(revoke) IDs), the
    number of C(writes), the C(repository_lists) read, C(upgrades) (token IDs of approved upgrade requests).
  returned: always
  type: dict
plan_table:
  description: The per-record plan as text lines (owner, token, kind, decision, reasons), at most O(plan_rows)
    rows and one summary line for the rest.
  returned: always
  type: list
  elements: str
applied:
  description: IDs C(approved), C(denied), C(revoked); C(unchanged) (already handled when the write was
    sent); C(gone) (records that vanished mid-pass); C(unconfirmed) (accepted by GitHub, its listing did
    not show it yet; neither left to do nor in RV(not_processed)).
  returned: always
  type: dict
not_processed:
  description: IDs of the plan not acted on because the run stopped (empty on success).
  returned: always
  type: list
  elements: int
review:
  description: The requests' part, as role pat_request_review publishes it (mode, summary, approved, denied,
    unchanged, gone, unconfirmed), without its decisions (the first C(summary.requests) of RV(decisions); the
    role adds them), so the result holds each decision once.
  returned: always
  type: dict
hygiene:
  description: The grants' part, as role pat_grant_hygiene publishes it (mode, summary, revoked, unchanged,
    gone, unconfirmed), without its decisions (the RV(decisions) after the requests'; the role adds them).
  returned: always
  type: dict
records:
  description: The listed C(requests) and C(grants) (with the repository lists read).
  returned: when O(return_records=true)
  type: dict
api:
  description: What the pass cost (requests, writes, retries, rate-limit budget left, seconds waited by cause).
  returned: always
  type: dict
"""

from ansible_collections.patguard.github.plugins.module_utils._module import build_module, fail_on_input, run
from ansible_collections.patguard.github.plugins.module_utils._policy_run import (
    check_inputs,
    hide_from_callbacks,
    policy_argument_spec,
    run_pass,
)


def main():
    module = build_module(policy_argument_spec())

    org = fail_on_input(module, lambda: check_inputs(module.params))[0]

    def task(client):
        result = run_pass(client, module.params, check_mode=module.check_mode, warn=module.warn)
        if module._diff:
            result["diff"] = {"prepared": "\n".join(result["plan_table"]) + "\n"}
        hide_from_callbacks(result, module.params, module._diff)
        return result

    run(module, task, org=org)


if __name__ == "__main__":
    main()
