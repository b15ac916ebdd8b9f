"""pat_request_info, pat_request, pat_grant_info and pat_grant, run by ansible-playbook against the fake.

For each changing module: check mode sends no write (the fake's request log), apply changes the
fake's state, a second apply reports changed=false with zero writes, and the state the fake
holds (read independently of the module) is what the module reported.
"""

from __future__ import annotations

import pytest

from harness import app_auth, run_tasks

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def org_writes(fake):
    """Writes to the organization's PAT endpoints (installation-token exchanges are not counted)."""
    return [e for e in fake.request_log if e["method"] in WRITE_METHODS and e["path"].startswith("/orgs/")]


def org_state(fake):
    return fake.state.snapshot()["organizations"][fake.org]


def task(module, auth, **args):
    return {"name": module, "patguard.github." + module: dict(auth, **args)}


def test_info_modules_list_everything_and_filter(fake_github):
    fake = fake_github(grants=250, requests=40, seed=3)
    auth = app_auth(fake)
    state = org_state(fake)
    owner = state["grants"][0]["owner"]
    run = run_tasks(
        [
            task("pat_request_info", auth, org=fake.org),
            task("pat_grant_info", auth, org=fake.org),
            task("pat_grant_info", auth, org=fake.org, owners=[owner]),
            task(
                "pat_grant_info",
                auth,
                org=fake.org,
                include_repositories=True,
                token_ids=[g["token_id"] for g in state["grants"][:60]],
            ),
        ]
    )
    assert run.rc == 0, run
    pending, grants, by_owner, by_tokens = run.results
    assert sorted(r["id"] for r in pending["requests"]) == sorted(r["id"] for r in state["requests"])
    assert sorted(g["id"] for g in grants["grants"]) == sorted(g["id"] for g in state["grants"])
    assert grants["count"] == 250 and grants["changed"] is False
    # 250 grants at 100 a page: 3 pages, plus App auth (installation lookup + token exchange).
    assert grants["api"]["requests"] <= 5
    assert by_owner["grants"] and all(g["owner"] == owner for g in by_owner["grants"])
    # 60 token ids: two calls (50 + 10), every subset grant has its repository names.
    assert by_tokens["count"] == 60
    subset = [g for g in by_tokens["grants"] if g["repository_selection"] == "subset"]
    assert subset and all(isinstance(g["repositories"], list) and g["repositories"] for g in subset)
    assert all(g["repositories"] is None for g in by_tokens["grants"] if g["repository_selection"] != "subset")
    record = grants["grants"][0]
    for field in (
        "id",
        "owner",
        "token_id",
        "token_name",
        "repository_selection",
        "repositories",
        "permissions",
        "access_granted_at",
        "token_expires_at",
        "token_expired",
        "token_last_used_at",
        "lifetime_days",
    ):
        assert field in record


def test_pat_request_check_apply_idempotent(fake_github):
    fake = fake_github(grants=20, requests=230, seed=4)
    auth = app_auth(fake)
    ids = sorted(r["id"] for r in org_state(fake)["requests"])
    approve, deny = ids[:180], ids[180:200]
    decisions = [{"id": i, "action": "approve", "reason": "Compliant"} for i in approve]
    decisions += [{"id": i, "action": "deny", "reason": "Too broad"} for i in deny]

    checked = run_tasks([task("pat_request", auth, org=fake.org, decisions=decisions)], check=True, diff=True)
    assert checked.rc == 0, checked
    assert checked.result["changed"] is True and checked.result["approved"] == approve
    assert checked.result["denied"] == deny and checked.result["calls"] == 3
    assert checked.result["diff"]["before"]["pending"] == sorted(approve + deny)
    assert checked.result["diff"]["after"]["pending"] == []
    assert org_writes(fake) == [] and len(org_state(fake)["requests"]) == 230
    assert checked.result["api"]["writes"] == 0  # the token exchange is a POST but no write

    applied = run_tasks([task("pat_request", auth, org=fake.org, decisions=decisions)])
    assert applied.rc == 0, applied
    assert applied.result["changed"] is True
    assert sorted(applied.result["approved"]) == approve and sorted(applied.result["denied"]) == deny
    writes = org_writes(fake)
    assert [len(w["json"]["pat_request_ids"]) for w in writes] == [100, 80, 20]
    state = org_state(fake)
    assert sorted(r["id"] for r in state["requests"]) == ids[200:]
    reviews = {r["pat_request_id"]: r for r in state["reviews"]}
    assert all(reviews[i]["action"] == "approve" for i in approve)
    assert all(reviews[i]["action"] == "deny" and reviews[i]["reason"] == "Too broad" for i in deny)
    approved_tokens = {r["token_id"] for r in state["reviews"] if r["action"] == "approve"}
    assert approved_tokens <= {g["token_id"] for g in state["grants"]}

    before = len(org_writes(fake))
    again = run_tasks([task("pat_request", auth, org=fake.org, decisions=decisions)])
    assert again.rc == 0, again
    assert again.result["changed"] is False and again.result["approved"] == [] and again.result["denied"] == []
    assert sorted(again.result["unchanged"]) == sorted(approve + deny)
    assert len(org_writes(fake)) == before


def test_pat_request_fail_on_missing(fake_github):
    fake = fake_github(grants=5, requests=5, seed=5)
    auth = app_auth(fake)
    pending = org_state(fake)["requests"][0]["id"]
    run = run_tasks(
        [task("pat_request", auth, org=fake.org, ids=[pending, 999999], action="approve", fail_on_missing=True)]
    )
    assert run.result["failed"] is True
    assert "ids not pending in acme" in run.result["msg"] and "999999" in run.result["msg"]
    assert org_writes(fake) == []


def test_pat_grant_by_owner_check_apply_idempotent(fake_github):
    fake = fake_github(grants=250, requests=10, seed=6)
    auth = app_auth(fake)
    state = org_state(fake)
    owners = sorted({g["owner"] for g in state["grants"]})[:12]  # 12 owners: two owner[] calls
    targets = sorted(g["id"] for g in state["grants"] if g["owner"] in owners)
    args = dict(org=fake.org, owners=owners, state="revoked")

    checked = run_tasks([task("pat_grant", auth, **args)], check=True, diff=True)
    assert checked.rc == 0, checked
    assert sorted(checked.result["revoked"]) == targets and checked.result["changed"] is True
    assert sorted(checked.result["diff"]["before"]["active"]) == targets
    assert org_writes(fake) == [] and checked.result["api"]["writes"] == 0

    applied = run_tasks([task("pat_grant", auth, **args)])
    assert applied.rc == 0, applied
    assert sorted(applied.result["revoked"]) == targets
    assert {t["owner"] for t in applied.result["revoked_tokens"]} <= set(owners)
    remaining = org_state(fake)["grants"]
    assert not [g for g in remaining if g["owner"] in owners] and len(remaining) == 250 - len(targets)

    before = len(org_writes(fake))
    again = run_tasks([task("pat_grant", auth, **args)])
    assert again.rc == 0 and again.result["changed"] is False and again.result["revoked"] == []
    assert len(org_writes(fake)) == before


def test_pat_grant_by_ids_chunks_of_100_and_skips_gone(fake_github):
    fake = fake_github(grants=250, requests=0, seed=7)
    auth = app_auth(fake)
    ids = sorted(g["id"] for g in org_state(fake)["grants"])[:230]
    run = run_tasks([task("pat_grant", auth, org=fake.org, ids=ids + [987654])])
    assert run.rc == 0, run
    assert sorted(run.result["revoked"]) == ids and run.result["unchanged"] == [987654]
    assert [len(w["json"]["pat_ids"]) for w in org_writes(fake)] == [100, 100, 30]
    assert len(org_state(fake)["grants"]) == 20


def test_module_defaults_group_sets_auth_once(fake_github):
    fake = fake_github(grants=3, requests=2, seed=8)
    run = run_tasks(
        [
            {"name": "list", "patguard.github.pat_request_info": {"org": fake.org}},
            {"name": "grants", "patguard.github.pat_grant_info": {"org": fake.org}},
        ],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
    )
    assert run.rc == 0, run
    assert run.results[0]["count"] == 2 and run.results[1]["count"] == 3


def test_auth_from_environment(fake_github):
    fake = fake_github(grants=3, requests=2, seed=9)
    # AWX injects every variable of a credential type, empty when a field is blank: empty = unset.
    env = {
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_APP_ID": str(fake.app_id),
        "GITHUB_APP_PRIVATE_KEY_PATH": fake.private_key_path,
        "GITHUB_APP_INSTALLATION_ID": "",
        "GITHUB_APP_PRIVATE_KEY": "",
        "GITHUB_TOKEN": "",
    }
    run = run_tasks([{"name": "list", "patguard.github.pat_grant_info": {"org": fake.org}}], env=env)
    assert run.rc == 0, run
    assert run.result["count"] == 3


def test_personal_token_on_app_only_endpoint_is_explained(fake_github):
    fake = fake_github(grants=3, requests=2, seed=10)
    token = next(iter(fake.user_tokens.values()))
    run = run_tasks(
        [
            {
                "name": "list",
                "patguard.github.pat_grant_info": {"org": fake.org, "api_url": fake.base_url, "token": token},
            }
        ]
    )
    assert run.result["failed"] is True
    assert "accept GitHub App installation tokens only" in run.result["msg"]
    assert token not in run.output and token not in str(run.result)


@pytest.mark.parametrize(
    "module,args,message",
    [
        ("pat_request", {"ids": [1], "action": "maybe"}, "value of action must be one of: approve, deny"),
        ("pat_request", {"ids": ["abc"], "action": "approve"}, "ids: 'abc' is not a positive integer id"),
        ("pat_request", {"decisions": []}, "decisions: must be a non-empty list"),
        ("pat_request", {"ids": [1], "action": "deny", "reason": "x" * 1025}, "reason: is 1025 characters long"),
        ("pat_grant", {"state": "revoked"}, "one of the following is required"),
        ("pat_grant", {"repository": "acme/infra"}, "repository: 'acme/infra' is not a repository name"),
        ("pat_grant_info", {"permission": "contents"}, "permission: 'contents' must be a permission name and level"),
        ("pat_request_info", {"owners": ["not a login"]}, "owners: 'not a login' is not a valid GitHub login"),
        ("pat_grant_info", {"last_used_before": "last tuesday"}, "last_used_before: 'last tuesday' is not an ISO 8601"),
    ],
)
def test_bad_input_fails_before_any_request(fake_github, module, args, message):
    fake = fake_github(grants=3, requests=3, seed=11)
    run = run_tasks([task(module, app_auth(fake), org=fake.org, **args)])
    assert run.result["failed"] is True and message in run.result["msg"], run
    assert "Traceback" not in run.output
    assert fake.request_log == []
