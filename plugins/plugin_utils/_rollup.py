# -*- coding: utf-8 -*-
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""The enterprise roll-up: one row per organization, read from each organization's report.json.

Pure functions (no Ansible, no network): the ``pat_report_rollup`` action reads the files and
writes what these return. A row carries the organization's figures, violations and drift and a
relative link to its own ``report.html``; an organization without a report, or whose pass did
not complete in this run, is a row that says so instead of silently showing old figures.
"""

from __future__ import annotations

import json
import os

ROLLUP_SCHEMA_VERSION = 1
# report.json versions this roll-up reads (their summary and drift keys are the same).
READS_REPORT_SCHEMAS = (1, 2)
ROLLUP_FILES = ("index.html", "rollup.json", "summary.md")
DRIFT_KEYS = ("new", "removed", "expired", "newly_violating", "resolved", "permission_upgrades")
TOTAL_KEYS = ("present", "pending", "active", "violating", "expired", "never_expire", "unused_90d",
              "approved", "denied", "revoked")
TOP_CODES = 3


class RollupError(Exception):
    """A bad input (named) that stops the roll-up before anything is written."""


def report_path(dest, org):
    """Where an organization's report lives: ``<dest>/<org>/report.json``."""
    if not isinstance(org, str) or not org or org in (".", "..") or "/" in org or "\\" in org:
        raise RollupError("orgs: %r is not an organization login" % (org,))
    return os.path.join(dest, org, "report.json")


def read_report(path):
    """An organization's report document, or ``(None, why)`` when it cannot be used."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        return None, "no report"
    except (OSError, ValueError) as exc:
        return None, "unreadable report (%s)" % type(exc).__name__
    if not isinstance(document, dict) or not isinstance(document.get("summary"), dict):
        return None, "not a patguard report"
    if document.get("schema_version") not in READS_REPORT_SCHEMAS:
        return None, "report schema %r is not one of %s" % (document.get("schema_version"), list(READS_REPORT_SCHEMAS))
    return document, None


def org_row(org, report, completed=True, problem=None):
    """One organization's row. ``completed``: its pass finished in this run."""
    row = {"org": org, "link": "%s/report.html" % org, "status": "ok", "problem": problem, "mode": None,
           "evaluated_at": None, "drift": None, "top_violations": []}
    row.update((key, None) for key in TOTAL_KEYS)
    if report is None:
        row.update(status="missing", link=None)
        return row
    summary = report["summary"]
    states = summary.get("by_state") or {}
    row.update({
        "mode": report.get("mode"), "evaluated_at": report.get("evaluated_at"),
        "present": summary.get("present", 0), "pending": states.get("pending", 0),
        "active": states.get("active", 0) + states.get("approved", 0),
        "violating": summary.get("violating", 0), "violating_percent": summary.get("violating_percent", 0.0),
        "expired": summary.get("expired", 0), "never_expire": summary.get("never_expire", 0),
        "unused_90d": summary.get("unused_90d", 0), "approved": states.get("approved", 0),
        "denied": states.get("denied", 0), "revoked": states.get("revoked", 0),
    })
    violations = summary.get("violations") or {}
    row["top_violations"] = [{"code": code, "count": count} for code, count in
                             sorted(violations.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CODES]]
    drift = report.get("drift")
    if isinstance(drift, dict) and isinstance(drift.get("counts"), dict):
        row["drift"] = dict((key, int(drift["counts"].get(key, 0))) for key in DRIFT_KEYS)
    if not completed:
        # The file is from an earlier run: its figures are shown, flagged.
        row.update(status="stale", problem=problem or "the pass did not complete in this run; figures from %s"
                   % (report.get("evaluated_at") or "an earlier run"))
    return row


def build_rollup(rows, generated_at):
    """The roll-up document (rollup.json): rows sorted by login, totals over the rows with figures."""
    rows = sorted(rows, key=lambda r: r["org"].lower())
    counted = [r for r in rows if r["status"] != "missing"]
    totals = dict((key, sum(r[key] or 0 for r in counted)) for key in TOTAL_KEYS)
    drifted = [r["drift"] for r in counted if r["drift"]]
    totals["drift"] = dict((key, sum(d[key] for d in drifted)) for key in DRIFT_KEYS) if drifted else None
    totals["organizations"] = len(rows)
    totals["with_violations"] = sum(1 for r in counted if r["violating"])
    return {
        "schema_version": ROLLUP_SCHEMA_VERSION, "generated_at": generated_at, "organizations": rows,
        "totals": totals, "problems": [{"org": r["org"], "status": r["status"], "problem": r["problem"]}
                                       for r in rows if r["status"] != "ok"],
    }


def _md(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def _drift_text(drift):
    if not drift:
        return "no baseline"
    shown = ["%s %d" % (key.replace("_", " "), drift[key]) for key in DRIFT_KEYS if drift[key]]
    return ", ".join(shown) or "no change"


def _codes_text(row):
    return ", ".join("%s %d" % (v["code"], v["count"]) for v in row["top_violations"]) or "none"


def render_markdown(rollup):
    t = rollup["totals"]
    lines = [
        "# Fine-grained tokens across %d organizations" % t["organizations"], "",
        "%d tokens present, %d violating, in %d organizations with violations; this run approved %d, denied %d, "
        "revoked %d." % (t["present"], t["violating"], t["with_violations"], t["approved"], t["denied"],
                         t["revoked"]), "",
        "| Organization | Status | Mode | Present | Pending | Violating | Expired | Never expire | Unused 90+ d "
        "| Revoked | Denied | Top violations | Drift |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rollup["organizations"]:
        if r["status"] == "missing":
            lines.append("| %s | %s | | | | | | | | | | | |" % (_md(r["org"]), _md(r["problem"] or "no report")))
            continue
        lines.append("| [%s](%s) | %s | %s | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |" % (
            _md(r["org"]), r["link"], "ok" if r["status"] == "ok" else _md(r["problem"]), _md(r["mode"]),
            r["present"], r["pending"], r["violating"], r["expired"], r["never_expire"], r["unused_90d"],
            r["revoked"], r["denied"], _md(_codes_text(r)), _md(_drift_text(r["drift"]))))
    return "\n".join(lines) + "\n"


def render_json(rollup):
    return json.dumps(rollup, indent=1, sort_keys=True) + "\n"


def table_columns():
    return ("Organization", "Status", "Mode", "Present", "Pending", "Violating", "Expired", "Never expire",
            "Unused 90+ d", "Approved", "Denied", "Revoked", "Top violations", "Drift", "Evaluated")


def table_rows(rollup):
    """Cells for a sortable table: the organization links to its own report.html."""
    out = []
    for r in rollup["organizations"]:
        org = {"text": r["org"], "href": r["link"]} if r["link"] else {"text": r["org"]}
        status = {"text": "ok" if r["status"] == "ok" else r["problem"] or r["status"],
                  "cls": "ok" if r["status"] == "ok" else "bad"}
        if r["status"] == "missing":
            out.append([org, status] + [""] * (len(table_columns()) - 2))
            continue
        violating = {"text": "%d (%s%%)" % (r["violating"], r["violating_percent"]), "sort": r["violating"],
                     "cls": "bad" if r["violating"] else "ok"}
        out.append([org, status, r["mode"] or "", r["present"], r["pending"], violating, r["expired"],
                    r["never_expire"], r["unused_90d"], r["approved"], r["denied"], r["revoked"], _codes_text(r),
                    _drift_text(r["drift"]), r["evaluated_at"] or ""])
    return out


_CSS = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}header{background:#24292f;color:#fff;"
    "padding:16px 24px}h1{margin:0;font-size:20px}.meta{opacity:.8;font-size:12px}main{padding:16px 24px}"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 16px}.kpi{border:1px solid #ddd;border-radius:6px;"
    "padding:8px 12px;min-width:120px}.kpi b{display:block;font-size:22px}.bad{color:#c62828}.ok{color:#2e7d32}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;"
    "white-space:nowrap}th{background:#f6f8fa}td.n{text-align:right}"
)


def render_html(rollup, title="Fine-grained tokens across organizations"):
    """index.html: self-contained (no script, nothing loaded), every value escaped."""
    import html

    e = html.escape
    t = rollup["totals"]
    kpis = [("Organizations", t["organizations"], ""), ("With violations", t["with_violations"],
                                                       "bad" if t["with_violations"] else "ok"),
            ("Tokens present", t["present"], ""), ("Violating", t["violating"], "bad" if t["violating"] else "ok"),
            ("Expired", t["expired"], "bad" if t["expired"] else "ok"), ("Never expire", t["never_expire"], ""),
            ("Approved / denied / revoked", "%d / %d / %d" % (t["approved"], t["denied"], t["revoked"]), "")]
    if t["drift"]:
        kpis.append(("Newly violating", t["drift"]["newly_violating"], "bad" if t["drift"]["newly_violating"] else "ok"))
    head = "".join("<th scope=\"col\">%s</th>" % e(c) for c in table_columns())
    body = []
    for cells in table_rows(rollup):
        out = []
        for cell in cells:
            if isinstance(cell, dict):
                inner = e(str(cell["text"]))
                if cell.get("href"):
                    inner = '<a href="%s">%s</a>' % (e(cell["href"]), inner)
                out.append('<td class="%s">%s</td>' % (e(cell.get("cls", "")), inner))
            elif isinstance(cell, int):
                out.append('<td class="n">%d</td>' % cell)
            else:
                out.append("<td>%s</td>" % e(str(cell)))
        body.append("<tr>%s</tr>" % "".join(out))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<title>%s</title><style>%s</style></head><body><header><h1>%s</h1><div class=\"meta\">Generated %s from "
        "%d organization reports; each organization links to its own report.</div></header><main>"
        "<div class=\"kpis\">%s</div><table id=\"organizations\"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>"
        "</main></body></html>\n" % (
            e(title), _CSS, e(title), e(rollup["generated_at"] or ""), t["organizations"],
            "".join('<div class="kpi"><b class="%s">%s</b>%s</div>' % (cls, e(str(value)), e(label))
                    for label, value, cls in kpis), head, "".join(body)))
