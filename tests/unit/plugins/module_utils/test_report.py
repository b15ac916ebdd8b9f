"""Unit tests of the report renderer (module_utils/_report.py): schema, states, CSV, drift, HTML."""
from __future__ import annotations

import copy
import csv
import io
import json
import re

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _report
from ansible_collections.patguard.github.plugins.module_utils._policy import PolicyError, plan

NOW = "2026-01-01T00:00:00Z"
POLICY = {"max_lifetime_days": 90, "max_inactive_days": 60, "revoke_expired": True,
          "forbidden_permissions": ["administration:write"],
          "actions": {"violating_grant": "revoke", "violating_request": "deny", "compliant_request": "approve"}}
TOKEN_KEYS = {"key", "kind", "id", "state", "owner", "token_name", "token_id", "repository_selection",
              "repository_count", "repositories", "permissions", "max_level", "created_at", "expires_at", "expired",
              "days_to_expiry", "last_used_at", "days_since_use", "lifetime_days", "reason", "violations",
              "violating", "decision", "decision_reason"}


def grant(gid, owner="ada", token_id=None, name="ci", perms=None, expires="2026-02-01T00:00:00Z",
          last_used="2025-12-30T00:00:00Z", selection="subset", repositories=("api",), granted="2025-12-01T00:00:00Z"):
    return {"id": gid, "owner": owner, "token_id": token_id or gid * 10, "token_name": name,
            "repository_selection": selection, "repositories": list(repositories) if repositories is not None else None,
            "permissions": {"repository": perms or {"contents": "read"}, "organization": {}, "other": {}},
            "access_granted_at": granted, "token_expires_at": expires, "token_expired": False,
            "token_last_used_at": last_used}


def request(rid, owner="bob", token_id=None, name="req", perms=None, reason="Deploys the API service"):
    return {"id": rid, "owner": owner, "token_id": token_id or rid * 10, "token_name": name, "reason": reason,
            "repository_selection": "subset", "repositories": None,
            "permissions": {"repository": perms or {"contents": "read"}}, "created_at": "2025-12-31T00:00:00Z",
            "token_expires_at": "2026-01-30T00:00:00Z", "token_expired": False, "token_last_used_at": None}


def build(requests=(), grants=(), **kwargs):
    kwargs.setdefault("policy", POLICY)
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("org", "acme")
    kwargs.setdefault("generated_at", NOW)
    return _report.build_report(list(requests), list(grants), **kwargs)


# --------------------------------------------------------------------------- schema

def test_schema_and_summary():
    report = build([request(1)], [grant(10), grant(11, owner="eve", expires=None, last_used=None),
                                  grant(12, perms={"administration": "write"}, selection="all", repositories=None)])
    assert set(report) == {"schema_version", "generated_at", "evaluated_at", "org", "mode", "policy", "summary",
                           "charts", "tokens", "drift"}
    assert report["schema_version"] == _report.SCHEMA_VERSION == 1
    assert report["policy"]["max_lifetime_days"] == 90 and report["policy"]["exempt_owners"] == []
    for token in report["tokens"]:
        assert set(token) == TOKEN_KEYS
    first, g10, g11, g12 = report["tokens"]
    assert first["kind"] == "request" and first["state"] == "pending" and first["key"] == "token:10"
    assert g10["days_to_expiry"] == 31 and g10["days_since_use"] == 2 and g10["repository_count"] == 1
    assert g11["expires_at"] is None and g11["days_to_expiry"] is None and "lifetime" in {
        v["code"] for v in g11["violations"]}
    assert g12["repository_count"] is None and g12["max_level"] == 2 and g12["decision"] == "revoke"
    summary = report["summary"]
    assert summary["tokens"] == 4 and summary["requests"] == 1 and summary["grants"] == 3
    assert summary["by_state"] == {"pending": 1, "active": 3, "approved": 0, "denied": 0, "revoked": 0}
    assert summary["never_expire"] == 1 and summary["never_used"] == 1 and summary["all_repositories"] == 1
    assert summary["violating"] == 2 and summary["violating_percent"] == 50.0
    # The JSON rendering round-trips to the same document.
    assert json.loads(_report.render_json(report)) == report


def test_evaluation_matches_plan_and_supplied_decisions_win():
    requests, grants = [request(1)], [grant(10), grant(11, expires=None)]
    own = build(requests, grants)
    decisions = plan(requests, grants, POLICY, now=NOW)["decisions"]
    assert [t["decision"] for t in own["tokens"]] == [d["decision"] for d in decisions]
    # Supplied decisions are used as they are (no evaluation here).
    fake = copy.deepcopy(decisions)
    fake[2]["decision"] = "keep"
    fake[2]["violations"] = []
    supplied = build(requests, grants, decisions=fake, policy=None)
    assert supplied["policy"] is None and supplied["tokens"][2]["decision"] == "keep"
    assert supplied["tokens"][2]["violating"] is False


def test_states_from_applied_and_one_row_per_approved_token():
    requests = [request(1, token_id=500), request(2, token_id=501), request(3, token_id=502)]
    grants = [grant(10, token_id=500), grant(11, token_id=600), grant(12, token_id=601)]
    report = build(requests, grants, applied={"approved": [1, 3], "denied": [2], "revoked": [{"id": 12}]},
                   mode="enforce")
    states = dict((t["key"], t["state"]) for t in report["tokens"])
    # Request 1 became grant 10 (same token): listed once, as approved. Request 3 has no grant yet.
    assert states == {"token:500": "approved", "token:501": "denied", "token:502": "approved",
                      "token:600": "active", "token:601": "revoked"}
    assert [t["kind"] for t in report["tokens"] if t["key"] == "token:500"] == ["grant"]
    summary = report["summary"]
    assert summary["present"] == 3 and summary["by_state"]["revoked"] == 1
    assert "This run revoked 1 grants" in _report.decision_text(report)


def test_odd_records_do_not_raise():
    odd = [{"id": None}, {"owner": {"login": "zed"}, "permissions": "x", "repositories": [{"name": "a"}]},
           {"id": "7", "token_expires_at": "garbage", "permissions": {"repository": {"contents": None}}}]
    report = build([], odd)
    assert len(report["tokens"]) == 3 and report["tokens"][1]["owner"] == "zed"
    for render in (_report.render_json, _report.render_csv, _report.render_html, _report.render_markdown):
        assert render(report)


def test_bad_inputs():
    with pytest.raises(_report.ReportError, match="now must be"):
        build(now="yesterday")
    with pytest.raises(PolicyError):
        build(policy={"max_lifetime_days": 0})


def test_charts():
    grants = [grant(i, owner="o%d" % (i % 25), perms={"contents": "write", "administration": "admin" if i == 1 else
                                                      "read"}) for i in range(1, 41)]
    grants.append(grant(99, expires="2025-12-01T00:00:00Z", last_used=None))
    report = build([], grants)
    charts = report["charts"]
    assert len(charts["owners"]) == _report.TOP_OWNERS and charts["owners_total"] == 26  # o0..o24 and ada
    expiry = dict((r["label"], r["count"]) for r in charts["expiry"])
    assert expiry["expired"] == 1 and expiry["31-90 d"] == 40 and sum(expiry.values()) == 41
    last_use = dict((r["label"], r["count"]) for r in charts["last_use"])
    assert last_use["never"] == 1 and last_use["0-7 d"] == 40
    perms = dict((r["permission"], r) for r in charts["permissions"])
    assert perms["contents"]["write"] == 40 and perms["administration"]["admin"] == 1
    assert {r["code"] for r in charts["violations"]} >= {"expired"}


# --------------------------------------------------------------------------- CSV

def test_csv_escaping_and_formula_injection():
    evil = grant(1, owner="mallory", name='=HYPERLINK("http://x","click"), "quoted"\nnew line;semi')
    report = build([], [evil, grant(2, name="+cmd"), grant(3, name="@sum"), grant(4, name="-1")])
    text = _report.render_csv(report)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(_report.CSV_COLUMNS)
    assert len(rows) == 5
    assert rows[1][1] == "'" + evil["token_name"]  # round-trips, neutralised
    assert [r[1] for r in rows[2:]] == ["'+cmd", "'@sum", "'-1"]
    assert rows[1][_report.CSV_COLUMNS.index("permissions")] == "contents:read"
    assert rows[1][_report.CSV_COLUMNS.index("token_id")] == "10"
    assert text.endswith("\r\n")
    assert _report.csv_cell(None) == "" and _report.csv_cell(True) == "true" and _report.csv_cell(3) == "3"


# --------------------------------------------------------------------------- drift

def test_drift_categories():
    old = build([request(1, token_id=700)],
                [grant(10, token_id=100), grant(11, token_id=101), grant(12, token_id=102),
                 grant(13, token_id=103, perms={"contents": "read"}),
                 grant(14, token_id=104, expires=None), grant(15, token_id=105, expires="2026-01-02T00:00:00Z")],
                generated_at="2025-12-01T00:00:00Z")
    new = build([],
                [grant(20, token_id=700),  # the request became a grant: not new
                 grant(11, token_id=101),
                 grant(12, token_id=102, perms={"administration": "write"}),  # newly violating + upgrade
                 grant(13, token_id=103, perms={"contents": "write", "issues": "read"}),  # upgrade only
                 grant(14, token_id=104),  # violation resolved
                 grant(15, token_id=105, expires="2026-01-02T00:00:00Z"),
                 grant(16, token_id=106)],  # new
                applied={"revoked": [11]}, now="2026-01-03T00:00:00Z")
    drift = _report.compute_drift(old, new)
    ids = dict((name, [i["token_id"] for i in drift[name]]) for name in drift["counts"])
    assert ids["new"] == [106]
    assert ids["removed"] == [100, 101]
    assert dict((i["token_id"], i["detail"]) for i in drift["removed"]) == {
        100: "no longer listed", 101: "revoked by this run"}
    assert ids["expired"] == [105]
    assert ids["newly_violating"] == [102, 105]
    assert ids["resolved"] == [104]
    upgrades = dict((i["token_id"], i["detail"]) for i in drift["permission_upgrades"])
    assert upgrades == {102: "administration: none -> write",
                        103: "contents: read -> write; issues: none -> read"}
    assert drift["baseline_generated_at"] == "2025-12-01T00:00:00Z"
    assert drift["counts"] == dict((k, len(v)) for k, v in ids.items())
    # The same inventory twice: no drift at all.
    same = _report.compute_drift(new, new)
    assert all(count == 0 for count in same["counts"].values())


def test_drift_all_repositories_is_an_upgrade_and_previous_is_checked():
    old = build([], [grant(1, selection="subset")])
    new = build([], [grant(1, selection="all", repositories=None)])
    drift = _report.compute_drift(old, new)
    assert drift["permission_upgrades"][0]["detail"] == "repositories: subset -> all"
    with pytest.raises(_report.ReportError, match="not a patguard report"):
        _report.compute_drift({"foo": 1}, new)
    with pytest.raises(_report.ReportError, match="schema_version"):
        _report.compute_drift({"tokens": [], "schema_version": 99}, new)


def test_same_inventory_ignores_volatile_fields():
    one = build([], [grant(1)], generated_at="2026-01-01T00:00:00Z")
    two = build([], [grant(1)], generated_at="2026-01-05T00:00:00Z", previous=one)
    assert two["drift"] is not None
    assert _report.same_inventory(one, two)
    three = build([], [grant(1, name="renamed")])
    assert not _report.same_inventory(one, three) and not _report.same_inventory(one, None)


def test_rendering_is_deterministic():
    report = build([request(1)], [grant(i) for i in range(1, 30)])
    assert _report.render_all(report) == _report.render_all(copy.deepcopy(report))


# --------------------------------------------------------------------------- HTML / Markdown

def test_html_is_self_contained_and_escapes_user_text():
    evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'
    report = build([request(1, name=evil)], [grant(2, owner="<b>bold</b>", name="https://evil.example/x.js")])
    page = _report.render_html(report)
    lowered = page.lower()
    assert "<script src" not in lowered and "<link" not in lowered and "<iframe" not in lowered
    assert "@import" not in lowered and "url(" not in lowered
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', lowered)
    # User text never closes the data block nor becomes markup.
    assert lowered.count("</script>") == 2 and "<script>alert" not in lowered
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    # The embedded data is valid JSON holding every token.
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(blob)
    assert len(data["rows"]) == 2 and data["rows"][0][1] == evil and data["page_size"] == 100
    # A CSP pins the inline style and script by hash: nothing else may load or run.
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src &#x27;none&#x27;" in csp and "sha256-" in csp
    for chart in ("svg-expiry", "svg-last-use", "svg-permissions", "svg-owners", "svg-violations"):
        assert 'id="%s"' % chart in page


def test_html_without_data_and_with_drift():
    empty = build([], [])
    page = _report.render_html(empty)
    assert "0 of 0 tokens" in page and "No previous report" in page
    old = build([], [grant(1)])
    new = build([], [grant(2)], previous=old)
    page = _report.render_html(new)
    assert "Changes since the report of" in page and 'data-drift="new"' in page


def test_markdown_summary_escapes_and_counts():
    old = build([], [grant(1)])
    report = build([], [grant(1), grant(2, owner="a|b*c", expires=None)], previous=old)
    text = _report.render_markdown(report)
    assert text.startswith("## Token inventory of acme")
    assert "**1 of 2 tokens (50%) violate the policy**" in text
    assert "| Never expire | 1 |" in text
    assert "a\\|b\\*c" in text and "a|b*c" not in text
    assert "1 new, 0 removed" in text
    assert len(text.splitlines()) < 40


def test_summary_lines():
    report = build([], [grant(1)])
    lines = _report.summary_lines(report)
    assert lines[0] == "Token inventory of acme: 0 of 1 tokens (0%) violate the policy"
