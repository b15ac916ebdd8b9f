"""The organization audit log (route module, see ``extensions.py``): GHEC and GHES only.

``GET /orgs/{org}/audit-log`` answers the fake's own history in GitHub's event shape
(``@timestamp``/``created_at`` in epoch milliseconds, ``_document_id``, ``action``, ``actor``,
``user``, ``org``, ``token_id``): the token requests still pending
(``personal_access_token.request_created``), every review (``access_granted`` /
``request_denied``) and revocation (``access_revoked``) the state recorded, and the events other
route modules :func:`record` (``org_credential_authorization.revoke``). Reviews and revocations
sent with the App's installation token are acted by ``<app slug>[bot]``.

Search: ``phrase`` understands ``action:`` (a category such as ``personal_access_token`` or a
full action), ``actor:``, ``user:`` and ``created:`` (``>=``, ``>``, ``<=``, ``<`` or a day); other
words must appear in the action. ``include=git`` has no events here. Pagination: cursors
(``after``/``before``, given in the ``Link`` header, as on GHEC) or ``page`` (GHES also has it).
Callers: an organization owner's user token, or an installation of the organization with the
``organization_administration`` read permission.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from .app import ANYONE, FORBIDDEN_INTEGRATION, Route
from .errors import ApiError, json_response, requires_authentication, validation_failed
from .permissions import rank

NAME = "audit_log"
_CREATED = re.compile(r"^(>=|<=|>|<)?(\d{4}-\d{2}-\d{2})(?:T[\d:]+Z?)?$")


def record(state, org, action: str, at: datetime, **fields) -> None:
    """Add an event written by another route module (kept in ``state.extras``)."""
    with state.lock:
        events = state.extras.setdefault(NAME, {}).setdefault(org.login.lower(), [])
        events.append(dict({"action": action, "at": at}, **{k: v for k, v in fields.items() if v is not None}))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _event(org, action: str, at: datetime, **fields) -> dict:
    key = "%s|%s|%s|%s" % (org.id, action, _ms(at), sorted(fields.items()))
    event = {
        "@timestamp": _ms(at),
        "created_at": _ms(at),
        "_document_id": base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()[:16]).decode().rstrip("="),
        "action": action,
        "org": org.login,
        "org_id": org.id,
        "operation_type": {"request_created": "create", "access_revoked": "remove", "revoke": "remove"}.get(
            action.rsplit(".", 1)[-1], "modify"
        ),
    }
    event.update({k: v for k, v in fields.items() if v is not None})
    return event


def events_of(state, org) -> list[dict]:
    """Every event of ``org``, newest first (GitHub's default order)."""
    bot = "%s[bot]" % state.app.slug if state.app else None
    with state.lock:
        result = []
        for request in org.requests.ordered():
            token = request.token
            result.append(
                _event(
                    org,
                    "personal_access_token.request_created",
                    request.created_at,
                    actor=token.owner.login,
                    user=token.owner.login,
                    token_id=token.token_id,
                    token_name=token.token_name,
                )
            )
        for review in org.reviews:
            action = (
                "personal_access_token.access_granted"
                if review["action"] == "approve"
                else "personal_access_token.request_denied"
            )
            actor = review["owner"] if review["source"] == "auto-admin" else bot
            result.append(
                _event(
                    org,
                    action,
                    _parse(review["at"]),
                    actor=actor,
                    user=review["owner"],
                    token_id=review["token_id"],
                    token_name=review["token_name"],
                    reason=review.get("reason"),
                )
            )
        for revocation in org.revocations:
            actor = bot if revocation["source"] in ("bulk", "single") else None
            result.append(
                _event(
                    org,
                    "personal_access_token.access_revoked",
                    _parse(revocation["at"]),
                    actor=actor,
                    user=revocation["owner"],
                    token_id=revocation["token_id"],
                    token_name=revocation["token_name"],
                )
            )
        for written in state.extras.get(NAME, {}).get(org.login.lower(), []):
            fields = {k: v for k, v in written.items() if k not in ("action", "at")}
            result.append(_event(org, written["action"], written["at"], **fields))
    result.sort(key=lambda e: (e["@timestamp"], e["_document_id"]), reverse=True)
    return result


def _matches(event: dict, terms: list[tuple[str, str]]) -> bool:
    for key, value in terms:
        if key == "action":
            action = event["action"]
            if not (action == value or action.startswith(value + ".")):
                return False
        elif key in ("actor", "user"):
            if (event.get(key) or "").lower() != value.lower():
                return False
        elif key == "created":
            match = _CREATED.match(value)
            day = datetime.fromisoformat(match.group(2)).replace(tzinfo=timezone.utc)
            moment = datetime.fromtimestamp(event["@timestamp"] / 1000, timezone.utc)
            op = match.group(1)
            if (
                (op == ">=" and moment < day)
                or (op == ">" and moment < day + timedelta(days=1))
                or (op == "<=" and moment >= day + timedelta(days=1))
                or (op == "<" and moment >= day)
                or (op is None and not day <= moment < day + timedelta(days=1))
            ):
                return False
        elif value not in event["action"]:
            return False
    return True


def _terms(phrase: str) -> list[tuple[str, str]]:
    terms = []
    for word in phrase.split():
        key, sep, value = word.partition(":")
        if sep and key in ("action", "actor", "user", "created"):
            if key == "created" and not _CREATED.match(value):
                raise validation_failed(
                    [{"field": "phrase", "code": "invalid", "message": f"cannot parse created qualifier {value!r}"}]
                )
            terms.append((key, value))
        else:
            terms.append(("text", word))
    return terms


def _cursor(event: dict) -> str:
    return base64.urlsafe_b64encode(("%d:%s" % (event["@timestamp"], event["_document_id"])).encode()).decode()


def _position(events: list[dict], cursor: str) -> int:
    try:
        stamp, doc = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
    except (ValueError, UnicodeDecodeError):
        raise validation_failed([{"field": "after", "code": "invalid", "message": "invalid cursor"}]) from None
    for index, event in enumerate(events):
        if str(event["@timestamp"]) == stamp and event["_document_id"] == doc:
            return index
    raise validation_failed([{"field": "after", "code": "invalid", "message": "unknown cursor"}])


def _authorize(api, ctx, org) -> None:
    caller = ctx.caller
    if caller.kind == "none":
        raise requires_authentication()
    if caller.user is not None:
        if org.role_of(caller.user.login) != "admin":
            raise ApiError(403, "Must have admin rights to Organization.")
        return
    if caller.installation is not None and caller.installation.account is org:
        held = caller.installation_token.permissions.get("organization_administration")
        if held is not None and rank(held) >= rank("read"):
            return
    raise ApiError(403, FORBIDDEN_INTEGRATION)


def get_audit_log(api, ctx, org: str) -> object:
    found = api._org(org)
    _authorize(api, ctx, found)
    query = ctx.query
    include = query.get("include", "web")
    order = query.get("order", "desc")
    events = (
        []
        if include == "git"
        else [e for e in events_of(api.state, found) if _matches(e, _terms(query.get("phrase", "")))]
    )
    if order == "asc":
        events.reverse()
    if "page" in query:  # page-based, as GHES documents it
        return api._page(ctx, events, dict)
    per_page = min(max(int(query.get("per_page") or 30), 1), 100)
    if query.get("after"):
        start = _position(events, query["after"]) + 1
        chunk = events[start : start + per_page]
    elif query.get("before"):
        end = _position(events, query["before"])
        start = max(end - per_page, 0)
        chunk = events[start:end]
    else:
        start = 0
        chunk = events[:per_page]
    response = json_response(chunk)
    kept = [(k, v) for k in query for v in query.getlist(k) if k not in ("after", "before")]
    base = "%s/organizations/%d/audit-log" % (ctx.base, found.id)
    links = []
    if chunk and start + len(chunk) < len(events):
        links.append('<%s?%s>; rel="next"' % (base, urlencode(kept + [("after", _cursor(chunk[-1]))])))
    if chunk and start > 0:
        links.append('<%s?%s>; rel="prev"' % (base, urlencode(kept + [("before", _cursor(chunk[0]))])))
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def snapshot(state) -> dict:
    return {org.login: events_of(state, org) for org in state.orgs.values()}


ROUTES = [Route("/orgs/<org>/audit-log", "GET", "get_audit_log", ANYONE, func=get_audit_log)]
