"""AWX at scale: the inventory source fed by the installations plugin, and the sliced job template.

* ``playbooks/awx_register.yml`` with ``patguard_awx_project`` registers the inventory, its scm
  source (the plugin file of the project, fed by the GitHub App credential) and the job template
  with job slicing, through the real awx.awx modules against a small fake of the controller API,
  idempotently.
* The plugin file as AWX runs it: the environment rendered from the credential type the way AWX
  renders injectors, then ``ansible-inventory --list --export`` (what an inventory update runs).
No AWX runs here (see awx_fake.py for where awx.awx comes from).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

import pytest
from awx_fake import BIN, FakeController, app_credential_env, awx_register, credential_type
from platform_venv import run_tool

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from harness import ansible_env

# awx.awx comes from the `ansible` package, like test_awx.py's (the platform tools).
pytestmark = pytest.mark.platform

API = "/api/v2/"
# job_template fields awx.awx associates through a sub-list instead of a field.
ASSOCIATIONS = {
    "job_templates": (
        "credentials",
        "labels",
        "instance_groups",
        "notification_templates_started",
        "notification_templates_success",
        "notification_templates_error",
    ),
    "inventory_sources": (
        "notification_templates_started",
        "notification_templates_success",
        "notification_templates_error",
    ),
}
SEEDED = {
    "organizations": [{"name": "Default"}],
    "projects": [{"name": "patguard-policies", "organization": 1, "scm_type": "git"}],
    "credentials": [{"name": "GitHub App", "organization": 1, "credential_type": 40}],
    "execution_environments": [{"name": "patguard-github-ee", "image": "registry.example.com/patguard-github-ee"}],
}


class StoreController(FakeController):
    """A generic list/detail/association store behind AWX's /api/v2/ URL scheme."""

    def __init__(self, token):
        super().__init__(token)
        self.store = {}
        self.links = {}
        self.next_id = 1
        for endpoint, items in SEEDED.items():
            for item in items:
                self._create(endpoint, dict(item))

    def _create(self, endpoint, body):
        ident = self.next_id
        self.next_id += 1
        url = "%s%s/%d/" % (API, endpoint, ident)
        item = dict(
            body,
            id=ident,
            url=url,
            type=endpoint[:-1],
            related=dict((name, url + name + "/") for name in ASSOCIATIONS.get(endpoint, ())),
        )
        self.store.setdefault(endpoint, {})[ident] = item
        return item

    def items(self, endpoint):
        return list(self.store.get(endpoint, {}).values())

    def handle(self, request, body):
        answer = self.answer
        parts = request.path[len(API) :].strip("/").split("/") if request.path.startswith(API) else []
        if len(parts) == 1 and request.method == "GET":
            return answer(200, self._list(parts[0], request.args))
        if len(parts) == 1 and request.method == "POST":
            return answer(201, self._create(parts[0], body or {}))
        if len(parts) == 2 and parts[1].isdigit() and int(parts[1]) in self.store.get(parts[0], {}):
            item = self.store[parts[0]][int(parts[1])]
            if request.method == "PATCH":
                item.update(body or {})
            return answer(200, item)
        if len(parts) == 3 and parts[2] in ASSOCIATIONS.get(parts[0], ()):
            key = (parts[0], int(parts[1]), parts[2])
            linked = self.links.setdefault(key, [])
            if request.method == "GET":
                found = [i for ident in linked for e in self.store.values() for k, i in e.items() if k == ident]
                return answer(200, {"count": len(found), "next": None, "previous": None, "results": found})
            if body.get("disassociate"):
                linked.remove(body["id"])
            else:
                linked.append(body["id"])
            return answer(204)
        return answer(404, {"detail": "Not found."})

    def _list(self, endpoint, args):
        query = dict(
            (k, v)
            for k, v in parse_qsl("&".join("%s=%s" % kv for kv in args.items(multi=True)))
            if k not in ("page_size", "page")
        )
        either = dict((k[4:], v) for k, v in query.items() if k.startswith("or__"))
        exact = dict((k, v) for k, v in query.items() if not k.startswith("or__"))

        def matches(item):
            if any(str(item.get(k)) != v for k, v in exact.items()):
                return False
            return not either or any(str(item.get(k)) == v for k, v in either.items())

        found = [i for i in self.items(endpoint) if matches(i)]
        return {"count": len(found), "next": None, "previous": None, "results": found}


@pytest.mark.slow
def test_awx_register_adds_the_inventory_source_and_the_sliced_template_idempotently(tmp_path):
    token = "awx-test-token"
    with StoreController(token) as controller:
        runs = []
        for _run in range(2):
            runs.append(
                awx_register(
                    controller,
                    tmp_path,
                    "patguard_awx_project=patguard-policies",
                    "patguard_awx_credential='GitHub App'",
                    "patguard_awx_slices=4",
                    timeout=600,
                )
            )
            assert runs[-1].returncode == 0, runs[-1].stdout[-3000:] + runs[-1].stderr[-3000:]
        assert "changed=4" in runs[0].stdout, runs[0].stdout[-2000:]  # type, inventory, source, template
        assert "changed=0" in runs[1].stdout, runs[1].stdout[-3000:]
        writes = [entry for entry in controller.log if entry[0] in ("POST", "PATCH")]
        assert len(writes) == 5, writes  # four creations and the credential linked to the template

        (inventory,) = controller.items("inventories")
        (source,) = controller.items("inventory_sources")
        (template,) = controller.items("job_templates")
        (project,) = controller.items("projects")
        (credential,) = controller.items("credentials")
        (ee,) = controller.items("execution_environments")
        assert inventory["name"] == "GitHub App installations" and inventory["organization"] == 1
        assert source["source"] == "scm" and source["source_project"] == project["id"]
        assert source["source_path"] == "inventories/github.patguard.yml"
        assert source["source_path"].endswith(".patguard.yml")  # what the plugin's verify_file accepts
        assert source["credential"] == credential["id"] and source["inventory"] == inventory["id"]
        assert source["update_on_launch"] is True and source["overwrite"] is True
        assert source["execution_environment"] == ee["id"]
        assert template["job_slice_count"] == 4 and template["forks"] == 5
        assert template["inventory"] == inventory["id"] and template["project"] == project["id"]
        assert template["playbook"] == "enforce_policy_all.yml" and template["limit"] == "pat_ready"
        assert controller.links[("job_templates", template["id"], "credentials")] == [credential["id"]]
        assert "slices of 5 forks" in runs[0].stdout


@pytest.mark.slow
def test_without_a_project_only_the_credential_type_is_registered(tmp_path):
    token = "awx-test-token"
    with StoreController(token) as controller:
        run = awx_register(controller, tmp_path, timeout=600)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert [i["name"] for i in controller.items("credential_types")] == [credential_type()["name"]]
        assert not controller.items("inventories") and not controller.items("job_templates")


def unwrap(value):
    """A value of ansible-inventory's JSON, without the marker of untrusted (not template) text."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((k, unwrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def awx_inventory_update(tmp_path, fake, inventory_file, extra_env=None):
    """What an AWX inventory update runs: ansible-inventory --list --export on the project's file,
    with the environment the GitHub App credential's injectors produce."""
    env = app_credential_env(fake, tmp_path / "private_data_dir")
    env["GITHUB_API_URL"] = fake.base_url
    env.update(extra_env or {})
    run = run_tool([BIN / "ansible-inventory", "-i", inventory_file, "--list", "--export"], ansible_env(env, tmp_path))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(run.stdout), run


def test_the_inventory_update_as_awx_runs_it(tmp_path, fake_github):  # noqa: F811
    fake = fake_github(grants=3, requests=1, seed=3)
    inventory_file = tmp_path / "project" / "inventories" / "github.patguard.yml"
    inventory_file.parent.mkdir(parents=True)
    inventory_file.write_text("plugin: patguard.github.installations\n")
    data, run = awx_inventory_update(tmp_path, fake, inventory_file)
    assert data["pat_ready"]["hosts"] == [fake.org]
    hostvars = data["_meta"]["hostvars"][fake.org]
    assert hostvars["patguard_installation_id"] == fake.installation_id
    # Strings from GitHub are never templates: ansible-inventory marks them so (AWX keeps them as text).
    assert unwrap(hostvars["patguard_org"]) == fake.org
    text = run.stdout + run.stderr
    assert fake.private_key_pem.strip().splitlines()[1] not in text
    assert not re.search(r"ghs_[A-Za-z0-9]{20}|eyJ[A-Za-z0-9_-]{20}", text)
    assert [e["path"] for e in fake.request_log] == ["/app/installations"]
