# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""The report's SAML SSO credential authorizations section and audit history (pat_report).

The model is pure (``module_utils/_credential_report.py``); this file puts it into the report
document (``credentials``, ``history``, drift against the previous report's ``credentials``)
and renders it with the report's own conventions: KPI tiles, chart cards and sortable tables
of ``report_assets``, and a Markdown block for summary.md.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.patguard.github.plugins.module_utils._credential_report import (
    credential_section,
    history_section,
)
from ansible_collections.patguard.github.plugins.plugin_utils import _report_figures as fig
from ansible_collections.patguard.github.plugins.plugin_utils._report_html import Section

# Options of pat_report for these sections (merged into the action's argument spec).
ARGUMENT_SPEC = dict(
    credential_authorizations=dict(type="list", elements="dict"),
    credential_decisions=dict(type="list", elements="dict"),
    credential_removed=dict(type="list", elements="int", default=[]),
    audit_events=dict(type="list", elements="dict"),
    history_days=dict(type="int", default=30),
    expect_writes=dict(type="list", elements="dict"),
)
CREDENTIAL_COLUMNS = (
    "Login",
    "Type",
    "Last eight",
    "Scopes",
    "Authorized",
    "Last used",
    "Expires",
    "Violations",
    "Decision",
)
HISTORY_COLUMNS = ("Time", "Decision", "Actor", "User", "Token id", "Token")
HISTORY_ROWS = 200


def add_sections(
    report: dict[str, Any], params: dict[str, Any], baseline: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Put ``credentials`` and ``history`` into ``report`` (None when their inputs were not given)."""
    records = params.get("credential_authorizations")
    previous = baseline.get("credentials") if isinstance(baseline, dict) else None
    report["credentials"] = (
        credential_section(
            records,
            params.get("credential_decisions"),
            now=report["evaluated_at"],
            removed=params.get("credential_removed"),
            previous=previous,
        )
        if records is not None
        else None
    )
    events = params.get("audit_events")
    report["history"] = (
        history_section(
            events, params.get("history_days") or 30, now=report["evaluated_at"], expect=params.get("expect_writes")
        )
        if events is not None
        else None
    )
    return report


def _cell(value, sort=None):
    return {"text": "" if value is None else str(value), "sort": sort}


def credential_summary_model(summary: dict[str, Any]) -> dict[str, Any]:
    """The model of ``summary.html.j2`` for the credentials section's ``summary``."""
    s = summary
    present = s["present"]
    level = fig.share_level
    return {
        "verdict": "bad" if s["violating"] else "ok",
        "headline": "SAML SSO credential authorizations: %d present, %d violating" % (present, s["violating"]),
        "tail": " \u00b7 %d members" % s["owners"],
        "subline": "Classic PATs, SSH keys, OAuth and GitHub App user tokens authorized for the organization; "
        "%d removed by this run." % s["removed"],
        "kpis": [
            fig.kpi("Credentials", present, "neutral", "authorized after this run"),
            fig.kpi("Violating", s["violating"], level(s["violating"], present, 0.05), "break the policy"),
            fig.kpi("Never expire", s["without_expiry"], level(s["without_expiry"], present), "tokens"),
            fig.kpi(
                "Unused 90+ days",
                s["unused_90d"],
                level(s["unused_90d"], present, 0.1),
                "%d never used" % s["never_accessed"],
            ),
            fig.kpi("Removed", s["removed"], "neutral", "by this run"),
        ],
    }


def credential_chart_cards(charts: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart cards of the credentials section (``charts.html.j2``)."""
    neutral = dict((r["label"], fig.COLORS["neutral"]) for r in charts["by_type"])
    return [
        fig.card(
            "chart-credential-types",
            "Credentials by type",
            "Authorizations present after this run.",
            fig.vbar(
                "svg-credential-types",
                [(r["label"], r["count"]) for r in charts["by_type"]],
                neutral,
                "Credentials by type",
            ),
        ),
        fig.card(
            "chart-credential-scopes",
            "OAuth scopes held",
            "Tokens holding each scope.",
            fig.hbar(
                "svg-credential-scopes",
                [(r["label"], {"tokens": r["count"]}) for r in charts["scopes"][:15]],
                [("tokens", fig.COLORS["write"])],
                "Tokens by scope",
                label_width=150,
            ),
            span="span2",
        ),
    ]


def _credential_row(r):
    return [
        r["login"] or "",
        r["credential_type"] or "",
        r["token_last_eight"] or r["fingerprint"] or "",
        " ".join(r["scopes"] or []),
        _cell(r["authorized_at"], r["age_days"]),
        _cell(r["accessed_at"] or "never", r["days_idle"]),
        _cell(r["expires_at"] or ("never" if r["never_expires"] else ""), r["days_to_expiry"]),
        "; ".join("%s: %s" % (v.get("code"), v.get("detail")) for v in r["violations"]),
        "%s%s" % (r["decision"] or "", " (removed)" if r["state"] == "removed" else ""),
    ]


def credential_table_model(creds: dict[str, Any]) -> dict[str, Any]:
    """The model of ``table.html.j2`` listing every credential authorization, drift in its note."""
    note = "GitHub gives only the last eight characters of a token."
    drift = creds.get("drift")
    if drift:
        note += " Since %s: %d new, %d gone, %d changed decision." % (
            drift.get("previous_evaluated_at") or "the previous report",
            len(drift["added"]),
            len(drift["gone"]),
            len(drift["decision_changed"]),
        )
    return {
        "id": "credentials",
        "title": "Credential authorizations",
        "note": note,
        "columns": CREDENTIAL_COLUMNS,
        "rows": [_credential_row(r) for r in creds["rows"]],
    }


def history_table_model(history: dict[str, Any]) -> dict[str, Any]:
    """The model of ``table.html.j2`` listing the newest ``HISTORY_ROWS`` audit decisions first."""
    note = "%d decisions in the last %s days." % (history["total"], history["days"])
    confirmation = history.get("confirmation")
    if confirmation:
        note += " This run's writes in the audit log: %d confirmed, %d not yet." % (
            len(confirmation["confirmed"]),
            len(confirmation["missing"]),
        )
    rows = [
        [
            e["time"] or "",
            e["decision"] or "",
            e["actor"] or "",
            e["user"] or "",
            _cell(e["token_id"], e["token_id"]),
            e["token_name"] or "",
        ]
        for e in reversed(history["entries"][-HISTORY_ROWS:])
    ]
    return {"id": "history", "title": "Audit history", "note": note, "columns": HISTORY_COLUMNS, "rows": rows}


def html_sections(report: dict[str, Any]) -> list[Section]:
    """The page sections of ``credentials`` and ``history`` (none for a section not in the report)."""
    sections = []
    creds = report.get("credentials")
    if creds:
        sections += [
            Section("summary.html.j2", credential_summary_model(creds["summary"])),
            Section("charts.html.j2", {"cards": credential_chart_cards(creds["charts"])}),
            Section("table.html.j2", credential_table_model(creds)),
        ]
    history = report.get("history")
    if history:
        sections.append(Section("table.html.j2", history_table_model(history)))
    return sections


def markdown_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    creds = report.get("credentials")
    if creds:
        s = creds["summary"]
        lines += [
            "### SAML SSO credential authorizations",
            "",
            "| Figure | Credentials |",
            "|---|---:|",
            "| Present | %d |" % s["present"],
            "| Violating the policy | %d |" % s["violating"],
            "| Tokens that never expire | %d |" % s["without_expiry"],
            "| Unused for 90 days or never used | %d |" % s["unused_90d"],
            "| Removed by this run | %d |" % s["removed"],
            "",
        ]
        if s["by_type"]:
            lines += ["By type: " + ", ".join("%s %d" % (k, v) for k, v in s["by_type"].items()) + ".", ""]
        if s["scopes"]:
            top = sorted(s["scopes"].items(), key=lambda i: (-i[1], i[0]))[:8]
            lines += ["Scopes held: " + ", ".join("%s %d" % (k, v) for k, v in top) + ".", ""]
        drift = creds.get("drift")
        if drift:
            lines += [
                "Since %s: %d new, %d gone, %d changed decision."
                % (
                    drift.get("previous_evaluated_at") or "the previous report",
                    len(drift["added"]),
                    len(drift["gone"]),
                    len(drift["decision_changed"]),
                ),
                "",
            ]
    history = report.get("history")
    if history:
        lines += [
            "### Audit history (%s days)" % history["days"],
            "",
            "Decisions: " + (", ".join("%s %d" % (k, v) for k, v in history["by_decision"].items()) or "none") + ".",
        ]
        actors = sorted(history["by_actor"].items(), key=lambda i: -sum(i[1].values()))[:5]
        if actors:
            lines.append(
                "By actor: "
                + "; ".join("%s (%s)" % (a, ", ".join("%s %d" % kv for kv in sorted(c.items()))) for a, c in actors)
                + "."
            )
        confirmation = history.get("confirmation")
        if confirmation:
            lines.append(
                "This run's writes in the audit log: %d confirmed, %d not yet."
                % (len(confirmation["confirmed"]), len(confirmation["missing"]))
            )
        lines.append("")
    return lines
