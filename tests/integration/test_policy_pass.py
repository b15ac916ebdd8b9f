"""Module pat_policy: one process, each kind listed once, and report mode predicts enforce mode.

The test runs report mode, then enforce mode, and compares record by record the plan of the
report with the fake's final state (its reviews, revocations, pending requests and grants).
"""

from __future__ import annotations

import collections
import re

from request_log import POLICY, path_of

from harness import app_auth, run_tasks

LISTING = re.compile(r"^/(?:orgs|organizations)/[^/]+/(personal-access-token-requests|personal-access-tokens)$")
WRITE = re.compile(r"^/orgs/[^/]+/(personal-access-token-requests|personal-access-tokens)$")


def pass_task(fake, mode, **extra):
    args = {"org": fake.org, "policy": POLICY, "mode": mode, "plan_rows": 5}
    args.update(extra)
    return {"name": "policy pass", "patguard.github.pat_policy": args}


def run_pass(fake, mode, check=False, diff=False, **extra):
    run = run_tasks(
        [pass_task(fake, mode, **extra)],
        check=check,
        diff=diff,
        module_defaults={"group/patguard.github.github": app_auth(fake)},
    )
    assert run.rc == 0, run
    return run


def test_report_then_enforce_matches_the_fake_record_by_record(fake_github):
    fake = fake_github(grants=150, requests=40, seed=21)
    before = fake.state.snapshot()["organizations"][fake.org]
    now = fake.state.snapshot()["now"]
    report = run_pass(fake, "report", now=now).results[0]
    assert report["changed"] is False and report["mode"] == "report"
    assert fake.state.snapshot()["organizations"][fake.org]["reviews"] == []
    mark = len(fake.request_log)  # (request_log is a copy of the fake's log)
    enforce_run = run_pass(fake, "enforce", now=now)
    enforce = enforce_run.results[0]
    after = fake.state.snapshot()["organizations"][fake.org]
    planned = dict(((d["kind"], d["id"]), d["decision"]) for d in report["decisions"])
    assert planned == dict(((d["kind"], d["id"]), d["decision"]) for d in enforce["decisions"])
    # Every request: approved / denied exactly as planned; the rest still pending.
    reviewed = dict((r["pat_request_id"], r["action"]) for r in after["reviews"])
    for request in before["requests"]:
        decision = planned[("request", request["id"])]
        assert reviewed.get(request["id"]) == {"approve": "approve", "deny": "deny"}.get(decision), request
    assert set(r["id"] for r in after["requests"]) == set(
        r["id"] for r in before["requests"] if planned[("request", r["id"])] not in ("approve", "deny")
    )
    # Every grant: revoked exactly as planned; no approved request's grant is revoked.
    revoked = set(r["pat_id"] for r in after["revocations"])
    assert revoked == set(g["id"] for g in before["grants"] if planned[("grant", g["id"])] == "revoke")
    approved_tokens = set(r["token_id"] for r in after["reviews"] if r["action"] == "approve")
    assert approved_tokens <= set(g["token_id"] for g in after["grants"])
    assert sorted(enforce["applied"]["revoked"]) == sorted(revoked)
    assert enforce["not_processed"] == []
    # One process: each kind listed once (page by page), one App token, writes = the plan's bulk calls.
    log = fake.request_log[mark:]
    pages = collections.Counter(
        (path_of(e), repr(sorted((e.get("query") or {}).items())))
        for e in log
        if e["method"] == "GET" and LISTING.match(path_of(e))
    )
    assert max(pages.values()) == 1
    assert len([e for e in log if e["method"] == "POST" and path_of(e).endswith("/access_tokens")]) == 1
    writes = [e for e in log if e["method"] == "POST" and WRITE.match(path_of(e))]
    assert len(writes) == enforce["plan"]["writes"] == report["plan"]["writes"]
    # A second enforce run changes nothing.
    again = run_pass(fake, "enforce", now=now).results[0]
    assert again["changed"] is False and again["plan"]["approve"] == [] and again["plan"]["revoke"] == []


def test_check_mode_and_diff_show_the_plan_without_writes(fake_github):
    fake = fake_github(grants=30, requests=10, seed=22)
    mark = len(fake.request_log)
    run = run_pass(fake, "enforce", check=True, diff=True)
    result = run.results[0]
    assert result["mode"] == "report" and result["changed"] is False
    assert not [e for e in fake.request_log[mark:] if e["method"] == "POST" and WRITE.match(path_of(e))]
    assert result["diff"]["prepared"].splitlines()[0].split()[:4] == ["owner", "token", "kind", "decision"]
    assert len(result["plan_table"]) <= 7 and result["plan_table"][-1].startswith("... and ")
    # Progress at the default verbosity, never one line per token.
    progress = [line for line in run.stdout.splitlines() if line.startswith("pat_policy ")]
    assert any("listing grants: page 1 of" in line for line in progress)
    assert any(line.split(": ", 1)[1].startswith("evaluated 10 requests and 30 grants") for line in progress)
    assert len(progress) < 15


def test_enforce_with_an_empty_policy_warns(fake_github):
    fake = fake_github(grants=5, requests=2, seed=23)
    run = run_tasks(
        [{"name": "empty", "patguard.github.pat_policy": {"org": fake.org, "mode": "enforce"}}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
    )
    assert run.rc == 0, run
    assert any("decides nothing" in w for w in run.results[0]["warnings"])
    assert run.results[0]["changed"] is False


def test_hide_result_censors_the_callbacks_copy_but_registers_it_whole(fake_github):
    fake = fake_github(grants=12, requests=4, seed=24)
    auth = {"group/patguard.github.github": app_auth(fake)}
    run = run_tasks([pass_task(fake, "report", hide_result=True)], verbosity=1, module_defaults=auth)
    assert run.rc == 0, run
    assert len(run.results[0]["decisions"]) == 16 and run.results[0]["plan_table"]
    assert "the output has been hidden" in run.stdout and '"decisions"' not in run.stdout
    # Diff mode shows it: the diff (the plan table) is part of the result.
    diff_run = run_tasks([pass_task(fake, "report", hide_result=True)], diff=True, verbosity=1, module_defaults=auth)
    assert "the output has been hidden" not in diff_run.stdout and '"decisions"' in diff_run.stdout
    assert "owner" in diff_run.stdout and diff_run.results[0]["diff"]["prepared"]
    # A failure is shown with its message.
    bad = {"max_lifetime_days": "soon"}
    failed = run_tasks([pass_task(fake, "report", hide_result=True, policy=bad)], module_defaults=auth)
    assert failed.results[0]["failed"] is True
    assert "max_lifetime_days" in failed.results[0]["msg"] and "max_lifetime_days" in failed.stdout
    assert "the output has been hidden" not in failed.stdout
