"""Virtual environments for the platform tests (release, execution environment, AWX, EDA, docs site).

The platform tools (ansible-rulebook, antsibull-docs, antsibull-changelog, Sphinx, bindep) do
not belong in the project's ``.venv``: they pin their own dependencies and only these tests
need them. They are installed from PyPI into ``build/venvs/tools-<hash>`` once and reused
until ``requirements.txt``, ``tests/integration/platform-tools.txt``, the ansible-core of the
running interpreter or the Python version changes. A file lock keeps two pytest-xdist workers
from building the same venv at once.

``fresh_venv`` makes a throw-away venv with only ansible-core and ``requirements.txt`` (what a
user of the released collection installs); pip's own cache keeps that fast on later runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENVS = REPO_ROOT / "build" / "venvs"
TOOLS_REQUIREMENTS = Path(__file__).resolve().parent / "platform-tools.txt"
PIP_ENV = {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def ansible_core_version():
    """The ansible-core of the interpreter running the tests (the project's .venv)."""
    from ansible.release import __version__

    return __version__


def base_python():
    """The real interpreter behind the running venv, so new venvs do not depend on it."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def _pip_env():
    env = dict(os.environ)
    env.update(PIP_ENV)
    for key in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(key, None)
    return env


def _run(cmd, log, timeout):
    with open(log, "a", encoding="utf-8") as out:
        out.write("$ %s\n" % " ".join(str(c) for c in cmd))
        out.flush()
        proc = subprocess.run(
            [str(c) for c in cmd],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_pip_env(),
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    if proc.returncode != 0:
        tail = Path(log).read_text(encoding="utf-8", errors="replace")[-4000:]
        raise RuntimeError("command failed (exit %s): %s\n%s" % (proc.returncode, " ".join(map(str, cmd)), tail))


def create_venv(path, pip_args, log=None, timeout=900):
    """Create a venv at ``path`` and ``pip install`` ``pip_args`` into it."""
    path = Path(path)
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    log = Path(log or str(path) + ".log")
    log.write_text("", encoding="utf-8")
    _run([base_python(), "-m", "venv", path], log, 120)
    _run([path / "bin" / "python", "-m", "pip", "install", "-q"] + list(pip_args), log, timeout)
    return path


def fresh_venv(path):
    """A new venv with only the collection's runtime: ansible-core (same as .venv) + requirements.txt."""
    return create_venv(path, ["ansible-core==%s" % ansible_core_version(), "-r", REPO_ROOT / "requirements.txt"])


def tools_venv():
    """The cached venv with the platform tools; built on first use (a few minutes), then reused."""
    core = ansible_core_version()
    digest = hashlib.sha256()
    for part in (
        (REPO_ROOT / "requirements.txt").read_bytes(),
        TOOLS_REQUIREMENTS.read_bytes(),
        core.encode(),
        ("%d.%d" % sys.version_info[:2]).encode(),
    ):
        digest.update(part)
        digest.update(b"\0")
    key = digest.hexdigest()[:12]
    venv = VENVS / ("tools-" + key)
    stamp = venv / ".complete"
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / "tools.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            for old in VENVS.glob("tools-*"):
                if old.is_dir() and old != venv:
                    shutil.rmtree(old, ignore_errors=True)
            create_venv(
                venv, ["ansible-core==%s" % core, "-r", REPO_ROOT / "requirements.txt", "-r", TOOLS_REQUIREMENTS]
            )
            stamp.write_text(key, encoding="utf-8")
    return venv


def venv_env(venv, extra=None):
    """Environment that runs ``venv``'s executables first on PATH."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = "%s:%s" % (Path(venv) / "bin", env.get("PATH", ""))
    env.update(PIP_ENV)
    env.update(extra or {})
    return env


def adhoc_result(stdout):
    """The module result of a one-host ``ansible HOST -o -m MODULE`` run ("host | STATUS => {...}")."""
    import json

    line = next(line for line in stdout.splitlines() if " => {" in line)
    return json.loads(line.split(" => ", 1)[1])


def build_tarball(out):
    """``ansible-galaxy collection build`` of this tree into ``out`` (the running venv's ansible-galaxy)."""
    from harness import ansible_env

    cmd = [Path(sys.executable).parent / "ansible-galaxy", "collection", "build", "--force", "--output-path", out]
    return run_tool(cmd + [REPO_ROOT], ansible_env())


def copy_ignore(*more):
    """What a copy of the tree for a tool leaves out: venvs, build output, caches, tarballs, ``more``."""
    return shutil.ignore_patterns(
        ".venv", ".venvs", "build", ".git", ".hypothesis", ".pytest_cache", "__pycache__", "*.tar.gz", *more
    )


def run_tool(cmd, env, cwd=None, timeout=300):
    """``cmd`` run to its end with its output captured as text; the caller checks the exit code.
    ``env`` None: this process's environment."""
    return subprocess.run(
        [str(part) for part in cmd],
        cwd=None if cwd is None else str(cwd),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def adhoc(ansible, python, module, args, env, cwd=None):
    """``ansible localhost -o -m MODULE -a ARGS`` with the ``ansible`` executable given, the
    module run by ``python`` on the controller (read the result with :func:`adhoc_result`)."""
    cmd = [ansible, "localhost", "-o", "-i", "localhost,", "-c", "local"]
    cmd += ["-e", "ansible_python_interpreter=%s" % python, "-m", module, "-a", args]
    return run_tool(cmd, env, cwd)
