"""What the AWX tests share: the credential type, AWX's way of rendering it, awx.awx, and a
fake of the controller API (test_awx.py, test_awx_inventory.py).

No AWX runs here; awx.awx comes from the ``ansible`` package on PyPI (Galaxy is not
reachable), extracted into build/.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from types import SimpleNamespace

import yaml
from platform_venv import REPO_ROOT, VENVS, _pip_env

from harness import ansible_env

CREDENTIAL_TYPE = REPO_ROOT / "extensions" / "awx" / "credential_type_github_app.yml"
BIN = Path(sys.executable).parent
# The community `ansible` package bundles awx.awx; any release with it will do.
ANSIBLE_PACKAGE = "ansible>=11,<13"
CONTROLLER_TOKEN = "awx-test-token"


def credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def render_like_awx(ct, inputs, private_data_dir):
    """Render the injectors as AWX does for a custom credential type (sandboxed Jinja2, one 0600
    file per ``template.NAME`` under the job's private data dir, its path as tower.filename.NAME)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict(inputs)
    filenames = SimpleNamespace()
    env_dir = Path(private_data_dir) / "env"
    env_dir.mkdir(parents=True)
    for label, template in ct["injectors"].get("file", {}).items():
        path = env_dir / ("tmp_" + label.replace(".", "_"))
        path.write_text(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        setattr(filenames, label.split(".", 1)[1], str(path))
    namespace["tower"] = SimpleNamespace(filename=filenames)
    return {
        name: sandbox.from_string(template).render(**namespace) for name, template in ct["injectors"]["env"].items()
    }


def app_credential_env(fake, private_data_dir):
    """The environment AWX injects for a GitHub App credential of ``fake``'s App (api_url left
    empty: the default applies; a fake without installation gets id 1)."""
    inputs = {
        "app_id": str(fake.app_id),
        "private_key": fake.private_key_pem,
        "installation_id": str(fake.installation_id or 1),
    }
    return render_like_awx(credential_type(), inputs, private_data_dir)


def awx_collection():
    """awx.awx from the `ansible` package on PyPI, unpacked once into build/venvs/awx-collection."""
    import fcntl

    root = VENVS / "awx-collection"
    done = root / "ansible_collections" / "awx" / "awx" / "MANIFEST.json"
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / "awx-collection.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            download = VENVS / "awx-download"
            download.mkdir(exist_ok=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--only-binary=:all:",
                    "-d",
                    str(download),
                    ANSIBLE_PACKAGE,
                ],
                env=_pip_env(),
                check=True,
                timeout=900,
                stdin=subprocess.DEVNULL,
            )
            wheel = sorted(download.glob("ansible-*.whl"))[-1]
            with zipfile.ZipFile(wheel) as archive:
                members = [m for m in archive.namelist() if m.startswith("ansible_collections/awx/awx/")]
                archive.extractall(root, members)
            for old in download.glob("*.whl"):
                old.unlink()
    return root


class FakeController:
    """The controller's HTTP side on 127.0.0.1 (bearer token, AWX's product headers, a request
    log of (method, path, query, body)); a subclass answers ``handle(request, body)``."""

    def __init__(self, token=CONTROLLER_TOKEN):
        from werkzeug.serving import make_server

        self.token = token
        self.log = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = "http://127.0.0.1:%d" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def answer(status, payload=None):
        from werkzeug.wrappers import Response

        return Response(
            json.dumps(payload) if payload is not None else "",
            status=status,
            mimetype="application/json",
            headers={"X-API-Product-Name": "AWX", "X-API-Product-Version": "24.6.1"},
        )

    def app(self, environ, start_response):
        from werkzeug.wrappers import Request

        request = Request(environ)
        body = request.get_json(silent=True) if request.data else None
        self.log.append((request.method, request.path, dict(request.args), body))
        if request.headers.get("Authorization") != "Bearer " + self.token:
            response = self.answer(401, {"detail": "Authentication credentials were not provided."})
        else:
            response = self.handle(request, body)
        return response(environ, start_response)

    def handle(self, request, body):
        raise NotImplementedError

    def env(self, workdir):
        """ansible's environment for awx.awx modules against this controller."""
        env = ansible_env(
            {"CONTROLLER_HOST": self.url, "CONTROLLER_OAUTH_TOKEN": self.token, "CONTROLLER_VERIFY_SSL": "false"},
            workdir,
        )
        env["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (env["ANSIBLE_COLLECTIONS_PATH"], awx_collection())
        return env

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def awx_register(controller, workdir, *extra_vars, timeout=300):
    """Run playbook patguard.github.awx_register (``-e`` each of ``extra_vars``) against ``controller``."""
    cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", "patguard.github.awx_register"]
    for value in extra_vars:
        cmd += ["-e", value]
    return subprocess.run(
        cmd,
        env=controller.env(workdir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=str(workdir),
    )
