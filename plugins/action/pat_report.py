# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of patguard.github.pat_report (documented in plugins/modules/pat_report.py).

The report is built on the controller, so its page is rendered from the real template and
asset files of plugin_utils/report_assets with Jinja2 (which ships with Ansible), and the
files are written on the controller whatever host the task runs for.
"""

from __future__ import annotations

from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.plugin_utils._action import ControllerAction, validate
from ansible_collections.patguard.github.plugins.plugin_utils._report_credentials import (
    ARGUMENT_SPEC as CREDENTIAL_ARGUMENT_SPEC,
)
from ansible_collections.patguard.github.plugins.plugin_utils._report_files import run_report

# The options of DOCUMENTATION in plugins/modules/pat_report.py (a unit test compares them).
ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    org=dict(type="str"),
    requests=dict(type="list", elements="dict", default=[]),
    grants=dict(type="list", elements="dict", default=[]),
    decisions=dict(type="list", elements="dict"),
    policy=dict(type="dict", default={}),
    applied=dict(type="dict", default={}),
    mode=dict(type="str", choices=["report", "enforce"], default="report"),
    now=dict(type="str"),
    previous=dict(type="path"),
    page_size=dict(type="int", default=100),
)
ARGUMENT_SPEC.update(CREDENTIAL_ARGUMENT_SPEC)


def run_action(args: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """The task result for the task's ``args`` (no Ansible objects needed: unit-testable)."""
    params, failure = validate(ARGUMENT_SPEC, args)
    if failure:
        return failure
    try:
        result, warnings = run_report(params, check_mode=check_mode, diff=diff)
    except PatguardError as exc:  # ReportError, PolicyError
        return dict(exc.fail_kwargs(), failed=True, changed=False)
    if warnings:
        result["warnings"] = warnings
    return result


class ActionModule(ControllerAction):
    run_action = staticmethod(run_action)
