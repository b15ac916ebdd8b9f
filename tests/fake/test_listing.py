"""List endpoints: filters, sorting, pagination and GitHub's Link header."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from fake_github.permissions import holds
from fake_github.testing import installation_token, session

GRANTS = "/orgs/acme/personal-access-tokens"
REQUESTS = "/orgs/acme/personal-access-token-requests"


def _all(fake, s, path, **params):
    """Follow ``rel="next"`` links like a client; return every item."""
    items, url = [], fake.base_url + path
    first = True
    while url:
        response = s.get(url, params=params if first else None, timeout=10)
        assert response.status_code == 200, response.text
        items += response.json()
        url = response.links.get("next", {}).get("url")
        first = False
    return items


@pytest.fixture
def gh(fake, app_session):
    return app_session(fake)


def test_default_order_is_newest_first_and_asc_reverses(fake, gh):
    desc = gh.get(fake.base_url + GRANTS, params={"per_page": 100}, timeout=10).json()
    times = [g["access_granted_at"] for g in desc]
    assert times == sorted(times, reverse=True) and len(desc) == 60
    asc = gh.get(
        fake.base_url + GRANTS, params={"per_page": 100, "direction": "asc", "sort": "created_at"}, timeout=10
    ).json()
    assert [g["id"] for g in asc] == [g["id"] for g in reversed(desc)]


def test_link_header_is_formatted_like_githubs(fake, gh):
    org_id = fake.state.org("acme").id
    first = gh.get(fake.base_url + GRANTS + "?per_page=25", timeout=10)
    base = f"{fake.base_url}/organizations/{org_id}/personal-access-tokens"
    assert first.headers["Link"] == (
        f'<{base}?per_page=25&page=2>; rel="next", <{base}?per_page=25&page=3>; rel="last"'
    )
    middle = gh.get(fake.base_url + GRANTS + "?page=2&per_page=25", timeout=10)
    assert middle.headers["Link"] == (
        f'<{base}?page=1&per_page=25>; rel="prev", '
        f'<{base}?page=3&per_page=25>; rel="next", '
        f'<{base}?page=3&per_page=25>; rel="last", '
        f'<{base}?page=1&per_page=25>; rel="first"'
    )
    last = gh.get(fake.base_url + GRANTS + "?per_page=25&page=3", timeout=10)
    assert len(last.json()) == 10
    assert last.headers["Link"] == (
        f'<{base}?per_page=25&page=2>; rel="prev", <{base}?per_page=25&page=1>; rel="first"'
    )
    single = gh.get(fake.base_url + GRANTS + "?per_page=100", timeout=10)
    assert "Link" not in single.headers


def test_link_urls_keep_the_query_and_work(fake, gh):
    owners = sorted({g.token.owner.login for g in fake.state.org("acme").grants.by_id.values()})[:3]
    query = "&".join(f"owner%5B%5D={o}" for o in owners) + "&per_page=2"
    response = gh.get(f"{fake.base_url}{GRANTS}?{query}", timeout=10)
    link = response.headers["Link"]
    assert all(f"owner%5B%5D={o}" in link for o in owners) and "per_page=2&page=2" in link
    following = gh.get(response.links["next"]["url"], timeout=10)
    assert following.status_code == 200 and {g["owner"]["login"] for g in following.json()} <= set(owners)


def test_the_host_the_client_used_is_kept(fake, gh):
    url = fake.base_url.replace("127.0.0.1", "localhost") + GRANTS + "?per_page=10"
    assert re.match(r"<http://localhost:\d+/organizations/", gh.get(url, timeout=10).headers["Link"])


def test_per_page_is_capped_at_100_and_defaults_to_30(fake_github, app_session):
    fake = fake_github(grants=150, requests=0, seed=2)
    gh = app_session(fake)
    assert len(gh.get(fake.base_url + GRANTS, timeout=10).json()) == 30
    assert len(gh.get(fake.base_url + GRANTS, params={"per_page": 500}, timeout=10).json()) == 100
    assert len(_all(fake, gh, GRANTS, per_page=100)) == 150


def test_owner_and_token_id_filters(fake, gh):
    org = fake.state.org("acme")
    grants = list(org.grants.by_id.values())
    owner = grants[0].token.owner.login
    got = _all(fake, gh, GRANTS, **{"owner[]": [owner.upper()]})
    assert got and {g["owner"]["login"] for g in got} == {owner}
    assert len(got) == len(org.grants.by_owner[owner.lower()])
    ids = [str(g.token.token_id) for g in grants[:3]]
    got = _all(fake, gh, GRANTS, **{"token_id[]": ids})
    assert sorted(str(g["token_id"]) for g in got) == sorted(ids)
    both = _all(fake, gh, GRANTS, **{"token_id[]": ids, "owner[]": [owner]})
    assert {str(g["token_id"]) for g in both} == {ids[0]} | {
        str(g.token.token_id) for g in grants[1:3] if g.token.owner.login == owner
    }


def test_repository_filter_follows_the_selection(fake, gh):
    org = fake.state.org("acme")
    subset = next(g for g in org.grants.by_id.values() if g.token.repository_selection == "subset")
    repo = org.repositories[subset.token.repository_ids[0]]
    got = _all(fake, gh, GRANTS, repository=repo.name)
    expected = {
        g.id
        for g in org.grants.by_id.values()
        if g.token.repository_selection == "all" or repo.id in g.token.repository_ids
    }
    assert {g["id"] for g in got} == expected and subset.id in expected
    assert all(g["repository_selection"] != "none" for g in got)
    assert _all(fake, gh, GRANTS, repository="no-such-repo") == []


@pytest.mark.parametrize("permission", ["contents_read", "contents_write", "members_read", "issues_write"])
def test_permission_filter_matches_at_that_level_or_higher(fake, gh, permission):
    org = fake.state.org("acme")
    name, level = permission.rsplit("_", 1)
    got = _all(fake, gh, GRANTS, permission=permission)
    expected = {g.id for g in org.grants.by_id.values() if holds(g.token.permissions, name, level)}
    assert {g["id"] for g in got} == expected
    if level == "read":
        writers = {
            g.id for g in org.grants.by_id.values() if g.token.permissions.get("repository", {}).get(name) == "write"
        }
        assert writers <= expected


def test_last_used_filters(fake, gh):
    org = fake.state.org("acme")
    cut = datetime.now(timezone.utc) - timedelta(days=30)
    stamp = cut.strftime("%Y-%m-%dT%H:%M:%SZ")
    before = {g["id"] for g in _all(fake, gh, GRANTS, last_used_before=stamp)}
    after = {g["id"] for g in _all(fake, gh, GRANTS, last_used_after=stamp)}
    never = {g.id for g in org.grants.by_id.values() if g.token.last_used_at is None}
    assert before and after and not before & after
    assert before | after | never == set(org.grants.by_id)
    assert all(g["token_last_used_at"] < stamp for g in _all(fake, gh, GRANTS, last_used_before=stamp))


def test_request_list_carries_reasons_and_repositories_are_paginated(fake, gh):
    requests_ = _all(fake, gh, REQUESTS)
    assert len(requests_) == 20 and all("reason" in r and "created_at" in r for r in requests_)
    subset = max(
        (r for r in requests_ if r["repository_selection"] == "subset"),
        key=lambda r: len(fake.state.org("acme").requests.by_id[r["id"]].token.repository_ids),
    )
    count = len(fake.state.org("acme").requests.by_id[subset["id"]].token.repository_ids)
    repos = _all(fake, gh, f"{REQUESTS}/{subset['id']}/repositories", per_page=2)
    assert len(repos) == count and all("full_name" in r for r in repos)
    # the repositories_url GitHub hands out (by organization id) works as well
    assert len(_all(fake, gh, subset["repositories_url"].replace(fake.base_url, ""), per_page=100)) == count


def test_unknown_ids_on_repository_lists_are_404(fake, gh):
    assert gh.get(f"{fake.base_url}{GRANTS}/1/repositories", timeout=10).status_code == 404
    assert gh.get(f"{fake.base_url}{REQUESTS}/1/repositories", timeout=10).status_code == 404
    assert gh.get(f"{fake.base_url}/orgs/nobody/personal-access-tokens", timeout=10).status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ("&".join(f"owner[]=u{i}" for i in range(11)), "owner"),
        ("&".join(f"token_id[]={i}" for i in range(51)), "token_id"),
        ("token_id[]=abc", "token_id"),
        ("permission=nonsense_read", "permission"),
        ("permission=metadata_write", "permission"),
        ("last_used_before=yesterday", "last_used_before"),
        ("direction=up", "direction"),
        ("sort=name", "sort"),
        ("owner=alice", "owner"),
    ],
)
def test_bad_queries_are_422_like_github(fake_github, query, field):
    fake = fake_github(grants=5, requests=2, validate=False)
    response = session(installation_token(fake)).get(f"{fake.base_url}{GRANTS}?{query}", timeout=10)
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Validation Failed" and body["errors"][0]["field"] == field
    assert body["documentation_url"].startswith("https://docs.github.com/rest/orgs/personal-access-tokens")


def test_members_and_teams(demo):
    gh = session(installation_token(demo))
    members = gh.get(demo.base_url + "/orgs/acme/members", params={"per_page": 5}, timeout=10)
    assert members.status_code == 200 and 'rel="last"' in members.headers["Link"]
    admins = gh.get(demo.base_url + "/orgs/acme/members", params={"role": "admin"}, timeout=10).json()
    assert {m["login"] for m in admins} == {"ada", "grace"}
    assert gh.get(demo.base_url + "/orgs/acme/members/bob", timeout=10).status_code == 204
    assert gh.get(demo.base_url + "/orgs/acme/members/nobody", timeout=10).status_code == 404
    team = gh.get(demo.base_url + "/orgs/acme/teams/platform/members", params={"role": "maintainer"}, timeout=10)
    assert [m["login"] for m in team.json()] == ["ada"]
    assert gh.get(demo.base_url + "/orgs/acme/teams/nope/members", timeout=10).status_code == 404
    anonymous = session().get(demo.base_url + "/orgs/acme/members/bob", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].endswith("/public_members/bob")


def test_a_large_organization_pages_and_filters(fake_github, app_session):
    # Speed is measured by bench/, never asserted here.
    fake = fake_github(grants=10_000, requests=2_000, seed=4)
    gh = app_session(fake)
    owner = next(iter(fake.state.org("acme").grants.by_id.values())).token.owner.login
    for page in range(1, 6):
        assert gh.get(fake.base_url + GRANTS, params={"per_page": 100, "page": page}, timeout=10).status_code == 200
    filtered = gh.get(
        fake.base_url + GRANTS, params={"owner[]": owner, "permission": "contents_read", "per_page": 100}, timeout=10
    )
    assert filtered.status_code == 200 and filtered.json()
