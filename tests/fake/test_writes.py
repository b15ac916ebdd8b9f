"""Reviews and revocations: bulk limits, 422s, state changes, recorded reasons."""

from __future__ import annotations

import pytest

from fake_github.state import iso
from fake_github.testing import installation_token, session

GRANTS = "/orgs/acme/personal-access-tokens"
REQUESTS = "/orgs/acme/personal-access-token-requests"


@pytest.fixture
def gh(demo):
    return session(installation_token(demo))


def _pending(demo):
    return {r.token.token_name: r for r in demo.state.org("acme").requests.by_id.values()}


def _granted(demo):
    return {g.token.token_name: g for g in demo.state.org("acme").grants.by_id.values()}


def test_bulk_approve_moves_requests_to_grants(demo, gh):
    pending = _pending(demo)
    chosen = [pending["release-bot"], pending["triage"]]
    started = iso(demo.clock.now())
    response = gh.post(
        demo.base_url + REQUESTS,
        json={"pat_request_ids": [r.id for r in chosen], "action": "approve", "reason": "Looks fine."},
        timeout=10,
    )
    assert response.status_code == 202 and response.json() == {}
    assert not {"release-bot", "triage"} & set(_pending(demo))
    grants = gh.get(
        demo.base_url + GRANTS, params={"token_id[]": [str(r.token.token_id) for r in chosen]}, timeout=10
    ).json()
    assert len(grants) == 2
    by_token = {g["token_id"]: g for g in grants}
    for request in chosen:
        grant = by_token[request.token.token_id]
        assert grant["token_name"] == request.token.token_name
        assert grant["owner"]["login"] == request.token.owner.login
        assert grant["repository_selection"] == request.token.repository_selection
        assert started <= grant["access_granted_at"] <= iso(demo.clock.now())
        repos = gh.get(f"{demo.base_url}{GRANTS}/{grant['id']}/repositories", timeout=10).json()
        assert [r["id"] for r in repos] == list(request.token.repository_ids)
    reviews = demo.state.snapshot()["organizations"]["acme"]["reviews"]
    assert [(r["token_name"], r["action"], r["reason"], r["source"]) for r in reviews] == [
        ("release-bot", "approve", "Looks fine.", "bulk"),
        ("triage", "approve", "Looks fine.", "bulk"),
    ]


def test_single_deny_records_the_reason(demo, gh):
    request = _pending(demo)["everything"]
    response = gh.post(
        f"{demo.base_url}{REQUESTS}/{request.id}",
        json={"action": "deny", "reason": "All repositories is too broad."},
        timeout=10,
    )
    assert response.status_code == 204 and response.content == b""
    assert "everything" not in _pending(demo) and "everything" not in _granted(demo)
    review = demo.state.snapshot()["organizations"]["acme"]["reviews"][-1]
    assert review["action"] == "deny" and review["reason"] == "All repositories is too broad."
    again = gh.post(f"{demo.base_url}{REQUESTS}/{request.id}", json={"action": "deny"}, timeout=10)
    assert again.status_code == 404


def test_bulk_with_an_unknown_id_is_422_and_changes_nothing(demo, gh):
    before = set(_pending(demo))
    known = _pending(demo)["combo"].id
    response = gh.post(demo.base_url + REQUESTS, json={"pat_request_ids": [known, 1], "action": "deny"}, timeout=10)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "pat_request_ids"
    assert set(_pending(demo)) == before
    revoke = gh.post(
        demo.base_url + GRANTS, json={"pat_ids": [_granted(demo)["backup"].id, 2], "action": "revoke"}, timeout=10
    )
    assert revoke.status_code == 422 and "backup" in _granted(demo)


def test_revoke_bulk_and_single(demo, gh):
    granted = _granted(demo)
    response = gh.post(
        demo.base_url + GRANTS,
        json={"action": "revoke", "pat_ids": [granted["backup"].id, granted["legacy-bot"].id]},
        timeout=10,
    )
    assert response.status_code == 202 and response.json() == {}
    single = gh.post(f"{demo.base_url}{GRANTS}/{granted['unused'].id}", json={"action": "revoke"}, timeout=10)
    assert single.status_code == 204
    assert not {"backup", "legacy-bot", "unused"} & set(_granted(demo))
    assert (
        gh.post(f"{demo.base_url}{GRANTS}/{granted['unused'].id}", json={"action": "revoke"}, timeout=10).status_code
        == 404
    )
    revocations = demo.state.snapshot()["organizations"]["acme"]["revocations"]
    assert [(r["token_name"], r["source"]) for r in revocations] == [
        ("backup", "bulk"),
        ("legacy-bot", "bulk"),
        ("unused", "single"),
    ]


@pytest.mark.parametrize(
    "path, body",
    [
        (REQUESTS, {"pat_request_ids": list(range(1, 102)), "action": "approve"}),
        (REQUESTS, {"pat_request_ids": [], "action": "approve"}),
        (REQUESTS, {"pat_request_ids": ["1"], "action": "approve"}),
        (REQUESTS, {"pat_request_ids": [1], "action": "maybe"}),
        (REQUESTS, {"pat_request_ids": [1], "action": "deny", "reason": "x" * 1025}),
        (REQUESTS + "/1", {"reason": "no action"}),
        (GRANTS, {"pat_ids": list(range(1, 102)), "action": "revoke"}),
        (GRANTS, {"pat_ids": [1], "action": "delete"}),
        (GRANTS + "/1", {"action": "approve"}),
    ],
)
def test_bad_bodies_are_422_without_validation_and_599_with_it(fake_github, path, body):
    plain = fake_github(grants=3, requests=3, validate=False)
    response = session(installation_token(plain)).post(plain.base_url + path, json=body, timeout=10)
    assert response.status_code == 422 and response.json()["message"].startswith("Invalid request.")
    strict = fake_github(grants=3, requests=3)
    response = session(installation_token(strict)).post(strict.base_url + path, json=body, timeout=10)
    assert response.status_code == 599 and response.json()["phase"] == "request"
    assert len(strict.contract_errors) == 1
    strict.contract_errors.clear()  # provoked on purpose


def test_admin_requests_are_approved_on_creation(demo):
    grant = demo.create_request(
        "ada",
        token_name="admin-quick",
        permissions={"repository": {"contents": "read"}},
        repositories=["api"],
        token_expires_at="+30d",
    )
    assert "admin-quick" in _granted(demo) and "admin-quick" not in _pending(demo)
    assert demo.state.org("acme").reviews[-1]["source"] == "auto-admin"
    assert grant.token.token_name == "admin-quick"


def test_control_endpoint_creates_requests(demo):
    created = session().post(
        demo.base_url + "/_fake/requests",
        json={
            "owner": "bob",
            "token_name": "from-control",
            "reason": "testing",
            "permissions": {"repository": {"issues": "read"}},
            "repositories": ["web"],
            "token_expires_at": "+10d",
        },
        timeout=10,
    )
    assert created.status_code == 201 and created.json()["kind"] == "request"
    assert _pending(demo)["from-control"].reason == "testing"
    bad = session().post(
        demo.base_url + "/_fake/requests",
        json={"owner": "bob", "token_name": "x", "permissions": {"repository": {"nope": "read"}}},
        timeout=10,
    )
    assert bad.status_code == 422


def test_removing_a_member_revokes_their_access(demo, gh):
    assert gh.delete(demo.base_url + "/orgs/acme/members/heidi", timeout=10).status_code == 204
    assert not any(g.token.owner.login == "heidi" for g in demo.state.org("acme").grants.by_id.values())
    assert gh.get(demo.base_url + "/orgs/acme/members/heidi", timeout=10).status_code == 404
    bob = session(demo.user_tokens["bob"])
    assert bob.delete(demo.base_url + "/orgs/acme/members/carol", timeout=10).status_code == 403


def test_reset_reseeds(demo):
    session().post(demo.base_url + "/_fake/reset", json={"grants": 4, "requests": 1, "seed": 9}, timeout=10)
    assert len(demo.state.org("acme").grants) == 4 and len(demo.state.org("acme").requests) == 1
