"""Helpers shared by the reliability tests (faults, rate limits, token renewal, bad input, secrets).

Not a test module: imported by ``test_faults.py``, ``test_rate_limits.py``, ``test_bad_input.py``
and ``test_secrets.py``. See docs/reliability.md for what each test proves.
"""

from __future__ import annotations

from datetime import datetime, timezone

from harness import DEMO_POLICY, app_auth, run_tasks

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def fixed_now():
    """One timestamp for the fake's generated data and the policy's ``now`` (reproducible plans)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def org_writes(fake, log=None):
    """Writes to the organization's PAT endpoints (installation-token exchanges are not counted)."""
    return [
        e
        for e in (fake.request_log if log is None else log)
        if e["method"] in WRITE_METHODS and (e["path"].startswith("/orgs/") or e["path"].startswith("/organizations/"))
    ]


def org_state(fake):
    return fake.state.snapshot()["organizations"][fake.org]


def final_state(fake):
    """The parts of the fake's state a governance run changes, without wall-clock times."""
    state = org_state(fake)
    return {
        "requests": sorted(r["id"] for r in state["requests"]),
        "grants": sorted((g["id"], g["token_id"], g["owner"]) for g in state["grants"]),
        "reviews": sorted(
            (r["pat_request_id"], r["token_id"], r["action"], r["reason"] or "", r["source"], r["grant_id"] or 0)
            for r in state["reviews"]
        ),
        "revocations": sorted((r["pat_id"], r["token_id"], r["source"]) for r in state["revocations"]),
    }


def governance(fake, policy=None, now=None, mode="enforce", env=None, check=False, verbosity=0, extra_vars=None):
    """Run role pat_governance against ``fake``; results[0]/[1] are the review/hygiene results."""
    play_vars = {
        "patguard_org": fake.org,
        "patguard_policy": DEMO_POLICY if policy is None else policy,
        "patguard_mode": mode,
    }
    if now is not None:
        play_vars["patguard_now"] = iso(now)
    return run_tasks(
        [
            {"name": "review result", "ansible.builtin.debug": {"var": "pat_request_review_result"}},
            {"name": "hygiene result", "ansible.builtin.debug": {"var": "pat_grant_hygiene_result"}},
        ],
        roles=[{"role": "patguard.github.pat_governance"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars=play_vars,
        env=env,
        check=check,
        verbosity=verbosity,
        extra_vars=extra_vars,
    )


def governance_results(run):
    """(approved, denied, revoked) id lists of a successful pat_governance run."""
    review = run.results[0]["pat_request_review_result"]
    hygiene = run.results[1]["pat_grant_hygiene_result"]
    return review["approved"], review["denied"], hygiene["revoked"]


# ansible-core 2.19+ adds this placeholder to every failure from fail_json() without a traceback.
NO_TRACEBACK = (None, "(traceback unavailable)")


def assert_no_traceback(run, result=None):
    """No Python traceback in the output, and no ``exception`` text in the result."""
    assert "Traceback" not in run.output, run.output[-3000:]
    results = [result] if result is not None else [r for r in run.results if isinstance(r, dict)]
    for item in results:
        assert item.get("exception") in NO_TRACEBACK, item.get("exception")


def task(module, auth, **args):
    return {"name": module, "patguard.github." + module: dict(auth, **args)}
