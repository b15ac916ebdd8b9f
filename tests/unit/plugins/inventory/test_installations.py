"""The ``patguard.github.installations`` inventory plugin, loaded by Ansible's own plugin loader.

GitHub is a scripted ``requests`` session behind the real client, so every request the plugin
sends (method, URL, auth) is checked; groups, variables, globs, filters, constructed features,
the cache and the warning are read from Ansible's ``InventoryData``.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from ansible.errors import AnsibleParserError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from http_doubles import ScriptedSession, make_response

API = "https://api.github.com"
GHES = "https://ghe.example.com/api/v3"
PAT_WRITE = {
    "organization_personal_access_token_requests": "write",
    "organization_personal_access_tokens": "write",
    "members": "read",
    "metadata": "read",
}


def installation(ident, login, account_type="Organization", permissions=None, suspended=False, base=API):
    """One item of GET /app/installations, in GitHub's shape (fields the plugin must not keep included)."""
    return {
        "id": ident,
        "account": {"login": login, "id": 1000 + ident, "type": account_type, "url": "%s/users/%s" % (base, login)},
        "repository_selection": "all",
        "access_tokens_url": "%s/app/installations/%d/access_tokens" % (base, ident),
        "repositories_url": base + "/installation/repositories",
        "app_id": 77,
        "target_id": 1000 + ident,
        "target_type": account_type,
        "permissions": dict(PAT_WRITE if permissions is None else permissions),
        "events": [],
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "single_file_name": None,
        "suspended_by": {"login": "admin"} if suspended else None,
        "suspended_at": "2026-02-01T00:00:00Z" if suspended else None,
    }


ESTATE = [
    installation(1, "acme"),
    installation(
        2,
        "Beta-Labs",
        permissions={
            "organization_personal_access_tokens": "read",
            "organization_personal_access_token_requests": "write",
        },
    ),
    installation(3, "octocat", account_type="User", permissions={"metadata": "read"}),
    installation(4, "acme-old", suspended=True),
    installation(5, "acme-prod"),
]


@pytest.fixture(scope="module")
def pem(tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    text = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    path = tmp_path_factory.mktemp("key") / "app.pem"
    path.write_text(text)
    return {"text": text, "path": str(path)}


class _Loader:
    """The plugin as Ansible's loader sets it up: its documented options (fragments merged) declared.

    Not the loader itself: installing the collection finder in a process whose other tests have
    already imported the collection as a plain package breaks the finder for everyone.
    """

    def __init__(self):
        import yaml
        from ansible import constants as C
        from ansible.plugins.doc_fragments.constructed import ModuleDocFragment as Constructed
        from ansible.plugins.doc_fragments.inventory_cache import ModuleDocFragment as Cache

        from ansible_collections.patguard.github.plugins.doc_fragments.auth import ModuleDocFragment as Auth
        from ansible_collections.patguard.github.plugins.inventory import installations

        self.module = installations
        doc = yaml.safe_load(installations.DOCUMENTATION)
        assert doc["extends_documentation_fragment"] == [
            "patguard.github.auth",
            "ansible.builtin.constructed",
            "ansible.builtin.inventory_cache",
        ]
        options = {}
        for fragment in (Auth, Constructed, Cache):
            options.update(yaml.safe_load(fragment.DOCUMENTATION)["options"])
        options.update(doc["options"])
        C.config.initialize_plugin_configuration_definitions("inventory", installations.InventoryModule.NAME, options)

    def get(self, name):
        assert name == self.module.InventoryModule.NAME
        plugin = self.module.InventoryModule()
        plugin._load_name = plugin.ansible_name = name  # pylint: disable=protected-access
        plugin._redirected_names = [name]  # pylint: disable=protected-access
        return plugin


@pytest.fixture(scope="module")
def loader():
    return _Loader()


@pytest.fixture()
def env(monkeypatch):
    for name in (
        "GITHUB_API_URL",
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_APP_PRIVATE_KEY_PATH",
        "GITHUB_APP_INSTALLATION_ID",
        "GITHUB_TOKEN",
        "GH_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def pages(items, size=2, base=API):
    """GitHub's answers for ``items`` split into pages of ``size`` with Link headers."""
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    answers = []
    for number, chunk in enumerate(chunks, start=1):
        headers = {}
        if number < len(chunks):
            headers["Link"] = '<%s/app/installations?per_page=100&page=%d>; rel="next"' % (base, number + 1)
        answers.append(make_response(200, chunk, headers=headers))
    return answers


class Harness:
    """Runs the plugin on a config file, with GitHub answering from ``script``."""

    def __init__(self, loader, tmp_path, monkeypatch):
        self.loader = loader
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.sessions = []
        self.warnings = []

    def run(self, config, script=(), name="github.patguard.yml", cache=True):
        from ansible.inventory.data import InventoryData
        from ansible.parsing.dataloader import DataLoader
        from ansible.utils.display import Display

        from ansible_collections.patguard.github.plugins.module_utils import _client

        path = self.tmp_path / name
        path.write_text(json.dumps(config))
        session = ScriptedSession(list(script))
        self.sessions.append(session)
        real = _client.GitHubClient

        def client(options, org=None):
            return real(options, org=org, session=session, sleep=lambda s: None)

        plugin = self.loader.get("patguard.github.installations")
        self.monkeypatch.setattr(sys.modules[type(plugin).__module__], "GitHubClient", client)
        self.monkeypatch.setattr(Display, "warning", lambda _self, msg, *a, **k: self.warnings.append(msg))
        assert plugin.verify_file(str(path))
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        try:
            plugin.update_cache_if_changed()  # as InventoryManager does after parse()
        except AttributeError:  # no cache configured (the manager ignores this too)
            pass
        self.inventory = inventory
        return inventory

    @property
    def sent(self):
        return self.sessions[-1].sent

    def hosts(self, group):
        if group == "all":
            return sorted(self.inventory.hosts)
        return (
            sorted(h.name for h in self.inventory.groups[group].get_hosts()) if group in self.inventory.groups else []
        )

    def hostvars(self, host):
        # What the plugin set (get_vars() adds inventory_hostname, group_names...).
        return dict(
            (k, v)
            for k, v in self.inventory.get_host(host).vars.items()
            if k not in ("inventory_file", "inventory_dir")
        )


@pytest.fixture()
def harness(loader, tmp_path, env):
    return Harness(loader, tmp_path, env)


def app_config(pem, **extra):
    config = {"plugin": "patguard.github.installations", "app_id": "77", "private_key_path": pem["path"]}
    config.update(extra)
    return config


def test_every_installation_becomes_a_host_grouped_by_type_and_readiness(harness, pem):
    harness.run(app_config(pem), pages(ESTATE, size=2))
    assert harness.hosts("all") == ["Beta-Labs", "acme", "acme-old", "acme-prod", "octocat"]
    assert harness.hosts("organizations") == ["Beta-Labs", "acme", "acme-old", "acme-prod"]
    assert harness.hosts("users") == ["octocat"]
    assert harness.hosts("pat_ready") == ["acme", "acme-prod"]
    acme = harness.hostvars("acme")
    assert acme["patguard_org"] == "acme" and acme["patguard_installation_id"] == 1
    assert acme["patguard_account_login"] == "acme" and acme["patguard_account_type"] == "Organization"
    assert acme["patguard_account_id"] == 1001 and acme["patguard_pat_ready"] is True
    assert acme["patguard_permissions"] == PAT_WRITE and acme["patguard_pat_missing"] == []
    beta = harness.hostvars("Beta-Labs")
    assert beta["patguard_pat_ready"] is False
    assert beta["patguard_pat_missing"] == ["organization_personal_access_tokens: write (holds read)"]
    assert harness.hostvars("acme-old")["patguard_pat_missing"] == ["the installation is suspended"]


def test_all_pages_are_read_with_the_app_jwt_and_no_installation_token(harness, pem):
    harness.run(app_config(pem), pages(ESTATE, size=2))
    assert [(s["method"], s["url"].split("?")[0]) for s in harness.sent] == [("GET", API + "/app/installations")] * 3
    assert "per_page=100" in harness.sent[0]["url"] and harness.sent[2]["url"].endswith("page=3")
    for sent in harness.sent:
        scheme, jwt = sent["headers"]["Authorization"].split()
        assert scheme == "Bearer" and jwt.count(".") == 2 and jwt.startswith("eyJ")  # a JWT, not a ghs_ token


def test_warning_names_each_organization_that_cannot_govern_and_why(harness, pem):
    harness.run(app_config(pem), pages(ESTATE))
    assert len(harness.warnings) == 1
    warning = harness.warnings[0]
    assert "2 organization(s)" in warning and "pat_ready" in warning
    assert "Beta-Labs (organization_personal_access_tokens: write (holds read))" in warning
    assert "acme-old (the installation is suspended)" in warning
    assert "octocat" not in warning and "acme-prod" not in warning


def test_no_warning_when_every_selected_organization_is_ready(harness, pem):
    harness.run(app_config(pem, include_logins=["acme*"], exclude_logins=["*-old"]), pages(ESTATE))
    assert harness.hosts("all") == ["acme", "acme-prod"] and harness.warnings == []


@pytest.mark.parametrize(
    "include, exclude, expected",
    [
        (["acme*"], [], ["acme", "acme-old", "acme-prod"]),
        (["BETA-*", "octo?at"], [], ["Beta-Labs", "octocat"]),
        ([], ["acme-*"], ["Beta-Labs", "acme", "octocat"]),
        (["acme*"], ["ACME-PROD", "*old"], ["acme"]),
        (["nobody"], [], []),
    ],
)
def test_include_and_exclude_globs_ignore_case_and_exclude_wins(harness, pem, include, exclude, expected):
    harness.run(app_config(pem, include_logins=include, exclude_logins=exclude), pages(ESTATE))
    assert harness.hosts("all") == expected


def test_filters_first_match_decides_and_unmatched_hosts_stay(harness, pem):
    filters = [
        {"include": "patguard_account_login == 'acme-old'"},
        {"exclude": "patguard_suspended or patguard_account_type == 'User'"},
        {"exclude": "not patguard_pat_ready and patguard_account_login is match('beta', ignorecase=True)"},
    ]
    harness.run(app_config(pem, filters=filters), pages(ESTATE))
    assert harness.hosts("all") == ["acme", "acme-old", "acme-prod"]


@pytest.mark.parametrize(
    "bad", [[{"keep": "true"}], [{"include": "a", "exclude": "b"}], ["patguard_pat_ready"], [{"include": 3}]]
)
def test_a_malformed_filter_fails_naming_it_before_any_request(harness, pem, bad):
    with pytest.raises(AnsibleParserError, match=r"filters\[0\]: must be one key, include or exclude"):
        harness.run(app_config(pem, filters=bad), [])
    assert harness.sent == []


def test_keyed_groups_compose_and_groups_use_the_host_variables(harness, pem):
    config = app_config(
        pem,
        keyed_groups=[
            {
                "key": "patguard_permissions.organization_personal_access_tokens | default('none')",
                "prefix": "pat_tokens",
            }
        ],
        compose={"patguard_report_dir": "'/reports/' ~ patguard_account_login"},
        groups={"production": "patguard_account_login is match('acme-prod')"},
    )
    harness.run(config, pages(ESTATE))
    assert harness.hosts("pat_tokens_write") == ["acme", "acme-old", "acme-prod"]
    assert harness.hosts("pat_tokens_read") == ["Beta-Labs"] and harness.hosts("pat_tokens_none") == ["octocat"]
    assert harness.hosts("production") == ["acme-prod"]
    assert harness.hostvars("acme")["patguard_report_dir"] == "/reports/acme"


def test_cache_is_used_until_refreshed_and_holds_no_secret(harness, pem, tmp_path):
    cache_dir = tmp_path / "cache"
    config = app_config(
        pem, cache=True, cache_plugin="jsonfile", cache_connection=str(cache_dir)
    )  # short name: no collection finder here
    harness.run(config, pages(ESTATE), cache=False)  # what --flush-cache / refresh_inventory does
    assert len(harness.sent) == 3
    harness.run(config, [], cache=True)  # from the cache: no request at all
    assert harness.sent == [] and harness.hosts("pat_ready") == ["acme", "acme-prod"]
    stored = "".join(p.read_text() for p in cache_dir.iterdir())
    assert "acme-prod" in stored and "access_tokens_url" not in stored and "suspended_by" not in stored
    for secret_piece in ["BEGIN", pem["text"].splitlines()[1][:20], "eyJ", "ghs_"]:
        assert secret_piece not in stored
    # Another App (or another GitHub) does not read this App's cached installations.
    harness.run(dict(config, app_id="78"), pages(ESTATE[:1]), cache=True)
    assert len(harness.sent) == 1 and harness.hosts("all") == ["acme"]


def test_without_cache_every_parse_asks_github(harness, pem):
    harness.run(app_config(pem), pages(ESTATE))
    harness.run(app_config(pem), pages(ESTATE))
    assert len(harness.sent) == 3


def test_host_variables_carry_no_secret_and_only_the_documented_names(harness, pem):
    from ansible_collections.patguard.github.plugins.module_utils._installations import HOST_VARS

    harness.run(app_config(pem, private_key=pem["text"], private_key_path=None), pages(ESTATE))
    dumped = json.dumps({h: harness.hostvars(h) for h in harness.hosts("all")}, default=str)
    jwt = harness.sent[0]["headers"]["Authorization"].split()[1]
    for secret_piece in [jwt[:40], jwt.split(".")[2][:20], pem["text"].splitlines()[1][:20], "access_tokens_url"]:
        assert secret_piece not in dumped
    for host in harness.hosts("all"):
        assert set(harness.hostvars(host)) == set(HOST_VARS)


def test_environment_fallbacks_and_file_options_win(harness, pem, env):
    env.setenv("GITHUB_APP_ID", "77")
    env.setenv("GITHUB_APP_PRIVATE_KEY_PATH", pem["path"])
    env.setenv("GITHUB_API_URL", GHES)
    harness.run({"plugin": "patguard.github.installations"}, pages(ESTATE[:1], base=GHES))
    assert harness.sent[0]["url"].startswith(GHES + "/app/installations?")
    harness.run({"plugin": "patguard.github.installations", "api_url": "https://api.github.com"}, pages(ESTATE[:1]))
    assert harness.sent[0]["url"].startswith(API + "/app/installations?")
    env.setenv("GITHUB_APP_INSTALLATION_ID", "")  # blank, as AWX injects an empty field: unset, not an error
    harness.run({"plugin": "patguard.github.installations", "app_id": "77"}, pages(ESTATE[:1], base=GHES))
    assert harness.hosts("all") == ["acme"]


def test_ghes_api_url_from_the_file(harness, pem):
    harness.run(app_config(pem, api_url=GHES + "/"), pages(ESTATE[:3], size=2, base=GHES))
    assert [s["url"].split("?")[0] for s in harness.sent] == [GHES + "/app/installations"] * 2


def test_without_app_credentials_the_error_names_the_option(harness):
    with pytest.raises(AnsibleParserError, match="app_id: the installations inventory needs GitHub App credentials"):
        harness.run({"plugin": "patguard.github.installations"}, [])
    with pytest.raises(AnsibleParserError, match="app_id: required when private_key"):
        harness.run({"plugin": "patguard.github.installations", "private_key_path": "/nonexistent.pem"}, [])


def test_refused_jwt_fails_with_githubs_message_and_no_secret(harness, pem):
    refused = make_response(
        401, {"message": "A JSON web token could not be decoded", "documentation_url": "https://docs.github.com/rest"}
    )
    with pytest.raises(AnsibleParserError) as caught:
        harness.run(app_config(pem), [refused])
    text = str(caught.value)
    assert "patguard.github.installations" in text and "401" in text or "JSON web token" in text
    assert "eyJ" not in text and pem["text"].splitlines()[1][:20] not in text


def test_bad_globs_are_refused_by_name(harness, pem):
    with pytest.raises(AnsibleParserError, match="include_logins: must be a list of non-empty glob patterns"):
        harness.run(app_config(pem, include_logins=[""]), [])


@pytest.mark.parametrize(
    "name, accepted",
    [
        ("org.patguard.yml", True),
        ("org.patguard.yaml", True),
        ("patguard.yml", False),
        ("org.yml", False),
        ("org.patguard.json", False),
    ],
)
def test_verify_file_accepts_only_patguard_inventory_files(loader, tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text("plugin: patguard.github.installations\n")
    assert loader.get("patguard.github.installations").verify_file(str(path)) is accepted
    assert not loader.get("patguard.github.installations").verify_file(str(tmp_path / "missing.patguard.yml"))


def test_pure_readiness_rules():
    from ansible_collections.patguard.github.plugins.module_utils._installations import (
        installation_record,
        missing_pat_permissions,
    )

    record = installation_record(installation(9, "x", permissions={"organization_personal_access_tokens": "admin"}))
    assert missing_pat_permissions(record) == ["organization_personal_access_token_requests: write (holds none)"]
    user = installation_record(installation(9, "u", account_type="User"))
    assert missing_pat_permissions(user) == ["a User account, not an organization"]
    with pytest.raises(ValueError, match="no account login"):
        installation_record({"id": 3, "account": {}})
    assert os.path.basename(__file__).startswith("test_")
