"""Many organizations (issue 16.5): one installation each, own data, own rate-limit budget."""

from __future__ import annotations

import pytest

from fake_github.generate import generate, org_logins
from fake_github.testing import app_jwt, installation_token, session


@pytest.fixture
def many(fake_github):
    return fake_github(
        orgs=5, grants=12, requests=4, seed=3, lacking_pat_permission=2, user_installation="octo-solo", rate_limit=40
    )


def _all_installations(fake):
    gh = session(app_jwt(fake))
    url, found = fake.base_url + "/app/installations?per_page=2", []
    while url:
        page = gh.get(url, timeout=10)
        assert page.status_code == 200
        found += page.json()
        url = page.links.get("next", {}).get("url")
    return found


def test_app_installations_are_paged_and_typed(many):
    found = _all_installations(many)
    by_login = {i["account"]["login"]: i for i in found}
    assert sorted(by_login) == sorted(org_logins("acme", 5) + ["octo-solo"])  # acme-labs has no installation
    assert by_login["octo-solo"]["target_type"] == "User"
    assert by_login["acme-03"]["target_type"] == "Organization"
    assert many.installation_ids == {login: i["id"] for login, i in by_login.items()}
    assert len(set(many.installation_ids.values())) == 6
    # The last two organizations each lack one PAT permission; the others hold both.
    pat = ("organization_personal_access_token_requests", "organization_personal_access_tokens")
    holds = {login: sorted(p for p in pat if p in i["permissions"]) for login, i in by_login.items()}
    assert all(holds[o] == sorted(pat) for o in org_logins("acme", 3))
    assert holds["acme-04"] == [pat[0]] and holds["acme-05"] == [pat[1]]
    assert many.contract_errors == []


def test_each_organization_has_its_own_installation_and_data(many):
    gh = session(app_jwt(many))
    tokens = set()
    for login in org_logins("acme", 3):
        inst = gh.get(f"{many.base_url}/orgs/{login}/installation", timeout=10).json()
        assert inst["id"] == many.installation_ids[login]
        token = installation_token(many, org=login)
        tokens.add(token)
        grants = session(token).get(f"{many.base_url}/orgs/{login}/personal-access-tokens?per_page=100", timeout=10)
        assert grants.status_code == 200 and len(grants.json()) == 12
        other = session(token).get(f"{many.base_url}/orgs/acme-02/personal-access-tokens", timeout=10)
        assert other.status_code == (200 if login == "acme-02" else 403)  # another org's installation
    assert len(tokens) == 3
    state = many.state
    token_ids = [g.token.token_id for o in state.orgs.values() for g in o.grants.by_id.values()]
    assert len(token_ids) == len(set(token_ids))  # one resource owner per PAT
    members = [set(state.org(o).members) for o in org_logins("acme", 5)]
    assert members[0] != members[1] and members[0] & members[1]  # enterprise members overlap


def test_pat_endpoints_refuse_an_installation_lacking_the_permission(many):
    lacks_tokens = session(installation_token(many, org="acme-04"))
    assert (
        lacks_tokens.get(many.base_url + "/orgs/acme-04/personal-access-token-requests", timeout=10).status_code == 200
    )
    refused = lacks_tokens.get(many.base_url + "/orgs/acme-04/personal-access-tokens", timeout=10)
    assert refused.status_code == 403 and refused.json()["message"] == "Resource not accessible by integration"
    lacks_requests = session(installation_token(many, org="acme-05"))
    assert (
        lacks_requests.get(many.base_url + "/orgs/acme-05/personal-access-token-requests", timeout=10).status_code
        == 403
    )
    assert many.contract_errors == []


def test_rate_limit_budgets_are_per_installation(many):
    spender = session(installation_token(many, org="acme"))
    while True:
        answer = spender.get(many.base_url + "/orgs/acme/personal-access-tokens?per_page=1", timeout=10)
        if answer.status_code == 403:
            break
    assert answer.headers["x-ratelimit-remaining"] == "0"
    assert f"installation ID {many.installation_ids['acme']}" in answer.json()["message"]
    fresh = session(installation_token(many, org="acme-02"))
    other = fresh.get(many.base_url + "/orgs/acme-02/personal-access-tokens?per_page=1", timeout=10)
    assert other.status_code == 200 and int(other.headers["x-ratelimit-remaining"]) == 39


def test_user_account_installation_issues_tokens_but_reaches_no_org(many):
    token = installation_token_for(many, "octo-solo")
    assert session(token).get(many.base_url + "/orgs/acme/personal-access-tokens", timeout=10).status_code == 403
    assert many.contract_errors == []


def installation_token_for(fake, login):
    created = session(app_jwt(fake)).post(
        f"{fake.base_url}/app/installations/{fake.installation_ids[login]}/access_tokens", timeout=10
    )
    assert created.status_code == 201, created.text
    return created.json()["token"]


def test_single_organization_data_is_unchanged_by_the_new_options():
    from datetime import datetime, timezone

    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    single = generate(grants=20, requests=5, seed=4, now=now)
    assert [o["login"] for o in single["organizations"]] == ["acme", "acme-labs"]
    assert generate(grants=20, requests=5, seed=4, now=now, orgs=3)["organizations"][0] == single["organizations"][0]


def test_cli_and_reset_take_the_options(many):
    many.reset(orgs=2, grants=3, requests=1, lacking_pat_permission=0, user_installation=None)
    assert sorted(many.installation_ids) == ["acme", "acme-02"]
    answer = session().post(many.base_url + "/_fake/reset", json={"orgs": 4, "grants": 2, "requests": 0}, timeout=10)
    assert answer.status_code == 200 and "acme-04" in answer.json()["organizations"]
