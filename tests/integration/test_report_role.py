"""Role pat_report and module pat_report, run by ansible-playbook against the fake.

Standalone, the role lists requests and grants once each and evaluates them; run by
pat_governance (patguard_report_dir set) it lists nothing again and shows what the pass
applied. A second run with the same inventory changes nothing; a change in GitHub's state
shows up as drift, and the replaced report is kept as report.previous.json.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from harness import DEMO_FIXTURE, DEMO_POLICY, app_auth, run_tasks

FIXTURE = DEMO_FIXTURE
NOW = "2030-01-01T00:00:00Z"  # irrelevant to the fixture's relative times; pins days and policy
POLICY = DEMO_POLICY
FILES = ("report.json", "report.csv", "report.html", "summary.md")


def org_state(fake):
    return fake.state.snapshot()["organizations"][fake.org]


def listings(fake):
    """Full GET listings of the two endpoints (pages included).

    Listings filtered by token_id[] are hygiene's targeted re-reads of the grants whose
    decision waits on their repositories, not a second listing of the organization.
    """
    calls = {"requests": 0, "grants": 0}
    for entry in fake.request_log:
        if entry["method"] != "GET" or (entry.get("query") or {}).get("token_id[]"):
            continue
        path = entry["path"]
        if path.endswith("/personal-access-token-requests"):
            calls["requests"] += 1
        elif path.endswith("/personal-access-tokens"):
            calls["grants"] += 1
    return calls


def run_role(fake, role, report_dir, check=False, mode="report", policy=None, extra=None):
    play_vars = {
        "patguard_org": fake.org,
        "patguard_policy": POLICY if policy is None else policy,
        "patguard_mode": mode,
        "patguard_report_dir": str(report_dir),
    }
    play_vars.update(extra or {})
    return run_tasks(
        [{"name": "result", "ansible.builtin.debug": {"var": "pat_report_result"}}],
        roles=[{"role": role}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars=play_vars,
        check=check,
    )


def report_task_status(run):
    """'changed' or 'ok': the status line of the role's report task."""
    lines = run.stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("TASK [") and "Write the token inventory report" in line:
            for follow in lines[index + 1 :]:
                if follow.startswith(("changed:", "ok:", "fatal:", "skipping:")):
                    return follow.split(":", 1)[0]
    raise AssertionError("report task not found in output:\n" + run.stdout[-3000:])


def read_report(report_dir):
    return json.loads((Path(report_dir) / "report.json").read_text())


def test_role_standalone_lists_once_writes_every_file_and_is_idempotent(fake_github, tmp_path):
    fake = fake_github(fixture=str(FIXTURE))
    state = org_state(fake)
    report_dir = tmp_path / "reports" / "acme"

    checked = run_role(fake, "patguard.github.pat_report", report_dir, check=True)
    assert checked.rc == 0, checked
    assert report_task_status(checked) == "changed" and not report_dir.exists()

    first = run_role(fake, "patguard.github.pat_report", report_dir)
    assert first.rc == 0, first
    assert report_task_status(first) == "changed"
    # One listing per kind (the fixture fits on one page each), no write to GitHub.
    assert listings(fake) == {"requests": 2, "grants": 2}  # check run + real run
    assert not [e for e in fake.request_log if e["method"] == "POST" and e["path"].startswith("/orgs/")]
    for name in FILES:
        assert (report_dir / name).is_file(), name
    report = read_report(report_dir)
    assert report["schema_version"] == 2 and report["org"] == fake.org and report["drift"] is None
    tokens = report["tokens"]
    assert len(tokens) == len(state["requests"]) + len(state["grants"])
    assert sorted(t["token_id"] for t in tokens if t["kind"] == "grant") == sorted(
        g["token_id"] for g in state["grants"]
    )
    assert {t["state"] for t in tokens} == {"pending", "active"}  # report mode: nothing applied
    # Violations are the policy's, and the decisions are what enforce mode would do.
    revoke = [t for t in tokens if t["decision"] == "revoke"]
    assert revoke and all(t["violating"] for t in revoke)
    assert report["summary"]["violating"] == sum(1 for t in tokens if t["violating"])
    result = first.result["pat_report_result"]
    assert result["files"]["report.html"] == str(report_dir / "report.html")
    assert result["summary"] == report["summary"]

    rows = list(csv.DictReader(io.StringIO((report_dir / "report.csv").read_text())))
    assert len(rows) == len(tokens) and {r["state"] for r in rows} == {"pending", "active"}
    html = (report_dir / "report.html").read_text()
    assert "<script src" not in html and "https://" not in html.split("<script")[0].lower().replace(
        "https://www.gnu.org", ""
    )
    assert "violate the policy" in (report_dir / "summary.md").read_text()

    before = dict((name, (report_dir / name).read_bytes()) for name in FILES)
    again = run_role(fake, "patguard.github.pat_report", report_dir)
    assert again.rc == 0, again
    assert report_task_status(again) == "ok"
    assert dict((name, (report_dir / name).read_bytes()) for name in FILES) == before
    assert not (report_dir / "report.previous.json").exists()


def test_drift_after_github_changes(fake_github, tmp_path):
    fake = fake_github(fixture=str(FIXTURE))
    report_dir = tmp_path / "acme"
    assert run_role(fake, "patguard.github.pat_report", report_dir).rc == 0
    first = read_report(report_dir)

    # Someone revokes two grants in the GitHub UI and asks for a new broad token.
    gone = sorted(org_state(fake)["grants"], key=lambda g: g["id"])[:2]
    revoke = run_tasks(
        [
            {
                "name": "revoke",
                "patguard.github.pat_grant": dict(
                    app_auth(fake), org=fake.org, ids=[g["id"] for g in gone], state="revoked"
                ),
            }
        ]
    )
    assert revoke.rc == 0, revoke
    fake.create_request(
        "carol",
        token_name="everything",
        permissions={"repository": {"administration": "write"}},
        repositories=["api"],
        reason="Needs to fix the settings",
        token_expires_at="+30d",
    )

    second = run_role(fake, "patguard.github.pat_report", report_dir)
    assert second.rc == 0, second
    assert report_task_status(second) == "changed"
    report = read_report(report_dir)
    drift = report["drift"]
    assert drift["baseline_generated_at"] == first["generated_at"]
    assert sorted(i["token_id"] for i in drift["removed"]) == sorted(g["token_id"] for g in gone)
    assert all(i["detail"] == "no longer listed" for i in drift["removed"])
    assert [i["token_name"] for i in drift["new"]] == ["everything"]
    assert "permission" in drift["new"][0]["detail"]
    assert drift["counts"]["new"] == 1 and drift["counts"]["removed"] == 2
    previous = json.loads((report_dir / "report.previous.json").read_text())
    assert previous["generated_at"] == first["generated_at"] and len(previous["tokens"]) == len(first["tokens"])
    assert second.result["pat_report_result"]["drift"] == drift["counts"]
    assert "Changes since the report of" in (report_dir / "report.html").read_text()


def test_governance_writes_the_report_without_listing_again(fake_github, tmp_path):
    fake = fake_github(fixture=str(FIXTURE))
    before = org_state(fake)
    report_dir = tmp_path / "gov"
    run = run_tasks(
        [
            {"name": "result", "ansible.builtin.debug": {"var": "pat_report_result"}},
            {"name": "review", "ansible.builtin.debug": {"var": "pat_request_review_result"}},
            {"name": "hygiene", "ansible.builtin.debug": {"var": "pat_grant_hygiene_result"}},
        ],
        roles=[{"role": "patguard.github.pat_governance"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={
            "patguard_org": fake.org,
            "patguard_policy": POLICY,
            "patguard_mode": "enforce",
            "patguard_report_dir": str(report_dir),
        },
    )
    assert run.rc == 0, run
    # The governance pass listed each kind once; the report added no listing.
    assert listings(fake) == {"requests": 1, "grants": 1}
    review = run.results[1]["pat_request_review_result"]
    hygiene = run.results[2]["pat_grant_hygiene_result"]
    assert review["approved"] and review["denied"] and hygiene["revoked"]
    # The pass returns the decisions once; each role publishes its kind's (requests first).
    assert [d["kind"] for d in review["decisions"]] == ["request"] * review["summary"]["requests"]
    assert [d["kind"] for d in hygiene["decisions"]] == ["grant"] * hygiene["summary"]["grants"]
    assert review["decisions"] and hygiene["decisions"]
    report = read_report(report_dir)
    by_state = {}
    for token in report["tokens"]:
        by_state.setdefault(token["state"], []).append(token)
    assert sorted(t["id"] for t in by_state["revoked"]) == sorted(hygiene["revoked"])
    assert sorted(t["id"] for t in by_state["denied"]) == sorted(review["denied"])
    # An approved request became a grant: one row per token, shown as approved. A request is
    # judged by the grant it becomes, so none is approved and revoked in the same pass (the
    # fixture's already expired token is denied).
    approved_tokens = {r["token_id"] for r in before["requests"] if r["id"] in review["approved"]}
    revoked_tokens = {t["token_id"] for t in by_state["revoked"]}
    assert {t["token_id"] for t in by_state["approved"]} == approved_tokens
    assert not approved_tokens & revoked_tokens and by_state["approved"]
    assert len([t for t in report["tokens"] if t["token_id"] in approved_tokens]) == len(approved_tokens)
    assert "pending" not in by_state or all(t["decision"] == "none" for t in by_state["pending"])
    assert report["mode"] == "enforce"
    summary = report["summary"]["by_state"]
    assert summary["revoked"] == len(hygiene["revoked"]) and summary["denied"] == len(review["denied"])
    assert "This run revoked" in (report_dir / "report.html").read_text()


def test_governance_without_report_dir_writes_nothing(fake_github, tmp_path):
    fake = fake_github(fixture=str(FIXTURE))
    run = run_tasks(
        [{"name": "result", "ansible.builtin.debug": {"msg": "{{ pat_report_result is defined }}"}}],
        roles=[{"role": "patguard.github.pat_governance"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={"patguard_org": fake.org, "patguard_policy": POLICY},
    )
    assert run.rc == 0, run
    assert run.results[0]["msg"] is False
    assert not list(tmp_path.iterdir())


def test_module_explicit_previous_and_bad_previous(tmp_path):
    grants = [
        {
            "id": 1,
            "owner": "ada",
            "token_id": 11,
            "token_name": "ci",
            "repository_selection": "subset",
            "repositories": ["api"],
            "permissions": {"repository": {"contents": "read"}},
            "access_granted_at": "2029-12-01T00:00:00Z",
            "token_expires_at": "2030-02-01T00:00:00Z",
            "token_expired": False,
            "token_last_used_at": "2029-12-30T00:00:00Z",
        }
    ]
    upgraded = [dict(grants[0], permissions={"repository": {"contents": "write"}})]
    base = {"name": "report", "patguard.github.pat_report": {"org": "acme", "now": NOW}}

    def task(dest, records, **extra):
        step = json.loads(json.dumps(base))
        step["patguard.github.pat_report"].update(dest=str(dest), grants=records, **extra)
        return step

    (tmp_path / "bad.json").write_text("{not json")
    baseline = str(tmp_path / "a" / "report.json")
    run = run_tasks(
        [
            task(tmp_path / "a", grants),
            task(tmp_path / "b", upgraded, previous=baseline),
            task(tmp_path / "c", grants, previous=str(tmp_path / "bad.json")),
            task(tmp_path / "d", grants, page_size=0),
            task(tmp_path / "e", []),
        ]
    )
    first, second, bad, zero, empty = run.results
    assert first["changed"] is True and first["drift"] is None
    assert second["changed"] is True and second["drift"]["permission_upgrades"] == 1
    assert second["previous"] == str(tmp_path / "a" / "report.json")
    drift = read_report(tmp_path / "b")["drift"]
    assert drift["permission_upgrades"][0]["detail"] == "contents: read -> write"
    assert bad["failed"] is True and "not valid JSON" in bad["msg"]
    assert zero["failed"] is True and "page_size" in zero["msg"]
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()
    # No record at all: written, but the play warns (a silent empty report hides a wrong variable).
    assert empty["changed"] is True and empty["summary"]["tokens"] == 0
    assert "[WARNING]: pat_report was given no request and no grant" in run.output.replace("\n", " ")
