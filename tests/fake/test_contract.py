"""The contract: every operation is implemented, and mismatches fail loudly (599)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_github import render
from fake_github.contract import Contract
from fake_github.products import PRODUCTS
from fake_github.testing import app_jwt, installation_token, session

DEMO = Path(__file__).resolve().parent.parent / "fake_github" / "fixtures" / "demo_org.yml"


def _calls(demo):
    """One valid call per contract operation: (operationId, method, path, auth, body, expected status)."""
    org = demo.state.org("acme")
    pending = {r.token.token_name: r.id for r in org.requests.by_id.values()}
    granted = {g.token.token_name: g.id for g in org.grants.by_id.values()}
    inst = demo.installation_id
    requests_path, grants_path = "/orgs/acme/personal-access-token-requests", "/orgs/acme/personal-access-tokens"
    return [
        ("orgs/list-pat-grant-requests", "GET", requests_path + "?owner[]=bob&per_page=5", "installation", None, 200),
        (
            "orgs/list-pat-grant-request-repositories",
            "GET",
            f"{requests_path}/{pending['triage']}/repositories",
            "installation",
            None,
            200,
        ),
        (
            "orgs/review-pat-grant-requests-in-bulk",
            "POST",
            requests_path,
            "installation",
            {"pat_request_ids": [pending["combo"]], "action": "deny", "reason": "Too broad."},
            202,
        ),
        (
            "orgs/review-pat-grant-request",
            "POST",
            f"{requests_path}/{pending['release-bot']}",
            "installation",
            {"action": "approve", "reason": None},
            204,
        ),
        (
            "orgs/list-pat-grants",
            "GET",
            grants_path + "?permission=contents_read&direction=asc",
            "installation",
            None,
            200,
        ),
        (
            "orgs/list-pat-grant-repositories",
            "GET",
            f"{grants_path}/{granted['metrics']}/repositories",
            "installation",
            None,
            200,
        ),
        (
            "orgs/update-pat-accesses",
            "POST",
            grants_path,
            "installation",
            {"pat_ids": [granted["backup"]], "action": "revoke"},
            202,
        ),
        (
            "orgs/update-pat-access",
            "POST",
            f"{grants_path}/{granted['unused']}",
            "installation",
            {"action": "revoke"},
            204,
        ),
        ("orgs/list-members", "GET", "/orgs/acme/members?role=all", "installation", None, 200),
        ("orgs/check-membership-for-user", "GET", "/orgs/acme/members/bob", "installation", None, 204),
        ("teams/list-members-in-org", "GET", "/orgs/acme/teams/product/members", "installation", None, 200),
        ("orgs/remove-member", "DELETE", "/orgs/acme/members/trent", "installation", None, 204),
        ("apps/get-authenticated", "GET", "/app", "jwt", None, 200),
        ("apps/list-installations", "GET", "/app/installations", "jwt", None, 200),
        ("apps/get-installation", "GET", f"/app/installations/{inst}", "jwt", None, 200),
        ("apps/get-org-installation", "GET", "/orgs/acme/installation", "jwt", None, 200),
        (
            "apps/create-installation-access-token",
            "POST",
            f"/app/installations/{inst}/access_tokens",
            "jwt",
            {"repositories": ["api"], "permissions": {"members": "read"}},
            201,
        ),
        ("apps/revoke-installation-access-token", "DELETE", "/installation/token", "installation", None, 204),
        ("users/get-authenticated", "GET", "/user", "bob", None, 200),
        ("users/update-authenticated", "PATCH", "/user", "bob", {"name": "Robert", "location": "Berlin"}, 200),
        ("users/list-emails-for-authenticated-user", "GET", "/user/emails", "bob", None, 200),
        (
            "users/add-email-for-authenticated-user",
            "POST",
            "/user/emails",
            "bob",
            {"emails": ["bob@work.example.com"]},
            201,
        ),
        (
            "users/delete-email-for-authenticated-user",
            "DELETE",
            "/user/emails",
            "bob",
            {"emails": ["bob@work.example.com"]},
            204,
        ),
        ("rate-limit/get", "GET", "/rate_limit", "bob", None, 200),
        ("credentials/revoke", "POST", "/credentials/revoke", None, {"credentials": [demo.user_tokens["carol"]]}, 202),
        ("users/get-by-username", "GET", "/users/acme", None, None, 200),
        ("repos/get", "GET", "/repos/acme/api", "bob", None, 200),
        ("apps/delete-installation", "DELETE", f"/app/installations/{inst}", "jwt", None, 204),
    ]


#: Served by the "cred" helper's route modules (extensions.py) and tested with them.
ROUTE_MODULE_OPERATIONS = {
    "orgs/list-saml-sso-authorizations",
    "orgs/remove-saml-sso-authorization",
    "orgs/get-audit-log",
}


@pytest.mark.parametrize("product", list(PRODUCTS))
def test_every_contract_operation_is_implemented(fake_github, product):
    demo = fake_github(fixture=DEMO, product=product)
    contract = Contract(product)
    calls = [c for c in _calls(demo) if contract.find(c[1], c[2].split("?")[0])]
    wanted = {op.operation_id for op in contract.operations}
    assert wanted - {c[0] for c in calls} <= ROUTE_MODULE_OPERATIONS
    for operation_id, method, path, auth, body, expected in calls:
        token = (
            {"jwt": app_jwt(demo), None: None}.get(auth)
            if auth in ("jwt", None)
            else (installation_token(demo) if auth == "installation" else demo.user_tokens[auth])
        )
        response = session(token).request(method, demo.base_url + path, json=body, allow_redirects=False, timeout=10)
        assert response.status_code == expected, (operation_id, response.status_code, response.text)
        assert expected in contract.find(method, path.split("?")[0]).statuses
        assert demo.contract_errors == [], operation_id


def _strict(fake_github):
    fake = fake_github(grants=5, requests=5)
    return fake, session(installation_token(fake))


@pytest.mark.parametrize(
    "method, path, body, needle",
    [
        (
            "POST",
            "/orgs/acme/personal-access-token-requests",
            {"pat_request_ids": ["1"], "action": "approve"},
            "is not of type 'integer'",
        ),
        ("GET", "/orgs/acme/personal-access-tokens?owner=alice", None, "bracket style"),
        (
            "GET",
            "/orgs/acme/personal-access-tokens?" + "&".join(f"owner[]=u{i}" for i in range(11)),
            None,
            "is too long",
        ),
        ("GET", "/orgs/acme/personal-access-tokens?last_used_after=2026-01-01", None, "date-time"),
        ("GET", "/repos/acme/api/branches", None, "no such operation"),
    ],
)
def test_contract_validation_catches_bad_requests(fake_github, method, path, body, needle):
    fake, gh = _strict(fake_github)
    response = gh.request(method, fake.base_url + path, json=body, timeout=10)
    assert response.status_code == 599
    assert response.json()["phase"] == "request" and needle in " ".join(response.json()["problems"])
    assert len(fake.contract_errors) == 1 and needle in " ".join(fake.contract_errors[0]["problems"])
    fake.contract_errors.clear()  # provoked on purpose


def test_bracketed_arrays_validate(fake_github):
    fake, gh = _strict(fake_github)
    response = gh.get(
        fake.base_url + "/orgs/acme/personal-access-tokens",
        params={"owner[]": ["ada", "alan"], "token_id[]": ["1", "2"], "last_used_before": "2030-01-01T00:00:00Z"},
        timeout=10,
    )
    assert response.status_code == 200 and fake.contract_errors == []


def test_contract_validation_catches_bad_responses(fake_github, monkeypatch):
    fake, gh = _strict(fake_github)
    monkeypatch.setattr(render, "pat_grant", lambda record, org, base, now: {"id": record.id})
    response = gh.get(fake.base_url + "/orgs/acme/personal-access-tokens", timeout=10)
    assert response.status_code == 599 and response.json()["phase"] == "response"
    assert "'owner' is a required property" in " ".join(fake.contract_errors[0]["problems"])
    fake.contract_errors.clear()  # provoked on purpose


def test_control_endpoints_are_exempt_and_report(fake_github):
    fake, gh = _strict(fake_github)
    gh.get(fake.base_url + "/orgs/acme/personal-access-tokens?owner=x", timeout=10)
    assert session().get(fake.base_url + "/_fake/contract", timeout=10).json()["errors"][0]["phase"] == "request"
    log = session().get(fake.base_url + "/_fake/log", timeout=10).json()["entries"]
    assert [e["status"] for e in log][-1] == 599 and all(not e["path"].startswith("/_fake") for e in log)
    assert log[-1]["auth"] == "installation" and len(log[-1]["fingerprint"]) == 12
    session().post(fake.base_url + "/_fake/log/clear", timeout=10)
    assert fake.request_log == []
    fake.contract_errors.clear()
