"""Primary rate limits and installation-token renewal, run through ansible-playbook against the fake.

* A spent budget whose reset is inside ``rate_limit_wait`` (``PATGUARD_RATE_LIMIT_WAIT``) is waited
  for and the task completes; both the real budget path (the fake's ``/_fake/rate-limit`` budget
  runs out on a successful answer) and GitHub's 403 "API rate limit exceeded" answer are covered.
* A reset beyond the bound stops the task with a message saying when to run again and exactly
  which ids were done and which were not; a second run finishes the job, nothing twice.
* Installation tokens that live 30 s expire (the fake's clock jumps ahead between pages): every
  401 is answered by a renewal and the request is retried; no request fails.
See docs/reliability.md.
"""

from __future__ import annotations

import re
import threading

import requests
from reliability import assert_no_traceback, org_state, org_writes, task

from harness import app_auth, run_tasks


def set_budget(fake, limit):
    """New hourly budget for every caller, counters reset (``POST /_fake/rate-limit``)."""
    answer = requests.post(fake.base_url + "/_fake/rate-limit", json={"limit": limit}, timeout=10)
    answer.raise_for_status()


def installation_calls(fake):
    return [e for e in fake.request_log if e["auth"] == "installation"]


class Background(threading.Thread):
    """Run ``step()`` every ``interval`` s until stopped (joined at the end of the test)."""

    def __init__(self, step, interval):
        super().__init__(daemon=True)
        self.step, self.interval, self.stopped = step, interval, threading.Event()

    def run(self):
        while not self.stopped.wait(self.interval):
            if self.step() is False:
                return

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.join(10)


def test_spent_budget_with_reset_inside_the_bound_is_waited_for(fake_github):
    fake = fake_github(grants=250, requests=0, seed=31)
    ids = sorted(g["id"] for g in org_state(fake)["grants"])[:250]
    # The fake's budget window is one hour of its clock. Set the clock back so that the window
    # opened now resets ~12 s from now in real time, and once the budget is spent move the clock
    # past the reset (the client waits on its own, real clock, until the reset it was told).
    fake.clock.advance(-3600 + 12)
    set_budget(fake, 4)  # 3 listing pages + 1 bulk revoke, then the budget is spent

    def release():
        if len(installation_calls(fake)) >= 4:
            fake.clock.advance(3600)
            return False
        return None

    with Background(release, 0.05):
        run = run_tasks([task("pat_grant", app_auth(fake), org=fake.org, ids=ids, rate_limit_wait=40)])
    assert run.rc == 0, run
    result = run.result
    assert sorted(result["revoked"]) == ids and result["unchanged"] == []
    assert result["api"]["waited_seconds"]["primary_reset"] > 0
    assert org_state(fake)["grants"] == []
    # The client waited instead of firing into the limit: no 403 was ever answered.
    assert not [e for e in fake.request_log if e["status"] in (403, 429)]
    assert [len(w["json"]["pat_ids"]) for w in org_writes(fake)] == [100, 100, 50]


def test_rate_limit_answers_with_a_near_reset_are_waited_for(fake_github):
    fake = fake_github(
        grants=150,
        requests=150,
        seed=32,
        faults={"rate": 0.5, "kinds": ["primary"], "seed": 4, "retry_after": 1, "max_faults": 3},
    )
    state = org_state(fake)
    decisions = [{"id": r["id"], "action": "deny", "reason": "Denied: rate-limit test"} for r in state["requests"]]
    run = run_tasks(
        [
            task("pat_request", app_auth(fake), org=fake.org, decisions=decisions, rate_limit_wait=10),
            task("pat_grant", app_auth(fake), org=fake.org, ids=[g["id"] for g in state["grants"]], rate_limit_wait=10),
        ]
    )
    assert run.rc == 0, run
    denied, revoked = run.results
    assert sorted(denied["denied"]) == sorted(r["id"] for r in state["requests"])
    assert sorted(revoked["revoked"]) == sorted(g["id"] for g in state["grants"])
    limited = [e for e in fake.request_log if e["fault"] == "primary"]
    assert len(limited) == 3 and all(e["status"] == 403 for e in limited)
    assert denied["api"]["waited_seconds"]["primary_reset"] + revoked["api"]["waited_seconds"]["primary_reset"] > 0
    after = org_state(fake)
    assert after["requests"] == [] and after["grants"] == []


def test_reset_beyond_the_bound_stops_with_what_was_done_and_a_rerun_finishes(fake_github):
    fake = fake_github(grants=250, requests=230, seed=33)
    state = org_state(fake)
    grant_ids = sorted(g["id"] for g in state["grants"])
    request_ids = sorted(r["id"] for r in state["requests"])
    approve, deny = request_ids[:150], request_ids[150:]
    decisions = [{"id": i, "action": "approve", "reason": "Compliant"} for i in approve]
    decisions += [{"id": i, "action": "deny", "reason": "Too broad"} for i in deny]
    auth = dict(app_auth(fake), rate_limit_wait=5)

    # Requests: 3 listing pages + 1 bulk call fit in the budget of 4; grants (250 + the 100 just
    # approved): 4 pages + 1 call in a budget of 5.
    set_budget(fake, 4)
    stopped = run_tasks([task("pat_request", auth, org=fake.org, decisions=decisions)])
    set_budget(fake, 5)
    stopped_grants = run_tasks([task("pat_grant", auth, org=fake.org, ids=grant_ids)])
    for run, done_key, total in ((stopped, "approved", 230), (stopped_grants, "revoked", 250)):
        result = run.result
        assert result["failed"] is True, run
        assert_no_traceback(run, result)
        assert result["method"] == "POST" and "/personal-access-token" in result["path"]
        message = result["msg"]
        assert "GitHub's rate limit for these credentials is spent" in message
        assert "longer than rate_limit_wait (5 s)" in message
        assert re.search(r"run again after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", message), message
        assert result["rate_limit_reset"] and result["rate_limit_reset"] in message
        assert "Running the task again finishes the job" in message
        done = result[done_key]
        assert len(done) == 100 and len(result["not_processed"]) == total - 100
        assert "Done before the failure: 100" in message and "not processed: %d ids" % (total - 100) in message
    first = stopped.result
    assert first["approved"] == approve[:100] and first["denied"] == []
    assert first["not_processed"] == sorted(approve[100:] + deny)
    assert sorted(stopped_grants.result["revoked"] + stopped_grants.result["not_processed"]) == grant_ids
    # Exactly what the failure result says was done is done, nothing more.
    middle = org_state(fake)
    assert sorted(r["id"] for r in middle["requests"]) == first["not_processed"]
    assert sorted(g["id"] for g in middle["grants"] if g["id"] in grant_ids) == stopped_grants.result["not_processed"]

    set_budget(fake, 5000)
    rerun = run_tasks(
        [
            task("pat_request", auth, org=fake.org, decisions=decisions),
            task("pat_grant", auth, org=fake.org, ids=grant_ids),
        ]
    )
    assert rerun.rc == 0, rerun
    reviewed, revoked = rerun.results
    assert sorted(reviewed["approved"]) == approve[100:] and sorted(reviewed["denied"]) == deny
    assert sorted(reviewed["unchanged"]) == approve[:100]
    assert sorted(revoked["revoked"]) == stopped_grants.result["not_processed"]
    after = org_state(fake)
    assert after["requests"] == [] and not [g for g in after["grants"] if g["id"] in grant_ids]
    # Every id was written exactly once over the two runs, and nothing was refused.
    sent = [
        i
        for w in org_writes(fake)
        if w["status"] < 300
        for i in (w["json"].get("pat_request_ids") or w["json"].get("pat_ids") or [])
    ]
    assert sorted(sent) == sorted(request_ids + grant_ids)
    assert not [w for w in org_writes(fake) if w["status"] >= 400]


def test_thirty_second_installation_tokens_are_renewed_mid_run(fake_github):
    fake = fake_github(grants=300, requests=40, seed=34, token_lifetime=30, latency_ms=5)
    auth = app_auth(fake)

    def tick():  # 12 s of the fake's time every 0.25 s: a token lives about 0.6 s of real time
        fake.clock.advance(12)

    with Background(tick, 0.25):
        run = run_tasks(
            [
                task("pat_grant_info", auth, org=fake.org, include_repositories=True),
                task("pat_request_info", auth, org=fake.org, include_repositories=True),
                task(
                    "pat_grant", auth, org=fake.org, owners=sorted({g["owner"] for g in org_state(fake)["grants"]})[:5]
                ),
            ]
        )
    assert run.rc == 0, run
    grants, pending, revoked = run.results
    assert grants["count"] == 300 and pending["count"] == 40
    subset = [g for g in grants["grants"] if g["repository_selection"] == "subset"]
    assert subset and all(g["repositories"] for g in subset)
    assert revoked["revoked"]
    log = fake.request_log
    expired = [i for i, e in enumerate(log) if e["status"] == 401]
    exchanges = [i for i, e in enumerate(log) if e["path"].endswith("/access_tokens") and e["status"] == 201]
    assert len(expired) >= 3, "the clock must have expired tokens mid-run"
    # Every 401 is followed by a token exchange, then the same request again, answered.
    for index in expired:
        following = [i for i in exchanges if i > index]
        assert following, "a 401 without renewal"
        retry = next(
            e
            for e in log[following[0] + 1 :]
            if e["path"] == log[index]["path"] and e["method"] == log[index]["method"]
        )
        assert retry["status"] < 400 or retry["status"] == 401
    assert not [e for e in log if e["status"] >= 400 and e["status"] != 401]
    assert sum(r["api"]["requests"] for r in run.results) > 200
