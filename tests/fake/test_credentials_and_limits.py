"""POST /credentials/revoke rules and the primary rate limit."""

from __future__ import annotations

import pytest

from fake_github.testing import installation_token, session

REVOKE = "/credentials/revoke"


def test_revoking_leaked_user_tokens(demo):
    bob = demo.user_tokens["bob"]
    response = session().post(demo.base_url + REVOKE, json={"credentials": [bob, "ghp_" + "0" * 36]}, timeout=10)
    assert response.status_code == 202 and response.json() == {}
    assert session(bob).get(demo.base_url + "/user", timeout=10).status_code == 401
    assert session(demo.user_tokens["carol"]).get(demo.base_url + "/user", timeout=10).status_code == 200
    logged = [e for e in demo.request_log if e["path"] == REVOKE][0]
    assert bob not in str(logged) and logged["auth"] == "none"


def test_authenticated_revoke_call_is_refused(demo):
    carol = demo.user_tokens["carol"]
    response = session(carol).post(demo.base_url + REVOKE, json={"credentials": [demo.user_tokens["bob"]]}, timeout=10)
    assert response.status_code == 403
    assert session(demo.user_tokens["bob"]).get(demo.base_url + "/user", timeout=10).status_code == 200


@pytest.mark.parametrize("credentials", [[], ["x"] * 1001, [1, 2]])
def test_revoke_limits(fake_github, credentials):
    fake = fake_github(grants=1, requests=0, validate=False)
    response = session().post(fake.base_url + REVOKE, json={"credentials": credentials}, timeout=10)
    assert response.status_code == 422
    assert isinstance(response.json()["errors"][0], str)  # validation-error-simple


def test_revoke_is_limited_per_hour(fake_github):
    fake = fake_github(grants=1, requests=0, anonymous_rate_limit=3)
    statuses = [
        session().post(fake.base_url + REVOKE, json={"credentials": ["ghp_" + "1" * 36]}, timeout=10).status_code
        for _index in range(4)
    ]
    assert statuses == [202, 202, 202, 429]


def test_rate_limit_headers_on_every_response(fake):
    gh = session(installation_token(fake))
    ok = gh.get(fake.base_url + "/orgs/acme/personal-access-tokens", timeout=10)
    missing = gh.get(fake.base_url + "/orgs/acme/personal-access-tokens/1/repositories", timeout=10)
    for response in (ok, missing):
        assert response.headers["x-ratelimit-limit"] == "5000"
        assert response.headers["x-ratelimit-resource"] == "core"
        assert int(response.headers["x-ratelimit-reset"]) > 0
    assert int(missing.headers["x-ratelimit-used"]) == int(ok.headers["x-ratelimit-used"]) + 1
    assert int(missing.headers["x-ratelimit-remaining"]) == 5000 - int(missing.headers["x-ratelimit-used"])


def test_primary_limit_exhaustion(fake_github):
    fake = fake_github(grants=3, requests=0, rate_limit=2)
    gh = session(installation_token(fake))
    url = fake.base_url + "/orgs/acme/personal-access-tokens"
    assert [gh.get(url, timeout=10).status_code for _index in range(2)] == [200, 200]
    refused = gh.get(url, timeout=10)
    assert refused.status_code == 403
    assert refused.json()["message"] == f"API rate limit exceeded for installation ID {fake.installation_id}."
    assert refused.headers["x-ratelimit-remaining"] == "0"
    rate = gh.get(fake.base_url + "/rate_limit", timeout=10)  # not counted, still answers
    assert rate.status_code == 200 and rate.json()["resources"]["core"]["remaining"] == 0
    session().post(fake.base_url + "/_fake/rate-limit", json={"limit": 10}, timeout=10)
    assert gh.get(url, timeout=10).status_code == 200
