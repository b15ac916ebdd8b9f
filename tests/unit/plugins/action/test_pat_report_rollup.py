"""pat_report_rollup: the enterprise page from many organizations' report.json files."""

from __future__ import annotations

import json

import pytest

from ansible_collections.patguard.github.plugins.action.pat_report_rollup import run_action
from ansible_collections.patguard.github.plugins.plugin_utils._rollup import (
    RollupError,
    build_rollup,
    org_row,
    read_report,
    render_markdown,
    report_path,
)

NOW = "2026-11-20T12:00:00Z"


def report(present=10, violating=3, drift=None, schema=2, **states):
    by_state = {"pending": 2, "active": present - 2, "approved": 0, "denied": 0, "revoked": 0}
    by_state.update(states)
    return {
        "schema_version": schema,
        "mode": "enforce",
        "evaluated_at": NOW,
        "org": "x",
        "drift": drift,
        "summary": {
            "present": present,
            "violating": violating,
            "violating_percent": round(100.0 * violating / present, 1),
            "expired": 1,
            "never_expire": 2,
            "unused_90d": 4,
            "by_state": by_state,
            "violations": {"lifetime": 3, "expired": 1, "forbidden_permission": 2, "reason": 1},
        },
    }


def write(dest, org, document):
    (dest / org).mkdir(parents=True, exist_ok=True)
    (dest / org / "report.json").write_text(document if isinstance(document, str) else json.dumps(document))


def test_rows_carry_figures_violations_drift_and_a_link(tmp_path):
    drift = {
        "counts": {"new": 2, "removed": 1, "expired": 0, "newly_violating": 1, "resolved": 0, "permission_upgrades": 3}
    }
    write(tmp_path, "acme", report(drift=drift, revoked=3, denied=1))
    write(tmp_path, "beta", report(present=5, violating=0))
    result = run_action({"dest": str(tmp_path), "orgs": ["beta", "acme", "gone"]}, now=lambda: NOW)
    assert result["changed"] is True and sorted(result["written"]) == ["index.html", "rollup.json", "summary.md"]
    rollup = json.loads((tmp_path / "rollup.json").read_text())
    acme, beta, gone = rollup["organizations"]
    assert acme["org"] == "acme" and acme["link"] == "acme/report.html" and acme["status"] == "ok"
    assert (acme["present"], acme["violating"], acme["revoked"], acme["denied"]) == (10, 3, 3, 1)
    assert [v["code"] for v in acme["top_violations"]] == ["lifetime", "forbidden_permission", "expired"]
    assert acme["drift"]["permission_upgrades"] == 3 and beta["drift"] is None
    assert gone["status"] == "missing" and gone["link"] is None and gone["problem"] == "no report"
    assert rollup["totals"]["present"] == 15 and rollup["totals"]["violating"] == 3
    assert rollup["totals"]["with_violations"] == 1 and rollup["totals"]["drift"]["new"] == 2
    assert result["warnings"] == ["1 organization(s) without a current report: gone (no report)"]
    page = (tmp_path / "index.html").read_text()
    assert 'href="acme/report.html"' in page and 'href="beta/report.html"' in page
    assert "gone" in page and 'href="gone/report.html"' not in page
    assert "Content-Security-Policy" in page and "<script src" not in page
    assert "| [acme](acme/report.html) | ok | enforce | 10 |" in (tmp_path / "summary.md").read_text()


def test_an_organization_whose_pass_did_not_complete_is_flagged_stale(tmp_path):
    write(tmp_path, "acme", report())
    write(tmp_path, "beta", report())
    result = run_action({"dest": str(tmp_path), "orgs": ["acme", "beta"], "completed": ["acme"]}, now=lambda: NOW)
    rows = json.loads((tmp_path / "rollup.json").read_text())["organizations"]
    assert [r["status"] for r in rows] == ["ok", "stale"]
    assert "did not complete in this run" in rows[1]["problem"] and rows[1]["present"] == 10
    assert result["problems"][0]["org"] == "beta"


@pytest.mark.parametrize(
    "content, why",
    [
        ("{not json", "unreadable report (JSONDecodeError)"),
        ('["a list"]', "not a patguard report"),
        (json.dumps(report(schema=9)), "report schema 9 is not one of [1, 2]"),
    ],
)
def test_unusable_reports_are_rows_that_say_why(tmp_path, content, why):
    write(tmp_path, "acme", content)
    document, problem = read_report(report_path(str(tmp_path), "acme"))
    assert document is None and problem == why
    result = run_action({"dest": str(tmp_path), "orgs": ["acme"]}, now=lambda: NOW)
    assert result["problems"] == [{"org": "acme", "status": "missing", "problem": why}]


def test_second_run_with_the_same_reports_writes_nothing(tmp_path):
    write(tmp_path, "acme", report())
    first = run_action({"dest": str(tmp_path), "orgs": ["acme"]}, now=lambda: NOW)
    before = dict((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir() if p.is_file())
    second = run_action({"dest": str(tmp_path), "orgs": ["acme"]}, now=lambda: "2026-11-21T00:00:00Z")
    assert first["changed"] is True and second["changed"] is False and second["written"] == []
    assert before == dict((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir() if p.is_file())
    write(tmp_path, "acme", report(violating=4))
    third = run_action({"dest": str(tmp_path), "orgs": ["acme"]}, now=lambda: "2026-11-22T00:00:00Z")
    assert third["changed"] is True
    assert json.loads((tmp_path / "rollup.json").read_text())["generated_at"] == "2026-11-22T00:00:00Z"


def test_check_mode_predicts_and_writes_nothing(tmp_path):
    write(tmp_path, "acme", report())
    result = run_action({"dest": str(tmp_path), "orgs": ["acme"]}, check_mode=True, now=lambda: NOW)
    assert result["changed"] is True and "index.html" in result["written"]
    assert not (tmp_path / "index.html").exists()


@pytest.mark.parametrize("org", ["../etc", "a/b", "", ".."])
def test_an_org_that_is_not_a_login_is_refused_by_name(tmp_path, org):
    result = run_action({"dest": str(tmp_path), "orgs": [org]})
    assert result["failed"] is True and result["msg"].startswith("orgs: ")
    with pytest.raises(RollupError):
        report_path(str(tmp_path), org)


def test_bad_arguments_fail_with_the_option_name(tmp_path):
    result = run_action({"orgs": ["acme"]})
    assert result["failed"] is True and "dest" in result["msg"]


def test_user_text_is_escaped_in_the_page_and_the_markdown(tmp_path):
    rows = [org_row("acme", report()), org_row("x<script>|y", None, problem="<b>no report</b>")]
    rollup = build_rollup(rows, NOW)
    markdown = render_markdown(rollup)
    assert "<script>" not in markdown and "<b>" not in markdown and "x&lt;script&gt;\\|y" in markdown
    from ansible_collections.patguard.github.plugins.plugin_utils._rollup import render_html

    page = render_html(rollup)
    assert "x<script>" not in page and "&lt;b&gt;no report" in page


def test_argument_spec_is_the_documented_options():
    import yaml

    from ansible_collections.patguard.github.plugins.action import pat_report_rollup as action
    from ansible_collections.patguard.github.plugins.modules import pat_report_rollup as docs

    documented = yaml.safe_load(docs.DOCUMENTATION)["options"]
    assert set(documented) == set(action.ARGUMENT_SPEC)
    for name, spec in action.ARGUMENT_SPEC.items():
        for key, default in (("type", "str"), ("required", False), ("default", None), ("elements", None)):
            assert documented[name].get(key, default) == spec.get(key, default), (name, key)
