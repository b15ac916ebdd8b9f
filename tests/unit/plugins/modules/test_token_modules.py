"""Unit tests of the modules pat_template, token_info, credential_revoke and app_token: option
handling and results, with the HTTP session scripted (no server)."""

from __future__ import annotations

import json

from http_doubles import make_response as answer
from module_runner import run_module_output

from ansible_collections.patguard.github.plugins.modules import app_token, credential_revoke, pat_template, token_info

API = "https://api.example.test"
FINE = "github_pat_" + "1" * 22 + "_" + "B" * 59
CLASSIC = "ghp_" + "C" * 36


def run_module(module, args, capsys, check_mode=False):
    return run_module_output(module, args, capsys, check_mode=check_mode)[0]


# -- pat_template ----------------------------------------------------------------------------


def test_pat_template_returns_url_without_a_client(session, capsys):
    result = run_module(
        pat_template,
        {
            "name": "ci",
            "owner": "acme",
            "owner_type": "organization",
            "expires_in": "30",
            "permissions": {"contents": "read"},
        },
        capsys,
    )
    assert result["changed"] is False and not result.get("failed")
    assert result["url"].endswith("new?name=ci&target_name=acme&expires_in=30&contents=read")
    assert result["api"]["requests"] == 0 and session.sent == []


def test_pat_template_field_error(session, capsys):
    result = run_module(pat_template, {"name": "x" * 41}, capsys)
    assert result["failed"] is True and result["msg"].startswith("name: must be at most 40 characters")
    assert result["field"] == "name"


# -- token_info --------------------------------------------------------------------------------


def test_token_info_uses_only_the_checked_token(session, capsys):
    session.script = [
        answer(200, {"login": "ada"}, {"GitHub-Authentication-Token-Expiration": "2099-01-01 00:00:00 UTC"}),
        answer(200, [{"email": "a@x", "primary": True, "verified": False, "visibility": None}]),
    ]
    result = run_module(token_info, {"api_url": API, "check_token": FINE, "token": CLASSIC}, capsys)
    assert result["valid"] is True and result["login"] == "ada" and result["email_verified"] is False
    assert result["expires_at"] == "2099-01-01T00:00:00Z" and result["days_remaining"] > 1000
    assert all(s["headers"]["Authorization"] == "Bearer " + FINE for s in session.sent)
    assert FINE not in json.dumps(result) and CLASSIC not in json.dumps(result)


def test_token_info_needs_a_token(session, capsys):
    result = run_module(token_info, {"api_url": API}, capsys)
    assert result["failed"] is True and result["msg"].startswith("check_token: give the token to check")
    assert session.sent == []


def test_token_info_min_days_fails_with_the_result_attached(session, capsys):
    session.script = [
        answer(200, {"login": "ada"}, {"GitHub-Authentication-Token-Expiration": "2000-01-02 00:00:00 UTC"}),
        answer(200, []),
    ]
    result = run_module(token_info, {"api_url": API, "check_token": FINE, "min_days_remaining": 7}, capsys)
    assert result["failed"] is True and result["msg"].startswith("min_days_remaining:")
    assert result["login"] == "ada" and result["api"]["requests"] == 2


# -- credential_revoke -------------------------------------------------------------------------


def test_credential_revoke_refuses_before_any_request(session, capsys):
    result = run_module(credential_revoke, {"api_url": API, "credentials": [CLASSIC, "letmein-letmein"]}, capsys)
    assert result["failed"] is True and result["msg"].startswith("credentials[1]: not a GitHub token")
    assert result["bad_indexes"] == [1] and "letmein" not in json.dumps(result)
    assert session.sent == []


def test_credential_revoke_check_mode_and_run(session, capsys):
    check = run_module(
        credential_revoke, {"api_url": API, "credentials": [CLASSIC, FINE, CLASSIC]}, capsys, check_mode=True
    )
    assert check["changed"] is True and check["submitted"] == 2 and check["duplicates"] == 1
    assert session.sent == []
    session.script = [answer(202, {})]
    result = run_module(credential_revoke, {"api_url": API, "credentials": [CLASSIC, FINE], "token": FINE}, capsys)
    assert result["submitted"] == 2 and result["calls"] == 1 and result["api"]["requests"] == 1
    assert session.sent[0]["headers"].get("Authorization") is None
    assert session.sent[0]["json"] == {"credentials": [CLASSIC, FINE]}


# -- app_token ---------------------------------------------------------------------------------


def test_app_token_needs_app_credentials(session, capsys):
    result = run_module(app_token, {"api_url": API, "org": "acme"}, capsys)
    assert result["failed"] is True and result["msg"].startswith("app_id: an installation token needs")
    assert session.sent == []


def test_app_token_absent_revokes_with_the_token(session, capsys):
    token = "ghs_" + "E" * 36
    session.script = [answer(204)]
    result = run_module(app_token, {"api_url": API, "state": "absent", "token": token}, capsys)
    assert result["changed"] is True and result["revoked"] is True
    assert session.sent[0]["method"] == "DELETE" and session.sent[0]["url"] == API + "/installation/token"
    assert session.sent[0]["headers"]["Authorization"] == "Bearer " + token


def test_app_token_absent_on_a_dead_token_is_no_change(session, capsys):
    session.script = [answer(401, {"message": "Bad credentials"})]
    result = run_module(app_token, {"api_url": API, "state": "absent", "token": "ghs_" + "F" * 36}, capsys)
    assert result["changed"] is False and result["revoked"] is False


def test_app_token_absent_refuses_scoping_options(session, capsys):
    result = run_module(
        app_token,
        {"api_url": API, "state": "absent", "token": "ghs_" + "F" * 36, "permissions": {"contents": "read"}},
        capsys,
    )
    assert result["failed"] is True and result["msg"].startswith("repositories, permissions: apply to state=present")
