# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of patguard.github.pat_policy_result (documented in plugins/modules/pat_policy_result.py).

The roles publish their halves of a pat_policy pass with it. ``set_fact`` would template the
pass's 10,000 decisions (ansible-core renders every value of a template's result, seconds for
one pass); read here by name from the task's variables, they are only sliced and registered.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ansible.plugins.action import ActionBase

from ansible_collections.patguard.github.plugins.filter.summary import policy_api_totals
from ansible_collections.patguard.github.plugins.plugin_utils._action import validate

# The options of DOCUMENTATION in plugins/modules/pat_policy_result.py.
ARGUMENT_SPEC = dict(
    pass_var=dict(type="str", required=True),
    part=dict(type="str", required=True, choices=["review", "hygiene"]),
    count_api=dict(type="bool", default=True),
)

# What every pat_policy result holds (plugins/modules/pat_policy.py RETURN).
_PASS_KEYS = ("review", "hygiene", "decisions", "api")


def _not_a_pass(name: str, value: Any) -> Optional[str]:
    """Why the variable ``name`` cannot be read as a pat_policy result, or None when it can."""
    if not isinstance(value, dict):
        return "pass_var: the variable %r holds a %s, not the registered result of patguard.github.pat_policy" % (
            name,
            type(value).__name__,
        )
    if value.get("skipped"):
        return "pass_var: the pat_policy task registered as %r was skipped, so there is no pass to read" % name
    if value.get("failed"):
        return "pass_var: the pat_policy task registered as %r failed, so its pass is incomplete: %s" % (
            name,
            value.get("msg") or "no message",
        )
    missing = [key for key in _PASS_KEYS if key not in value]
    if missing:
        return "pass_var: the variable %r is not a result of patguard.github.pat_policy (it has no %s)" % (
            name,
            ", ".join(missing),
        )
    return None


def policy_part(pass_result: Dict[str, Any], part: str, count_api: bool = True) -> Dict[str, Any]:
    """The ``review`` or ``hygiene`` part of a pat_policy result, with its own decisions and the API totals.

    The pass lists its decisions once, requests first (``review.summary.requests`` of them).
    """
    requests = int(pass_result["review"]["summary"]["requests"])
    decisions = pass_result["decisions"]
    result = dict(pass_result[part])
    result["decisions"] = decisions[:requests] if part == "review" else decisions[requests:]
    api = pass_result["api"]
    result["api"] = policy_api_totals([api]) if count_api else None
    result["api_requests"] = int((api or {}).get("requests") or 0) if count_api else 0
    return result


def run_action(args: Dict[str, Any], task_vars: Dict[str, Any]) -> Dict[str, Any]:
    """The task result for ``args`` over the variables ``task_vars`` (no Ansible objects needed)."""
    params, failure = validate(ARGUMENT_SPEC, args)
    if failure:
        return failure
    name = params["pass_var"]
    if name not in task_vars:
        return {"failed": True, "changed": False, "msg": "pass_var: no variable named %r is defined" % name}
    problem = _not_a_pass(name, task_vars[name])
    if problem:
        return {"failed": True, "changed": False, "msg": problem}
    result = policy_part(task_vars[name], params["part"], params["count_api"])
    result["changed"] = False  # publishing changes nothing; the pass task reports its own changes
    return result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: Optional[str] = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp  # nothing is sent to the host
        result.update(run_action(self._task.args, task_vars or {}))
        return result
