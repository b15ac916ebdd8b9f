"""``python -m fake_github serve|stop`` as scripts and molecule use it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import jwt
import requests

TESTS = Path(__file__).resolve().parent.parent
DEMO = TESTS / "fake_github" / "fixtures" / "demo_org.yml"


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 180) -> None:
    # A bound against a hang (loading four contracts on a loaded machine is slow), not a speed check.
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "fake did not start"
        time.sleep(0.05)


def test_serve_and_stop(tmp_path):
    files = {name: tmp_path / name for name in ("port", "pid", "env", "app.pem")}
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fake_github",
            "serve",
            "--port",
            "0",
            "--port-file",
            str(files["port"]),
            "--pid-file",
            str(files["pid"]),
            "--env-file",
            str(files["env"]),
            "--key-file",
            str(files["app.pem"]),
            "--fixture",
            str(DEMO),
            "--fault-rate",
            "0",
            "--latency-ms",
            "0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(files["port"], proc)
        port = int(files["port"].read_text())
        assert proc.stdout.readline().strip() == f"fake GitHub listening on http://127.0.0.1:{port}"
        assert int(files["pid"].read_text()) == proc.pid
        assert stat.S_IMODE(files["app.pem"].stat().st_mode) == 0o600
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in files["env"].read_text().splitlines()
            if line.startswith("export ")
        )
        assert exports["GITHUB_API_URL"] == f"http://127.0.0.1:{port}"
        assert exports["GITHUB_APP_PRIVATE_KEY_PATH"] == str(files["app.pem"])
        assert "unset GITHUB_APP_INSTALLATION_ID" in files["env"].read_text()
        now = int(time.time())
        token = jwt.encode(
            {"iat": now - 60, "exp": now + 540, "iss": exports["GITHUB_APP_ID"]},
            files["app.pem"].read_text(),
            algorithm="RS256",
        )
        app = requests.get(f"http://127.0.0.1:{port}/app", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert app.status_code == 200
        stopped = subprocess.run(
            [sys.executable, "-m", "fake_github", "stop", "--pid-file", str(files["pid"])],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert stopped.returncode == 0, stopped.stderr
        assert proc.wait(timeout=10) == 0
        assert not files["pid"].exists()
    finally:
        if proc.poll() is None:
            proc.kill()  # only the process this test started
            proc.wait()
