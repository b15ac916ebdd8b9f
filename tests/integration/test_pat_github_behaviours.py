"""pat_* modules against the fake's models of what GitHub leaves open (issues 12.4-12.7).

The fake offers each undocumented answer as a setting (``tests/fake_github/behaviour.py``):
bulk writes that show in the listings a little late, what a resend of a handled id answers
(404 or 422), records that vanish out of band (``fake.vanish``), permission-upgrade requests that
share a ``token_id`` with a grant, and whether never-used tokens match ``last_used_*``. The
modules must end in the same state and report whichever answer the fake picks.
"""

from __future__ import annotations

from collections import Counter

import pytest

from fake_github.testing import installation_token
from harness import app_auth, run_tasks


def org_state(fake):
    return fake.state.snapshot()["organizations"][fake.org]


def token_auth(fake):
    """An installation token obtained beforehand: the task sends no token exchange, so request
    counts (delays, vanishing) and faults hit the module's own calls only."""
    return {"api_url": fake.base_url, "token": installation_token(fake), "write_interval": 0}


def task(module, auth, **args):
    return {"name": module, "patguard.github." + module: dict(auth, **args)}


def successful_ids(fake, key):
    counts = Counter()
    for entry in fake.request_log:
        if entry["method"] == "POST" and entry["status"] < 300 and entry["json"]:
            counts.update(entry["json"].get(key) or [])
    return counts


@pytest.mark.parametrize("answer", ["404", "422"])
def test_resend_answered_already_handled_after_a_lost_answer_is_done(fake_github, answer):
    """12.5: the revoke was applied but its answer lost; the listing still showed the grants (the
    write shows one request late), the resend is refused as already handled. Done, once, rc 0."""
    fake = fake_github(grants=40, requests=0, seed=51, already_handled=answer, bulk_delay_requests=1)
    ids = sorted(g["id"] for g in org_state(fake)["grants"])[:10]
    auth = token_auth(fake)
    fake.api.log.clear()
    fake.configure_faults(rate=1.0, kinds=["applied_then_drop"], methods=["POST"], seed=1, max_faults=1)
    run = run_tasks([task("pat_grant", auth, org=fake.org, ids=ids, refresh=False)])
    assert run.rc == 0, run
    assert sorted(run.result["revoked"]) == ids and run.result["gone"] == [] and run.result["unconfirmed"] == []
    posts = [e for e in fake.request_log if e["method"] == "POST"]
    assert [e["status"] for e in posts][1] == int(answer), posts  # the resend was refused as handled
    state = org_state(fake)
    assert sorted(r["pat_id"] for r in state["revocations"]) == ids  # each revoked once
    assert not [g for g in state["grants"] if g["id"] in ids]


def test_requests_cancelled_or_reviewed_in_the_web_ui_are_gone(fake_github):
    """12.6: the owner cancels one request and an admin denies another after the role listed them."""
    fake = fake_github(grants=10, requests=20, seed=52)
    ids = sorted(r["id"] for r in org_state(fake)["requests"])[:8]
    auth = token_auth(fake)
    fake.vanish(requests=[ids[0]], how="cancel")
    fake.vanish(requests=[ids[5]], how="deny")
    run = run_tasks([task("pat_request", auth, org=fake.org, ids=ids, action="approve", refresh=False)])
    assert run.rc == 0, run
    assert run.result["approved"] == [i for i in ids if i not in (ids[0], ids[5])]
    assert sorted(g["id"] for g in run.result["gone"]) == [ids[0], ids[5]]
    assert {g["kind"] for g in run.result["gone"]} == {"request"}
    assert sorted(successful_ids(fake, "pat_request_ids")) == sorted(run.result["approved"])


@pytest.mark.parametrize(
    "kind,module,key", [("grant", "pat_grant_info", "grants"), ("request", "pat_request_info", "requests")]
)
def test_a_record_gone_before_its_repositories_are_read_is_reported_not_fatal(fake_github, kind, module, key):
    """12.6: a 404 on ``…/{id}/repositories`` failed the whole governance pass before."""
    fake = fake_github(grants=30, requests=30, seed=53)
    records = org_state(fake)[key]
    subset = [r["id"] for r in records if r["repository_selection"] == "subset"][:2]
    assert len(subset) == 2
    auth = token_auth(fake)
    # Gone after one more API request: the listing (one page) still shows them, their
    # repositories call does not find them any more.
    fake.vanish(**{key: subset, "after_requests": 1})
    run = run_tasks([task(module, auth, org=fake.org, include_repositories=True)])
    assert run.rc == 0, run
    assert sorted(g["id"] for g in run.result["gone"]) == sorted(subset)
    assert all(g["kind"] == kind and g["step"] == "repositories" for g in run.result["gone"])
    listed = [r["id"] for r in run.result[key]]
    assert not set(subset) & set(listed) and run.result["count"] == len(records) - 2
    assert all(isinstance(r["repositories"], list) for r in run.result[key] if r["repository_selection"] == "subset")


@pytest.mark.parametrize("matches", ["none", "both"])
def test_never_used_tokens_do_not_depend_on_githubs_guess(fake_github, matches):
    """12.7: whatever GitHub's filter does with never-used tokens, pat_grant decides the same."""
    fake = fake_github(grants=60, requests=0, seed=34, never_used_matches=matches)
    state = org_state(fake)
    cutoff = "2026-06-01T00:00:00Z"
    stale = sorted(g["id"] for g in state["grants"] if g["token_last_used_at"] and g["token_last_used_at"] < cutoff)
    never = sorted(g["id"] for g in state["grants"] if not g["token_last_used_at"])
    assert stale and never
    auth = token_auth(fake)
    run = run_tasks(
        [
            task("pat_grant", auth, org=fake.org, last_used_before=cutoff),
            task("pat_grant", auth, org=fake.org, last_used_before=cutoff, never_used="include"),
        ],
        check=True,
    )
    assert run.rc == 0, run
    assert sorted(run.results[0]["revoked"]) == stale
    assert sorted(run.results[1]["revoked"]) == sorted(stale + never)


def test_upgrade_requests_and_their_grants_are_two_records(fake_github):
    """12.4: a pending upgrade request shares its token_id with an active grant."""
    fake = fake_github(grants=30, requests=4, seed=54, upgrade_requests=3)
    state = org_state(fake)
    upgrades = [r for r in state["requests"] if r.get("upgrade")]
    assert len(upgrades) == 3
    grant_of = dict((g["token_id"], g) for g in state["grants"])
    approve, deny, revoke = upgrades
    auth = token_auth(fake)
    fake.api.log.clear()
    # The approval's answer is lost after GitHub applied it: the proof must be the request
    # listing, not "a grant exists for this token" (it existed all along).
    fake.configure_faults(rate=1.0, kinds=["applied_then_drop"], methods=["POST"], seed=1, max_faults=1)
    run = run_tasks(
        [
            task(
                "pat_request",
                auth,
                org=fake.org,
                refresh=False,
                decisions=[
                    {
                        "id": approve["id"],
                        "action": "approve",
                        "reason": "Wider scope is fine",
                        "token_id": approve["token_id"],
                    }
                ],
            ),
            task("pat_request", auth, org=fake.org, ids=[deny["id"]], action="deny", reason="Stay narrow"),
            task("pat_grant", auth, org=fake.org, token_ids=[revoke["token_id"]]),
            task("pat_request_info", auth, org=fake.org, token_ids=[revoke["token_id"]]),
            task("pat_grant_info", auth, org=fake.org, token_ids=[approve["token_id"], deny["token_id"]]),
        ]
    )
    assert run.rc == 0, run
    approved, denied, revoked, still_pending, grants = run.results
    assert approved["approved"] == [approve["id"]] and approved["unconfirmed"] == []
    assert denied["denied"] == [deny["id"]]
    # Revoking by token id revokes the grant only; the upgrade request is another record.
    assert revoked["revoked"] == [grant_of[revoke["token_id"]]["id"]]
    assert [r["id"] for r in still_pending["requests"]] == [revoke["id"]]
    by_token = dict((g["token_id"], g) for g in grants["grants"])
    # Approving changed the existing grant under its own id; denying left it as it was.
    assert by_token[approve["token_id"]]["id"] == grant_of[approve["token_id"]]["id"]
    assert by_token[approve["token_id"]]["permissions"] == approve["permissions"]
    assert by_token[deny["token_id"]]["permissions"] == grant_of[deny["token_id"]]["permissions"]
    reviews = [(r["pat_request_id"], r["action"]) for r in org_state(fake)["reviews"] if r["source"] == "bulk"]
    assert sorted(reviews) == sorted([(approve["id"], "approve"), (deny["id"], "deny")])  # once each


def test_offboarding_by_owner_handles_the_upgrade_request_and_the_grant(fake_github):
    """12.4: the owner filter lists both records of one token; denying one and revoking the other
    leaves nothing behind, in either order of GitHub's answers."""
    fake = fake_github(grants=20, requests=3, seed=55, upgrade_requests=1)
    upgrade = next(r for r in org_state(fake)["requests"] if r.get("upgrade"))
    owner = upgrade["owner"]
    auth = token_auth(fake)
    run = run_tasks(
        [
            task("pat_request_info", auth, org=fake.org, owners=[owner]),
            task("pat_grant_info", auth, org=fake.org, owners=[owner]),
            {
                "name": "deny",
                "patguard.github.pat_request": dict(
                    auth,
                    org=fake.org,
                    action="deny",
                    reason="Owner left",
                    refresh=False,
                    ids="{{ patguard_result_0.requests | map(attribute='id') | list }}",
                ),
            },
            task("pat_grant", auth, org=fake.org, owners=[owner]),
        ]
    )
    assert run.rc == 0, run
    requests, grants, denied, revoked = run.results
    assert upgrade["id"] in [r["id"] for r in requests["requests"]]
    assert upgrade["token_id"] in [g["token_id"] for g in grants["grants"]]  # same token, other record
    assert upgrade["id"] in denied["denied"]
    assert sorted(revoked["revoked"]) == sorted(g["id"] for g in grants["grants"])
    after = org_state(fake)
    assert not [r for r in after["requests"] if r["owner"] == owner]
    assert not [g for g in after["grants"] if g["owner"] == owner]


def test_role_pat_offboarding_denies_the_upgrade_request_and_revokes_its_grant(fake_github):
    """The same through role pat_offboarding (one pat_policy pass): the upgrade request is judged
    on the grant it widens, denied with the offboarding reason, and that grant revoked."""
    fake = fake_github(grants=20, requests=3, seed=55, upgrade_requests=1)
    upgrade = next(r for r in org_state(fake)["requests"] if r.get("upgrade"))
    owner = upgrade["owner"]
    grants = sorted(g["id"] for g in org_state(fake)["grants"] if g["owner"] == owner)
    run = run_tasks(
        [{"name": "result", "ansible.builtin.debug": {"var": "pat_offboarding_result"}}],
        roles=[{"role": "patguard.github.pat_offboarding"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={"patguard_org": fake.org, "patguard_offboard_users": [owner], "patguard_mode": "enforce"},
    )
    assert run.rc == 0, run
    result = run.results[0]["pat_offboarding_result"]
    assert upgrade["id"] in result["denied"] and sorted(result["revoked"]) == grants
    reviews = [r for r in org_state(fake)["reviews"] if r["pat_request_id"] == upgrade["id"]]
    assert [r["action"] for r in reviews] == ["deny"]
    assert reviews[0]["reason"] == "Denied: the owner is being offboarded from the organization"
    after = org_state(fake)
    assert not [r for r in after["requests"] if r["owner"] == owner]
    assert not [g for g in after["grants"] if g["owner"] == owner]
