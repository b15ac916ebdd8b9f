"""GitHub behaviours the fake models on request (issue 12): each test turns one option on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from fake_github.generate import emu_shortcode
from fake_github.testing import app_jwt, installation_token, session

REQUESTS = "/orgs/acme/personal-access-token-requests"
GRANTS = "/orgs/acme/personal-access-tokens"
TESTS = Path(__file__).resolve().parent.parent
DEMO = TESTS / "fake_github" / "fixtures" / "demo_org.yml"


# -- 12.1 EMU logins ------------------------------------------------------------------------------
def test_generated_organizations_can_have_emu_members(fake_github):
    fake = fake_github(grants=40, requests=10, seed=2, emu_members=4, orgs=2)
    for org in ("acme", "acme-02"):
        logins = list(fake.state.org(org).members)
        emu = [login for login in logins if re.fullmatch(r"[a-z0-9-]+_" + emu_shortcode("acme"), login)]
        assert len(emu) == 4, logins
    gh = session(installation_token(fake))
    owners = {g["owner"]["login"] for g in gh.get(fake.base_url + GRANTS + "?per_page=100", timeout=10).json()}
    emu_owner = next(o for o in owners if o.endswith("_acme"))
    answer = gh.get(fake.base_url + GRANTS, params={"owner[]": emu_owner}, timeout=10)
    assert answer.status_code == 200 and {g["owner"]["login"] for g in answer.json()} == {emu_owner}
    assert gh.get(f"{fake.base_url}/orgs/acme/members/{emu_owner}", timeout=10).status_code == 204
    assert fake.contract_errors == []


def test_demo_fixture_has_emu_members_with_tokens(fake_github):
    fake = fake_github(fixture=DEMO)
    org = fake.state.org("acme")
    emu = sorted(login for login in org.members if "_" in login)
    assert emu == ["mona_acme", "octocat_acme"]
    owners = {r.token.owner.login for r in list(org.grants.by_id.values()) + list(org.requests.by_id.values())}
    assert set(emu) <= owners


# -- 12.2 stateless installation tokens -----------------------------------------------------------
STATELESS = re.compile(r"ghs_[A-Za-z0-9._]{36,}")


def _new_token(fake, headers=None):
    created = session(app_jwt(fake)).post(
        f"{fake.base_url}/app/installations/{fake.installation_id}/access_tokens", headers=headers, timeout=10
    )
    assert created.status_code == 201, created.text
    return created.json()["token"]


def test_stateless_tokens_when_asked(fake_github):
    fake = fake_github(grants=3, requests=1, stateless_tokens=True)
    token = _new_token(fake)
    assert token.startswith(f"ghs_{fake.app_id}_") and token.count(".") == 2 and 480 <= len(token) <= 560
    assert STATELESS.fullmatch(token)
    gh = session(token)
    assert gh.get(fake.base_url + GRANTS, timeout=10).status_code == 200
    assert gh.delete(fake.base_url + "/installation/token", timeout=10).status_code == 204
    assert gh.get(fake.base_url + GRANTS, timeout=10).status_code == 401
    # Every piece of every issued token is exposed for the secrets tests.
    issued = session().get(fake.root_url + "/_fake/tokens", timeout=10).json()
    assert token in issued["installation"] and token in fake.issued_tokens["installation"]
    assert all(len(piece) >= 8 for piece in token.split("."))
    assert fake.contract_errors == []


def test_stateless_header_asks_early_but_not_on_ghes(fake_github):
    header = {"X-GitHub-Stateless-S2S-Token": "true"}
    fake = fake_github(grants=1, requests=0)
    assert len(_new_token(fake)) == 40
    assert _new_token(fake, header).count(".") == 2
    ghes = fake_github(grants=1, requests=0, product="ghes-3.19")
    assert len(_new_token(ghes, header)) == 40
    with pytest.raises(ValueError, match="does not issue stateless"):
        fake_github(grants=1, requests=0, product="ghes-3.17", stateless_tokens=True)


# -- 12.4 permission-upgrade requests -------------------------------------------------------------
def _upgrade(fake):
    org = fake.state.org("acme")
    grant = next(
        g
        for g in org.grants.by_id.values()
        if org.role_of(g.token.owner.login) == "member" and g.token.repository_selection == "subset"
    )
    request = fake.create_request(
        grant.token.owner.login,
        upgrade_of_token_id=grant.token.token_id,
        permissions={"repository": {"metadata": "read", "issues": "write"}},
        repositories="all",
        reason="Needs issues on every repository.",
    )
    return grant, request


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_upgrade_request_shares_the_token_id_and_reviews_update_the_grant(fake_github, action):
    fake = fake_github(grants=20, requests=0, seed=4)
    grant, request = _upgrade(fake)
    before = (grant.id, dict(grant.token.permissions), grant.token.repository_selection, grant.access_granted_at)
    gh = session(installation_token(fake))
    listed = gh.get(fake.base_url + REQUESTS, params={"token_id[]": grant.token.token_id}, timeout=10).json()
    assert [r["id"] for r in listed] == [request.id] and listed[0]["token_name"] == grant.token.token_name
    answer = gh.post(f"{fake.base_url}{REQUESTS}/{request.id}", json={"action": action, "reason": "ok"}, timeout=10)
    assert answer.status_code == 204
    grants = gh.get(fake.base_url + GRANTS, params={"token_id[]": grant.token.token_id}, timeout=10).json()
    assert [g["id"] for g in grants] == [grant.id]  # still one grant, under its own id
    if action == "approve":
        assert grants[0]["repository_selection"] == "all"
        assert grants[0]["permissions"]["repository"] == {"metadata": "read", "issues": "write"}
        assert fake.state.snapshot()["organizations"]["acme"]["reviews"][-1]["upgrade"] is True
    else:
        assert (grants[0]["id"], grant.token.permissions, grants[0]["repository_selection"]) == before[:3]
    assert fake.contract_errors == []


def test_generated_and_fixture_upgrade_requests(fake_github):
    fake = fake_github(grants=30, requests=5, seed=8, upgrade_requests=3)
    org = fake.state.org("acme")
    upgrades = [r for r in org.requests.by_id.values() if r.upgrade]
    assert len(upgrades) == 3 and len(org.requests) == 8
    assert all(r.token.token_id in org.grants.by_token for r in upgrades)
    fixture = fake_github(
        fixture={
            "organizations": [
                {
                    "login": "acme",
                    "members": ["bob"],
                    "repositories": ["api"],
                    "grants": [
                        {
                            "owner": "bob",
                            "token_name": "ci",
                            "repositories": ["api"],
                            "permissions": {"repository": {"metadata": "read"}},
                        }
                    ],
                    "requests": [
                        {
                            "owner": "bob",
                            "upgrade_of": "ci",
                            "repositories": "all",
                            "reason": "more",
                            "permissions": {"repository": {"metadata": "read", "contents": "write"}},
                        }
                    ],
                }
            ]
        }
    )
    forg = fixture.state.org("acme")
    assert [r.token.token_id for r in forg.requests.by_id.values()] == [
        g.token.token_id for g in forg.grants.by_id.values()
    ]


# -- 12.5 lost answers, late bulk writes, resends ---------------------------------------------------
def test_applied_then_502_loses_the_answer_of_a_write_it_did(fake_github):
    fake = fake_github(grants=5, requests=0, seed=3)
    gh = session(installation_token(fake))
    pat_id = next(iter(fake.state.org("acme").grants.by_id))
    fake.configure_faults(rate=1.0, kinds=["applied_then_502"], methods=["POST"], max_faults=1)
    lost = gh.post(fake.base_url + GRANTS, json={"pat_ids": [pat_id], "action": "revoke"}, timeout=10)
    assert lost.status_code == 502 and pat_id not in fake.state.org("acme").grants.by_id


def test_bulk_writes_show_late_in_listings(fake_github):
    fake = fake_github(grants=5, requests=4, seed=3, bulk_delay_requests=2)
    gh = session(installation_token(fake))
    ids = [r["id"] for r in gh.get(fake.base_url + REQUESTS, timeout=10).json()][:2]
    assert (
        gh.post(fake.base_url + REQUESTS, json={"pat_request_ids": ids, "action": "deny"}, timeout=10).status_code
        == 202
    )
    seen = [{r["id"] for r in gh.get(fake.base_url + REQUESTS, timeout=10).json()} for _index in range(3)]
    assert set(ids) <= seen[0] and set(ids) <= seen[1]  # two listings still show the old state
    assert not set(ids) & seen[2]
    assert len(fake.state.snapshot()["organizations"]["acme"]["reviews"]) == 2


def test_bulk_delay_in_seconds_and_settle(fake_github):
    fake = fake_github(grants=4, requests=0, seed=3, bulk_delay_seconds=30)
    gh = session(installation_token(fake))
    pat_id = next(iter(fake.state.org("acme").grants.by_id))
    assert (
        gh.post(fake.base_url + GRANTS, json={"pat_ids": [pat_id], "action": "revoke"}, timeout=10).status_code == 202
    )
    assert pat_id in {g["id"] for g in gh.get(fake.base_url + GRANTS, timeout=10).json()}
    assert session().post(fake.root_url + "/_fake/settle", timeout=10).json() == {"pending": 0}
    assert pat_id not in {g["id"] for g in gh.get(fake.base_url + GRANTS, timeout=10).json()}


@pytest.mark.parametrize(
    "choice, bulk, single",
    [
        ("as-unknown", [422, 422], [404, 404]),
        ("422", [422, 422], [422, 422]),
        ("404", [404, 404], [404, 404]),
        ("alternate", [422, 404], [422, 404]),
    ],
)
def test_resend_of_handled_ids_answers_as_configured(fake_github, choice, bulk, single):
    fake = fake_github(grants=6, requests=0, seed=3, already_handled=choice)
    gh = session(installation_token(fake))
    first, second = list(fake.state.org("acme").grants.by_id)[:2]
    assert gh.post(fake.base_url + GRANTS, json={"pat_ids": [first], "action": "revoke"}, timeout=10).status_code == 202
    assert gh.post(f"{fake.base_url}{GRANTS}/{second}", json={"action": "revoke"}, timeout=10).status_code == 204
    statuses = [
        gh.post(fake.base_url + GRANTS, json={"pat_ids": [first], "action": "revoke"}, timeout=10).status_code,
        gh.post(f"{fake.base_url}{GRANTS}/{second}", json={"action": "revoke"}, timeout=10).status_code,
        gh.post(fake.base_url + GRANTS, json={"pat_ids": [second], "action": "revoke"}, timeout=10).status_code,
        gh.post(f"{fake.base_url}{GRANTS}/{first}", json={"action": "revoke"}, timeout=10).status_code,
    ]
    assert [statuses[0], statuses[2]] == bulk or choice == "alternate"
    assert [statuses[1], statuses[3]] == single or choice == "alternate"
    if choice == "alternate":
        assert statuses == [422, 404, 422, 404]
    # An id never seen keeps GitHub's usual answers.
    assert gh.post(fake.base_url + GRANTS, json={"pat_ids": [1], "action": "revoke"}, timeout=10).status_code == 422
    assert fake.contract_errors == []


# -- 12.6 records that vanish mid-pass ------------------------------------------------------------
def test_records_vanish_after_the_listing(fake_github):
    fake = fake_github(grants=6, requests=4, seed=5)
    gh = session(installation_token(fake))
    chosen = (
        session()
        .post(
            fake.root_url + "/_fake/vanish",
            json={"newest_requests": 1, "newest_grants": 1, "after_requests": 2},
            timeout=10,
        )
        .json()
    )
    requests_listed = gh.get(fake.base_url + REQUESTS, timeout=10).json()
    grants_listed = gh.get(fake.base_url + GRANTS, timeout=10).json()
    assert requests_listed[0]["id"] == chosen["requests"][0] and grants_listed[0]["id"] == chosen["grants"][0]
    request_id, grant_id = chosen["requests"][0], chosen["grants"][0]
    assert gh.get(f"{fake.base_url}{REQUESTS}/{request_id}/repositories", timeout=10).status_code == 404
    assert gh.get(f"{fake.base_url}{GRANTS}/{grant_id}/repositories", timeout=10).status_code == 404
    assert gh.post(f"{fake.base_url}{REQUESTS}/{request_id}", json={"action": "approve"}, timeout=10).status_code == 404
    assert (
        gh.post(fake.base_url + GRANTS, json={"pat_ids": [grant_id], "action": "revoke"}, timeout=10).status_code == 422
    )
    snapshot = fake.state.snapshot()["organizations"]["acme"]
    assert snapshot["cancellations"][0]["pat_request_id"] == request_id
    assert snapshot["revocations"][0] == {**snapshot["revocations"][0], "pat_id": grant_id, "source": "web-ui"}
    assert fake.contract_errors == []


def test_vanish_by_review_in_the_web_ui(fake_github):
    fake = fake_github(grants=2, requests=3, seed=5)
    request_id = next(iter(fake.state.org("acme").requests.by_id))
    fake.vanish(requests=[request_id], how="approve")
    assert fake.state.snapshot()["organizations"]["acme"]["reviews"][-1]["source"] == "web-ui"


# -- 12.7 never-used tokens and last_used filters -----------------------------------------------
@pytest.mark.parametrize(
    "choice, before, after",
    [("none", False, False), ("before", True, False), ("after", False, True), ("both", True, True)],
)
def test_never_used_tokens_match_as_configured(fake_github, choice, before, after):
    fake = fake_github(fixture=DEMO, never_used_matches=choice)
    gh = session(installation_token(fake))

    def names(**params):
        listed = gh.get(fake.base_url + GRANTS, params={"per_page": 100, **params}, timeout=10).json()
        return {g["token_name"] for g in listed}

    assert ("unused" in names(last_used_before="2100-01-01T00:00:00Z")) is before
    assert ("unused" in names(last_used_after="2000-01-01T00:00:00Z")) is after
    assert "deploy-api" in names(last_used_after="2000-01-01T00:00:00Z")  # used tokens as before


# -- 12.8 secondary rate limits ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["secondary", "secondary_reset", "secondary_bare"])
def test_secondary_limit_shapes(fake_github, kind):
    fake = fake_github(grants=2, requests=0)
    gh = session(installation_token(fake))
    fake.configure_faults(rate=1.0, kinds=[kind], max_faults=1, retry_after=7)
    answer = gh.get(fake.base_url + GRANTS, timeout=10)
    assert answer.status_code == 403 and "secondary rate limit" in answer.json()["message"]
    headers = answer.headers
    if kind == "secondary":
        assert headers["Retry-After"] == "7"
    elif kind == "secondary_reset":
        assert "Retry-After" not in headers and headers["x-ratelimit-remaining"] == "0"
        assert int(headers["x-ratelimit-reset"]) > 0
    else:
        assert "Retry-After" not in headers and int(headers["x-ratelimit-remaining"]) > 0
    assert fake.contract_errors == []


# -- 12.9 credentials GitHub accepts --------------------------------------------------------------
def test_owner_user_to_server_token_works_on_the_org_pat_endpoints(fake_github):
    fake = fake_github(fixture=DEMO)
    owner = session(fake.user_to_server_token("ada"))
    assert owner.get(fake.base_url + GRANTS, timeout=10).status_code == 200
    pending = owner.get(fake.base_url + REQUESTS, timeout=10).json()
    assert (
        owner.post(f"{fake.base_url}{REQUESTS}/{pending[0]['id']}", json={"action": "deny"}, timeout=10).status_code
        == 204
    )
    assert owner.get(fake.base_url + "/user", timeout=10).json()["login"] == "ada"
    member = session(fake.user_to_server_token("bob"))
    assert member.get(fake.base_url + GRANTS, timeout=10).status_code == 403  # not an owner
    classic = session(fake.user_tokens["ada"]).get(fake.base_url + GRANTS, timeout=10)
    assert (
        classic.status_code == 403 and classic.json()["message"] == "Resource not accessible by personal access token"
    )
    minted = session().post(fake.root_url + "/_fake/user-to-server-token", json={"login": "grace"}, timeout=10)
    assert minted.status_code == 201 and minted.json()["token"].startswith("ghu_")
    assert session(minted.json()["token"]).get(fake.base_url + GRANTS, timeout=10).status_code == 200
    assert fake.contract_errors == []


def test_credentials_revoke_takes_user_to_server_tokens(fake_github):
    fake = fake_github(grants=1, requests=0)
    admin = next(login for login, (_user, role) in fake.state.org("acme").members.items() if role == "admin")
    token = fake.user_to_server_token(admin)
    assert (
        session().post(fake.base_url + "/credentials/revoke", json={"credentials": [token]}, timeout=10).status_code
        == 202
    )
    assert session(token).get(fake.base_url + "/user", timeout=10).status_code == 401


@pytest.mark.parametrize(
    "product, client_id_ok", [("github.com", True), ("ghec", True), ("ghes-3.17", False), ("ghes-3.19", True)]
)
def test_app_jwt_iss_client_id_or_app_id(fake_github, product, client_id_ok):
    fake = fake_github(grants=1, requests=0, product=product)
    by_id = session(app_jwt(fake, iss=str(fake.app_id))).get(fake.base_url + "/app", timeout=10)
    by_client = session(app_jwt(fake, iss=fake.client_id)).get(fake.base_url + "/app", timeout=10)
    assert by_id.status_code == 200 and by_client.status_code == (200 if client_id_ok else 401)
    if not client_id_ok:
        assert by_client.json()["message"] == "A JSON web token could not be decoded"
    assert fake.contract_errors == []


def test_cli_prints_member_and_user_to_server_tokens(fake_github):
    fake = fake_github(fixture=DEMO)
    env = {"PYTHONPATH": str(TESTS), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "fake_github", "token", "bob", "--url", fake.base_url]
    printed = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env, check=True).stdout.strip()
    assert printed == fake.user_tokens["bob"]
    ghu = subprocess.run(
        run[:4] + ["ada", "--user-to-server", "--url", fake.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    ).stdout.strip()
    assert (
        ghu.startswith("ghu_")
        and requests.get(fake.base_url + GRANTS, timeout=10, headers={"Authorization": f"Bearer {ghu}"}).status_code
        == 200
    )
