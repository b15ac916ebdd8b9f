"""The AWX / Ansible Automation Platform credential type for GitHub App credentials.

* Its injectors set exactly the environment variables the ``patguard.github.auth`` doc fragment
  documents for App credentials, and the private key only ever as a file.
* Rendered the way AWX renders custom credential types (Jinja2 sandbox, ``tower.filename``),
  the environment it produces authenticates a module against the fake GitHub.
* ``playbooks/awx_register.yml`` registers it with the real ``awx.awx.credential_type`` module
  against a small fake of the controller API, idempotently, with AWX's templates passed on
  untouched. No AWX runs here; awx.awx comes from the ``ansible`` package on PyPI (Galaxy is
  not reachable), extracted into build/.
"""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest
import yaml
from awx_fake import BIN, FakeController, app_credential_env, awx_register, credential_type
from platform_venv import REPO_ROOT, adhoc, adhoc_result

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from harness import ansible_env

pytestmark = pytest.mark.platform

AUTH_FRAGMENT = REPO_ROOT / "plugins" / "doc_fragments" / "auth.py"


def documented_env():
    """{option: [env names]} from the auth doc fragment's E(...) mentions."""
    namespace = {}
    exec(compile(AUTH_FRAGMENT.read_text(), str(AUTH_FRAGMENT), "exec"), namespace)  # noqa: S102
    options = yaml.safe_load(namespace["ModuleDocFragment"].DOCUMENTATION)["options"]
    return {
        name: re.findall(r"E\(([A-Z0-9_]+)\)", " ".join(spec.get("description", []))) for name, spec in options.items()
    }


def test_injector_env_names_are_the_documented_app_variables():
    env = documented_env()
    injected = set(credential_type()["injectors"]["env"])
    app_options = ("app_id", "private_key_path", "installation_id", "api_url")
    assert injected == {name for option in app_options for name in env[option]}
    assert injected <= {name for names in env.values() for name in names}
    # ... and the collection reads each of them (module_utils/_connection.py).
    from ansible_collections.patguard.github.plugins.module_utils._connection import ENV_FALLBACKS

    assert injected <= {name for names in ENV_FALLBACKS.values() for name in names}


def test_private_key_is_a_secret_file_never_an_environment_variable():
    ct = credential_type()
    fields = {f["id"]: f for f in ct["inputs"]["fields"]}
    assert fields["private_key"]["secret"] is True and fields["private_key"]["multiline"] is True
    assert ct["injectors"]["file"] == {"template.private_key": "{{ private_key }}"}
    env = ct["injectors"]["env"]
    assert "GITHUB_APP_PRIVATE_KEY" not in env
    assert env["GITHUB_APP_PRIVATE_KEY_PATH"] == "{{ tower.filename.private_key }}"
    assert not any("private_key }}" in value and "filename" not in value for value in env.values())
    assert ct["kind"] == "cloud"


def test_every_injected_variable_always_has_a_value():
    """AWX renders a template whose input is empty to ''; the modules reject an empty variable."""
    ct = credential_type()
    required = set(ct["inputs"]["required"])
    for name, template in ct["injectors"]["env"].items():
        inputs = set(re.findall(r"{{\s*([a-z_]+)", template)) - {"tower"}
        assert inputs <= required or "default(" in template, (name, template)


def test_awx_style_injection_authenticates_a_module(tmp_path, fake_github):  # noqa: F811
    fake = fake_github(grants=4, requests=2, seed=5)
    env = app_credential_env(fake, tmp_path / "private_data_dir")
    assert env["GITHUB_API_URL"] == "https://api.github.com"
    assert env["GITHUB_APP_INSTALLATION_ID"] == str(fake.installation_id)
    key_path = Path(env["GITHUB_APP_PRIVATE_KEY_PATH"])
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_text() == fake.private_key_pem
    assert not any(fake.private_key_pem.strip() in value for value in env.values())

    env = dict(env, GITHUB_API_URL=fake.base_url)  # the one value a real credential would point elsewhere
    env.update({"PATGUARD_WRITE_INTERVAL": "0"})
    run = adhoc(
        BIN / "ansible",
        sys.executable,
        "patguard.github.pat_request_info",
        "org=%s" % fake.org,
        ansible_env(env, tmp_path),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = adhoc_result(run.stdout)
    assert result["count"] == 2, result
    assert fake.private_key_pem.strip().splitlines()[1] not in run.stdout + run.stderr
    # The installation id came from the credential: no GET /orgs/{org}/installation lookup.
    assert not [e for e in fake.request_log if e["path"].endswith("/installation")]


# -- awx_register against a fake controller API ----------------------------------------------------


class CredentialTypeController(FakeController):
    """Just enough of AWX's /api/v2/credential_types/ for awx.awx.credential_type."""

    def __init__(self, token):
        super().__init__(token)
        self.items = {}

    def handle(self, request, body):
        if request.path == "/api/v2/credential_types/" and request.method == "GET":
            found = [i for i in self.items.values() if i["name"] == request.args.get("name")]
            return self.answer(200, {"count": len(found), "next": None, "previous": None, "results": found})
        if request.path == "/api/v2/credential_types/" and request.method == "POST":
            ident = len(self.items) + 1
            item = dict(
                body,
                id=ident,
                type="credential_type",
                url="/api/v2/credential_types/%d/" % ident,
                namespace=None,
                managed=False,
            )
            self.items[ident] = item
            return self.answer(201, item)
        if re.fullmatch(r"/api/v2/credential_types/\d+/", request.path) and request.method == "PATCH":
            item = self.items[int(request.path.split("/")[-2])]
            item.update(body)
            return self.answer(200, item)
        return self.answer(404, {"detail": "Not found."})


@pytest.mark.slow
def test_awx_register_playbook_registers_the_type_idempotently(tmp_path):
    token = "awx-test-token"
    with CredentialTypeController(token) as controller:
        runs = []
        for _run in range(2):
            runs.append(awx_register(controller, tmp_path))
            assert runs[-1].returncode == 0, runs[-1].stdout[-3000:] + runs[-1].stderr[-3000:]
        assert "changed=1" in runs[0].stdout and "is registered" in runs[0].stdout
        assert "changed=0" in runs[1].stdout and "is up to date" in runs[1].stdout
        methods = [entry[0] for entry in controller.log]
        assert methods.count("POST") == 1 and "PATCH" not in methods
        assert len(controller.items) == 1
        stored = list(controller.items.values())[0]
    ct = credential_type()
    # AWX receives the definition exactly as shipped: its {{ }} templates are not Ansible's to render.
    assert stored["name"] == ct["name"] and stored["kind"] == "cloud"
    assert stored["inputs"] == ct["inputs"]
    assert stored["injectors"] == ct["injectors"]
