# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pat_policy: the pass runs here, on the controller, in this process.

Doing the work in-process (instead of shipping the module) keeps 10,000-record listings out
of module stdout and lets the pass print its progress while it works. The options, the
connection environment variables and the results are the module's (plugins/modules/pat_policy.py).
"""

from __future__ import annotations

import gc
import os
import traceback

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient
from ansible_collections.patguard.github.plugins.module_utils._connection import (
    ConnectionOptions,
    auth_argument_spec,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError, redact
from ansible_collections.patguard.github.plugins.module_utils._policy_run import (
    Progress,
    attach_progress,
    check_inputs,
    hide_from_callbacks,
    policy_argument_spec,
    run_pass,
)

display = Display()


class _TaskEnvironment:
    """The task's ``environment:`` applied to this process while the pass runs (as a module would see it)."""

    def __init__(self, values):
        self.values = dict((str(k), str(v)) for k, v in (values or {}).items() if v is not None)
        self.saved = {}

    def __enter__(self):
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            os.environ[key] = value
        return self

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(list(policy_argument_spec()) + list(auth_argument_spec()))
    _supports_check_mode = True
    _supports_async = False

    def _environment(self):
        result = {}
        environments = self._task.environment or []
        if not isinstance(environments, list):
            environments = [environments]
        for environment in environments:
            value = self._templar.template(environment)
            if isinstance(value, dict):
                result.update(value)
        return result

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        spec = auth_argument_spec()
        spec.update(policy_argument_spec())
        with _TaskEnvironment(self._environment()):
            try:
                # private_key/private_key_path: checked by ConnectionOptions (it knows their sources).
                _validation, params = self.validate_argument_spec(argument_spec=spec)
            except AnsibleActionFail as exc:
                result.update(failed=True, msg=redact(str(exc)))
                return result
            # This worker is a fork of ansible-playbook: unfrozen, each full collection during the pass
            # scans (and copies on write) the whole inherited heap, 0.2 s of a 10,000-grant pass.
            # What the pass lets go of that heap is collected after the unfreeze.
            gc.freeze()
            try:
                return self._pass(result, params)
            finally:
                gc.unfreeze()

    def _pass(self, result, params):
        host = self._task.get_name() if hasattr(self._task, "get_name") else "pat_policy"
        progress = Progress(emit=lambda text: display.display("pat_policy %s: %s" % (params["org"], text)))
        warnings = []
        client = None
        try:
            check_inputs(params)
            options = ConnectionOptions.from_params(params)
            client = GitHubClient(options, org=params["org"])
            attach_progress(client, progress)
            outcome = run_pass(
                client, params, check_mode=bool(self._play_context.check_mode), progress=progress, warn=warnings.append
            )
        except PatguardError as exc:
            result.update(exc.fail_kwargs())
            result["failed"] = True
            if client is not None:
                result["api"] = client.stats.as_dict()
            return result
        except Exception as exc:  # a bug of ours: keep the message, drop the secrets
            result.update(
                failed=True,
                msg=redact("unexpected error in %s (%s): %s" % (host, type(exc).__name__, exc)),
                exception=redact(traceback.format_exc()),
            )
            return result
        outcome["api"] = client.stats.as_dict()
        api = outcome["api"]
        progress.say(
            "done: %d requests (%d writes), waited %.1f s"
            % (api["requests"], api["writes"], sum((api.get("waited_seconds") or {}).values()))
        )
        diff = bool(self._task.diff or self._play_context.diff)
        if diff:
            outcome["diff"] = {"prepared": "\n".join(outcome["plan_table"]) + "\n"}
        hide_from_callbacks(outcome, params, diff)
        if warnings:
            result["warnings"] = list(result.get("warnings") or []) + warnings
        _share_strings(outcome["decisions"])
        result.update(outcome)
        return result


def _share_strings(decisions):
    """Makes equal strings of the decisions one object (about 70 reasons among 12,000 decisions).

    The result is pickled to ansible-playbook, which keeps one copy of each distinct object
    (pickle writes an object once, however often it is referenced): fewer strings held there,
    by the registered result and by the facts the roles publish from it.
    """
    seen = {}
    for decision in decisions:
        for item in [decision] + list(decision.get("violations") or []):
            for key, value in list(item.items()):
                if isinstance(value, str):
                    item[key] = seen.setdefault(value, value)
