# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The organization audit log (GitHub Enterprise Cloud and Server). Private to this collection.

``GET /orgs/{org}/audit-log`` with ``phrase`` (GitHub's audit-log search syntax), ``include``,
``order`` and cursor pagination (``after``/``before``, then the ``Link`` header, which the one
client follows). Events are normalised to action, actor, user, token id and an ISO time (GitHub
sends epoch milliseconds). The pure helpers below turn events into a review history and check
whether the events of this run's own writes have appeared yet: GitHub answers bulk reviews and
revocations with ``202 Accepted``, so the audit log is the only after-the-fact confirmation.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Iterable

from ._errors import ConfigError, GitHubAPIError, listing_error
from ._names import is_enterprise_server_api
from ._time import iso_z, iso_z_epoch, parse_time, resolve_now

if TYPE_CHECKING:  # annotations only: no import at run time, so no cycle with _client
    from ._client import GitHubClient

PATH = "/orgs/%s/audit-log"
INCLUDE = ("web", "git", "all")
ORDER = ("desc", "asc")
MAX_EVENTS = 100000
# What each write of this collection leaves in the audit log (GitHub's audit-log event names).
WRITE_EVENTS = {
    "approve": ("personal_access_token.access_granted",),
    "deny": ("personal_access_token.request_denied",),
    "revoke": ("personal_access_token.access_revoked",),
    "remove_authorization": ("org_credential_authorization.revoke", "org_credential_authorization.deauthorize"),
}
DECISION_ACTIONS = {
    "personal_access_token.request_created": "requested",
    "personal_access_token.access_granted": "approved",
    "personal_access_token.request_denied": "denied",
    "personal_access_token.request_cancelled": "cancelled",
    "personal_access_token.access_revoked": "revoked",
    "org_credential_authorization.grant": "authorized",
    "org_credential_authorization.revoke": "authorization_removed",
    "org_credential_authorization.deauthorize": "deauthorized",
}
HISTORY_FIELDS = ("time", "decision", "action", "actor", "user", "token_id", "token_name")
# An event may be stamped a little before the write's answer reached us (clocks differ).
CLOCK_SKEW = datetime.timedelta(seconds=120)


class AuditLogUnavailable(GitHubAPIError):
    """The product has no organization audit log API (github.com without Enterprise Cloud)."""


def check_query(
    phrase: str | None = None,
    include: str | None = None,
    order: str | None = None,
    after: str | None = None,
    before: str | None = None,
    max_events: int = 1000,
    since_days: int | None = None,
    now: Any = None,
) -> tuple[dict[str, Any], int]:
    """Validate the listing options; return the query dict and the event cap."""
    if phrase is not None and not isinstance(phrase, str):
        raise ConfigError("phrase: must be a string such as 'action:personal_access_token'")
    if include is not None and include not in INCLUDE:
        raise ConfigError("include: must be one of web, git, all; got %r" % (include,))
    if order is not None and order not in ORDER:
        raise ConfigError("order: must be desc or asc; got %r" % (order,))
    if after and before:
        raise ConfigError("after and before are mutually exclusive: give one cursor")
    if isinstance(max_events, bool) or not isinstance(max_events, int) or not 1 <= max_events <= MAX_EVENTS:
        raise ConfigError("max_events: must be an integer from 1 to %d, got %r" % (MAX_EVENTS, max_events))
    phrase = (phrase or "").strip()
    if since_days is not None:
        if isinstance(since_days, bool) or not isinstance(since_days, int) or since_days < 1:
            raise ConfigError("since_days: must be a positive integer, got %r" % (since_days,))
        if "created:" in phrase:
            raise ConfigError("since_days: the phrase already has a created: qualifier; give one of them")
        start = _now(now) - datetime.timedelta(days=since_days)
        phrase = ("%s created:>=%s" % (phrase, start.strftime("%Y-%m-%d"))).strip()
    query = {
        "phrase": phrase or None,
        "include": include,
        "order": order,
        "after": after or None,
        "before": before or None,
    }
    return dict((k, v) for k, v in query.items() if v is not None), max_events


def _now(now):
    try:
        return resolve_now(now)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _epoch_ms_iso(value):
    # GitHub's audit log stamps events in epoch milliseconds.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return iso_z_epoch(value / 1000.0)
    except (OverflowError, OSError, ValueError):
        return None


def _first(raw, *names):
    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    for name in names:
        for source in (raw, data):
            value = source.get(name)
            if value not in (None, ""):
                return value
    return None


def normalize_event(raw: dict[str, Any]) -> dict[str, Any]:
    """action, actor, user, token id and ISO time of one audit-log event (GitHub's shape in, ours out)."""
    raw = raw if isinstance(raw, dict) else {}
    action = raw.get("action") if isinstance(raw.get("action"), str) else None
    token_id = _first(raw, "token_id", "user_programmatic_access_id")
    scopes = _first(raw, "token_scopes")
    return {
        "document_id": raw.get("_document_id"),
        "action": action,
        "category": action.split(".", 1)[0] if action else None,
        "decision": DECISION_ACTIONS.get(action),
        "actor": raw.get("actor"),
        "user": _first(raw, "user", "owner", "requester"),
        "token_id": token_id if isinstance(token_id, int) and not isinstance(token_id, bool) else None,
        "token_name": _first(raw, "token_name", "user_programmatic_access_name"),
        "token_scopes": scopes if isinstance(scopes, (list, str)) else None,
        "reason": _first(raw, "reason"),
        "time": _epoch_ms_iso(raw.get("@timestamp")) or _epoch_ms_iso(raw.get("created_at")),
        "org": raw.get("org"),
    }


def _unavailable(client, org):
    where = "GitHub Enterprise Server" if is_enterprise_server_api(getattr(client, "api_url", "")) else "this GitHub"
    return (
        "the organization audit log API is not available for %s on %s: GitHub serves "
        "GET /orgs/{org}/audit-log on GitHub Enterprise Cloud and Enterprise Server only (not on "
        "github.com plans without Enterprise Cloud), to an organization owner (a classic PAT with "
        "read:audit_log, or a GitHub App with the organization Administration read permission)" % (org, where)
    )


def list_events(
    client: GitHubClient, org: str, query: dict[str, Any], max_events: int = 1000
) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``max_events`` normalised events, in GitHub's order; ``(events, truncated)``."""
    events = []
    truncated = False
    try:
        for raw in client.paginate(PATH % org, params=query, id_field="_document_id"):
            if len(events) >= max_events:
                truncated = True
                break
            events.append(normalize_event(raw))
    except GitHubAPIError as exc:
        raise listing_error(
            exc,
            PATH % org,
            AuditLogUnavailable,
            "%s (GitHub answered 404 for GET %s)" % (_unavailable(client, org), PATH % org),
            "%s. The audit log needs an organization owner: a classic PAT or OAuth token with the "
            "read:audit_log scope, or a GitHub App installation with the organization Administration "
            "(read) permission" % exc.message,
        ) from None
    return events, truncated


# -- pure: history and confirmation -------------------------------------------------------------
def history(events: Iterable[dict[str, Any]] | None, days: int | None = None, now: Any = None) -> dict[str, Any]:
    """Review decisions over the last ``days`` (all when None): counts by decision and by day, and who did what."""
    moment = _now(now)
    start = moment - datetime.timedelta(days=days) if days else None
    entries = []
    for event in events or []:
        if not isinstance(event, dict):
            continue
        event = event if "decision" in event else normalize_event(event)
        if not event.get("decision"):
            continue
        when = parse_time(event.get("time"))
        if start is not None and (when is None or when < start):
            continue
        entries.append(event)
    entries.sort(key=lambda e: e.get("time") or "")
    by_decision, by_day, by_actor = {}, {}, {}
    for event in entries:
        decision = event["decision"]
        by_decision[decision] = by_decision.get(decision, 0) + 1
        day = (event.get("time") or "")[:10] or "unknown"
        by_day.setdefault(day, {})
        by_day[day][decision] = by_day[day].get(decision, 0) + 1
        actor = event.get("actor") or "unknown"
        by_actor.setdefault(actor, {})
        by_actor[actor][decision] = by_actor[actor].get(decision, 0) + 1
    return {
        "days": days,
        "since": iso_z(start),
        "total": len(entries),
        "by_decision": dict(sorted(by_decision.items())),
        "by_day": dict(sorted(by_day.items())),
        "by_actor": dict(sorted(by_actor.items())),
        "entries": [dict((k, e.get(k)) for k in HISTORY_FIELDS) for e in entries],
    }


def check_writes(writes: Iterable[Any] | None, where: str = "expect") -> list[dict[str, Any]]:
    """``[{kind, token_id, at}]``: the writes whose audit events are looked for."""
    result = []
    for index, write in enumerate(writes or []):
        path = "%s[%d]" % (where, index)
        if not isinstance(write, dict):
            raise ConfigError("%s: must be a dict with kind, token_id and at" % path)
        kind = write.get("kind")
        if kind not in WRITE_EVENTS:
            raise ConfigError("%s.kind: must be one of %s, got %r" % (path, ", ".join(WRITE_EVENTS), kind))
        token_id = write.get("token_id")
        if isinstance(token_id, bool) or not isinstance(token_id, int) or token_id < 1:
            raise ConfigError("%s.token_id: must be a positive integer, got %r" % (path, token_id))
        at = write.get("at")
        if at is not None and parse_time(at) is None:
            raise ConfigError("%s.at: %r is not an ISO 8601 timestamp" % (path, at))
        result.append({"kind": kind, "token_id": token_id, "at": at})
    return result


def confirm_writes(writes: Iterable[dict[str, Any]] | None, events: Iterable[dict[str, Any]] | None) -> dict[str, Any]:
    """Split this run's writes into those whose audit event has appeared and those still missing."""
    normalized = [e if isinstance(e, dict) and "decision" in e else normalize_event(e) for e in events or []]
    confirmed, missing = [], []
    for write in writes or []:
        expected = WRITE_EVENTS.get(write.get("kind"), ())
        at = parse_time(write.get("at"))
        match = None
        for event in normalized:
            if event.get("action") not in expected or event.get("token_id") != write.get("token_id"):
                continue
            when = parse_time(event.get("time"))
            if at is not None and (when is None or when < at - CLOCK_SKEW):
                continue
            match = event
            break
        if match is not None:
            confirmed.append(dict(write, action=match["action"], actor=match.get("actor"), time=match.get("time")))
        else:
            missing.append(dict(write, expected=list(expected)))
    return {"confirmed": confirmed, "missing": missing, "all_confirmed": not missing}
