"""Run the collection's modules, roles and playbooks for real, through ansible-playbook.

Each call writes a small playbook that runs the task(s) and saves the registered result
with ``ansible.builtin.copy``, so tests read the module's actual result (what a user's
``register`` sees) plus the full stdout/stderr (checked for secrets and tracebacks).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_FIXTURE = REPO_ROOT / "tests" / "fake_github" / "fixtures" / "demo_org.yml"
# The policy the demo, the README, the molecule scenarios and these tests share (one file, one truth).
EXAMPLE_POLICY_FILE = REPO_ROOT / "docs" / "examples" / "policy.yml"
DEMO_POLICY = yaml.safe_load(EXAMPLE_POLICY_FILE.read_text())["patguard_policy"]
COLLECTIONS_ROOT = REPO_ROOT / "build" / "collections"
BIN = Path(sys.executable).parent
# The caller's GitHub credentials and endpoint: a test run never inherits them.
GITHUB_CREDENTIAL_ENV = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_APP_ID",
    "GITHUB_APP_PRIVATE_KEY",
    "GITHUB_API_URL",
    "GITHUB_APP_PRIVATE_KEY_PATH",
    "GITHUB_APP_INSTALLATION_ID",
)


class Run:
    """What one ansible-playbook run produced."""

    def __init__(self, rc, stdout, stderr, results):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = results  # one registered result per task, in order

    @property
    def result(self):
        return self.results[0] if self.results else None

    @property
    def output(self):
        return self.stdout + "\n" + self.stderr

    def __repr__(self):
        return "Run(rc=%s, results=%s, stderr=%s)" % (self.rc, self.results, self.stderr[-2000:])


def ansible_env(extra=None, workdir=None):
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_ROOT),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "PATGUARD_WRITE_INTERVAL": "0",
        }
    )
    if workdir:
        env["ANSIBLE_REMOTE_TEMP"] = str(Path(workdir) / "remote_tmp")
        env["ANSIBLE_LOCAL_TEMP"] = str(Path(workdir) / "local_tmp")
        env["HOME"] = env.get("HOME", str(workdir))
    for key in GITHUB_CREDENTIAL_ENV:
        env.pop(key, None)
    env.update(extra or {})
    return env


def run_tasks(
    tasks,
    check=False,
    diff=False,
    verbosity=0,
    env=None,
    extra_vars=None,
    roles=None,
    module_defaults=None,
    timeout=600,
    play_vars=None,
):
    """Run ``tasks`` (list of task dicts) on localhost; return a :class:`Run`.

    Every task is registered and its result saved, even when it fails (``ignore_errors``
    is set on each, so a test sees the failure result instead of a stopped play).
    """
    with tempfile.TemporaryDirectory(prefix="patguard-it-") as workdir:
        results_path = Path(workdir) / "results.json"
        play_tasks = []
        for index, task in enumerate(tasks):
            task = dict(task)
            task.setdefault("ignore_errors", True)
            task["register"] = "patguard_result_%d" % index
            play_tasks.append(task)
        saved = "[" + ", ".join("patguard_result_%d | default(None)" % i for i in range(len(tasks))) + "]"
        play_tasks.append(
            {
                "name": "Save results",
                "ansible.builtin.copy": {
                    "content": "{{ %s | to_json }}" % saved,
                    "dest": str(results_path),
                    "mode": "0600",
                },
                "check_mode": False,
                "diff": False,
            }
        )
        play = {
            "name": "patguard test",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": dict(play_vars or {}),
            "tasks": play_tasks,
        }
        play["vars"]["ansible_python_interpreter"] = sys.executable
        if roles:
            play["roles"] = roles
        if module_defaults:
            play["module_defaults"] = module_defaults
        playbook = Path(workdir) / "play.yml"
        playbook.write_text(yaml.safe_dump([play], sort_keys=False))
        return _run_playbook(playbook, workdir, check, diff, verbosity, env, extra_vars, timeout, results_path)


def run_playbook(playbook, check=False, diff=False, verbosity=0, env=None, extra_vars=None, timeout=900):
    """Run an existing playbook (path or FQCN); results are not captured, only rc and output."""
    with tempfile.TemporaryDirectory(prefix="patguard-it-") as workdir:
        return _run_playbook(playbook, workdir, check, diff, verbosity, env, extra_vars, timeout, None)


def _run_playbook(playbook, workdir, check, diff, verbosity, env, extra_vars, timeout, results_path):
    cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", str(playbook)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    if extra_vars:
        vars_file = Path(workdir) / "extra_vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        cmd += ["-e", "@%s" % vars_file]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=ansible_env(env, workdir),
        check=False,
        cwd=str(REPO_ROOT),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    results = []
    if results_path is not None and results_path.exists():
        results = json.loads(results_path.read_text())
    return Run(proc.returncode, proc.stdout, proc.stderr, results)


def app_auth(fake):
    """Module options that authenticate as the fake's GitHub App."""
    return {
        "api_url": fake.base_url,
        "app_id": str(fake.app_id),
        "private_key_path": str(fake.private_key_path),
        "write_interval": 0,
    }
