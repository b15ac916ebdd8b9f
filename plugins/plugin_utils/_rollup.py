# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""The enterprise roll-up: one row per organization, read from each organization's report.json.

Pure functions (no Ansible, no network): the ``pat_report_rollup`` action reads the files and
writes what these return; the page reuses the token report's templates (``_report_html``). A row carries the organization's figures, violations and drift and a
relative link to its own ``report.html``; an organization without a report, or whose pass did
not complete in this run, is a row that says so instead of silently showing old figures.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ansible_collections.patguard.github.plugins.plugin_utils import _report_figures as fig
from ansible_collections.patguard.github.plugins.plugin_utils._report_html import Section, render_page

ROLLUP_SCHEMA_VERSION = 1
# report.json versions this roll-up reads (their summary and drift keys are the same).
READS_REPORT_SCHEMAS = (1, 2)
ROLLUP_FILES = ("index.html", "rollup.json", "summary.md")
DRIFT_KEYS = ("new", "removed", "expired", "newly_violating", "resolved", "permission_upgrades")
TOTAL_KEYS = (
    "present",
    "pending",
    "active",
    "violating",
    "expired",
    "never_expire",
    "unused_90d",
    "approved",
    "denied",
    "revoked",
)
TOP_CODES = 3


class RollupError(Exception):
    """A bad input (named) that stops the roll-up before anything is written."""


def report_path(dest: str, org: str | None) -> str:
    """Where an organization's report lives: ``<dest>/<org>/report.json``."""
    if not isinstance(org, str) or not org or org in (".", "..") or "/" in org or "\\" in org:
        raise RollupError("orgs: %r is not an organization login" % (org,))
    return os.path.join(dest, org, "report.json")


def read_report(path: str) -> tuple[dict[str, Any] | None, str | None]:
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


def org_row(
    org: str, report: dict[str, Any] | None, completed: bool = True, problem: str | None = None
) -> dict[str, Any]:
    """One organization's row. ``completed``: its pass finished in this run."""
    row = {
        "org": org,
        "link": "%s/report.html" % org,
        "status": "ok",
        "problem": problem,
        "mode": None,
        "evaluated_at": None,
        "drift": None,
        "top_violations": [],
    }
    row.update((key, None) for key in TOTAL_KEYS)
    if report is None:
        row.update(status="missing", link=None)
        return row
    summary = report["summary"]
    states = summary.get("by_state") or {}
    row.update(
        {
            "mode": report.get("mode"),
            "evaluated_at": report.get("evaluated_at"),
            "present": summary.get("present", 0),
            "pending": states.get("pending", 0),
            "active": states.get("active", 0) + states.get("approved", 0),
            "violating": summary.get("violating", 0),
            "violating_percent": summary.get("violating_percent", 0.0),
            "expired": summary.get("expired", 0),
            "never_expire": summary.get("never_expire", 0),
            "unused_90d": summary.get("unused_90d", 0),
            "approved": states.get("approved", 0),
            "denied": states.get("denied", 0),
            "revoked": states.get("revoked", 0),
        }
    )
    violations = summary.get("violations") or {}
    row["top_violations"] = [
        {"code": code, "count": count}
        for code, count in sorted(violations.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CODES]
    ]
    drift = report.get("drift")
    if isinstance(drift, dict) and isinstance(drift.get("counts"), dict):
        row["drift"] = dict((key, int(drift["counts"].get(key, 0))) for key in DRIFT_KEYS)
    if not completed:
        # The file is from an earlier run: its figures are shown, flagged.
        row.update(
            status="stale",
            problem=problem
            or "the pass did not complete in this run; figures from %s"
            % (report.get("evaluated_at") or "an earlier run"),
        )
    return row


def build_rollup(rows: list[dict[str, Any]], generated_at: str | None) -> dict[str, Any]:
    """The roll-up document (rollup.json): rows sorted by login, totals over the rows with figures."""
    rows = sorted(rows, key=lambda r: r["org"].lower())
    counted = [r for r in rows if r["status"] != "missing"]
    totals = dict((key, sum(r[key] or 0 for r in counted)) for key in TOTAL_KEYS)
    drifted = [r["drift"] for r in counted if r["drift"]]
    totals["drift"] = dict((key, sum(d[key] for d in drifted)) for key in DRIFT_KEYS) if drifted else None
    totals["organizations"] = len(rows)
    totals["with_violations"] = sum(1 for r in counted if r["violating"])
    return {
        "schema_version": ROLLUP_SCHEMA_VERSION,
        "generated_at": generated_at,
        "organizations": rows,
        "totals": totals,
        "problems": [
            {"org": r["org"], "status": r["status"], "problem": r["problem"]} for r in rows if r["status"] != "ok"
        ],
    }


def _md(value):
    # Logins and codes are plain, but a table cell must not carry markup or break the row.
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\n", " ")
    )


def _drift_text(drift):
    if not drift:
        return "no baseline"
    shown = ["%s %d" % (key.replace("_", " "), drift[key]) for key in DRIFT_KEYS if drift[key]]
    return ", ".join(shown) or "no change"


def _codes_text(row):
    return ", ".join("%s %d" % (v["code"], v["count"]) for v in row["top_violations"]) or "none"


def render_markdown(rollup: dict[str, Any]) -> str:
    t = rollup["totals"]
    lines = [
        "# Fine-grained tokens across %d organizations" % t["organizations"],
        "",
        "%d tokens present, %d violating, in %d organizations with violations; this run approved %d, denied %d, "
        "revoked %d." % (t["present"], t["violating"], t["with_violations"], t["approved"], t["denied"], t["revoked"]),
        "",
        "| Organization | Status | Mode | Present | Pending | Violating | Expired | Never expire | Unused 90+ d "
        "| Revoked | Denied | Top violations | Drift |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rollup["organizations"]:
        if r["status"] == "missing":
            lines.append("| %s | %s | | | | | | | | | | | |" % (_md(r["org"]), _md(r["problem"] or "no report")))
            continue
        lines.append(
            "| [%s](%s) | %s | %s | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |"
            % (
                _md(r["org"]),
                r["link"],
                "ok" if r["status"] == "ok" else _md(r["problem"]),
                _md(r["mode"]),
                r["present"],
                r["pending"],
                r["violating"],
                r["expired"],
                r["never_expire"],
                r["unused_90d"],
                r["revoked"],
                r["denied"],
                _md(_codes_text(r)),
                _md(_drift_text(r["drift"])),
            )
        )
    return "\n".join(lines) + "\n"


def render_json(rollup: dict[str, Any]) -> str:
    return json.dumps(rollup, indent=1, sort_keys=True) + "\n"


def table_columns() -> tuple[str, ...]:
    return (
        "Organization",
        "Status",
        "Mode",
        "Present",
        "Pending",
        "Violating",
        "Expired",
        "Never expire",
        "Unused 90+ d",
        "Approved",
        "Denied",
        "Revoked",
        "Top violations",
        "Drift",
        "Evaluated",
    )


def table_rows(rollup: dict[str, Any]) -> list[list[Any]]:
    """Cells for a sortable table: the organization links to its own report.html."""
    out = []
    for r in rollup["organizations"]:
        org = {"text": r["org"], "href": r["link"]} if r["link"] else {"text": r["org"]}
        status = {
            "text": "ok" if r["status"] == "ok" else r["problem"] or r["status"],
            "cls": "ok" if r["status"] == "ok" else "bad",
        }
        if r["status"] == "missing":
            out.append([org, status] + [""] * (len(table_columns()) - 2))
            continue
        violating = {
            "text": "%d (%s%%)" % (r["violating"], r["violating_percent"]),
            "sort": r["violating"],
            "cls": "bad" if r["violating"] else "ok",
        }
        out.append(
            [
                org,
                status,
                r["mode"] or "",
                r["present"],
                r["pending"],
                violating,
                r["expired"],
                r["never_expire"],
                r["unused_90d"],
                r["approved"],
                r["denied"],
                r["revoked"],
                _codes_text(r),
                _drift_text(r["drift"]),
                r["evaluated_at"] or "",
            ]
        )
    return out


def _cell(value, cls=None):
    """A numeric cell that sorts as a number."""
    cell = {"text": value, "sort": value}
    if cls:
        cell["cls"] = cls
    return cell


def page_table_rows(rollup: dict[str, Any]) -> list[list[Any]]:
    """table_rows() for the page: numbers sort as numbers."""
    out = []
    for row in table_rows(rollup):
        out.append([_cell(c) if isinstance(c, int) and not isinstance(c, bool) else c for c in row])
    return out


def summary_model(rollup: dict[str, Any]) -> dict[str, Any]:
    """The model of ``summary.html.j2``: headline and KPI tiles over every organization."""
    t = rollup["totals"]
    drift = t["drift"] or {}
    kpis = [
        fig.kpi("Organizations", t["organizations"], "neutral", "%d with violations" % t["with_violations"]),
        fig.kpi("Tokens present", t["present"], "neutral", "%d pending requests" % t["pending"]),
        fig.kpi("Violating", t["violating"], fig.share_level(t["violating"], t["present"], 0.05), "present tokens"),
        fig.kpi("Expired", t["expired"], fig.share_level(t["expired"], t["present"], 1), "still listed"),
        fig.kpi("Never expire", t["never_expire"], fig.share_level(t["never_expire"], t["present"]), "no expiry date"),
        fig.kpi("Unused 90+ days", t["unused_90d"], fig.share_level(t["unused_90d"], t["present"], 0.1), "grants"),
        fig.kpi("Revoked / denied", t["revoked"] + t["denied"], "neutral", "by this run; %d approved" % t["approved"]),
        fig.kpi(
            "Newly violating",
            drift.get("newly_violating", 0),
            "bad" if drift.get("newly_violating") else "ok",
            "since each organization's previous report" if drift else "no baseline yet",
        ),
    ]
    problems = len(rollup["problems"])
    return {
        "verdict": "bad" if t["violating"] or problems else "ok",
        "headline": "%d violating tokens in %d of %d organizations"
        % (t["violating"], t["with_violations"], t["organizations"]),
        "tail": " \u00b7 %d tokens present" % t["present"],
        "subline": ("%d organization(s) without a current report." % problems)
        if problems
        else "Every organization has a current report; click one to open it.",
        "kpis": kpis,
    }


def chart_cards(rollup: dict[str, Any]) -> list[dict[str, Any]]:
    """One card: present tokens per organization, violating first."""
    counted = [r for r in rollup["organizations"] if r["status"] != "missing"]
    series = [("violating", fig.COLORS["violating"]), ("compliant", fig.COLORS["compliant"])]
    chart_rows = [
        (r["org"], {"violating": r["violating"], "compliant": r["present"] - r["violating"]})
        for r in sorted(counted, key=lambda r: (-r["violating"], r["org"].lower()))
    ]
    return [
        fig.card(
            "chart-organizations",
            "Tokens by organization",
            "Present tokens, violating first.",
            fig.hbar("svg-organizations", chart_rows, series, "Tokens by organization", label_width=150, width=660),
            span="span3",
            legend_series=series,
        )
    ]


def sections(rollup: dict[str, Any]) -> list[Section]:
    """The sections of index.html, built from the token report's own page pieces."""
    return [
        Section("summary.html.j2", summary_model(rollup)),
        Section("charts.html.j2", {"cards": chart_cards(rollup)}),
        Section(
            "table.html.j2",
            {
                "id": "organizations",
                "title": "Organizations",
                "note": "One row per organization; each links to its own report. Click a header to sort.",
                "columns": table_columns(),
                "rows": page_table_rows(rollup),
            },
        ),
    ]


def render_html(rollup: dict[str, Any], title: str = "Fine-grained tokens across organizations") -> str:
    """index.html (summary tiles, chart card, table of organizations)."""
    return render_page(
        title=title,
        heading=title,
        meta="Generated %s \u00b7 %d organizations" % (rollup["generated_at"] or "", rollup["totals"]["organizations"]),
        sections=sections(rollup),
        footer="patguard.github pat_report_rollup \u00b7 rollup.json schema %d \u00b7 "
        "self-contained: this file loads nothing from the network." % ROLLUP_SCHEMA_VERSION,
        generator="patguard.github pat_report_rollup, schema %d" % ROLLUP_SCHEMA_VERSION,
    )
