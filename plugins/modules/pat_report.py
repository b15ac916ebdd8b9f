#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_report
short_description: Write a token inventory report (JSON, CSV, self-contained HTML, Markdown) with drift
version_added: 0.1.0
description:
  - Writes a report of an organization's fine-grained personal access tokens to a directory -
    C(report.json) (every token and the summary, schema in C(docs/reports.md)), C(report.csv) (one row per
    token), C(report.html) (one self-contained page with summary figures, charts and a sortable, filterable,
    paged table; it loads nothing from the network) and C(summary.md) (a short summary for a ticket or a pull request).
  - Takes the listings of M(patguard.github.pat_request_info) and M(patguard.github.pat_grant_info) and, when
    given, the evaluation already made (O(decisions)); otherwise evaluates the records with O(policy) itself.
  - When O(dest) already holds a C(report.json), or O(previous) names one, the report shows what changed since
    (drift) - new tokens, revoked or expired ones, newly violating ones and permission upgrades - and the
    replaced C(report.json) is kept as C(report.previous.json).
  - Sends no request to GitHub and takes no connection options.
  - Runs on the controller (an action plugin) and writes the files there, whatever host the task runs
    for, so O(dest) is a controller path. The page is rendered from template and asset files with
    Jinja2. With no O(requests) and no O(grants) the task warns that the report lists no token.
author:
  - patguard maintainers (@patguard)
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: Everything runs on the controller; nothing is sent to the managed host.
  check_mode:
    description: Can run in check mode and return the changed status it predicts without writing anything.
    support: full
    details: Builds the report and compares it with the files in O(dest); writes nothing.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) in diff mode.
    support: full
    details: The diff shows C(summary.md) before and after.
  idempotent:
    description: Running the task again with the same arguments reports no change.
    support: full
    details:
      - When the inventory is the same as the one in C(report.json) (every field except C(generated_at),
        C(evaluated_at) and C(drift)), the files are left alone and the task reports no change.
      - Days to expiry and days since last use are whole days, so with the default O(now) a second run on the
        same day normally reports no change.
options:
  dest:
    description:
      - Directory to write the report to. Created (with its parents) when missing.
    type: path
    required: true
  org:
    description: Login of the organization the records belong to (shown in the report).
    type: str
  requests:
    description:
      - Pending requests, as returned by M(patguard.github.pat_request_info) in RV(patguard.github.pat_request_info#module:requests).
    type: list
    elements: dict
    default: []
  grants:
    description:
      - Active grants, as returned by M(patguard.github.pat_grant_info) in RV(patguard.github.pat_grant_info#module:grants).
    type: list
    elements: dict
    default: []
  decisions:
    description:
      - The evaluation already made, the C(decisions) list of the P(patguard.github.policy_plan#filter) filter
        (or of the C(pat_request_review_result) and C(pat_grant_hygiene_result) facts). Matched to the
        records by kind and id.
      - When not set, the records are evaluated here with O(policy) at O(now).
    type: list
    elements: dict
  policy:
    description:
      - The token policy (see C(docs/policy.md)); validated, normalized and recorded in the report.
    type: dict
    default: {}
  applied:
    description:
      - What the run applied, so the report can show it as the token's state.
      - C(approved) and C(denied) are request ids, C(revoked) grant ids (or result records with an C(id)).
    type: dict
    default: {}
  mode:
    description: The governance mode of the run (shown in the report).
    type: str
    choices: [report, enforce]
    default: report
  now:
    description:
      - Evaluation time (ISO 8601), for days to expiry, last use and the policy. Defaults to the current time.
    type: str
  previous:
    description:
      - A previous C(report.json) to compute the drift against.
      - When not set, the C(report.json) already in O(dest), if any, is the baseline.
    type: path
  page_size:
    description: Rows per page of the HTML table.
    type: int
    default: 100
  credential_authorizations:
    description:
      - SAML SSO credential authorizations (RV(patguard.github.credential_authorization_info#module:credential_authorizations)).
        When given, the report gains a C(credentials) section (counts by type, scopes held, tokens without expiry,
        unused 90+ days, a table, drift against the previous report), in every file but the CSV.
    type: list
    elements: dict
  credential_decisions:
    description: The C(decisions) of P(patguard.github.credential_policy_plan#filter) for those authorizations.
    type: list
    elements: dict
  credential_removed:
    description: C(credential_id) of the authorizations this run removed.
    type: list
    elements: int
    default: []
  audit_events:
    description:
      - Audit-log events (RV(patguard.github.audit_log_info#module:events)). When given, the report gains a
        C(history) section, the review decisions of the last O(history_days) days and who made them.
    type: list
    elements: dict
  history_days:
    description: Days of audit history to show.
    type: int
    default: 30
  expect_writes:
    description:
      - This run's writes as C({kind, token_id, at}) (see O(patguard.github.audit_log_info#module:expect)); the
        history then says whether their audit events have appeared.
    type: list
    elements: dict
seealso:
  - module: patguard.github.pat_request_info
  - module: patguard.github.pat_grant_info
  - plugin: patguard.github.policy_plan
    plugin_type: filter
"""

EXAMPLES = r"""
- name: List the pending requests
  patguard.github.pat_request_info:
    org: acme
  register: pending

- name: List the active grants
  patguard.github.pat_grant_info:
    org: acme
  register: active

- name: Write the inventory report on the controller
  patguard.github.pat_report:
    dest: /var/reports/acme-tokens
    org: acme
    requests: "{{ pending.requests }}"
    grants: "{{ active.grants }}"
    policy:
      max_lifetime_days: 90
      max_inactive_days: 60
      forbidden_permissions: [administration:write]
  delegate_to: localhost
  run_once: true
  register: report

- name: Show the headline
  ansible.builtin.debug:
    msg: "{{ report.lines }}"
"""

RETURN = r"""
files:
  description: Absolute paths of the report files, by name.
  returned: success
  type: dict
  sample:
    report.json: /var/reports/acme-tokens/report.json
    report.csv: /var/reports/acme-tokens/report.csv
    report.html: /var/reports/acme-tokens/report.html
    summary.md: /var/reports/acme-tokens/summary.md
written:
  description: Names of the files written (or that would be written in check mode).
  returned: success
  type: list
  elements: str
  sample: [report.json, report.html]
previous:
  description: Path of the baseline the drift was computed against, or null.
  returned: success
  type: str
  sample: /var/reports/acme-tokens/report.previous.json
summary:
  description: The report's summary (counts by state, decision and violation code, risk figures; see C(docs/reports.md)).
  returned: success
  type: dict
drift:
  description: Counts of the changes since the baseline (C(new), C(removed), C(expired), C(newly_violating), C(resolved), C(permission_upgrades)), or null.
  returned: success
  type: dict
  sample: {new: 3, removed: 1, expired: 0, newly_violating: 2, resolved: 0, permission_upgrades: 1}
lines:
  description: A few lines for the play's output.
  returned: success
  type: list
  elements: str
generated_at:
  description: The report's C(generated_at) (kept from the existing report when the inventory did not change).
  returned: success
  type: str
  sample: "2026-01-01T00:00:00Z"
"""
