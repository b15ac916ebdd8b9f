"""Query planning of the roles, read from the fake's request log (no timing assertions).

- offboarding 12 users: exactly two owner-filtered listings per endpoint (10 + 2 logins),
  never an unfiltered listing;
- a governance pass never fetches the same URL twice (App auth, which every module process
  does once, is accounted separately: see docs/performance.md);
- repository listings happen only for ``subset`` records, only when the policy has a rule
  that needs them, and for grants only when the decision depends on them (yet with the
  same revocations as an evaluation that knows every repository list).
"""

from __future__ import annotations

import collections
import re

import pytest
from request_log import AUTH, POLICY, REPOSITORIES, path_of

from ansible_collections.patguard.github.plugins.module_utils._policy import plan
from harness import app_auth, run_tasks

LISTINGS = {
    "requests": re.compile(r"^/(orgs|organizations)/[^/]+/personal-access-token-requests$"),
    "grants": re.compile(r"^/(orgs|organizations)/[^/]+/personal-access-tokens$"),
}

NOW = "2026-06-01T00:00:00Z"


def owners_of(entry):
    query = entry.get("query") or {}
    value = query.get("owner[]", query.get("owner"))
    if value is None:
        return None
    return tuple(sorted(value if isinstance(value, list) else [value]))


def url_key(entry):
    query = entry.get("query") or {}
    return path_of(entry), tuple(sorted((k, repr(v)) for k, v in query.items()))


def governance(fake, policy, mode):
    run = run_tasks(
        [],
        roles=[{"role": "patguard.github.pat_governance"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={"patguard_org": fake.org, "patguard_policy": policy, "patguard_mode": mode, "patguard_now": NOW},
    )
    assert run.rc == 0, run
    return run


def test_offboarding_twelve_users_is_two_filtered_listings_per_endpoint(fake_github):
    fake = fake_github(grants=120, requests=30, seed=11)
    state = fake.state.snapshot()["organizations"][fake.org]
    owners = sorted(set(g["owner"] for g in state["grants"]) | set(r["owner"] for r in state["requests"]))
    users = owners[:12]
    assert len(users) == 12
    fake.request_log.clear()
    run = run_tasks(
        [],
        roles=[{"role": "patguard.github.pat_offboarding"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={"patguard_org": fake.org, "patguard_offboard_users": users, "patguard_mode": "report"},
    )
    assert run.rc == 0, run
    for name, pattern in LISTINGS.items():
        listings = [e for e in fake.request_log if e["method"] == "GET" and pattern.match(path_of(e))]
        assert all(owners_of(e) for e in listings), "unfiltered %s listing: %s" % (name, listings)
        chunks = collections.Counter(owners_of(e) for e in listings)
        assert sorted(len(chunk) for chunk in chunks) == [2, 10], chunks
        assert set(login for chunk in chunks for login in chunk) == set(u.lower() for u in users) or set(
            login for chunk in chunks for login in chunk
        ) == set(users)
        # 120 grants over ~50 owners: each chunk fits on one page, so one request per chunk.
        assert len(listings) == 2, listings
    assert not [e for e in fake.request_log if e["method"] != "GET" and not AUTH.match(path_of(e))]


def test_offboarding_enforce_is_one_listing_per_kind_one_app_token_and_bulk_writes(fake_github):
    """Issue 17: the role is one pat_policy pass, not four module processes each with its token."""
    fake = fake_github(grants=120, requests=30, seed=11)
    state = fake.state.snapshot()["organizations"][fake.org]
    users = sorted(set(g["owner"] for g in state["grants"]))[:3] + ["ghost-leaver"]  # unknown: warned
    grants = [g["id"] for g in state["grants"] if g["owner"] in users]
    requests = [r["id"] for r in state["requests"] if r["owner"] in users]
    fake.request_log.clear()
    run = run_tasks(
        [{"name": "result", "ansible.builtin.debug": {"var": "pat_offboarding_result"}}],
        roles=[{"role": "patguard.github.pat_offboarding"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={"patguard_org": fake.org, "patguard_offboard_users": users, "patguard_mode": "enforce"},
    )
    assert run.rc == 0, run
    log = list(fake.request_log)
    for name, pattern in LISTINGS.items():
        listings = [e for e in log if e["method"] == "GET" and pattern.match(path_of(e))]
        assert len(listings) == 1 and owners_of(listings[0]) == tuple(sorted(users)), (name, listings)
    assert len([e for e in log if e["method"] == "POST" and path_of(e).endswith("/access_tokens")]) == 1
    writes = [e for e in log if e["method"] == "POST" and not AUTH.match(path_of(e))]
    assert len(writes) == (1 if requests else 0) + (len(grants) + 99) // 100  # one shared deny reason
    result = run.results[0]["pat_offboarding_result"]
    assert sorted(result["revoked"]) == sorted(grants) and sorted(result["denied"]) == sorted(requests)
    assert sorted(result["active_grants"]) == sorted(grants) and result["mode"] == "enforce"
    assert "ghost-leaver is not a member of %s" % fake.org in " ".join(run.output.split())


@pytest.mark.parametrize("mode", ["report", "enforce"])
def test_governance_fetches_no_url_twice_and_repositories_only_for_subset(fake_github, mode):
    fake = fake_github(grants=90, requests=25, seed=12)
    state = fake.state.snapshot()["organizations"][fake.org]
    fake.request_log.clear()
    governance(fake, POLICY, mode)
    log = list(fake.request_log)
    fetched = collections.Counter(url_key(e) for e in log if e["method"] == "GET" and not AUTH.match(path_of(e)))
    assert [url for url, count in fetched.items() if count > 1] == []
    listed = collections.defaultdict(set)
    for entry in log:
        match = REPOSITORIES.match(path_of(entry))
        if match:
            listed[match.group(1)].add(int(match.group(2)))
    subset_requests = set(r["id"] for r in state["requests"] if r["repository_selection"] == "subset")
    subset_grants = set(g["id"] for g in state["grants"] if g["repository_selection"] == "subset")
    assert subset_requests and subset_grants
    # Requests and grants: only those whose decision waits on their repositories (a request
    # another rule already denies is denied whatever they are; its reason names the rules
    # found broken), so fewer listings than subset records ...
    assert listed["personal-access-token-requests"] < subset_requests
    original = listed["personal-access-tokens"] & set(g["id"] for g in state["grants"])
    assert original < subset_grants
    # ... and yet the same decisions as an evaluation that knows every repository list
    # (the fake's own view of the records, repositories included).
    eager = plan(state["requests"], state["grants"], POLICY, NOW)
    if mode == "enforce":
        after = fake.state.snapshot()["organizations"][fake.org]
        assert set(r["pat_request_id"] for r in after["reviews"] if r["action"] == "approve") == set(
            g["ids"][i] for g in eager["approve"] for i in range(len(g["ids"]))
        )
    eager = eager["revoke"]
    if mode == "enforce":
        revoked = set(r["pat_id"] for r in fake.state.snapshot()["organizations"][fake.org]["revocations"])
        assert revoked & set(g["id"] for g in state["grants"]) == set(eager)


def test_governance_lists_no_repositories_when_no_rule_needs_them(fake_github):
    fake = fake_github(grants=60, requests=15, seed=13)
    policy = dict(POLICY)
    del policy["max_repositories"]
    fake.request_log.clear()
    governance(fake, policy, "report")
    assert not [e for e in fake.request_log if REPOSITORIES.match(path_of(e))]
    pages = [e for e in fake.request_log if e["method"] == "GET" and not AUTH.match(path_of(e))]
    # 15 requests and 60 grants: one page each.
    assert len(pages) == 2, pages
