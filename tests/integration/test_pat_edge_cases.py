"""pat_* modules on the edges real GitHub has and a naive fake hides (issues 12.5-12.7, 13.2, 13.7).

Each test runs the modules through ansible-playbook against the fake and reads the fake's state
independently. Records that vanish are handled "in the web UI" (the fake's state, source
``web``) between the listing a role did and the module's write, as on a real organization.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import REPO_ROOT, app_auth, run_tasks

sys.path.insert(0, str(REPO_ROOT / "tests" / "unit" / "plugins" / "modules"))
from test_result_keys import documented_return, is_reserved, reserved_keys  # noqa: E402

# Keys Ansible itself puts in a registered result, with its own meaning.
ANSIBLE_ADDED = {
    "changed",
    "failed",
    "msg",
    "invocation",
    "warnings",
    "deprecations",
    "diff",
    "exception",
    "_ansible_no_log",
}


def org_state(fake):
    return fake.state.snapshot()["organizations"][fake.org]


def task(module, auth, **args):
    return {"name": module, "patguard.github." + module: dict(auth, **args)}


def assert_keys_are_ours(module, result):
    """Every key of a real result is documented in RETURN or Ansible's own; none is reserved."""
    documented = set(documented_return(Path(REPO_ROOT / "plugins" / "modules" / (module + ".py"))))
    reserved = reserved_keys()
    for key in result:
        assert key in ANSIBLE_ADDED or (key in documented and not is_reserved(key, reserved)), (module, key)


def test_idempotent_reruns_are_ok_not_skipped_and_every_result_key_is_ours(fake_github):
    """Issue 13.2: a rerun that changes nothing is ``ok``, never counted as skipped."""
    fake = fake_github(grants=20, requests=10, seed=31)
    auth = app_auth(fake)
    state = org_state(fake)
    requests = sorted(r["id"] for r in state["requests"])[:3]
    grants = sorted(g["id"] for g in state["grants"])[:3]
    tasks = [
        task("pat_request", auth, org=fake.org, ids=requests, action="deny", reason="Not needed"),
        task("pat_grant", auth, org=fake.org, ids=grants),
        task("pat_request", auth, org=fake.org, ids=requests, action="deny", reason="Not needed"),
        task("pat_grant", auth, org=fake.org, ids=grants),
        task("pat_request_info", auth, org=fake.org),
        task("pat_grant_info", auth, org=fake.org, include_repositories=True),
    ]
    tasks.append(
        {
            "name": "was the rerun skipped",
            "ansible.builtin.set_fact": {
                "rerun_skipped": "{{ patguard_result_2 is skipped or patguard_result_3 is skipped }}"
            },
        }
    )
    run = run_tasks(tasks)
    assert run.rc == 0, run
    denied, revoked, request_rerun, grant_rerun, listed_requests, listed_grants, flag = run.results
    assert denied["denied"] == requests and revoked["revoked"] == grants
    assert request_rerun["unchanged"] == requests and grant_rerun["unchanged"] == grants
    assert request_rerun["changed"] is False and grant_rerun["changed"] is False
    assert "skipped" not in request_rerun and "skipped" not in grant_rerun
    assert flag["ansible_facts"]["rerun_skipped"] is False
    assert "skipped=0" in run.stdout  # the recap counts no task as skipped
    for module, result in (
        ("pat_request", denied),
        ("pat_grant", revoked),
        ("pat_request", request_rerun),
        ("pat_grant", grant_rerun),
        ("pat_request_info", listed_requests),
        ("pat_grant_info", listed_grants),
    ):
        assert_keys_are_ours(module, result)


def test_records_handled_elsewhere_before_the_write_are_gone_and_the_pass_carries_on(fake_github):
    """Issue 12.6: a role listed them; someone reviewed/revoked some in the web UI; then the write."""
    fake = fake_github(grants=30, requests=20, seed=32)
    auth = app_auth(fake)
    state = org_state(fake)
    requests = sorted(r["id"] for r in state["requests"])[:6]
    grants = sorted(g["id"] for g in state["grants"])[:6]
    org = fake.state.org(fake.org)
    fake.state.review_requests(org, [requests[1]], "approve", None, source="web")
    fake.state.revoke_grants(org, [grants[2], grants[4]], source="web")
    run = run_tasks(
        [
            task("pat_request", auth, org=fake.org, ids=requests, action="deny", reason="Too broad", refresh=False),
            task("pat_grant", auth, org=fake.org, ids=grants, refresh=False),
        ]
    )
    assert run.rc == 0, run
    reviewed, revoked = run.results
    assert reviewed["denied"] == [i for i in requests if i != requests[1]]
    assert [(g["id"], g["kind"], g["step"]) for g in reviewed["gone"]] == [(requests[1], "request", "review")]
    assert revoked["revoked"] == [i for i in grants if i not in (grants[2], grants[4])]
    assert [g["id"] for g in revoked["gone"]] == [grants[2], grants[4]]
    after = org_state(fake)
    bulk = [r for r in after["reviews"] if r["source"] == "bulk"]
    assert sorted(r["pat_request_id"] for r in bulk) == sorted(reviewed["denied"])  # nothing counted as ours
    assert sorted(r["pat_id"] for r in after["revocations"] if r["source"] == "bulk") == revoked["revoked"]


def test_owners_that_are_not_members_warn_members_without_tokens_do_not(fake_github):
    """Issue 13.7: a typo in ``owners`` matches nothing; say so, with one call per such owner."""
    fake = fake_github(grants=20, requests=5, seed=33)
    auth = app_auth(fake)
    state = org_state(fake)
    holder = state["grants"][0]["owner"]
    holders = {g["owner"] for g in state["grants"]} | {r["owner"] for r in state["requests"]}
    idle = sorted(set(state["members"]) - holders)
    owners = [holder, "no-such-user-x"] + idle[:1]
    fake.api.log.clear()
    run = run_tasks([task("pat_grant_info", auth, org=fake.org, owners=owners)])
    assert run.rc == 0, run
    warnings = run.result.get("warnings") or []
    assert len(warnings) == 1 and "owners: no-such-user-x is not a member of %s" % fake.org in warnings[0]
    checks = [e["path"] for e in fake.request_log if "/members/" in e["path"]]
    assert checks == ["/orgs/%s/members/%s" % (fake.org, o) for o in owners[1:]]
    # pat_grant selecting by owners warns the same way (here in check mode: nothing revoked).
    revoke = run_tasks([task("pat_grant", auth, org=fake.org, owners=["no-such-user-x"])], check=True)
    assert revoke.rc == 0 and revoke.result["revoked"] == [], revoke
    assert any("no-such-user-x is not a member" in w for w in revoke.result.get("warnings") or [])


def test_never_used_tokens_are_revoked_only_when_asked(fake_github):
    """Issue 12.7: ``last_used_before`` decides on token_last_used_at; never-used is explicit."""
    fake = fake_github(grants=60, requests=0, seed=34)
    auth = app_auth(fake)
    state = org_state(fake)
    cutoff = "2026-06-01T00:00:00Z"
    stale = sorted(g["id"] for g in state["grants"] if g["token_last_used_at"] and g["token_last_used_at"] < cutoff)
    never = sorted(g["id"] for g in state["grants"] if not g["token_last_used_at"])
    assert stale and never, "the seed must give both stale and never-used grants"
    run = run_tasks(
        [
            task("pat_grant", auth, org=fake.org, last_used_before=cutoff),
            task("pat_grant", auth, org=fake.org, last_used_before=cutoff, never_used="include"),
        ],
        check=True,
    )
    assert run.rc == 0, run
    default, included = run.results
    assert sorted(default["revoked"]) == stale
    assert sorted(included["revoked"]) == sorted(stale + never)
    # Not sent to GitHub: its matching of never-used tokens is undocumented.
    assert not [e for e in fake.request_log if {"last_used_before", "last_used_after"} & set(e["query"] or {})]
