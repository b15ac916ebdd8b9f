"""Unit tests of the token tools: credential checks and chunking (_credential_revoke), App permissions
(_installation_token), token inspection (_token_check) and templates (_template)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from http_doubles import API, Clock, ScriptedSession, make_response

from ansible_collections.patguard.github.plugins.module_utils import _installation_token
from ansible_collections.patguard.github.plugins.module_utils._catalog import APP_PERMISSIONS
from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient
from ansible_collections.patguard.github.plugins.module_utils._connection import ConnectionOptions
from ansible_collections.patguard.github.plugins.module_utils._credential_revoke import (
    check_credentials,
    is_revocable_credential,
    revoke_credentials,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import (
    ConfigError,
    GitHubAPIError,
    RateLimitError,
)
from ansible_collections.patguard.github.plugins.module_utils._installation_token import (
    check_app_permissions,
    check_installation_repositories,
)
from ansible_collections.patguard.github.plugins.module_utils._records import chunks
from ansible_collections.patguard.github.plugins.module_utils._template import build_template
from ansible_collections.patguard.github.plugins.module_utils._time import parse_time as parse_token_expiration
from ansible_collections.patguard.github.plugins.module_utils._token_check import (
    TokenCheckFailed,
    check_repository_names,
    days_remaining,
    inspect_token,
    judge_token,
    parse_scopes,
)
from ansible_collections.patguard.github.plugins.module_utils._tokens import fingerprint

CONTRACT = Path(__file__).resolve().parents[3] / "contract" / "github-openapi" / "api.github.com.pat-subset.json"
UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def fine_grained(n):
    return "github_pat_" + ("%022d" % n) + "_" + ("A" * 59)


def classic(n):
    return "ghp_" + ("%036d" % n)


def client_with(script, token=None, **options):
    session = ScriptedSession(script)
    clock = Clock()
    opts = dict(api_url=API, token=token, write_interval=0, max_retries=1)
    opts.update(options)
    client = GitHubClient(ConnectionOptions(**opts), session=session, sleep=clock.sleep, clock=clock)
    return client, session, clock


# -- GitHub App permissions ------------------------------------------------------------------


def test_app_permissions_match_the_contract_schema():
    schema = json.loads(CONTRACT.read_text())["components"]["schemas"]["app-permissions"]["properties"]
    from_contract = dict((name, tuple(spec["enum"])) for name, spec in schema.items())
    assert APP_PERMISSIONS == from_contract


def test_app_permissions_accept_contract_names_and_levels():
    assert check_app_permissions({"contents": "read", "repository_projects": "admin"}) == {
        "contents": "read",
        "repository_projects": "admin",
    }
    assert check_app_permissions(None) is None


@pytest.mark.parametrize(
    "permissions, field, words",
    [
        ({"contents": "admin"}, "permissions.contents", "read or write"),
        ({"workflows": "read"}, "permissions.workflows", "accepts write"),
        ({"emails": "read"}, "permissions.emails", "email_addresses"),
        ({"content": "read"}, "permissions.content", "did you mean 'contents'"),
    ],
)
def test_app_permissions_refused_name_the_field(permissions, field, words):
    with pytest.raises(ConfigError) as err:
        check_app_permissions(permissions)
    assert err.value.message.startswith(field + ":")
    assert words in err.value.message


def test_installation_repositories_normalized_and_limited():
    assert check_installation_repositories(["infra", "acme/web", "Infra"], org="acme") == ["infra", "web"]
    assert check_installation_repositories(None) is None
    with pytest.raises(ConfigError, match=r"repositories\[0\]: 'other/web' belongs to other"):
        check_installation_repositories(["other/web"], org="acme")
    with pytest.raises(ConfigError, match=r"repositories\[1\]: 'a b' is not a repository name"):
        check_installation_repositories(["ok", "a b"])
    with pytest.raises(ConfigError, match="repositories: is empty"):
        check_installation_repositories([])
    names = ["r%d" % i for i in range(501)]
    with pytest.raises(ConfigError, match="at most 500 repositories, got 501"):
        check_installation_repositories(names)
    assert len(check_installation_repositories(names[:500] + ["R1"])) == 500


# -- credentials ---------------------------------------------------------------------------------


def test_credential_shapes():
    assert is_revocable_credential(fine_grained(1))
    assert is_revocable_credential(classic(1))
    assert is_revocable_credential("ghr_" + "b" * 76)  # refresh tokens are longer than 36
    assert is_revocable_credential("ghs_" + "c" * 36)
    for bad in (
        "",
        "ghp_short",
        "password123",
        "xoxb-" + "1" * 40,
        "ghp_" + "a" * 35 + "!",
        None,
        42,
        "ghp_" + "a" * 300,
    ):
        assert not is_revocable_credential(bad)


def test_check_credentials_dedups_keeping_order():
    values = [classic(1), fine_grained(2), classic(1), " %s " % fine_grained(2), classic(3)]
    unique, duplicates = check_credentials(values)
    assert unique == [classic(1), fine_grained(2), classic(3)]
    assert duplicates == 2


def test_check_credentials_names_the_index_never_the_value():
    secret_looking = "not-a-token-but-secret-123"
    with pytest.raises(ConfigError) as err:
        check_credentials([classic(1), secret_looking, classic(2), 17])
    message = err.value.message
    assert "credentials[1], credentials[3]" in message
    assert "nothing was sent" in message
    assert secret_looking not in message and classic(1) not in message
    assert err.value.details["bad_indexes"] == [1, 3]


@pytest.mark.parametrize("values", [[], None])
def test_check_credentials_refuses_an_empty_list(values):
    with pytest.raises(ConfigError, match="credentials: give at least one credential"):
        check_credentials(values)


def test_chunks():
    assert [len(c) for c in chunks(range(2500), 1000)] == [1000, 1000, 500]
    assert chunks([], 1000) == []
    assert chunks([1, 2, 3], 1) == [[1], [2], [3]]
    with pytest.raises(ValueError):
        chunks([1], 0)


def test_revoke_sends_unauthenticated_chunks_of_1000():
    creds = [classic(i) for i in range(2001)]
    client, session, _clock = client_with([make_response(202, {}) for _index in range(3)], token=classic(99999))
    result = revoke_credentials(client, creds)
    assert result["submitted"] == 2001 and result["calls"] == 3
    assert [len(s["json"]["credentials"]) for s in session.sent] == [1000, 1000, 1]
    assert all(s["url"] == API + "/credentials/revoke" and s["method"] == "POST" for s in session.sent)
    assert all(s["headers"].get("Authorization") is None for s in session.sent)
    assert result["fingerprints"][0] == fingerprint(classic(0))
    assert classic(0) not in json.dumps(result)


def test_revoke_check_mode_sends_nothing():
    client, session, _clock = client_with([])
    result = revoke_credentials(client, [classic(1), classic(2)], check_mode=True)
    assert session.sent == [] and result["submitted"] == 2 and result["calls"] == 1


def test_revoke_waits_on_429_then_continues():
    script = [
        make_response(429, {"message": "Too many requests"}, headers={"Retry-After": "30"}),
        make_response(202, {}),
    ]
    client, session, clock = client_with(script, rate_limit_wait=60)
    result = revoke_credentials(client, [classic(1)])
    assert result["submitted"] == 1 and len(session.sent) == 2
    assert sum(clock.slept) >= 30


def test_revoke_429_beyond_the_wait_reports_progress_without_secrets():
    creds = [classic(i) for i in range(3)]
    script = [
        make_response(202, {}),
        make_response(429, {"message": "Too many requests"}, headers={"Retry-After": "3600"}),
    ]
    client, session, _clock = client_with(script, rate_limit_wait=60)
    with pytest.raises(RateLimitError) as err:
        revoke_credentials(client, creds, size=2)
    details = err.value.details
    assert details["submitted"] == 2
    assert details["not_processed"] == [fingerprint(creds[2])]
    assert "already submitted" in err.value.message
    assert not any(c in json.dumps(err.value.fail_kwargs()) for c in creds)


# -- token_info ----------------------------------------------------------------------------------


def test_parse_token_expiration_formats():
    expected = datetime.datetime(2026, 12, 20, 0, 0, tzinfo=UTC)
    assert parse_token_expiration("2026-12-20 00:00:00 UTC") == expected
    assert parse_token_expiration("2026-12-20 02:00:00 +0200") == expected
    assert parse_token_expiration("2026-12-20T00:00:00Z") == expected
    assert parse_token_expiration(None) is None
    assert parse_token_expiration("soon") is None


def test_days_remaining_rounds_down():
    assert days_remaining(NOW + datetime.timedelta(days=3, hours=23), NOW) == 3
    assert days_remaining(NOW + datetime.timedelta(hours=5), NOW) == 0
    assert days_remaining(None, NOW) is None


def test_parse_scopes():
    assert parse_scopes("repo, read:org") == ["repo", "read:org"]
    assert parse_scopes("") == []
    assert parse_scopes(None) is None


def test_repository_names():
    assert check_repository_names(["acme/infra", "ACME/infra", "acme/web"]) == ["acme/infra", "acme/web"]
    assert check_repository_names(None) == []
    with pytest.raises(ConfigError, match=r"repositories\[0\]: must be owner/name"):
        check_repository_names(["infra"])


def test_inspect_fine_grained_token():
    token = fine_grained(7)
    script = [
        make_response(
            200,
            {"login": "ada", "id": 1},
            headers={"GitHub-Authentication-Token-Expiration": "2026-12-20 00:00:00 UTC"},
        ),
        make_response(
            200,
            [
                {"email": "x@example.com", "primary": False, "verified": False, "visibility": None},
                {"email": "ada@example.com", "primary": True, "verified": True, "visibility": None},
            ],
        ),
        make_response(200, {"id": 5, "name": "infra"}),
        make_response(404, {"message": "Not Found"}),
        make_response(403, {"message": "Resource not accessible by personal access token"}),
    ]
    client, session, _clock = client_with(script, token=token)
    info = inspect_token(client, token, ["acme/infra", "acme/secret", "other/x"], now=NOW)
    assert info["valid"] is True and info["type"] == "fine_grained_pat" and info["login"] == "ada"
    assert info["expires_at"] == "2026-12-20T00:00:00Z" and info["days_remaining"] == 24
    assert info["scopes"] is None and info["email_verified"] is True
    assert info["repositories"] == {"acme/infra": True, "acme/secret": False, "other/x": False}
    assert info["unreachable_repositories"] == ["acme/secret", "other/x"]
    assert info["fingerprint"] == fingerprint(token) and token not in json.dumps(info)
    assert [s["url"] for s in session.sent] == [
        API + "/user",
        API + "/user/emails?per_page=100",
        API + "/repos/acme/infra",
        API + "/repos/acme/secret",
        API + "/repos/other/x",
    ]
    assert all(s["headers"]["Authorization"] == "Bearer " + token for s in session.sent)


def test_inspect_classic_token_with_scopes_and_unreadable_emails():
    token = classic(3)
    script = [
        make_response(200, {"login": "bob"}, headers={"X-OAuth-Scopes": "repo, read:org"}),
        make_response(404, {"message": "Not Found"}),
    ]
    client, _session, _clock = client_with(script, token=token)
    info = inspect_token(client, token, now=NOW)
    assert info["type"] == "classic_pat" and info["scopes"] == ["repo", "read:org"]
    assert info["email_verified"] is None and info["expires_at"] is None and info["days_remaining"] is None


def test_inspect_invalid_token_is_not_an_error_and_stops():
    token = classic(4)
    client, session, _clock = client_with([make_response(401, {"message": "Bad credentials"})], token=token)
    info = inspect_token(client, token, ["acme/infra"], now=NOW)
    assert info["valid"] is False and info["login"] is None and len(session.sent) == 1
    assert info["repositories"] == {}


def test_inspect_installation_token_403_on_user():
    token = "ghs_" + "d" * 36
    client, session, _clock = client_with(
        [make_response(403, {"message": "Resource not accessible by integration"})], token=token
    )
    info = inspect_token(client, token, now=NOW)
    assert info["valid"] is True and info["type"] == "installation" and info["login"] is None
    assert len(session.sent) == 1


def test_inspect_repository_server_error_fails():
    token = fine_grained(8)
    script = [
        make_response(200, {"login": "ada"}),
        make_response(200, []),
        make_response(500, {"message": "Server Error"}),
        make_response(500, {"message": "Server Error"}),
    ]
    client, _session, _clock = client_with(script, token=token)
    with pytest.raises(GitHubAPIError) as err:
        inspect_token(client, token, ["acme/infra"], now=NOW)
    assert err.value.status == 500


def _info(**changes):
    info = {
        "valid": True,
        "fingerprint": "sha256:abc",
        "days_remaining": 5,
        "expires_at": "2026-11-30T12:00:00Z",
        "unreachable_repositories": [],
    }
    info.update(changes)
    return info


def test_judge_token():
    judge_token(_info(), min_days_remaining=5)
    judge_token(_info(days_remaining=None), min_days_remaining=30)
    judge_token(_info(valid=False))
    with pytest.raises(TokenCheckFailed, match="min_days_remaining: the token expires on 2026-11-30T12:00:00Z, in 5"):
        judge_token(_info(), min_days_remaining=6)
    with pytest.raises(TokenCheckFailed, match="check_token: GitHub does not accept the token") as err:
        judge_token(_info(valid=False), fail_if_invalid=True)
    assert err.value.details["valid"] is False
    with pytest.raises(TokenCheckFailed, match="repositories: the token cannot reach acme/x"):
        judge_token(_info(unreachable_repositories=["acme/x"]), fail_if_unreachable=True)


# -- pat_template --------------------------------------------------------------------------------


def test_template_url_and_manual_steps():
    result = build_template(
        "deploy",
        description="Reads releases",
        owner="acme",
        owner_type="organization",
        expires_in=90,
        permissions={"contents": "read", "issues": "write"},
        repositories=["acme/releases"],
    )
    assert result["url"] == (
        "https://github.com/settings/personal-access-tokens/new?name=deploy&description="
        "Reads%20releases&target_name=acme&expires_in=90&contents=read&issues=write"
    )
    assert any("acme/releases" in step for step in result["manual_steps"])
    assert result["permissions"] == {"contents": "read", "issues": "write"}


def test_template_owner_type_defaults_and_requirements():
    assert build_template("me", permissions={"emails": "read"})["owner_type"] == "user"
    with pytest.raises(ConfigError, match="owner_type: required when permissions include account permissions"):
        build_template("x", owner="acme", permissions={"emails": "read"})
    with pytest.raises(ConfigError, match="owner_type: required .* organization permissions"):
        build_template("x", owner="acme", permissions={"organization_hooks": "read"})
    # Repository permissions alone do not depend on the owner's kind.
    assert build_template("x", owner="acme", permissions={"contents": "read"})["owner_type"] is None
    with pytest.raises(ConfigError, match="owner: required when owner_type is organization"):
        build_template("x", owner_type="organization")


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(expires_in=0), "expires_in"),
        (dict(expires_in=367), "expires_in"),
        (dict(expires_in="never"), "expires_in"),
        (dict(name="n" * 41), "name"),
        (dict(permissions={"contents": "admin"}), "permissions.contents"),
        (dict(owner="acme", owner_type="organization", permissions={"emails": "read"}), "permissions.emails"),
        (
            dict(owner="ada", owner_type="user", permissions={"organization_hooks": "read"}),
            "permissions.organization_hooks",
        ),
        (dict(web_url="http://github.com"), "web_url"),
    ],
)
def test_template_bad_input_names_the_field(kwargs, field):
    args = dict(name="ok")
    args.update(kwargs)
    with pytest.raises(ConfigError) as err:
        build_template(**args)
    assert err.value.message.startswith(field + ":")
    assert err.value.details["field"] == field


def test_template_expires_in_string_digits_and_none():
    assert "expires_in=30" in build_template("x", expires_in="30")["url"]
    assert "expires_in=none" in build_template("x", expires_in="none")["url"]


def test_template_policy_refusal_names_the_rules():
    policy = {"max_lifetime_days": 90, "forbidden_permissions": ["administration:write"]}
    with pytest.raises(ConfigError) as err:
        build_template(
            "x",
            owner="acme",
            owner_type="organization",
            expires_in="none",
            permissions={"administration": "write"},
            policy=policy,
            now=NOW,
        )
    message = err.value.message
    assert message.startswith("policy: the organization's policy would deny")
    assert "lifetime: never expires (max 90 days)" in message
    assert "permission: administration:write is forbidden" in message
    assert [v["code"] for v in err.value.details["violations"]] == ["lifetime", "permission"]


def test_template_policy_passes_and_skips_what_the_link_cannot_set():
    policy = {
        "max_lifetime_days": 90,
        "allowed_owners": ["nobody"],
        "repository_selection": ["subset"],
        "max_repositories": 1,
        "min_reason_length": 20,
    }
    result = build_template(
        "x",
        owner="acme",
        owner_type="organization",
        expires_in=90,
        permissions={"contents": "read"},
        policy=policy,
        now=NOW,
    )
    assert any("at least 20 characters" in step for step in result["manual_steps"])
    assert any("justification" in step for step in result["manual_steps"])


def test_template_policy_checks_repositories_when_given():
    policy = {"max_repositories": 1}
    with pytest.raises(ConfigError, match="repository_count: 2 repositories selected"):
        build_template(
            "x",
            owner="acme",
            owner_type="organization",
            expires_in=30,
            permissions={"contents": "read"},
            repositories=["acme/a", "acme/b"],
            policy=policy,
        )


def test_template_policy_requires_expires_in_for_a_lifetime_rule():
    with pytest.raises(ConfigError, match="expires_in: the policy allows tokens of at most 30 days"):
        build_template("x", policy={"max_lifetime_days": 30})


def test_template_invalid_policy_is_reported_under_policy():
    with pytest.raises(ConfigError, match=r"^policy: patguard_policy.max_lifetime_days"):
        build_template("x", expires_in=1, policy={"max_lifetime_days": 0})


def test_env_token_guard():
    assert _installation_token.env_token_guard("t", {"GITHUB_TOKEN": "t"}) == "GITHUB_TOKEN"
    assert _installation_token.env_token_guard("t", {"GH_TOKEN": "t"}) == "GH_TOKEN"
    assert _installation_token.env_token_guard("t", {"GITHUB_TOKEN": "u"}) is None
