"""End-to-end tests of pat_template, token_info, credential_revoke, app_token (module and lookup) and
the pat_rotation role, through ansible-playbook against the fake GitHub."""

from __future__ import annotations

import json
import re

import pytest

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from harness import app_auth, run_tasks

TEMPLATE = "patguard.github.pat_template"
TOKEN_INFO = "patguard.github.token_info"
REVOKE = "patguard.github.credential_revoke"
APP_TOKEN = "patguard.github.app_token"

JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
ISSUED_RE = re.compile(r"ghs_[A-Za-z0-9]{36}")


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return fake_github(grants=5, requests=2, seed=3)


def user_with_expiry(fake):
    users = [u for u in fake.state.users.values() if u.token and u.token_expires_at]
    assert users, "the generated organization has one member whose token expires"
    return users[0]


def plain_user(fake):
    return next(u for u in fake.state.users.values() if u.token and not u.token_expires_at)


def requests_to(fake, path_prefix=""):
    return [e for e in fake.request_log if e["path"].startswith(path_prefix)]


# -- pat_template -------------------------------------------------------------------------------


def test_pat_template_builds_the_link_in_normal_and_check_mode(fake):
    args = {
        "api_url": fake.base_url,
        "name": "deploy-reader",
        "description": "Reads releases",
        "owner": "acme",
        "owner_type": "organization",
        "expires_in": 90,
        "permissions": {"contents": "read", "metadata": "read"},
        "repositories": ["acme/releases"],
        "policy": {"max_lifetime_days": 90},
    }
    run = run_tasks([{TEMPLATE: args}])
    check = run_tasks([{TEMPLATE: args}], check=True)
    for result in (run.result, check.result):
        assert not result.get("failed"), result
        assert result["changed"] is False
        assert result["url"] == (
            "https://github.com/settings/personal-access-tokens/new?name=deploy-reader"
            "&description=Reads%20releases&target_name=acme&expires_in=90&contents=read"
            "&metadata=read"
        )
        assert any("acme/releases" in step for step in result["manual_steps"])
        assert result["api"]["requests"] == 0
    assert fake.request_log == []


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"expires_in": 0}, "expires_in"),
        ({"expires_in": 367}, "expires_in"),
        ({"name": "n" * 41}, "name"),
        ({"permissions": {"contents": "admin"}}, "permissions.contents"),
        ({"permissions": {"emails": "read"}}, "permissions.emails"),
        ({"owner_type": None, "permissions": {"emails": "read"}}, "owner_type"),
        ({"policy": {"max_lifetime_days": 30}}, "policy"),
    ],
)
def test_pat_template_bad_input_names_the_field(fake, changes, field):
    args = {
        "api_url": fake.base_url,
        "name": "ok",
        "owner": "acme",
        "owner_type": "organization",
        "expires_in": 60,
        "permissions": {"contents": "read"},
    }
    args.update(changes)
    args = dict((k, v) for k, v in args.items() if v is not None)
    result = run_tasks([{TEMPLATE: args}]).result
    assert result["failed"] is True
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert fake.request_log == []


def test_pat_template_policy_refusal_names_the_rule(fake):
    result = run_tasks(
        [
            {
                TEMPLATE: {
                    "name": "forever",
                    "owner": "acme",
                    "owner_type": "organization",
                    "expires_in": "none",
                    "permissions": {"contents": "write"},
                    "policy": {"max_lifetime_days": 90},
                }
            }
        ]
    ).result
    assert result["failed"] is True
    assert "lifetime: never expires (max 90 days)" in result["msg"]
    assert result["violations"] == [{"code": "lifetime", "detail": "never expires (max 90 days)"}]


# -- token_info ---------------------------------------------------------------------------------


def test_token_info_reports_login_expiry_and_email(fake):
    user = user_with_expiry(fake)
    tasks = [{TOKEN_INFO: {"api_url": fake.base_url, "check_token": user.token}}]
    for run in (run_tasks(tasks), run_tasks(tasks, check=True)):
        result = run.result
        assert not result.get("failed"), result
        assert result["valid"] is True and result["changed"] is False
        assert result["login"] == user.login and result["type"] == "fine_grained_pat"
        assert result["expires_at"] == user.token_expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert 20 <= result["days_remaining"] <= 30
        assert result["email_verified"] is True and result["scopes"] is None
        assert result["fingerprint"].startswith("sha256:")
        assert user.token not in run.output and user.token not in json.dumps(run.results)
    assert {(e["method"], e["path"], e["auth"]) for e in fake.request_log} == {
        ("GET", "/user", "pat"),
        ("GET", "/user/emails", "pat"),
    }


def test_token_info_invalid_token_and_thresholds(fake):
    user = user_with_expiry(fake)
    bogus = "ghp_" + "Z" * 36
    run = run_tasks(
        [
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": bogus}},
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": bogus, "fail_if_invalid": True}},
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": user.token, "min_days_remaining": 60}},
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": user.token, "min_days_remaining": 5}},
        ]
    )
    invalid, must_be_valid, too_soon, fine = run.results
    assert invalid["valid"] is False and not invalid.get("failed") and invalid["type"] == "classic_pat"
    assert invalid["login"] is None
    assert must_be_valid["failed"] is True and must_be_valid["msg"].startswith("check_token: GitHub does not accept")
    assert too_soon["failed"] is True and too_soon["msg"].startswith("min_days_remaining: the token expires on")
    assert too_soon["login"] == user.login
    assert not fine.get("failed")
    assert bogus not in run.output and user.token not in run.output


def test_token_info_checks_the_connection_token_by_default(fake):
    user = plain_user(fake)
    result = run_tasks([{TOKEN_INFO: {"api_url": fake.base_url}}], env={"GITHUB_TOKEN": user.token}).result
    assert result["valid"] is True and result["login"] == user.login and result["expires_at"] is None


def test_token_info_bad_repository_name_sends_nothing(fake):
    result = run_tasks(
        [{TOKEN_INFO: {"api_url": fake.base_url, "check_token": plain_user(fake).token, "repositories": ["infra"]}}]
    ).result
    assert result["failed"] is True and result["msg"].startswith("repositories[0]: must be owner/name")
    assert fake.request_log == []


# -- credential_revoke --------------------------------------------------------------------------


def test_credential_revoke_dedups_sends_unauthenticated_and_revokes(fake):
    users = [u for u in fake.state.users.values() if u.token][:2]
    tokens = [u.token for u in users]
    creds = tokens + [tokens[0]]
    check = run_tasks([{REVOKE: {"api_url": fake.base_url, "credentials": creds}}], check=True).result
    assert check["changed"] is True and check["submitted"] == 2 and check["duplicates"] == 1
    assert fake.request_log == []
    run = run_tasks(
        [
            {REVOKE: {"api_url": fake.base_url, "credentials": creds, "token": tokens[1]}},
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": tokens[0]}},
        ]
    )
    revoke, info = run.results
    assert not revoke.get("failed"), revoke
    assert revoke["changed"] is True and revoke["submitted"] == 2 and revoke["calls"] == 1
    assert revoke["duplicates"] == 1 and len(revoke["fingerprints"]) == 2
    posts = requests_to(fake, "/credentials/revoke")
    assert len(posts) == 1 and posts[0]["auth"] == "none" and posts[0]["status"] == 202
    assert info["valid"] is False
    assert not any(t in run.output or t in json.dumps(run.results) for t in tokens)


@pytest.mark.parametrize(
    "credentials, words",
    [
        (["ghp_" + "A" * 36, "hunter2-is-my-password"], "credentials[1]: not a GitHub token"),
        ([], "credentials: give at least one credential"),
    ],
)
def test_credential_revoke_refuses_bad_lists_and_sends_nothing(fake, credentials, words):
    run = run_tasks([{REVOKE: {"api_url": fake.base_url, "credentials": credentials}}])
    assert run.result["failed"] is True and run.result["msg"].startswith(words), run.result["msg"]
    assert "hunter2" not in run.output
    assert fake.request_log == []


# -- app_token ----------------------------------------------------------------------------------


def test_app_token_issue_use_and_revoke(fake):
    auth = app_auth(fake)
    repo = sorted(fake.state.org("acme").repos_by_name)[0]
    run = run_tasks(
        [
            {
                APP_TOKEN: dict(auth, org="acme", repositories=["acme/" + repo], permissions={"metadata": "read"}),
                "no_log": True,
            },
            {
                APP_TOKEN: {"api_url": fake.base_url, "state": "absent", "token": "{{ patguard_result_0.token }}"},
                "check_mode": True,
            },
            {APP_TOKEN: {"api_url": fake.base_url, "state": "absent", "token": "{{ patguard_result_0.token }}"}},
            {APP_TOKEN: {"api_url": fake.base_url, "state": "absent", "token": "{{ patguard_result_0.token }}"}},
        ]
    )
    issued, check_absent, absent, again = run.results
    assert not issued.get("failed"), issued
    token = issued["token"]
    assert token.startswith("ghs_") and issued["changed"] is True
    assert issued["repository_selection"] == "selected" and issued["repositories"] == [repo]
    assert issued["permissions"] == {"metadata": "read"} and issued["expires_at"]
    assert issued["installation_id"] == fake.installation_id
    assert check_absent["changed"] is True and check_absent["revoked"] is True
    assert absent["changed"] is True and absent["revoked"] is True
    assert again["changed"] is False and again["revoked"] is False
    assert token not in run.output
    posts = requests_to(fake, "/app/installations/")
    assert len(posts) == 1 and posts[0]["json"]["repositories"] == [repo]
    deletes = [e for e in fake.request_log if e["path"] == "/installation/token"]
    assert [(e["status"], e["auth"]) for e in deletes] == [(204, "installation"), (401, "installation")]


def test_app_token_check_mode_issues_nothing(fake):
    result = run_tasks(
        [{APP_TOKEN: dict(app_auth(fake), org="acme", permissions={"metadata": "read"})}], check=True
    ).result
    assert not result.get("failed"), result
    assert result["changed"] is True and result["token"] is None
    assert result["installation_id"] == fake.installation_id
    assert requests_to(fake, "/app/installations/") == []


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"permissions": {"contents": "admin"}}, "permissions.contents: accepts read or write"),
        ({"permissions": {"emails": "read"}}, "permissions.emails: unknown GitHub App permission"),
        ({"repositories": ["other/infra"]}, "repositories[0]: 'other/infra' belongs to other"),
        ({"repositories": ["r%d" % i for i in range(501)]}, "repositories: an installation token can be narrowed"),
    ],
)
def test_app_token_bad_input_sends_nothing(fake, changes, words):
    args = dict(app_auth(fake), org="acme")
    args.update(changes)
    result = run_tasks([{APP_TOKEN: args}]).result
    assert result["failed"] is True and result["msg"].startswith(words), result["msg"]
    assert fake.request_log == []


def test_app_token_absent_refuses_the_environment_token(fake):
    token = "ghs_" + "Q" * 36
    result = run_tasks([{APP_TOKEN: {"api_url": fake.base_url, "state": "absent"}}], env={"GITHUB_TOKEN": token}).result
    assert result["failed"] is True and "GITHUB_TOKEN environment variable" in result["msg"]
    assert fake.request_log == []


def test_app_token_lookup_returns_a_scoped_token_cached_within_a_task(fake):
    key_path = fake.private_key_path
    expr = (
        "{{ lookup('patguard.github.app_token', org='acme', permissions={'metadata': 'read'}, api_url='%s', "
        "app_id='%s', private_key_path='%s') }}" % (fake.base_url, fake.app_id, key_path)
    )
    run = run_tasks(
        [
            {"ansible.builtin.set_fact": {"scoped": expr, "scoped_again": expr}, "no_log": True},
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": "{{ scoped }}"}},
        ]
    )
    first, info = run.results
    token = first["ansible_facts"]["scoped"]
    assert token.startswith("ghs_") and first["ansible_facts"]["scoped_again"] == token
    assert info["valid"] is True and info["type"] == "installation"
    posts = requests_to(fake, "/app/installations/")
    assert len(posts) == 1 and posts[0]["json"] == {"permissions": {"metadata": "read"}}
    assert token not in run.output


def test_app_token_lookup_reads_the_environment(fake):
    env = {
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_APP_ID": str(fake.app_id),
        "GITHUB_APP_PRIVATE_KEY_PATH": fake.private_key_path,
    }
    run = run_tasks(
        [
            {
                "ansible.builtin.set_fact": {
                    "scoped": "{{ lookup('patguard.github.app_token', org='acme', repositories=['nope']) }}"
                }
            }
        ],
        env=env,
    )
    assert run.result["failed"] is True
    assert "not accessible to the parent installation" in run.result["msg"] or "422" in run.result["msg"]
    assert len(requests_to(fake, "/app/installations/")) == 1


# -- secrets never shown, at -vvvv --------------------------------------------------------------


def test_no_secret_reaches_the_output_at_vvvv(fake):
    user = user_with_expiry(fake)
    other = plain_user(fake)
    pem = open(fake.private_key_path).read()
    app = {"api_url": fake.base_url, "app_id": str(fake.app_id), "private_key": pem}
    run = run_tasks(
        [
            {TEMPLATE: {"api_url": fake.base_url, "token": user.token, "name": "x", "expires_in": 7}},
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": user.token, "token": other.token}},
            {TOKEN_INFO: {"api_url": fake.base_url, "check_token": "ghp_" + "W" * 36, "fail_if_invalid": True}},
            {APP_TOKEN: dict(app, org="acme", permissions={"metadata": "read"}), "no_log": True},
            {APP_TOKEN: dict(app, org="acme", permissions={"contents": "admin"})},
            {APP_TOKEN: dict(app, org="nope", permissions={"metadata": "read"})},
            {APP_TOKEN: {"api_url": fake.base_url, "state": "absent", "token": "{{ patguard_result_3.token }}"}},
            {REVOKE: dict(app, credentials=[other.token, other.token])},
        ],
        verbosity=4,
    )
    issued = run.results[3]["token"]
    assert issued.startswith("ghs_")
    assert run.results[5]["failed"] is True  # not installed on "nope": a JWT was sent and refused
    secrets = [user.token, other.token, "ghp_" + "W" * 36, issued]
    secrets += [line for line in pem.splitlines() if len(line) > 20]  # every body line of the PEM
    blob = run.output + json.dumps([r for i, r in enumerate(run.results) if i != 3])
    for secret in secrets:
        assert secret not in blob
    assert "PRIVATE KEY" not in blob
    assert not JWT_RE.search(blob)
    assert not ISSUED_RE.search(run.output)
    assert any(e["auth"] == "jwt" for e in fake.request_log)


# -- the pat_rotation role ----------------------------------------------------------------------


def test_pat_rotation_role_lists_due_tokens_with_links(fake):
    soon = user_with_expiry(fake)
    fine = plain_user(fake)
    tokens = [
        {
            "name": "soon",
            "token": soon.token,
            "owner": "acme",
            "owner_type": "organization",
            "expires_in": 90,
            "permissions": {"contents": "read"},
            "description": "CI reader",
        },
        {"name": "fine", "token": fine.token, "expires_in": 30, "permissions": {"issues": "write"}},
        {"name": "gone", "token": "github_pat_" + "0" * 22 + "_" + "X" * 59, "permissions": {"emails": "read"}},
    ]
    run = run_tasks(
        [{"ansible.builtin.debug": {"var": "pat_rotation_due"}}],
        roles=[
            {
                "role": "patguard.github.pat_rotation",
                "vars": {
                    "patguard_rotation_tokens": tokens,
                    "patguard_rotation_days": 30,
                    "patguard_rotation_api_url": fake.base_url,
                },
            }
        ],
    )
    assert run.rc == 0, run
    due = run.result["pat_rotation_due"]
    assert [(d["name"], d["reason"]) for d in due] == [("soon", "expires_soon"), ("gone", "invalid")]
    assert due[0]["url"] == (
        "https://github.com/settings/personal-access-tokens/new?name=soon&description=CI%20reader"
        "&target_name=acme&expires_in=90&contents=read"
    )
    assert due[0]["login"] == soon.login and due[0]["days_remaining"] <= 30
    assert due[1]["url"].endswith("new?name=gone&emails=read")
    assert "2 of 3 token(s) due for rotation" in run.stdout
    for entry in tokens:
        assert entry["token"] not in run.output
    assert len([e for e in fake.request_log if e["path"] == "/user"]) == 3
