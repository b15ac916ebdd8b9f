"""Unit tests of credential_authorization_info, credential_authorization and audit_log_info with the
HTTP session scripted (no server): pagination, idempotency, check mode, diff, bad input, partial
failure, the unavailable (no SAML SSO / wrong product) and authentication messages, and that no
credential fragment longer than GitHub's last eight characters reaches a result."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from http_doubles import make_response as answer
from module_runner import run_module_output

from ansible_collections.patguard.github.plugins.module_utils import _module
from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient
from ansible_collections.patguard.github.plugins.modules import (
    audit_log_info,
    credential_authorization,
    credential_authorization_info,
)

API = "https://api.example.test"
OWNER = "ghp_" + "O" * 36
CRED_PATH = "/orgs/acme/credential-authorizations"
# Full secrets the "GitHub" below knows; only their last eight characters may ever come out.
SECRETS = {1: "ghp_" + "a1B2c3D4e5" * 3 + "Zz9Yy8", 2: "gho_" + "Q7w8E9r0T1" * 3 + "Uu6Ii5", 3: None}


def cred(
    cid, login="alice", kind="personal access token", expires="2027-01-01T00:00:00Z", scopes=("repo",), last_eight=None
):
    record = {
        "login": login,
        "credential_id": cid,
        "credential_type": kind,
        "authorized_credential_id": 9000 + cid,
        "credential_authorized_at": "2026-01-01T00:00:00Z",
        "credential_accessed_at": None,
    }
    if kind == "SSH key":
        record.update(fingerprint="SHA256:fp%d" % cid, authorized_credential_title="laptop")
    else:
        secret = SECRETS.get(cid) or ("ghp_%036d" % cid)
        record.update(
            token_last_eight=last_eight or secret[-8:],
            scopes=list(scopes),
            authorized_credential_expires_at=expires,
            authorized_credential_note="note %d" % cid,
        )
    return record


def run_module(module, args, capsys, check_mode=False, diff=False):
    return run_module_output(module, dict({"api_url": API}, **args), capsys, check_mode=check_mode, diff=diff)


def page(records, next_url=None):
    headers = {"Link": '<%s>; rel="next"' % next_url} if next_url else {}
    return answer(200, records, headers)


def query_of(request):
    return parse_qs(urlsplit(request["url"]).query)


def assert_no_fragment(text):
    """No piece of a known secret longer than its last eight characters appears."""
    for secret in SECRETS.values():
        if not secret:
            continue
        for start in range(len(secret) - 8):
            assert secret[start : start + 9] not in text


# -- credential_authorization_info ------------------------------------------------------------


def test_info_reads_every_page_and_normalizes(session, capsys):
    session.script = [
        page([cred(1), cred(3, kind="SSH key")], API + CRED_PATH + "?per_page=100&page=2"),
        page([cred(2, login="bob", kind="OAuth app token", expires=None)]),
    ]
    result, out = run_module(credential_authorization_info, {"org": "acme", "token": OWNER}, capsys)
    assert result["count"] == 3 and result["available"] is True
    first, ssh, oauth = result["credential_authorizations"]
    assert first["credential_type"] == "personal_access_token" and first["token_last_eight"] == SECRETS[1][-8:]
    assert first["authorized_credential_id"] == 9001 and first["note"] == "note 1" and first["is_token"] is True
    assert ssh["credential_type"] == "ssh_key" and ssh["fingerprint"] == "SHA256:fp3" and ssh["title"] == "laptop"
    assert ssh["token_last_eight"] is None and ssh["scopes"] == [] and ssh["is_token"] is False
    assert oauth["expires_at"] is None
    assert result["summary"] == {
        "total": 3,
        "by_type": {"oauth_app_token": 1, "personal_access_token": 1, "ssh_key": 1},
        "scopes": {"repo": 2},
        "without_expiry": 1,
        "never_accessed": 3,
    }
    assert [query_of(r).get("page") for r in session.sent] == [None, ["2"]]
    assert all(r["headers"]["Authorization"] == "Bearer " + OWNER for r in session.sent)
    assert_no_fragment(out)


def test_info_keeps_at_most_eight_characters_whatever_github_sends(session, capsys):
    session.script = [page([cred(1, last_eight=SECRETS[1][-20:])])]
    result, out = run_module(credential_authorization_info, {"org": "acme", "token": OWNER}, capsys)
    assert result["credential_authorizations"][0]["token_last_eight"] == SECRETS[1][-8:]
    assert_no_fragment(out)


def test_info_asks_github_per_login_and_filters_locally(session, capsys):
    session.script = [page([cred(1), cred(4, kind="SSH key")]), page([cred(2, login="Bob", expires=None)])]
    result, _out = run_module(
        credential_authorization_info,
        {
            "org": "acme",
            "token": OWNER,
            "logins": ["alice", "bob"],
            "credential_types": ["personal_access_token"],
            "without_expiry": True,
        },
        capsys,
    )
    assert [r["credential_id"] for r in result["credential_authorizations"]] == [2]
    assert [query_of(r)["login"] for r in session.sent] == [["alice"], ["bob"]]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"org": "acme", "authorized_before": "last week"}, "authorized_before: 'last week' is not an ISO 8601"),
        ({"org": "acme", "credential_ids": ["x"]}, "credential_ids: 'x' is not a positive integer id"),
        ({"org": "acme", "logins": ["-bad-"]}, "logins: '-bad-' is not a valid GitHub login"),
        (
            {"org": "acme", "authorized_after": "2026-02-01T00:00:00Z", "authorized_before": "2026-01-01T00:00:00Z"},
            "authorized_after (2026-02-01T00:00:00Z) must be earlier than authorized_before",
        ),
        ({"org": "acme!"}, "org: 'acme!' is not a valid GitHub organization login"),
    ],
)
def test_info_bad_input_fails_before_any_request(session, capsys, args, message):
    result, _out = run_module(credential_authorization_info, dict(args, token=OWNER), capsys)
    assert result["failed"] is True and message in result["msg"] and session.sent == []


def test_info_without_a_user_token_says_which_token_github_needs(session, capsys):
    result, _out = run_module(credential_authorization_info, {"org": "acme"}, capsys)
    assert result["failed"] is True and session.sent == []
    assert "organization owner's user token" in result["msg"] and "read:org" in result["msg"]
    installation = "ghs_" + "I" * 36
    result, out = run_module(credential_authorization_info, {"org": "acme", "token": installation}, capsys)
    assert "installation token (ghs_)" in result["msg"] and session.sent == [] and installation not in out


def test_info_without_saml_sso_is_a_clear_message_not_a_bare_404(session, capsys):
    session.script = [answer(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})]
    result, _out = run_module(credential_authorization_info, {"org": "acme", "token": OWNER}, capsys)
    assert result["failed"] is True
    assert "SAML single sign-on" in result["msg"] and "Enterprise Cloud" in result["msg"]
    assert "owners" in result["msg"] and result["status"] == 404


def test_info_on_enterprise_server_names_the_product(session, capsys):
    session.script = [answer(404, {"message": "Not Found"})]
    result, _out = run_module(
        credential_authorization_info,
        {"org": "acme", "token": OWNER, "api_url": "https://ghe.example.test/api/v3"},
        capsys,
    )
    assert result["failed"] is True and result["msg"].startswith("GitHub Enterprise Server has no credential")


def test_info_unavailable_can_warn_instead(session, capsys):
    session.script = [answer(404, {"message": "Not Found"})]
    result, _out = run_module(
        credential_authorization_info, {"org": "acme", "token": OWNER, "when_unavailable": "warn"}, capsys
    )
    assert not result.get("failed") and result["available"] is False and result["count"] == 0
    # (the warning itself is deduplicated per process by ansible-core, so only the result is checked here)
    assert "SAML" in result["unavailable_reason"]


# -- credential_authorization -----------------------------------------------------------------


def test_remove_requires_a_selector(session, capsys):
    result, _out = run_module(credential_authorization, {"org": "acme", "token": OWNER}, capsys)
    assert result["failed"] is True and "an empty selection would remove every" in result["msg"]
    assert session.sent == []


def test_remove_check_mode_lists_and_sends_no_write(session, capsys):
    session.script = [page([cred(1), cred(2, login="bob")])]
    result, out = run_module(
        credential_authorization,
        {"org": "acme", "token": OWNER, "logins": ["alice"]},
        capsys,
        check_mode=True,
        diff=True,
    )
    assert result["changed"] is True and result["removed"] == [1]
    assert [r["method"] for r in session.sent] == ["GET"]
    assert result["diff"] == {"before": {"authorized": [1]}, "after": {"authorized": []}}
    assert_no_fragment(out)


def test_remove_is_idempotent(session, capsys):
    session.script = [page([cred(1), cred(2, login="bob", kind="OAuth app token")]), answer(204), answer(204)]
    result, out = run_module(
        credential_authorization,
        {
            "org": "acme",
            "token": OWNER,
            "credential_types": ["personal_access_token", "oauth_app_token"],
            "write_interval": 0,
        },
        capsys,
    )
    assert result["changed"] is True and result["removed"] == [1, 2] and result["already_absent"] == []
    assert [(r["method"], urlsplit(r["url"]).path) for r in session.sent[1:]] == [
        ("DELETE", CRED_PATH + "/1"),
        ("DELETE", CRED_PATH + "/2"),
    ]
    assert result["removed_credentials"][0] == {
        "credential_id": 1,
        "authorized_credential_id": 9001,
        "login": "alice",
        "credential_type": "personal_access_token",
        "token_last_eight": SECRETS[1][-8:],
    }
    assert result["api"]["writes"] == 2
    assert_no_fragment(out)
    session.sent.clear()
    session.script = [page([])]
    again, _out = run_module(
        credential_authorization, {"org": "acme", "token": OWNER, "credential_ids": [1, 2]}, capsys
    )
    assert again["changed"] is False and again["removed"] == [] and again["already_absent"] == [1, 2]
    assert [r["method"] for r in session.sent] == ["GET"]


def test_remove_spaces_its_writes(session, capsys, monkeypatch):
    slept = []
    monkeypatch.setattr(
        _module,
        "GitHubClient",
        lambda options, org=None: GitHubClient(options, org=org, session=session, sleep=slept.append),
    )
    session.script = [page([cred(1), cred(2)]), answer(204), answer(204)]
    result, _out = run_module(
        credential_authorization, {"org": "acme", "token": OWNER, "logins": ["alice"], "write_interval": 2}, capsys
    )
    assert result["removed"] == [1, 2] and result["api"]["waited_seconds"]["write_interval"] > 0


def test_remove_reports_exactly_what_was_and_was_not_removed(session, capsys):
    forbidden = answer(403, {"message": "Must have admin rights to Repository."})
    session.script = [
        page([cred(1), cred(2), cred(3), cred(4)]),
        answer(204),
        answer(404, {"message": "Not Found"}),
        forbidden,
    ]
    result, _out = run_module(
        credential_authorization, {"org": "acme", "token": OWNER, "logins": ["alice"], "write_interval": 0}, capsys
    )
    assert result["failed"] is True
    assert result["removed"] == [1] and result["already_absent"] == [2] and result["not_processed"] == [3, 4]
    assert "Removed before the failure: 1; already absent: 1; not processed: 2" in result["msg"]
    assert "admin:org" in result["msg"]


def test_remove_settles_a_lost_answer_from_a_fresh_listing(session, capsys):
    import requests

    session.script = [page([cred(1)]), requests.exceptions.ConnectionError("reset"), page([])]
    result, _out = run_module(
        credential_authorization, {"org": "acme", "token": OWNER, "logins": ["alice"], "write_interval": 0}, capsys
    )
    assert result["changed"] is True and result["removed"] == [1]
    assert [r["method"] for r in session.sent] == ["GET", "DELETE", "GET"]


def test_remove_unavailable_warns_and_changes_nothing(session, capsys):
    session.script = [answer(404, {"message": "Not Found"})]
    result, _out = run_module(
        credential_authorization,
        {"org": "acme", "token": OWNER, "logins": ["alice"], "when_unavailable": "warn"},
        capsys,
    )
    assert result["changed"] is False and result["available"] is False and len(session.sent) == 1


# -- audit_log_info ---------------------------------------------------------------------------
AUDIT_PATH = "/orgs/acme/audit-log"


def event(doc, action, ms, **extra):
    return dict(
        {
            "_document_id": doc,
            "action": action,
            "actor": "patguard[bot]",
            "@timestamp": ms,
            "created_at": ms,
            "org": "acme",
        },
        **extra,
    )


def test_audit_log_follows_the_cursor_links_and_normalizes(session, capsys):
    later = API + AUDIT_PATH + "?phrase=action%3Apersonal_access_token&per_page=100&after=MS4yfQ%3D%3D"
    session.script = [
        page([event("d1", "personal_access_token.access_revoked", 1764590400000, user="alice", token_id=77)], later),
        page([event("d2", "personal_access_token.access_granted", 1764504000000, user="bob", token_id=78)]),
    ]
    result, _out = run_module(
        audit_log_info,
        {
            "org": "acme",
            "token": OWNER,
            "phrase": "action:personal_access_token",
            "expect": [
                {"kind": "revoke", "token_id": 77, "at": "2025-12-01T11:59:00Z"},
                {"kind": "deny", "token_id": 79},
            ],
        },
        capsys,
    )
    assert result["count"] == 2 and result["truncated"] is False
    first = result["events"][0]
    assert first == {
        "document_id": "d1",
        "action": "personal_access_token.access_revoked",
        "category": "personal_access_token",
        "decision": "revoked",
        "actor": "patguard[bot]",
        "user": "alice",
        "token_id": 77,
        "token_name": None,
        "token_scopes": None,
        "reason": None,
        "time": "2025-12-01T12:00:00Z",
        "org": "acme",
    }
    assert query_of(session.sent[1])["after"] == ["MS4yfQ=="]
    assert result["history"]["by_decision"] == {"approved": 1, "revoked": 1}
    assert [w["token_id"] for w in result["confirmation"]["confirmed"]] == [77]
    assert [w["token_id"] for w in result["confirmation"]["missing"]] == [79]
    assert result["confirmation"]["all_confirmed"] is False


def test_audit_log_since_days_and_cap(session, capsys):
    session.script = [
        page([event("d%d" % i, "repo.create", 1764590400000) for i in range(3)], API + AUDIT_PATH + "?after=x")
    ]
    result, _out = run_module(
        audit_log_info,
        {"org": "acme", "token": OWNER, "since_days": 7, "max_events": 2, "order": "asc", "include": "all"},
        capsys,
    )
    assert result["count"] == 2 and result["truncated"] is True and len(session.sent) == 1
    query = query_of(session.sent[0])
    assert query["phrase"][0].startswith("created:>=") and query["order"] == ["asc"] and query["include"] == ["all"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"max_events": 0}, "max_events: must be an integer from 1"),
        ({"since_days": 3, "phrase": "created:>2026-01-01"}, "since_days: the phrase already has a created:"),
        ({"expect": [{"kind": "approve", "token_id": "7"}]}, "expect[0].token_id: must be a positive integer"),
        ({"expect": [{"kind": "grant", "token_id": 7}]}, "expect[0].kind: must be one of approve"),
    ],
)
def test_audit_log_bad_input(session, capsys, args, message):
    result, _out = run_module(audit_log_info, dict(args, org="acme", token=OWNER), capsys)
    assert result["failed"] is True and message in result["msg"] and session.sent == []


def test_audit_log_on_github_com_is_a_clear_message(session, capsys):
    session.script = [answer(404, {"message": "Not Found"})]
    result, _out = run_module(audit_log_info, {"org": "acme", "token": OWNER}, capsys)
    assert result["failed"] is True and "Enterprise Cloud and Enterprise Server only" in result["msg"]
    session.script = [answer(404, {"message": "Not Found"})]
    result, _out = run_module(audit_log_info, {"org": "acme", "token": OWNER, "when_unavailable": "warn"}, capsys)
    assert result["available"] is False and not result.get("failed")
