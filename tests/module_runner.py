"""Running a module's ``main()`` in the test process, its HTTP session scripted (no server).

Shared by the unit tests of the modules (``tests/`` is on ``sys.path``, see tests/conftest.py):
the ``session`` fixture (import it into the test file) and :func:`run_module_output`.
"""

from __future__ import annotations

import json

import pytest
from http_doubles import ScriptedSession

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 (the compat runs collect the module tests too)
    import contextlib

    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old


from ansible_collections.patguard.github.plugins.module_utils import _module  # noqa: E402
from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient  # noqa: E402

# The caller's credentials, endpoint and write spacing: a unit test never inherits them.
CLEARED_ENV = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_APP_ID",
    "GITHUB_APP_PRIVATE_KEY",
    "GITHUB_APP_PRIVATE_KEY_PATH",
    "GITHUB_API_URL",
    "PATGUARD_WRITE_INTERVAL",
)


@pytest.fixture
def session(monkeypatch):
    """Every client the module builds uses one scripted session; fill ``session.script``."""
    scripted = ScriptedSession([])
    monkeypatch.setattr(
        _module,
        "GitHubClient",
        lambda options, org=None: GitHubClient(options, org=org, session=scripted, sleep=lambda s: None),
    )
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    return scripted


def run_module_output(module, args, capsys, check_mode=False, diff=False):
    """Run ``module.main()`` with ``args``; return (its result, its raw JSON output)."""
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out), out
