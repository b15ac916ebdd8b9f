# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""The shape of the controller-side actions (pat_report, pat_report_rollup).

Each action is a plain ``run_action(args, check_mode, diff)`` that needs no Ansible objects
(unit-testable); ``ControllerAction`` runs it for a task, sending nothing to the host.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase


def validate(spec: dict, args: dict) -> tuple[dict | None, dict | None]:
    """``(params, None)`` for valid ``args``, or ``(None, failed result)`` naming every bad option."""
    validation = ArgumentSpecValidator(spec).validate(dict(args))
    if validation.error_messages:
        # Ansible's own text of an unsupported option is only "org. Supported parameters include: ...".
        messages = [
            "Unsupported parameters: %s" % error if isinstance(error, UnsupportedError) else str(error)
            for error in validation.errors
        ]
        return None, {"failed": True, "changed": False, "msg": "; ".join(messages)}
    return validation.validated_parameters, None


class ControllerAction(ActionBase):
    """An action run on the controller whatever host the task is for (subclasses set ``run_action``)."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    run_action: Callable[..., dict[str, Any]]

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp  # nothing is sent to the host
        result.update(
            type(self).run_action(self._task.args, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff))
        )
        return result
