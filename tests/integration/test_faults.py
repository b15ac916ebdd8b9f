"""Faults: a governance pass on a bad day ends exactly where a pass on a good day ends.

Role pat_governance (the policy of playbooks/demo.yml, enforce mode) runs on a 1,000-grant
organization twice, on two fakes generated from the same seed and ``now``: once without faults,
once with 10 % of the requests answered 500, 502 (HTML page), 403 secondary rate limit with
``Retry-After: 1`` or a dropped connection (seeded, so the faulty run replays). The final states
must be identical (pending requests, grants, every review with its action and reason, every
revocation), every id must have been written exactly once with success, and no write may have
been refused (no 422). A second test injects ``applied_then_drop`` on writes: GitHub applied the
change and the answer was lost, so the module must reconcile from a listing instead of failing or
counting twice. See docs/reliability.md.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from reliability import final_state, fixed_now, governance, governance_results, org_state, org_writes

from fake_github.testing import installation_token
from harness import run_tasks

GRANTS = 1000
REQUESTS = 400
DATA_SEED = 21
FAULT_SEED = 7
FAULT_KINDS = ["500", "502", "secondary", "drop"]
ENV = {"PATGUARD_RATE_LIMIT_WAIT": "30"}  # the fake's Retry-After is 1 s; anything above 30 s would stop


def ids_written(fake, key):
    """Every id in a successful (2xx) bulk write, with how often it was sent."""
    counts = Counter()
    for entry in org_writes(fake):
        if entry["status"] < 300 and entry["json"]:
            counts.update(entry["json"].get(key) or [])
    return counts


def assert_each_written_once(fake, approved, denied, revoked):
    requests = ids_written(fake, "pat_request_ids")
    grants = ids_written(fake, "pat_ids")
    assert sorted(requests) == sorted(approved + denied) and set(requests.values()) <= {1}
    assert sorted(grants) == sorted(revoked) and set(grants.values()) <= {1}


def assert_results_match_state(fake, run):
    """The role's approved/denied/revoked ids are exactly the fake's state change; returns them."""
    approved, denied, revoked = governance_results(run)
    state = org_state(fake)
    bulk = [r for r in state["reviews"] if r["source"] == "bulk"]
    assert sorted(approved) == sorted(r["pat_request_id"] for r in bulk if r["action"] == "approve")
    assert sorted(denied) == sorted(r["pat_request_id"] for r in bulk if r["action"] == "deny")
    assert sorted(revoked) == sorted(r["pat_id"] for r in state["revocations"])
    return approved, denied, revoked


@pytest.mark.slow
def test_governance_with_ten_percent_faults_ends_like_a_clean_run(fake_github):
    now = fixed_now()
    clean = fake_github(grants=GRANTS, requests=REQUESTS, seed=DATA_SEED, now=now)
    # Installation tokens live 10 s on the faulty fake: the run lasts longer than that, so the
    # client also has to renew its token mid-pass (margin min(300 s, lifetime / 5) = 2 s).
    faulty = fake_github(
        grants=GRANTS,
        requests=REQUESTS,
        seed=DATA_SEED,
        now=now,
        token_lifetime=10,
        faults={"rate": 0.1, "kinds": FAULT_KINDS, "seed": FAULT_SEED, "retry_after": 1},
    )
    assert final_state(clean) == final_state(faulty)  # identical before the runs

    # The runs do not share anything, and the faulty one mostly sleeps: run them side by side.
    with ThreadPoolExecutor(2) as pool:
        clean_future = pool.submit(governance, clean, now=now, env=ENV)
        faulty_future = pool.submit(governance, faulty, now=now, env=ENV)
        clean_run, faulty_run = clean_future.result(), faulty_future.result()
    assert clean_run.rc == 0, clean_run
    assert faulty_run.rc == 0, faulty_run

    faults = Counter(e["fault"] for e in faulty.request_log if e["fault"])
    writes_faulted = [e for e in org_writes(faulty) if e["fault"]]
    # (one process lists each kind once: about 200 requests, so about 20 faults)
    assert sum(faults.values()) >= 15 and set(faults) == set(FAULT_KINDS), faults
    assert writes_faulted, "the seed must also fault some bulk writes"

    # The same final state: requests, grants, reviews (action + reason), revocations.
    expected, got = final_state(clean), final_state(faulty)
    assert got == expected
    assert expected["reviews"] and expected["revocations"] and len(expected["grants"]) < GRANTS

    # The module results report exactly the state change, in both runs.
    for fake, run in ((clean, clean_run), (faulty, faulty_run)):
        approved, denied, revoked = assert_results_match_state(fake, run)
        # Nothing sent twice, nothing refused: every id in exactly one successful write, no 422.
        assert_each_written_once(fake, approved, denied, revoked)
        assert not [e for e in org_writes(fake) if e["status"] == 422]
    # The faulty run renewed its 10-second installation token before it expired (no 401 at all).
    exchanges = [e for e in faulty.request_log if e["path"].endswith("/access_tokens") and e["status"] == 201]
    assert len(exchanges) >= 2 and not [e for e in faulty.request_log if e["status"] == 401]
    assert faulty_run.output.count("Traceback") == 0


def test_writes_applied_then_dropped_are_reconciled_not_resent(fake_github):
    """GitHub applied the write but the answer was lost: reconcile, never resend, count once."""
    now = fixed_now()
    policy = {
        "max_lifetime_days": 90,
        "forbidden_permissions": ["administration:write", "secrets:write"],
        "require_reason": True,
        "min_reason_length": 10,
        "revoke_expired": True,
        "actions": {"compliant_request": "approve", "violating_request": "deny", "violating_grant": "revoke"},
    }
    clean = fake_github(grants=400, requests=120, seed=5, now=now)
    faulty = fake_github(
        grants=400,
        requests=120,
        seed=5,
        now=now,
        faults={"rate": 0.25, "kinds": ["applied_then_drop"], "methods": ["POST"], "seed": 4},
    )
    clean_run = governance(clean, policy=policy, now=now)
    faulty_run = governance(faulty, policy=policy, now=now)
    assert clean_run.rc == 0, clean_run
    assert faulty_run.rc == 0, faulty_run

    dropped = [e for e in org_writes(faulty) if e["fault"] == "applied_then_drop"]
    assert len(dropped) >= 2, "the seed must drop the answer of several applied bulk writes"
    assert final_state(faulty) == final_state(clean)

    # Counts equal the state change: nothing counted twice, nothing lost.
    approved, denied, revoked = assert_results_match_state(faulty, faulty_run)
    assert len(set(approved + denied)) == len(approved + denied) and len(set(revoked)) == len(revoked)
    assert (approved, denied, revoked) != ([], [], [])
    # Every id reached GitHub exactly once (a dropped answer still counts: the write was applied),
    # and no write was refused because it repeated ids already handled.
    sent = Counter()
    for entry in org_writes(faulty):
        if entry["status"] < 300:
            sent.update((entry["json"] or {}).get("pat_request_ids") or [])
            sent.update((entry["json"] or {}).get("pat_ids") or [])
    assert sorted(sent) == sorted(approved + denied + revoked) and set(sent.values()) == {1}
    assert not [e for e in org_writes(faulty) if e["status"] == 422]


def test_a_resend_lost_again_is_reconciled_again_with_one_listing_per_round(fake_github):
    """Regression test of two bugs this suite found in ``_pat._send_bulk``.

    The reconciliation listed every grant once *per id* of the chunk (100 full listings for one
    lost answer), and a resend whose answer was lost again failed the task. Now: one listing per
    round, and up to three rounds.
    """
    fake = fake_github(grants=250, requests=0, seed=41)
    ids = sorted(g["id"] for g in org_state(fake)["grants"])[:100]
    # An installation token obtained beforehand, so that the task itself sends no token-exchange
    # POST and the faults below hit the bulk revocations only.
    auth = {"api_url": fake.base_url, "token": installation_token(fake), "write_interval": 0}
    fake.api.log.clear()
    # Two lost answers in a row: the first write never arrives, neither does the first resend.
    fake.configure_faults(rate=1.0, kinds=["drop"], methods=["POST"], seed=1, max_faults=2)
    revoke = dict(auth, org=fake.org, ids=ids, refresh=False)
    run = run_tasks([{"name": "revoke", "patguard.github.pat_grant": revoke}])
    assert run.rc == 0, run
    assert sorted(run.result["revoked"]) == ids and run.result["unchanged"] == []
    log = fake.request_log
    assert [(e["method"], e["fault"]) for e in log if e["method"] == "POST"] == [
        ("POST", "drop"),
        ("POST", "drop"),
        ("POST", None),
    ]
    # Between the writes: exactly one full listing (3 pages of 100) per reconciliation round.
    posts = [i for i, e in enumerate(log) if e["method"] == "POST"]
    assert posts[1] - posts[0] - 1 == 3 and posts[2] - posts[1] - 1 == 3
    assert org_state(fake)["grants"] and not [g for g in org_state(fake)["grants"] if g["id"] in ids]
    assert_each_written_once(fake, [], [], ids)


def run_results(run):
    return run.results[0]["pat_request_review_result"], run.results[1]["pat_grant_hygiene_result"]


def test_a_pass_on_real_github_ends_like_a_clean_run(fake_github):
    """EMU members, stateless tokens, upgrade requests, lost answers, late listings and records
    that vanish mid-pass (issue 12): the pass ends where a clean run on the same data ends."""
    now = fixed_now()
    data = dict(grants=300, requests=80, seed=12, now=now, emu_members=4, upgrade_requests=3)
    clean = fake_github(**data)
    real = fake_github(
        **data,
        stateless_tokens=True,
        already_handled="alternate",  # a resend of handled ids answers 422, then 404, ...
        bulk_delay_requests=2,  # a bulk write shows in the listings two requests late
        faults={"rate": 0.3, "kinds": ["applied_then_502"], "methods": ["POST"], "seed": 3},
    )
    assert final_state(clean) == final_state(real)
    # Someone acts in the web UI after the listings (about 8 requests: token, 1 + 3 pages; a change
    # during a listing shifts GitHub's pages, which no client can see): the same records vanish on
    # the clean fake before its run, so both runs end on the same organization.
    gone = real.vanish_newest(requests=2, grants=2, after_requests=10)
    clean.vanish(requests=gone["requests"], grants=gone["grants"])

    clean_run = governance(clean, now=now)
    real_run = governance(real, now=now)
    assert clean_run.rc == 0, clean_run
    assert real_run.rc == 0, real_run
    assert [e for e in org_writes(real) if e["fault"] == "applied_then_502"], "the seed must lose some answers"
    # GitHub applies 202 writes eventually: let the delayed ones land, then compare.
    real.api.scheduler.flush()
    assert final_state(real) == final_state(clean)
    # Each of the pass's records ends under exactly one key, the vanished ones under "gone".
    review, hygiene = run_results(real_run)
    assert sorted(review["approved"] + review["denied"]) == sorted(set(review["approved"] + review["denied"]))
    reported = {g["id"] for g in review["gone"] + hygiene["gone"]}
    assert reported and reported <= set(gone["requests"] + gone["grants"]), reported
    assert "Traceback" not in real_run.output
    for token in real.issued_tokens["installation"]:
        assert all(piece not in real_run.output for piece in token.split(".") if len(piece) > 8)
