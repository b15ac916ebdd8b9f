#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_report_rollup
short_description: Roll the token reports of many organizations up into one enterprise page
version_added: 0.1.0
description:
  - Reads C(<dest>/<org>/report.json) of every organization in O(orgs), as P(patguard.github.pat_report#role) writes
    them, and writes to O(dest) C(index.html) (one self-contained page, organizations as rows with their figures,
    violations and drift, each linking to that organization's C(report.html)), C(rollup.json) (the same as data)
    and C(summary.md).
  - An organization without a report, or not in O(completed), is a row that says so (its old figures, if any, are
    flagged), and the task warns.
  - Runs on the controller (an action plugin) and sends nothing to GitHub.
author:
  - patguard maintainers (@patguard)
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it predicts without writing anything.
    support: full
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) in diff mode.
    support: none
  idempotent:
    description: Running the task again with the same reports reports no change.
    support: full
    details: When the rows are the same as in the existing C(rollup.json), its C(generated_at) is kept and nothing is written.
options:
  dest:
    description: The directory that holds one sub-directory per organization (C(<dest>/<org>/report.json)).
    type: path
    required: true
  orgs:
    description: The organizations to roll up, for example the hosts of the play (C(groups['pat_ready'])).
    type: list
    elements: str
    required: true
  completed:
    description:
      - The organizations whose pass completed in this run; the others are flagged as stale. All of O(orgs) when not set.
    type: list
    elements: str
  title:
    description: The page's title.
    type: str
    default: Fine-grained tokens across organizations
seealso:
  - module: patguard.github.pat_report
  - plugin: patguard.github.installations
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Roll the organizations' reports up into one page
  patguard.github.pat_report_rollup:
    dest: /var/reports/github-tokens
    orgs: "{{ groups['pat_ready'] }}"
    completed: "{{ groups['pat_ready'] | map('extract', hostvars) | selectattr('pat_governance_summary', 'defined')
                   | map(attribute='inventory_hostname') | list }}"
"""

RETURN = r"""
dest:
  description: The directory written to.
  returned: success
  type: str
written:
  description: Names of the files written (or that would be written in check mode).
  returned: success
  type: list
  elements: str
  sample: [index.html, rollup.json]
files:
  description: Path of each file of the roll-up.
  returned: success
  type: dict
organizations:
  description: The organizations rolled up, sorted by login.
  returned: success
  type: list
  elements: str
totals:
  description: Sums over the organizations with a report (C(present), C(violating), C(approved), C(denied), C(revoked), ...).
  returned: success
  type: dict
problems:
  description: The organizations without a current report, with why.
  returned: success
  type: list
  elements: dict
lines:
  description: A few lines for the play's output.
  returned: success
  type: list
  elements: str
"""
