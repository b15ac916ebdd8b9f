# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report sections for SAML SSO credential authorizations and the audit history (pure, no I/O).

Private to this collection. ``credential_section`` turns the records of
``credential_authorization_info`` (and, when given, the decisions of ``credential_policy_plan``)
into the counts, chart series and table rows the report shows, with the report's conventions:
one row per record keyed by kind and id, ``days_idle`` from the last use (or the authorization
when never used), "unused" meaning idle more than 90 days, and drift against a previous
report's section. ``history_section`` summarises audit-log events over the last N days and says
whether this run's writes have appeared. Only GitHub's last eight characters of a token appear.
"""

from __future__ import annotations

from typing import Any, Iterable

from ._audit_log import confirm_writes, history
from ._credential_authorizations import is_normalized, normalize
from ._time import iso_z, parse_time, resolve_now

UNUSED_DAYS = 90
ROW_FIELDS = (
    "credential_id",
    "authorized_credential_id",
    "login",
    "credential_type",
    "token_last_eight",
    "scopes",
    "fingerprint",
    "title",
    "note",
    "authorized_at",
    "accessed_at",
    "expires_at",
)


def _days(later, earlier):
    return int((later - earlier).total_seconds() // 86400)


def credential_rows(
    records: Iterable[dict[str, Any]] | None,
    decisions: Iterable[dict[str, Any]] | None = None,
    now: Any = None,
    removed: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """One row per authorization; ``removed`` (credential ids) marks what this run removed."""
    moment = resolve_now(now)
    by_id = dict((d.get("credential_id"), d) for d in decisions or [] if isinstance(d, dict))
    removed = set(removed or [])
    rows = []
    for record in records or []:
        if not isinstance(record, dict):
            continue
        record = record if is_normalized(record) else normalize(record)
        row = dict((k, record.get(k)) for k in ROW_FIELDS)
        row["kind"] = "credential_authorization"
        accessed, authorized = parse_time(record.get("accessed_at")), parse_time(record.get("authorized_at"))
        since = accessed or authorized
        row["days_idle"] = _days(moment, since) if since else None
        row["age_days"] = _days(moment, authorized) if authorized else None
        expires = parse_time(record.get("expires_at"))
        row["days_to_expiry"] = _days(expires, moment) if expires else None
        row["expired"] = bool(expires and expires <= moment)
        row["never_expires"] = bool(record.get("is_token") and not expires)
        decision = by_id.get(record.get("credential_id")) or {}
        row["decision"] = decision.get("decision")
        row["violations"] = [v for v in decision.get("violations") or [] if isinstance(v, dict)]
        row["violating"] = any(v.get("code") != "unverifiable" for v in row["violations"])
        row["state"] = "removed" if record.get("credential_id") in removed else "present"
        rows.append(row)
    return rows


def _series(counts):
    return [{"label": k, "count": v} for k, v in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def credential_section(
    records: Iterable[dict[str, Any]] | None,
    decisions: Iterable[dict[str, Any]] | None = None,
    now: Any = None,
    removed: Iterable[int] | None = None,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report's credential authorizations section: summary, chart series, rows and drift."""
    moment = resolve_now(now)
    rows = credential_rows(records, decisions, moment, removed)
    present = [r for r in rows if r["state"] == "present"]
    by_type, scopes, decision_counts, violations = {}, {}, {}, {}
    for row in present:
        by_type[row["credential_type"] or "unknown"] = by_type.get(row["credential_type"] or "unknown", 0) + 1
        for scope in row["scopes"] or []:
            scopes[scope] = scopes.get(scope, 0) + 1
    for row in rows:
        if row["decision"]:
            decision_counts[row["decision"]] = decision_counts.get(row["decision"], 0) + 1
        for code in set(v.get("code") for v in row["violations"]):
            violations[code] = violations.get(code, 0) + 1
    summary = {
        "total": len(rows),
        "present": len(present),
        "removed": len(rows) - len(present),
        "by_type": dict(sorted(by_type.items())),
        "scopes": dict(sorted(scopes.items())),
        "without_expiry": sum(1 for r in present if r["never_expires"]),
        "expired": sum(1 for r in present if r["expired"]),
        "never_accessed": sum(1 for r in present if not r["accessed_at"]),
        "unused_90d": sum(1 for r in present if r["days_idle"] is None or r["days_idle"] > UNUSED_DAYS),
        "owners": len(set(r["login"] for r in present if r["login"])),
        "violating": sum(1 for r in present if r["violating"]),
        "decisions": dict(sorted(decision_counts.items())),
        "violations": dict(sorted(violations.items())),
    }
    return {
        "evaluated_at": iso_z(moment),
        "summary": summary,
        "charts": {"by_type": _series(by_type), "scopes": _series(scopes)},
        "rows": rows,
        "drift": credential_drift(rows, previous),
    }


def credential_drift(rows: list[dict[str, Any]], previous: Any) -> dict[str, Any] | None:
    """Authorizations added and gone since a previous report's section, and decisions that changed."""
    if not isinstance(previous, dict) or not isinstance(previous.get("rows"), list):
        return None
    before = dict(
        (r.get("credential_id"), r)
        for r in previous["rows"]
        if isinstance(r, dict) and r.get("state", "present") == "present"
    )
    now = dict((r["credential_id"], r) for r in rows if r["state"] == "present")
    changed = [
        {"credential_id": cid, "from": before[cid].get("decision"), "to": row.get("decision")}
        for cid, row in now.items()
        if cid in before and before[cid].get("decision") != row.get("decision")
    ]
    return {
        "previous_evaluated_at": previous.get("evaluated_at"),
        "added": sorted(cid for cid in now if cid not in before),
        "gone": sorted(cid for cid in before if cid not in now),
        "decision_changed": sorted(changed, key=lambda c: c["credential_id"]),
    }


def history_section(
    events: Iterable[dict[str, Any]] | None,
    days: int = 30,
    now: Any = None,
    expect: Iterable[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Decisions over the last ``days`` (who approved, denied, revoked, removed what) and,
    with ``expect``, whether the audit events of this run's writes have appeared."""
    section = history(events, days, now)
    section["confirmation"] = confirm_writes(expect, events) if expect else None
    return section
