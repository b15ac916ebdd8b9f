"""The set-up the benchmarks share: tests/fake_github as a child process, and ansible's env.

Not a benchmark itself; bench/governance.py and bench/multi_org.py import it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
COLLECTIONS = ROOT / "build" / "collections"


class FakeProcess:
    """tests/fake_github ``serve SERVE_ARGS`` on 127.0.0.1, stopped by its PID.

    Its files (port, pid, env, App key, output) live in ``workdir``; ``env`` holds the
    variables its env file exports (GITHUB_API_URL, the App's id and key path, ...).
    """

    def __init__(self, workdir, serve_args):
        self.workdir = Path(workdir)
        files = dict((name, self.workdir / ("fake.%s" % name)) for name in ("port", "pid", "env"))
        for path in files.values():
            path.unlink(missing_ok=True)  # a port file left by an earlier run is not this one's
        cmd = [sys.executable, "-m", "fake_github", "serve", *serve_args]
        cmd += ["--rate-limit", "1000000"]
        cmd += ["--port-file", str(files["port"]), "--pid-file", str(files["pid"])]
        cmd += ["--env-file", str(files["env"]), "--key-file", str(self.workdir / "app.pem")]
        self.out = open(self.workdir / "fake.out", "w")
        self.proc = subprocess.Popen(
            cmd,
            env=dict(os.environ, PYTHONPATH=str(ROOT / "tests")),
            stdout=self.out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(ROOT),
        )
        # Seeding many organizations takes a while on a busy machine: a generous limit.
        deadline = time.monotonic() + 300
        while not files["port"].exists() or not files["port"].read_text().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the fake GitHub did not start: %s" % (self.workdir / "fake.out").read_text())
            time.sleep(0.1)
        self.env = {}
        for line in files["env"].read_text().splitlines():
            if line.startswith("export "):
                key, _sep, value = line[len("export ") :].partition("=")
                self.env[key] = value.strip("'\"")
        self.base_url = self.env["GITHUB_API_URL"]
        self.http = requests.Session()

    def get(self, path):
        response = self.http.get(self.base_url + path, timeout=600)
        response.raise_for_status()
        return response.json()

    def post(self, path, body=None):
        response = self.http.post(self.base_url + path, json=body or {}, timeout=600)
        response.raise_for_status()
        return response.json()

    def state(self):
        return self.get("/_fake/state")

    def log(self):
        return self.get("/_fake/log")["entries"]

    def clear_log(self):
        self.post("/_fake/log/clear")

    def contract_errors(self):
        return self.get("/_fake/contract")["errors"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # our own child, by PID
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def ansible_env(fake, workdir, **extra):
    """The environment of an ansible-playbook run against ``fake``: none of the caller's
    GITHUB_/GH_/ANSIBLE_ variables, the fake's, this tree's collection, no write spacing."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_", "ANSIBLE_")))
    env.update(fake.env)
    env.update(
        {
            "PATH": "%s:%s" % (VENV_BIN, env.get("PATH", "")),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCAL_TEMP": str(Path(workdir) / "ansible-local"),
            "ANSIBLE_REMOTE_TEMP": str(Path(workdir) / "ansible-remote"),
            "PATGUARD_WRITE_INTERVAL": "0",
        }
    )
    env.update(extra)
    return env
