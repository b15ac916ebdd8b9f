# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""The token inventory report as data: one row per listed record, the summary, the chart series.

Pure functions, no I/O, no HTML. ``build_report`` turns the listings (and, optionally, an
evaluation already made) into the document described in ``docs/reports.md``; drift lives in
``_report_drift``, the renderings in ``_report_text`` and ``_report_html``.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable

from ansible_collections.patguard.github.plugins.module_utils._catalog import LEVEL_RANK, NOT_HELD, UNKNOWN_LEVEL_RANK
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.module_utils._policy import plan
from ansible_collections.patguard.github.plugins.module_utils._policy_rules import UNVERIFIABLE, VIOLATION_CODES
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import validate_policy
from ansible_collections.patguard.github.plugins.module_utils._records import is_int, owner_login
from ansible_collections.patguard.github.plugins.module_utils._time import (
    iso_z,
    now_utc,
    parse_time,
    resolve_now,
    whole_days,
)

# 2: rows are keyed by kind and id (a pending permission-upgrade request shares its
# token_id with the active grant it would widen). 1 keyed them by token id.
SCHEMA_VERSION = 2
STATES = ("pending", "active", "approved", "denied", "revoked")
# A token in one of these states still exists (or is still asked for) after the run.
ALIVE_STATES = ("pending", "active", "approved")
BUCKETS = ("repository", "organization", "other")
UNUSED_DAYS = 90

EXPIRY_BUCKETS = (
    ("expired", None, 0),
    ("0-7 d", 0, 8),
    ("8-30 d", 8, 31),
    ("31-90 d", 31, 91),
    ("91-365 d", 91, 366),
    ("> 365 d", 366, None),
)
LAST_USE_BUCKETS = (
    ("0-7 d", 0, 8),
    ("8-30 d", 8, 31),
    ("31-90 d", 31, 91),
    ("91-365 d", 91, 366),
    ("> 365 d", 366, None),
)
TOP_OWNERS = 20
TOP_PERMISSIONS = 15


class ReportError(PatguardError):
    """Input the report cannot be built from (a bad previous report, a bad option)."""


# --------------------------------------------------------------------------- small helpers


def moment_of(now: Any) -> datetime.datetime:
    """``now`` as an aware datetime (the current time when empty); ReportError when unreadable."""
    if now is None or now == "":
        return now_utc().replace(microsecond=0)
    try:
        return resolve_now(now)
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def row_key(kind: str, record_id: Any, index: int | None = None) -> str:
    """The key of a row: kind and id, unique in one listing (a token id is not: an upgrade
    request and the grant it would widen share one)."""
    if is_int(record_id):
        return "%s:%d" % (kind, record_id)
    return "%s:#%s" % (kind, index if index is not None else text(record_id))


def _permissions(value):
    """{bucket: {name: level}} with only held permissions, buckets in a fixed order."""
    result = {}
    if isinstance(value, dict):
        for bucket in sorted(value, key=lambda b: (BUCKETS.index(b) if b in BUCKETS else 9, text(b))):
            entries = value.get(bucket)
            if not isinstance(entries, dict):
                continue
            held = dict(
                (text(k), text(v)) for k, v in sorted(entries.items(), key=lambda i: text(i[0])) if v not in NOT_HELD
            )
            if held:
                result[text(bucket)] = held
    return result


def permission_list(permissions: Any) -> list[str]:
    """['contents:write', 'members:read', ...] sorted by name (names are unique across buckets)."""
    items = []
    for entries in (permissions or {}).values():
        items.extend("%s:%s" % (name, level) for name, level in entries.items())
    return sorted(items)


def rank(level: Any) -> int:
    return LEVEL_RANK.get(level, UNKNOWN_LEVEL_RANK if level not in NOT_HELD else 0)


def _repositories(value):
    if not isinstance(value, (list, tuple)):
        return None
    names = []
    for entry in value:
        if isinstance(entry, dict):
            entry = entry.get("full_name") or entry.get("name")
        names.append(text(entry))
    return sorted(names)


def _violations(decision):
    """The decision's violations; ``unverifiable`` only when nothing else is broken.

    A record another rule already condemns is decided whatever the missing data would
    say, so "repository list not fetched" there is not a question left open.
    """
    items = [
        {"code": text(v.get("code")), "detail": text(v.get("detail"))}
        for v in (decision.get("violations") or [])
        if isinstance(v, dict)
    ]
    if any(v["code"] != UNVERIFIABLE for v in items):
        items = [v for v in items if v["code"] != UNVERIFIABLE]
    return items


# --------------------------------------------------------------------------- one row


def _repository_count(selection, repositories):
    if selection == "subset":
        return len(repositories) if repositories is not None else None
    if selection == "none":
        return 0
    return None  # 'all': every repository of the organization, now and later


def _idle_days(kind, last_used, granted, now):
    """Days a grant has gone unused: since its last use, or since it was granted when it was
    never used (a grant approved a minute ago is not "unused for 90 days")."""
    if kind != "grant":
        return None
    since = last_used or granted
    return max(whole_days(since, now), 0) if since is not None else None


def token_row(
    record: dict[str, Any],
    kind: str,
    decision: dict[str, Any] | None,
    state: str,
    now: datetime.datetime,
    index: int | None = None,
) -> dict[str, Any]:
    """The report row of one listed request or grant."""
    expires = parse_time(record.get("token_expires_at"))
    last_used = parse_time(record.get("token_last_used_at"))
    created = record.get("created_at") if kind == "request" else record.get("access_granted_at")
    selection = record.get("repository_selection")
    repositories = _repositories(record.get("repositories"))
    permissions = _permissions(record.get("permissions"))
    violations = _violations(decision)
    return {
        "key": row_key(kind, record.get("id"), index),
        "kind": kind,
        "id": record.get("id"),
        "state": state,
        "owner": owner_login(record),
        "token_name": record.get("token_name"),
        "token_id": record.get("token_id"),
        "repository_selection": selection,
        "repository_count": _repository_count(selection, repositories),
        "repositories": repositories,
        "permissions": permissions,
        "max_level": max([rank(level) for entries in permissions.values() for level in entries.values()] or [0]),
        "created_at": created,
        "expires_at": iso_z(expires),
        "expired": bool(record.get("token_expired")) or (expires is not None and expires <= now),
        "days_to_expiry": whole_days(now, expires) if expires is not None else None,
        "last_used_at": iso_z(last_used),
        "days_since_use": max(whole_days(last_used, now), 0) if last_used is not None else None,
        "days_idle": _idle_days(kind, last_used, parse_time(created), now),
        "lifetime_days": record.get("lifetime_days"),
        "reason": record.get("reason") if kind == "request" else None,
        "violations": violations,
        "violating": any(v["code"] != UNVERIFIABLE for v in violations),
        "decision": decision.get("decision"),
        "decision_reason": decision.get("reason"),
    }


# --------------------------------------------------------------------------- the document


def _id_set(values):
    result = set()
    for value in values or []:
        if isinstance(value, dict):
            value = value.get("id")
        if is_int(value):
            result.add(value)
    return result


def _decision_index(decisions):
    by_key, by_position = {}, {"request": [], "grant": []}
    for decision in decisions or []:
        if isinstance(decision, dict):
            by_key.setdefault((decision.get("kind"), decision.get("id")), decision)
            if decision.get("kind") in by_position:
                by_position[decision["kind"]].append(decision)
    return by_key, by_position


def token_rows(
    requests: list[dict[str, Any]],
    grants: list[dict[str, Any]],
    decisions: Iterable[dict[str, Any]] | None,
    applied: dict[str, Any] | None,
    moment: datetime.datetime,
) -> list[dict[str, Any]]:
    """Every row, requests first. An approved request whose grant is listed is folded into
    that grant's row (state ``approved``): one row per token an approval created or widened."""
    by_key, by_position = _decision_index(decisions)
    applied = applied or {}
    approved, denied, revoked = (_id_set(applied.get(k)) for k in ("approved", "denied", "revoked"))
    grant_token_ids = set(g.get("token_id") for g in grants if is_int(g.get("token_id")))
    approved_token_ids = set()
    rows = []
    for kind, records in (("request", requests), ("grant", grants)):
        for index, record in enumerate(records):
            record_id = record.get("id")
            decision = by_key.get((kind, record_id))
            if decision is None and record_id is None and index < len(by_position[kind]):
                decision = by_position[kind][index]
            if kind == "request":
                if record_id in approved:
                    state = "approved"
                    if is_int(record.get("token_id")):
                        approved_token_ids.add(record["token_id"])
                        if record["token_id"] in grant_token_ids:
                            continue
                else:
                    state = "denied" if record_id in denied else "pending"
            elif record_id in revoked:
                state = "revoked"
            else:
                state = "approved" if record.get("token_id") in approved_token_ids else "active"
            rows.append(token_row(record, kind, decision or {}, state, moment, index))
    return rows


def build_report(
    requests: Iterable[dict[str, Any]] | None = None,
    grants: Iterable[dict[str, Any]] | None = None,
    decisions: Iterable[dict[str, Any]] | None = None,
    policy: Any = None,
    org: str | None = None,
    now: Any = None,
    applied: dict[str, Any] | None = None,
    mode: str = "report",
    generated_at: Any = None,
) -> dict[str, Any]:
    """The report document (a JSON-ready dict, see docs/reports.md), without drift.

    ``decisions`` is the ``decisions`` list of an evaluation already made (``policy_plan``,
    or the roles' results); when it is None the records are evaluated here with ``policy``.
    ``applied`` names what this run changed: ``{approved: [request ids], denied: [request
    ids], revoked: [grant ids]}``. Raises ReportError or PolicyError on bad input.
    """
    requests = [r for r in (requests or []) if isinstance(r, dict)]
    grants = [g for g in (grants or []) if isinstance(g, dict)]
    norm = validate_policy(policy or {}) if policy is not None else None
    moment = moment_of(now)
    if decisions is None:
        decisions = plan(requests, grants, norm or {}, now=moment)["decisions"]
    tokens = token_rows(requests, grants, decisions, applied, moment)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso_z(moment_of(generated_at)) if generated_at else iso_z(now_utc()),
        "evaluated_at": iso_z(moment),
        "org": org,
        "mode": mode or "report",
        "policy": norm,
        "summary": summarize(tokens),
        "charts": charts(tokens),
        "tokens": tokens,
        "drift": None,
    }


def _unused(token):
    if token["kind"] != "grant":
        return False
    # Unknown age (never used, grant time unreadable): counted, nothing proves recent use.
    return token["days_idle"] is None or token["days_idle"] > UNUSED_DAYS


def _counts(tokens):
    by_state = dict((s, 0) for s in STATES)
    decisions, violations = {}, {}
    for token in tokens:
        by_state[token["state"]] = by_state.get(token["state"], 0) + 1
        if token["decision"]:
            decisions[token["decision"]] = decisions.get(token["decision"], 0) + 1
        for code in set(v["code"] for v in token["violations"]):
            violations[code] = violations.get(code, 0) + 1
    return by_state, dict(sorted(decisions.items())), dict(sorted(violations.items()))


def summarize(tokens: list[dict[str, Any]]) -> dict[str, Any]:
    alive = [t for t in tokens if t["state"] in ALIVE_STATES]
    by_state, decisions, violations = _counts(tokens)
    violating = sum(1 for t in alive if t["violating"])
    return {
        "tokens": len(tokens),
        "requests": sum(1 for t in tokens if t["kind"] == "request"),
        "grants": sum(1 for t in tokens if t["kind"] == "grant"),
        "by_state": by_state,
        "present": len(alive),
        "violating": violating,
        "violating_percent": round(100.0 * violating / len(alive), 1) if alive else 0.0,
        "owners": len(set(t["owner"] for t in alive if t["owner"])),
        "never_expire": sum(1 for t in alive if t["expires_at"] is None),
        "expired": sum(1 for t in alive if t["expired"]),
        "expiring_30d": sum(
            1 for t in alive if not t["expired"] and t["days_to_expiry"] is not None and t["days_to_expiry"] <= 30
        ),
        "unused_90d": sum(1 for t in alive if _unused(t)),
        "never_used": sum(1 for t in alive if t["kind"] == "grant" and t["last_used_at"] is None),
        "all_repositories": sum(1 for t in alive if t["repository_selection"] == "all"),
        "admin_level": sum(1 for t in alive if t["max_level"] >= LEVEL_RANK["admin"]),
        "decisions": decisions,
        "violations": violations,
    }


# --------------------------------------------------------------------------- chart series


def _bucket(value, buckets):
    for label, low, high in buckets:
        if (low is None or value >= low) and (high is None or value < high):
            return label
    return buckets[-1][0]


def _time_series(alive):
    expiry = dict((label, 0) for label, _low, _high in EXPIRY_BUCKETS)
    expiry["never"] = 0
    last_use = dict((label, 0) for label, _low, _high in LAST_USE_BUCKETS)
    last_use["never"] = 0
    for token in alive:
        if token["expires_at"] is None:
            expiry["never"] += 1
        elif token["expired"]:
            expiry["expired"] += 1
        else:
            expiry[_bucket(max(token["days_to_expiry"], 0), EXPIRY_BUCKETS[1:])] += 1
        if token["kind"] == "grant":
            if token["days_since_use"] is None:
                last_use["never"] += 1
            else:
                last_use[_bucket(token["days_since_use"], LAST_USE_BUCKETS)] += 1
    return (
        [{"label": k, "count": v} for k, v in expiry.items()],
        [{"label": k, "count": v} for k, v in last_use.items()],
    )


def _violation_series(tokens):
    by_code = {}
    for token in tokens:
        for code in set(v["code"] for v in token["violations"]):
            row = by_code.setdefault(code, [0, 0])
            row[0 if token["state"] in ALIVE_STATES else 1] += 1
    order = dict((code, i) for i, code in enumerate(VIOLATION_CODES + (UNVERIFIABLE,)))
    return [
        {"code": code, "open": c[0], "resolved": c[1]}
        for code, c in sorted(by_code.items(), key=lambda i: (-(i[1][0] + i[1][1]), order.get(i[0], 99)))
    ]


def charts(tokens: list[dict[str, Any]]) -> dict[str, Any]:
    """The aggregated series behind the HTML charts (tokens present after the run, except
    ``violations``, which also counts the tokens this run revoked or denied)."""
    alive = [t for t in tokens if t["state"] in ALIVE_STATES]
    permissions, owners = {}, {}
    for token in alive:
        for entries in token["permissions"].values():
            for name, level in entries.items():
                row = permissions.setdefault(name, {"read": 0, "write": 0, "admin": 0, "other": 0})
                row[level if level in row else "other"] += 1
        if token["owner"]:
            row = owners.setdefault(token["owner"], [0, 0])
            row[1 if token["violating"] else 0] += 1
    expiry, last_use = _time_series(alive)
    perm_rows = sorted(permissions.items(), key=lambda i: (-sum(i[1].values()), i[0]))
    owner_rows = sorted(owners.items(), key=lambda i: (-(i[1][0] + i[1][1]), -i[1][1], i[0].lower()))
    return {
        "expiry": expiry,
        "last_use": last_use,
        "permissions": [dict(counts, permission=name) for name, counts in perm_rows[:TOP_PERMISSIONS]],
        "permissions_total": len(permissions),
        "owners": [{"owner": name, "compliant": c[0], "violating": c[1]} for name, c in owner_rows[:TOP_OWNERS]],
        "owners_total": len(owners),
        "violations": _violation_series(tokens),
    }
