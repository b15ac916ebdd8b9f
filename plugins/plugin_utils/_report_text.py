# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""report.json, report.csv, summary.md and the play's lines. Deterministic: the same document
always renders to the same bytes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ansible_collections.patguard.github.plugins.plugin_utils._report_model import permission_list, text

CSV_COLUMNS = (
    "owner",
    "token_name",
    "token_id",
    "kind",
    "id",
    "state",
    "repository_selection",
    "repository_count",
    "permissions",
    "expires_at",
    "last_used_at",
    "violations",
    "decision",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def fmt(number: int) -> str:
    return f"{number:,}"


def pct(value: float) -> str:
    return ("%.1f" % value).rstrip("0").rstrip(".")


def compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def render_json(report: dict[str, Any]) -> str:
    """report.json: keys sorted, one token per line (small diffs, fast to write and read)."""
    parts = []
    for key in sorted(report):
        if key == "tokens" and report[key]:
            value = "[\n" + ",\n".join(compact(token) for token in report[key]) + "\n]"
        else:
            value = json.dumps(report[key], sort_keys=True, indent=1, ensure_ascii=False)
            if value.count("\n") > 60:  # a big drift: keep it compact too
                value = compact(report[key])
        parts.append("%s: %s" % (json.dumps(key), value))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def csv_cell(value: Any) -> str:
    """A CSV cell: None is empty; text a spreadsheet would run as a formula is prefixed with
    a quote (token names and owners are user-chosen)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    value = text(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def violation_text(token: dict[str, Any]) -> str:
    return "; ".join("%s: %s" % (v["code"], v["detail"]) for v in token["violations"])


def csv_row(token: dict[str, Any]) -> list[str]:
    return [
        csv_cell(v)
        for v in (
            token["owner"],
            token["token_name"],
            token["token_id"],
            token["kind"],
            token["id"],
            token["state"],
            token["repository_selection"],
            token["repository_count"],
            " ".join(permission_list(token["permissions"])),
            token["expires_at"] or "never",
            token["last_used_at"] or "never",
            violation_text(token),
            token["decision"],
        )
    ]


def render_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for token in report["tokens"]:
        writer.writerow(csv_row(token))
    return buffer.getvalue()


def headline(report: dict[str, Any]) -> str:
    s = report["summary"]
    return "%s of %s tokens (%s%%) violate the policy" % (
        fmt(s["violating"]),
        fmt(s["present"]),
        pct(s["violating_percent"]),
    )


def decision_text(report: dict[str, Any]) -> str:
    """One sentence: what the policy decided and what this run applied."""
    s = report["summary"]
    states = s["by_state"]
    decided = s["decisions"]
    wanted = ", ".join(
        "%s %s" % (name, fmt(decided[name])) for name in ("revoke", "deny", "approve") if decided.get(name)
    )
    if states["revoked"] + states["denied"] + states["approved"]:
        return "This run revoked %s grants, denied %s and approved %s requests." % (
            fmt(states["revoked"]),
            fmt(states["denied"]),
            fmt(states["approved"]),
        )
    if wanted:
        return "The policy decides: %s; nothing was applied (%s mode)." % (wanted, text(report["mode"]))
    return "The policy decides no revocation, denial or approval."


def _md(value):
    """Escape text for a Markdown table cell or line."""
    value = text(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    for char in "`*_[]<>#":
        value = value.replace(char, "\\" + char)
    return value


def _md_figures(report):
    s = report["summary"]
    states = s["by_state"]
    return [
        "| Figure | Tokens |",
        "|---|---:|",
        "| Active grants | %d |" % (states["active"] + states["approved"]),
        "| Pending requests | %d |" % states["pending"],
        "| Violating the policy | %d |" % s["violating"],
        "| Never expire | %d |" % s["never_expire"],
        "| Expired | %d |" % s["expired"],
        "| Expire within 30 days | %d |" % s["expiring_30d"],
        "| Unused for 90 days or never used (grants) | %d |" % s["unused_90d"],
        "| Reach all repositories | %d |" % s["all_repositories"],
        "| Hold an admin-level permission | %d |" % s["admin_level"],
        "| Approved / denied / revoked by this run | %d / %d / %d |"
        % (states["approved"], states["denied"], states["revoked"]),
        "",
    ]


def _md_drift(drift):
    c = drift["counts"]
    lines = [
        "Since the report of %s: %d new, %d removed, %d expired, %d newly violating, "
        "%d resolved, %d permission upgrades."
        % (
            _md(drift.get("baseline_generated_at") or "an earlier run"),
            c["new"],
            c["removed"],
            c["expired"],
            c["newly_violating"],
            c["resolved"],
            c["permission_upgrades"],
        )
    ]
    shown = [(name, item) for name in ("newly_violating", "permission_upgrades", "new") for item in drift[name]][:10]
    label = {"newly_violating": "newly violating", "permission_upgrades": "permission upgrade", "new": "new"}
    for name, item in shown:
        lines.append(
            "- %s: %s / %s%s"
            % (
                label[name],
                _md(item["owner"]),
                _md(item["token_name"]),
                (" (%s)" % _md(item["detail"])) if item.get("detail") else "",
            )
        )
    return lines + [""]


def render_markdown(report: dict[str, Any]) -> str:
    org = report.get("org") or "the organization"
    lines = [
        "## Token inventory of %s" % _md(org),
        "",
        "**%s**, evaluated %s (%s mode)." % (headline(report), report["evaluated_at"], _md(report["mode"])),
        "",
    ]
    lines.extend(_md_figures(report))
    violations = report["charts"]["violations"]
    if violations:
        lines.append(
            "Violations by code: "
            + ", ".join("%s %d" % (_md(v["code"]), v["open"] + v["resolved"]) for v in violations)
            + "."
        )
        lines.append("")
    if report.get("drift"):
        lines.extend(_md_drift(report["drift"]))
    worst = sorted(
        (o for o in report["charts"]["owners"] if o["violating"]), key=lambda o: (-o["violating"], o["owner"].lower())
    )
    if worst:
        lines.append(
            "Owners with the most violating tokens: "
            + ", ".join("%s (%d)" % (_md(o["owner"]), o["violating"]) for o in worst[:5])
            + "."
        )
        lines.append("")
    lines.append("Full report: `report.html` (charts, every token), `report.csv`, `report.json`.")
    return "\n".join(lines) + "\n"


def summary_lines(report: dict[str, Any]) -> list[str]:
    """A few lines for the play's output."""
    s = report["summary"]
    lines = [
        "Token inventory of %s: %s" % (report.get("org") or "the organization", headline(report)),
        "Present: %d grants, %d pending requests; never expire %d, expired %d, unused 90+ days %d"
        % (
            s["by_state"]["active"] + s["by_state"]["approved"],
            s["by_state"]["pending"],
            s["never_expire"],
            s["expired"],
            s["unused_90d"],
        ),
    ]
    drift = report.get("drift")
    if drift:
        c = drift["counts"]
        lines.append(
            "Since %s: %d new, %d removed, %d expired, %d newly violating, %d permission upgrades"
            % (
                drift.get("baseline_generated_at"),
                c["new"],
                c["removed"],
                c["expired"],
                c["newly_violating"],
                c["permission_upgrades"],
            )
        )
    return lines
