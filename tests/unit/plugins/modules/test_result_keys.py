"""No module returns a key that Ansible reads as its own (issue 13.2).

A module result key named ``skipped`` made an idempotent rerun print ``localhost | SKIPPED`` and
``r is skipped`` true; ``unreachable`` would mark the host unreachable, ``results`` is renamed by
the action plugin, and so on. The reserved names are taken from ansible-core itself: its
constants, the keys its task-result class preserves or ignores, and every ``result[...]`` /
``result.get(...)`` key its executor, strategy, callbacks and tests read; plus the documented
ones (``ansible_*``, ``_ansible_*``). ``tests/integration/test_result_keys.py`` checks real results.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ansible
import pytest
import yaml
from ansible import constants
from ansible.executor import task_result

REPO = Path(__file__).resolve().parents[4]
MODULES = sorted(p for p in (REPO / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")
CORE = Path(ansible.__file__).parent
# Where ansible-core reads task results by key.
CORE_READERS = (
    "executor/task_executor.py",
    "executor/task_result.py",
    "plugins/strategy/__init__.py",
    "plugins/callback/__init__.py",
    "plugins/callback/default.py",
    "plugins/test/core.py",
    "vars/clean.py",
)
# Documented result keys of Ansible ("Return Values" page of the ansible-core docs).
DOCUMENTED = {
    "backup_file",
    "changed",
    "diff",
    "failed",
    "failed_when_result",
    "invocation",
    "msg",
    "rc",
    "results",
    "skipped",
    "stderr",
    "stderr_lines",
    "stdout",
    "stdout_lines",
    "ansible_facts",
    "exception",
    "warnings",
    "deprecations",
    "item",
    "attempts",
    "retries",
    "unreachable",
    "skip_reason",
    "false_condition",
    "module_stdout",
    "module_stderr",
}
# Keys a module may return with exactly Ansible's meaning (documented as such in RETURN).
ANSIBLE_MEANING = {"changed", "diff"}


def reserved_keys():
    keys = set(DOCUMENTED)
    # Where each ansible-core keeps its lists (2.21 moved the task_result ones); what it no
    # longer has is still covered by DOCUMENTED and by reading the executor below.
    for name in ("_IGNORE", "_PRESERVE", "_SUB_PRESERVE"):
        keys.update(getattr(task_result, name, ()))
    for name in ("INTERNAL_RESULT_KEYS", "RESTRICTED_RESULT_KEYS"):
        keys.update(getattr(constants, name, ()))
    pattern = re.compile(r"""(?:result|_return_data)(?:\.get\(|\[)\s*['"]([A-Za-z_]+)['"]""")
    for name in CORE_READERS:
        path = CORE / name
        if path.exists():
            keys.update(pattern.findall(path.read_text(encoding="utf-8")))
    return keys


def is_reserved(key, reserved):
    return key in reserved or key.startswith("ansible_") or key.startswith("_ansible_")


def documented_return(path):
    """Top-level keys of a module's RETURN block (parsed, not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "RETURN" for t in node.targets):
            return yaml.safe_load(node.value.value) or {}
    raise AssertionError("%s has no RETURN" % path.name)


def test_the_reserved_list_comes_from_ansible_core():
    reserved = reserved_keys()
    # Read from core, not only from our list: these come from its sources and constants.
    assert {"skipped", "failed", "changed", "unreachable", "results", "invocation", "add_host"} <= reserved
    assert "ansible_job_id" in reserved or is_reserved("ansible_job_id", reserved)


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_no_module_documents_a_reserved_result_key(path):
    reserved = reserved_keys()
    clashes = sorted(k for k in documented_return(path) if is_reserved(k, reserved) and k not in ANSIBLE_MEANING)
    assert clashes == [], "%s returns keys Ansible reads as its own: %s" % (path.stem, clashes)


def test_every_module_is_checked():
    assert {"pat_request", "pat_grant", "pat_request_info", "pat_grant_info"} <= {p.stem for p in MODULES}
    assert len(MODULES) >= 9
