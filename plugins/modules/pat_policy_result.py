#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_policy_result
short_description: Read the review or the hygiene part of a pat_policy pass
version_added: 0.2.0
description:
  - Returns one part of the registered result of a P(patguard.github.pat_policy#module) task, shaped as the roles
    publish it. V(review) is the requests' part (C(pat_request_review_result)), V(hygiene) the grants' part
    (C(pat_grant_hygiene_result)). Each part carries its own C(decisions) and the pass's API totals.
  - The roles P(patguard.github.pat_request_review#role), P(patguard.github.pat_grant_hygiene#role) and
    P(patguard.github.pat_governance#role) publish their results with it (registered under the published name).
  - The pass result is read by the name of its variable, on the controller, and is not templated, so that
    publishing 10,000 decisions takes a fraction of a second where C(ansible.builtin.set_fact) takes seconds.
  - Sends nothing to GitHub and needs no credentials (it is not in the action group C(patguard.github.github)).
author:
  - patguard maintainers (@patguard)
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the work can be done on the
      controller.
    support: full
    details: The whole task runs on the controller; nothing is sent to the host.
  check_mode:
    description: Can run in check mode and return the changed status it predicts without modifying GitHub.
    support: full
    details: It only reads a variable.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) in diff mode.
    support: N/A
    details: It only reads a variable.
  idempotent:
    description: Running the task again with the same arguments reports no change.
    support: full
options:
  pass_var:
    description:
      - The name of the variable that holds the registered result of a P(patguard.github.pat_policy#module) task (the
        name given to its C(register)), not the variable's value.
    type: str
    required: true
  part:
    description:
      - V(review) for the pending requests' part, V(hygiene) for the active grants' part.
    type: str
    required: true
    choices: [review, hygiene]
  count_api:
    description:
      - Whether this part carries the pass's API totals (RV(api), RV(api_requests)).
      - Set V(false) on one of the two parts of one pass, so that a sum over both counts the pass's requests once;
        that part then has RV(api=null) and RV(api_requests=0).
    type: bool
    default: true
notes:
  - The registered variable also holds Ansible's own C(changed) (always V(false) here, since publishing changes
    nothing; the pass's own is on the P(patguard.github.pat_policy#module) task) and C(failed).
  - The result repeats part of the pass's. With thousands of decisions, C(no_log=true) on the task spares Ansible's
    callbacks another copy of them (the roles do this); the registered variable is complete either way.
seealso:
  - module: patguard.github.pat_policy
"""

EXAMPLES = r"""
- name: Run the policy pass once for requests and grants
  patguard.github.pat_policy:
    org: acme
    policy: "{{ patguard_policy }}"
    mode: enforce
  register: policy_pass

- name: Take the requests' part of it
  patguard.github.pat_policy_result:
    pass_var: policy_pass
    part: review
  register: review

- name: Take the grants' part of it (the pass's API cost is counted under the review only)
  patguard.github.pat_policy_result:
    pass_var: policy_pass
    part: hygiene
    count_api: false
  register: hygiene

- name: Say what the review did
  ansible.builtin.debug:
    msg: "{{ review | patguard.github.policy_summary_lines('requests') }}"
"""

RETURN = r"""
mode:
  description: V(enforce) when the pass sent its writes, else V(report).
  returned: success
  type: str
  sample: enforce
summary:
  description: The part's records, counts by decision and records per violation code.
  returned: success
  type: dict
  sample: {requests: 2, decisions: {approve: 1, deny: 1}, violations: {lifetime: 1}}
decisions:
  description: The part's decisions (the pass's C(decisions) of this kind), each with C(id), C(kind), C(owner),
    C(token_id), C(token_name), C(decision), C(violations) and C(reason).
  returned: success
  type: list
  elements: dict
approved:
  description: IDs of the requests approved by the pass.
  returned: when O(part=review)
  type: list
  elements: int
denied:
  description: IDs of the requests denied by the pass.
  returned: when O(part=review)
  type: list
  elements: int
revoked:
  description: IDs of the grants revoked by the pass.
  returned: when O(part=hygiene)
  type: list
  elements: int
unchanged:
  description: IDs already handled when the pass's write was sent.
  returned: success
  type: list
  elements: int
unconfirmed:
  description: IDs GitHub accepted that its listing did not show as done yet.
  returned: success
  type: list
  elements: int
gone:
  description: Records of this kind that vanished during the pass.
  returned: success
  type: list
  elements: dict
api:
  description: The pass's API totals (as P(patguard.github.policy_api_totals#filter) adds them up), or V(null)
    with O(count_api=false).
  returned: success
  type: dict
api_requests:
  description: The pass's HTTP requests (V(0) with O(count_api=false)).
  returned: success
  type: int
"""
