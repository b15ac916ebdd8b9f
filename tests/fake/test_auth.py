"""GitHub App authentication: JWT checks, installation tokens, who may call what."""

from __future__ import annotations

import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fake_github.testing import app_jwt, installation_token, session

PAT_ENDPOINT = "/orgs/acme/personal-access-tokens"


def _get(fake, path, token=None):
    return session(token).get(fake.base_url + path, timeout=10)


def _other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_good_jwt_reaches_app_endpoints(fake):
    token = app_jwt(fake)
    app = _get(fake, "/app", token)
    assert app.status_code == 200 and app.json()["id"] == fake.app_id
    assert _get(fake, "/app/installations", token).json()[0]["id"] == fake.installation_id
    assert _get(fake, "/orgs/acme/installation", token).json()["app_id"] == fake.app_id
    assert _get(fake, f"/app/installations/{fake.installation_id}", token).status_code == 200


def test_client_id_is_accepted_as_issuer(fake):
    assert _get(fake, "/app", app_jwt(fake, iss=fake.client_id)).status_code == 200


@pytest.mark.parametrize(
    "case, message",
    [
        ("wrong key", "A JSON web token could not be decoded"),
        ("wrong iss", "A JSON web token could not be decoded"),
        ("expired", "'Expiration time' claim ('exp') must be a numeric value"),
        ("exp too far", "'Expiration time' claim ('exp') is too far in the future"),
        ("iat in future", "'Issued at' claim ('iat') must be an Integer"),
        ("not a jwt", "A JSON web token could not be decoded"),
    ],
)
def test_bad_jwts_are_refused_with_401(fake, case, message):
    now = int(time.time())
    token = {
        "wrong key": lambda: app_jwt(fake, key_pem=_other_key()),
        "wrong iss": lambda: app_jwt(fake, iss="999"),
        "expired": lambda: app_jwt(fake, iat=now - 900, exp=now - 300),
        "exp too far": lambda: app_jwt(fake, iat=now, exp=now + 660),
        "iat in future": lambda: app_jwt(fake, iat=now + 300, exp=now + 500),
        "not a jwt": lambda: fake.user_tokens["ada"],
    }[case]()
    response = _get(fake, "/app/installations", token)
    assert response.status_code == 401
    assert response.json()["message"].startswith(message)
    assert response.json()["documentation_url"]


def test_clock_skew_of_a_minute_is_tolerated(fake):
    now = int(time.time())
    assert _get(fake, "/app", app_jwt(fake, iat=now + 30, exp=now + 600)).status_code == 200
    assert _get(fake, "/app", app_jwt(fake, iat=now - 600, exp=now - 30)).status_code == 200


def test_installation_token_shape_and_expiry(fake_github):
    fake = fake_github(grants=5, requests=2, token_lifetime=30)
    response = session(app_jwt(fake)).post(
        f"{fake.base_url}/app/installations/{fake.installation_id}/access_tokens", timeout=10
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("ghs_") and len(body["token"]) == 40 and body["token"][4:].isalnum()
    assert body["repository_selection"] == "all"
    assert _get(fake, PAT_ENDPOINT, body["token"]).status_code == 200
    fake.clock.advance(31)
    expired = _get(fake, PAT_ENDPOINT, body["token"])
    assert expired.status_code == 401 and expired.json()["message"] == "Bad credentials"


def test_revoking_the_installation_token(fake):
    token = installation_token(fake)
    assert session(token).delete(fake.base_url + "/installation/token", timeout=10).status_code == 204
    assert _get(fake, PAT_ENDPOINT, token).status_code == 401


def test_token_narrowed_to_repositories_and_permissions(fake, app_session):
    response = session(app_jwt(fake)).post(
        f"{fake.base_url}/app/installations/{fake.installation_id}/access_tokens",
        json={
            "repositories": [fake.state.org("acme").repositories[min(fake.state.org("acme").repositories)].name],
            "permissions": {"organization_personal_access_tokens": "read"},
        },
        timeout=10,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["repository_selection"] == "selected" and len(body["repositories"]) == 1
    assert body["permissions"] == {"organization_personal_access_tokens": "read"}
    narrow = session(body["token"])
    assert narrow.get(fake.base_url + PAT_ENDPOINT, timeout=10).status_code == 200
    revoke = narrow.post(fake.base_url + PAT_ENDPOINT + "/1", json={"action": "revoke"}, timeout=10)
    assert revoke.status_code == 403  # write needs organization_personal_access_tokens: write
    requests_list = narrow.get(fake.base_url + "/orgs/acme/personal-access-token-requests", timeout=10)
    assert requests_list.json()["message"] == "Resource not accessible by integration"


@pytest.mark.parametrize(
    "body, status",
    [
        ({"permissions": {"administration": "write"}}, 422),
        ({"repositories": ["does-not-exist"]}, 422),
        ({"repository_ids": list(range(1, 502))}, 422),
    ],
)
def test_token_narrowing_refusals(fake, body, status):
    response = session(app_jwt(fake)).post(
        f"{fake.base_url}/app/installations/{fake.installation_id}/access_tokens", json=body, timeout=10
    )
    assert response.status_code == status


def test_pat_endpoints_refuse_personal_access_tokens(fake):
    for token in list(fake.user_tokens.values())[:2]:
        response = _get(fake, PAT_ENDPOINT, token)
        assert response.status_code == 403
        assert response.json()["message"] == "Resource not accessible by personal access token"
        assert response.json()["documentation_url"].startswith(
            "https://docs.github.com/rest/orgs/personal-access-tokens"
        )


def test_pat_endpoints_refuse_jwt_and_anonymous(fake):
    assert _get(fake, PAT_ENDPOINT, app_jwt(fake)).status_code == 403
    anonymous = _get(fake, PAT_ENDPOINT)
    assert anonymous.status_code == 401 and anonymous.json()["message"] == "Requires authentication"


def test_unknown_token_is_bad_credentials(fake):
    response = _get(fake, PAT_ENDPOINT, "ghs_" + "A" * 36)
    assert response.status_code == 401
    assert response.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }


def test_installation_endpoints_refuse_installation_and_user_tokens(fake):
    assert _get(fake, "/app/installations", installation_token(fake)).status_code == 401
    assert _get(fake, "/app/installations", fake.user_tokens["ada"]).status_code == 401


def test_org_without_the_app_and_other_org(fake):
    assert _get(fake, "/orgs/acme-labs/installation", app_jwt(fake)).status_code == 404
    assert _get(fake, "/orgs/nobody/installation", app_jwt(fake)).status_code == 404
    other = _get(fake, "/orgs/acme-labs/personal-access-tokens", installation_token(fake))
    assert other.status_code == 403 and other.json()["message"] == "Resource not accessible by integration"


def test_organization_name_is_case_insensitive(fake):
    assert _get(fake, "/orgs/ACME/personal-access-tokens", installation_token(fake)).status_code == 200


def test_user_endpoints(demo):
    bob = demo.user_tokens["bob"]
    me = _get(demo, "/user", bob)
    assert me.status_code == 200 and me.json()["login"] == "bob"
    expiry = me.headers["GitHub-Authentication-Token-Expiration"]
    assert expiry.endswith(" UTC") and len(expiry) == len("2026-12-20 00:00:00 UTC")
    assert "GitHub-Authentication-Token-Expiration" not in _get(demo, "/user", demo.user_tokens["ada"]).headers
    emails = _get(demo, "/user/emails", bob).json()
    assert emails[0]["primary"] is True
    assert _get(demo, "/user", installation_token(demo)).status_code == 403
    assert _get(demo, "/user").status_code == 401


def test_expired_user_token_is_refused(demo):
    demo.clock.advance(21 * 86400)  # bob's own token expires in 20 days
    assert _get(demo, "/user", demo.user_tokens["bob"]).status_code == 401


def test_deleting_the_installation(fake):
    token = installation_token(fake)
    jwt_session = session(app_jwt(fake))
    url = f"{fake.base_url}/app/installations/{fake.installation_id}"
    assert jwt_session.delete(url, timeout=10).status_code == 204
    assert jwt_session.get(url, timeout=10).status_code == 404
    assert _get(fake, PAT_ENDPOINT, token).status_code == 401
    assert (
        requests.get(
            fake.base_url + "/orgs/acme/installation", headers={"Authorization": f"Bearer {app_jwt(fake)}"}, timeout=10
        ).status_code
        == 404
    )
