"""Unit tests of the report (plugin_utils/_report_*.py): schema, states, CSV, drift, HTML."""

from __future__ import annotations

import copy
import csv
import html
import io
import json
import re

import pytest

from ansible_collections.patguard.github.plugins.module_utils._policy import plan
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import PolicyError
from ansible_collections.patguard.github.plugins.plugin_utils import _report_drift as r_drift
from ansible_collections.patguard.github.plugins.plugin_utils import _report_figures as r_figures
from ansible_collections.patguard.github.plugins.plugin_utils import _report_files as r_files
from ansible_collections.patguard.github.plugins.plugin_utils import _report_html as r_html
from ansible_collections.patguard.github.plugins.plugin_utils import _report_model as r_model
from ansible_collections.patguard.github.plugins.plugin_utils import _report_text as r_text

NOW = "2026-01-01T00:00:00Z"
POLICY = {
    "max_lifetime_days": 90,
    "max_inactive_days": 60,
    "revoke_expired": True,
    "forbidden_permissions": ["administration:write"],
    "actions": {"violating_grant": "revoke", "violating_request": "deny", "compliant_request": "approve"},
}
TOKEN_KEYS = {
    "days_idle",
    "key",
    "kind",
    "id",
    "state",
    "owner",
    "token_name",
    "token_id",
    "repository_selection",
    "repository_count",
    "repositories",
    "permissions",
    "max_level",
    "created_at",
    "expires_at",
    "expired",
    "days_to_expiry",
    "last_used_at",
    "days_since_use",
    "lifetime_days",
    "reason",
    "violations",
    "violating",
    "decision",
    "decision_reason",
}


def grant(
    gid,
    owner="ada",
    token_id=None,
    name="ci",
    perms=None,
    expires="2026-02-01T00:00:00Z",
    last_used="2025-12-30T00:00:00Z",
    selection="subset",
    repositories=("api",),
    granted="2025-12-01T00:00:00Z",
):
    return {
        "id": gid,
        "owner": owner,
        "token_id": token_id or gid * 10,
        "token_name": name,
        "repository_selection": selection,
        "repositories": list(repositories) if repositories is not None else None,
        "permissions": {"repository": perms or {"contents": "read"}, "organization": {}, "other": {}},
        "access_granted_at": granted,
        "token_expires_at": expires,
        "token_expired": False,
        "token_last_used_at": last_used,
    }


def request(rid, owner="bob", token_id=None, name="req", perms=None, reason="Deploys the API service"):
    return {
        "id": rid,
        "owner": owner,
        "token_id": token_id or rid * 10,
        "token_name": name,
        "reason": reason,
        "repository_selection": "subset",
        "repositories": None,
        "permissions": {"repository": perms or {"contents": "read"}},
        "created_at": "2025-12-31T00:00:00Z",
        "token_expires_at": "2026-01-30T00:00:00Z",
        "token_expired": False,
        "token_last_used_at": None,
    }


def build(requests=(), grants=(), **kwargs):
    kwargs.setdefault("policy", POLICY)
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("org", "acme")
    kwargs.setdefault("generated_at", NOW)
    previous = kwargs.pop("previous", None)
    report = r_model.build_report(list(requests), list(grants), **kwargs)
    if previous is not None:
        report["drift"] = r_drift.compute_drift(previous, report)
    return report


# --------------------------------------------------------------------------- schema


def test_schema_and_summary():
    report = build(
        [request(1)],
        [
            grant(10),
            grant(11, owner="eve", expires=None, last_used=None),
            grant(12, perms={"administration": "write"}, selection="all", repositories=None),
        ],
    )
    assert set(report) == {
        "schema_version",
        "generated_at",
        "evaluated_at",
        "org",
        "mode",
        "policy",
        "summary",
        "charts",
        "tokens",
        "drift",
    }
    assert report["schema_version"] == r_model.SCHEMA_VERSION == 2
    assert report["policy"]["max_lifetime_days"] == 90 and report["policy"]["exempt_owners"] == []
    for token in report["tokens"]:
        assert set(token) == TOKEN_KEYS
    first, g10, g11, g12 = report["tokens"]
    assert first["kind"] == "request" and first["state"] == "pending" and first["key"] == "request:1"
    assert g10["days_to_expiry"] == 31 and g10["days_since_use"] == 2 and g10["repository_count"] == 1
    assert (
        g11["expires_at"] is None
        and g11["days_to_expiry"] is None
        and "lifetime" in {v["code"] for v in g11["violations"]}
    )
    assert g12["repository_count"] is None and g12["max_level"] == 2 and g12["decision"] == "revoke"
    summary = report["summary"]
    assert summary["tokens"] == 4 and summary["requests"] == 1 and summary["grants"] == 3
    assert summary["by_state"] == {"pending": 1, "active": 3, "approved": 0, "denied": 0, "revoked": 0}
    assert summary["never_expire"] == 1 and summary["never_used"] == 1 and summary["all_repositories"] == 1
    assert summary["violating"] == 2 and summary["violating_percent"] == 50.0
    # The JSON rendering round-trips to the same document.
    assert json.loads(r_text.render_json(report)) == report


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
    report = build(
        requests, grants, applied={"approved": [1, 3], "denied": [2], "revoked": [{"id": 12}]}, mode="enforce"
    )
    states = dict((t["key"], t["state"]) for t in report["tokens"])
    # Request 1 became grant 10 (same token): listed once, as approved. Request 3 has no grant yet.
    assert states == {
        "grant:10": "approved",
        "request:2": "denied",
        "request:3": "approved",
        "grant:11": "active",
        "grant:12": "revoked",
    }
    assert [t["kind"] for t in report["tokens"] if t["token_id"] == 500] == ["grant"]
    summary = report["summary"]
    assert summary["present"] == 3 and summary["by_state"]["revoked"] == 1
    assert "This run revoked 1 grants" in r_text.decision_text(report)


def test_odd_records_do_not_raise():
    odd = [
        {"id": None},
        {"owner": {"login": "zed"}, "permissions": "x", "repositories": [{"name": "a"}]},
        {"id": "7", "token_expires_at": "garbage", "permissions": {"repository": {"contents": None}}},
    ]
    report = build([], odd)
    assert len(report["tokens"]) == 3 and report["tokens"][1]["owner"] == "zed"
    for render in (r_text.render_json, r_text.render_csv, r_html.render_html, r_text.render_markdown):
        assert render(report)


def test_bad_inputs():
    with pytest.raises(r_model.ReportError, match="now must be"):
        build(now="yesterday")
    with pytest.raises(PolicyError):
        build(policy={"max_lifetime_days": 0})


def test_charts():
    grants = [
        grant(i, owner="o%d" % (i % 25), perms={"contents": "write", "administration": "admin" if i == 1 else "read"})
        for i in range(1, 41)
    ]
    grants.append(grant(99, expires="2025-12-01T00:00:00Z", last_used=None))
    report = build([], grants)
    charts = report["charts"]
    assert len(charts["owners"]) == r_model.TOP_OWNERS and charts["owners_total"] == 26  # o0..o24 and ada
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
    text = r_text.render_csv(report)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(r_text.CSV_COLUMNS)
    assert len(rows) == 5
    assert rows[1][1] == "'" + evil["token_name"]  # round-trips, neutralised
    assert [r[1] for r in rows[2:]] == ["'+cmd", "'@sum", "'-1"]
    assert rows[1][r_text.CSV_COLUMNS.index("permissions")] == "contents:read"
    assert rows[1][r_text.CSV_COLUMNS.index("token_id")] == "10"
    assert text.endswith("\r\n")
    assert r_text.csv_cell(None) == "" and r_text.csv_cell(True) == "true" and r_text.csv_cell(3) == "3"


# --------------------------------------------------------------------------- drift


def test_drift_categories():
    old = build(
        [request(1, token_id=700)],
        [
            grant(10, token_id=100),
            grant(11, token_id=101),
            grant(12, token_id=102),
            grant(13, token_id=103, perms={"contents": "read"}),
            grant(14, token_id=104, expires=None),
            grant(15, token_id=105, expires="2026-01-02T00:00:00Z"),
        ],
        generated_at="2025-12-01T00:00:00Z",
    )
    new = build(
        [],
        [
            grant(20, token_id=700),  # the request became a grant: not new
            grant(11, token_id=101),
            grant(12, token_id=102, perms={"administration": "write"}),  # newly violating + upgrade
            grant(13, token_id=103, perms={"contents": "write", "issues": "read"}),  # upgrade only
            grant(14, token_id=104),  # violation resolved
            grant(15, token_id=105, expires="2026-01-02T00:00:00Z"),
            grant(16, token_id=106),
        ],  # new
        applied={"revoked": [11]},
        now="2026-01-03T00:00:00Z",
    )
    drift = r_drift.compute_drift(old, new)
    ids = dict((name, [i["token_id"] for i in drift[name]]) for name in drift["counts"])
    assert ids["new"] == [106]
    assert ids["removed"] == [100, 101]
    assert dict((i["token_id"], i["detail"]) for i in drift["removed"]) == {
        100: "no longer listed",
        101: "revoked by this run",
    }
    assert ids["expired"] == [105]
    assert ids["newly_violating"] == [102, 105]
    assert ids["resolved"] == [104]
    upgrades = dict((i["token_id"], i["detail"]) for i in drift["permission_upgrades"])
    assert upgrades == {102: "administration: none -> write", 103: "contents: read -> write; issues: none -> read"}
    assert drift["baseline_generated_at"] == "2025-12-01T00:00:00Z"
    assert drift["counts"] == dict((k, len(v)) for k, v in ids.items())
    # The same inventory twice: no drift at all.
    same = r_drift.compute_drift(new, new)
    assert all(count == 0 for count in same["counts"].values())


def test_drift_all_repositories_is_an_upgrade_and_previous_is_checked():
    old = build([], [grant(1, selection="subset")])
    new = build([], [grant(1, selection="all", repositories=None)])
    drift = r_drift.compute_drift(old, new)
    assert drift["permission_upgrades"][0]["detail"] == "repositories: subset -> all"
    with pytest.raises(r_model.ReportError, match="not a patguard report"):
        r_drift.compute_drift({"foo": 1}, new)
    with pytest.raises(r_model.ReportError, match="schema_version"):
        r_drift.compute_drift({"tokens": [], "schema_version": 99}, new)


def test_same_inventory_ignores_volatile_fields():
    one = build([], [grant(1)], generated_at="2026-01-01T00:00:00Z")
    two = build([], [grant(1)], generated_at="2026-01-05T00:00:00Z", previous=one)
    assert two["drift"] is not None
    assert r_drift.same_inventory(one, two)
    three = build([], [grant(1, name="renamed")])
    assert not r_drift.same_inventory(one, three) and not r_drift.same_inventory(one, None)


def test_rendering_is_deterministic():
    report = build([request(1)], [grant(i) for i in range(1, 30)])
    assert r_files.render_all(report) == r_files.render_all(copy.deepcopy(report))


# --------------------------------------------------------------------------- HTML / Markdown


def test_html_is_self_contained_and_escapes_user_text():
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    report = build([request(1, name=evil)], [grant(2, owner="<b>bold</b>", name="https://evil.example/x.js")])
    page = r_html.render_html(report)
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
    csp = html.unescape(csp)
    assert "default-src 'none'" in csp and csp.count("'sha256-") == 2
    for chart in ("svg-expiry", "svg-last-use", "svg-permissions", "svg-owners", "svg-violations"):
        assert 'id="%s"' % chart in page


def test_html_without_data_and_with_drift():
    empty = build([], [])
    page = r_html.render_html(empty)
    assert "0 of 0 tokens" in page and "No previous report" in page
    old = build([], [grant(1)])
    new = build([], [grant(2)], previous=old)
    page = r_html.render_html(new)
    assert "Changes since the report of" in page and 'data-drift="new"' in page


def test_markdown_summary_escapes_and_counts():
    old = build([], [grant(1)])
    report = build([], [grant(1), grant(2, owner="a|b*c", expires=None)], previous=old)
    text = r_text.render_markdown(report)
    assert text.startswith("## Token inventory of acme")
    assert "**1 of 2 tokens (50%) violate the policy**" in text
    assert "| Never expire | 1 |" in text
    assert "a\\|b\\*c" in text and "a|b*c" not in text
    assert "1 new, 0 removed" in text
    assert len(text.splitlines()) < 40


def test_summary_lines():
    report = build([], [grant(1)])
    lines = r_text.summary_lines(report)
    assert lines[0] == "Token inventory of acme: 0 of 1 tokens (0%) violate the policy"


# --------------------------------------------------------------------------- upgrade requests (issue 12.4)


def test_upgrade_request_and_its_grant_are_two_rows_everywhere():
    # The owner asks to widen token 100, which already holds access through grant 10.
    active = grant(10, token_id=100, perms={"contents": "read"})
    upgrade = request(1, token_id=100, perms={"contents": "write"})
    old = build([], [active], generated_at="2025-12-31T00:00:00Z")
    report = build([upgrade], [active], previous=old)
    assert [(t["key"], t["state"]) for t in report["tokens"]] == [("request:1", "pending"), ("grant:10", "active")]
    assert report["summary"]["present"] == 2 and report["summary"]["requests"] == 1
    rows = list(csv.reader(io.StringIO(r_text.render_csv(report))))[1:]
    assert [(r[3], r[4], r[2]) for r in rows] == [("request", "1", "100"), ("grant", "10", "100")]
    page = r_html.render_html(report)
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    assert [(r[3], r[4]) for r in json.loads(blob)["rows"]] == [("request", 1), ("grant", 10)]
    # Drift: the request is new, the grant did not change.
    drift = report["drift"]
    assert [(i["key"], i["token_id"]) for i in drift["new"]] == [("request:1", 100)]
    assert drift["counts"] == {
        "new": 1,
        "removed": 0,
        "expired": 0,
        "newly_violating": 0,
        "resolved": 0,
        "permission_upgrades": 0,
    }
    # Denied: the request row says so, the grant stays as it was.
    denied = build([upgrade], [active], applied={"denied": [1]}, previous=report)
    assert [(t["key"], t["state"]) for t in denied["tokens"]] == [("request:1", "denied"), ("grant:10", "active")]
    assert [(i["key"], i["detail"]) for i in denied["drift"]["removed"]] == [("request:1", "denied by this run")]
    assert denied["drift"]["counts"]["permission_upgrades"] == 0


def test_drift_follows_approvals_from_request_to_grant():
    pending = build(
        [request(1, token_id=100), request(2, token_id=200, perms={"contents": "write"})],
        [grant(20, token_id=200, perms={"contents": "read"})],
        generated_at="2025-12-31T00:00:00Z",
    )
    # Request 1 became grant 10 (a new token); upgrade request 2 widened grant 20 in place.
    later = build([], [grant(10, token_id=100), grant(20, token_id=200, perms={"contents": "write"})], previous=pending)
    drift = later["drift"]
    assert drift["counts"]["new"] == 0 and drift["counts"]["removed"] == 0, drift
    assert [(i["key"], i["detail"]) for i in drift["permission_upgrades"]] == [("grant:20", "contents: read -> write")]


def test_schema_1_baseline_is_read_with_its_token_keys():
    current = build([request(1, token_id=100)], [grant(10, token_id=100), grant(11, token_id=101)])
    legacy = copy.deepcopy(current)
    legacy["schema_version"] = 1
    for token in legacy["tokens"]:
        token["key"] = "token:%d" % token["token_id"]  # schema 1: the upgrade request and grant 10 collide
    drift = r_drift.compute_drift(legacy, current)
    assert all(count == 0 for count in drift["counts"].values()), drift["counts"]
    assert not r_drift.same_inventory(current, legacy)  # rewritten once in the new format
    with pytest.raises(r_model.ReportError, match="reads 1 to 2"):
        r_drift.check_previous({"tokens": [], "schema_version": 0})


# --------------------------------------------------------------------------- unverifiable (issue 13.4)


def test_unverifiable_only_where_the_decision_waits_on_missing_data():
    policy = dict(POLICY, max_repositories=5)
    records = [
        grant(1, perms={"administration": "write"}, repositories=None),  # revoked anyway
        grant(2, repositories=None),
    ]  # compliant but for its repository list
    decisions = [
        {
            "kind": "grant",
            "id": 1,
            "decision": "revoke",
            "violations": [
                {"code": "permission", "detail": "administration:write"},
                {"code": "unverifiable", "detail": "repository_count: repository list not fetched"},
            ],
        },
        {
            "kind": "grant",
            "id": 2,
            "decision": "none",
            "violations": [{"code": "unverifiable", "detail": "repository_count: repository list not fetched"}],
        },
    ]
    for report in (build([], records, decisions=decisions), build([], records, policy=policy)):
        first, second = report["tokens"]
        assert [v["code"] for v in first["violations"]] == ["permission"]
        assert [v["code"] for v in second["violations"]] == ["unverifiable"]
        assert report["summary"]["violations"].get("unverifiable") == 1
        series = dict((r["code"], r["open"] + r["resolved"]) for r in report["charts"]["violations"])
        assert series["unverifiable"] == 1 and series["permission"] == 1


# --------------------------------------------------------------------------- unused 90+ days (issue 13.10)


def test_unused_90_days_counts_from_the_grant_time_of_a_never_used_grant():
    report = build(
        [],
        [
            grant(1, last_used=None, granted="2025-12-31T23:59:30Z"),  # approved 30 s ago
            grant(2, last_used=None, granted="2025-09-01T00:00:00Z"),  # never used in 122 days
            grant(3, last_used="2025-10-01T00:00:00Z"),  # used 92 days ago
            grant(4, last_used="2025-12-01T00:00:00Z"),
        ],
    )
    assert [t["days_idle"] for t in report["tokens"]] == [0, 122, 92, 31]
    assert report["summary"]["unused_90d"] == 2 and report["summary"]["never_used"] == 2
    assert [t["days_idle"] for t in build([request(1)], [])["tokens"]] == [None]


# --------------------------------------------------------------------------- a page of other sections


def test_render_page_serves_other_pages_with_the_same_assets():
    rows = [
        [{"text": "acme", "href": "acme/report.html"}, {"text": "12", "sort": 12}],
        [{"text": "evil", "href": "javascript:alert(1)"}, {"text": "3", "sort": 3}],
        ["<b>x</b>", "1"],
    ]
    sections = [
        r_html.Section(
            "summary.html.j2",
            {
                "verdict": "ok",
                "headline": "3 organizations",
                "tail": "",
                "subline": "roll-up",
                "kpis": [r_figures.kpi("Orgs", 3, "ok", "")],
            },
        ),
        r_html.Section(
            "charts.html.j2",
            {
                "cards": [
                    r_figures.card(
                        "chart-orgs",
                        "Tokens by organization",
                        "",
                        r_figures.hbar("svg-orgs", [("acme", {"n": 12})], [("n", "#000")], "Tokens"),
                    )
                ]
            },
        ),
        r_html.Section(
            "table.html.j2",
            {"id": "orgs", "title": "Organizations", "note": None, "columns": ["Organization", "Tokens"], "rows": rows},
        ),
    ]
    page = r_html.render_page("Enterprise", "Enterprise roll-up", "meta", sections)
    assert 'id="report-data"' not in page and '<table class="sortable" id="orgs">' in page
    assert '<a href="acme/report.html">acme</a>' in page and "javascript:" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and 'data-sort="12"' in page and 'id="svg-orgs"' in page
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    assert r_html.csp_hash(style) in csp and r_html.csp_hash(script) in csp
