# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fine-grained PAT requests and grants of an organization. Private to this collection.

Listing (with GitHub's filters split into its limits), normalization of GitHub's records,
and idempotent review/revoke: read what is still pending or active, act only on that, in
as few bulk calls of at most 100 ids as the grouping allows, and reconcile from a fresh
listing whenever GitHub's answer to a write is lost or refused.
"""

from __future__ import annotations

import re

from ._catalog import (
    MAX_IDS_PER_BULK,
    MAX_OWNERS_PER_FILTER,
    MAX_REASON_LENGTH,
    MAX_TOKEN_IDS_PER_FILTER,
    CatalogError,
    validate_permission,
)
from ._errors import AmbiguousWriteError, ConfigError, GitHubAPIError, PatguardError
from ._names import LOGIN_RULE, ORG_RULE, REPO_NAME_RULE, is_login, is_org, is_repo_name
from ._records import chunks, grouped_chunks, owner_login
from ._time import days_between, iso_z, parse_time

REQUESTS_PATH = "/orgs/%s/personal-access-token-requests"
GRANTS_PATH = "/orgs/%s/personal-access-tokens"
RECONCILE_ROUNDS = 3  # listings after a lost or refused write answer, before giving up
RECONCILE_WAITS = (0, 1, 3)  # seconds before each of those listings: a listing may lag behind a 202
REVIEW_ACTIONS = ("approve", "deny")

_PERMISSION_FILTER = re.compile(r"^([a-z][a-z0-9_]*)_(read|write|admin)$")


# -- input checks (raise before any request) ---------------------------------------------------
def check_org(org):
    if not is_org(org):
        raise ConfigError("org: %r is not a valid GitHub organization login (%s)" % (org, ORG_RULE))
    return org


def check_ids(name, values, allow_empty=False):
    """Positive integers, deduplicated in order; bools and numeric strings are refused clearly."""
    if values is None:
        values = []
    if not isinstance(values, (list, tuple)):
        raise ConfigError("%s: must be a list of integer ids" % name)
    if not values and not allow_empty:
        raise ConfigError("%s: must not be empty" % name)
    result = []
    seen = set()
    for value in values:
        number = _as_id(value)
        if number is None:
            raise ConfigError("%s: %r is not a positive integer id" % (name, value))
        if number not in seen:
            seen.add(number)
            result.append(number)
    return result


def _as_id(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if number > 0 else None
    return None


def check_review_reason(name, reason):
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise ConfigError("%s: must be a string" % name)
    if len(reason) > MAX_REASON_LENGTH:
        raise ConfigError(
            "%s: is %d characters long; GitHub accepts at most %d" % (name, len(reason), MAX_REASON_LENGTH)
        )
    return reason


def _iso_filter(name, value):
    if value in (None, ""):
        return None
    moment = parse_time(value if not isinstance(value, str) else value.strip())
    if moment is None:
        raise ConfigError("%s: %r is not an ISO 8601 timestamp such as 2026-01-31T00:00:00Z" % (name, value))
    return iso_z(moment)


NEVER_USED = ("exclude", "include")


def check_filters(
    owners=None,
    token_ids=None,
    repository=None,
    permission=None,
    last_used_before=None,
    last_used_after=None,
    never_used="exclude",
):
    """Validate the list filters the way GitHub would, and normalize them."""
    owners = list(owners or [])
    for owner in owners:
        if not is_login(owner):
            raise ConfigError("owners: %r is not a valid GitHub login (%s)" % (owner, LOGIN_RULE))
    owners = list(dict.fromkeys(owners))
    token_ids = check_ids("token_ids", token_ids, allow_empty=True)
    if repository is not None and not is_repo_name(repository):
        raise ConfigError(
            "repository: %r is not a repository name (the name only, without the owner): %s"
            % (repository, REPO_NAME_RULE)
        )
    if permission is not None:
        match = _PERMISSION_FILTER.match(permission) if isinstance(permission, str) else None
        if not match:
            raise ConfigError(
                "permission: %r must be a permission name and level joined by an "
                "underscore, such as issues_read or contents_write" % (permission,)
            )
        _check_permission_name(match.group(1), match.group(2))
    before = _iso_filter("last_used_before", last_used_before)
    after = _iso_filter("last_used_after", last_used_after)
    if before and after and after >= before:
        raise ConfigError("last_used_after (%s) must be earlier than last_used_before (%s)" % (after, before))
    if never_used is None:
        never_used = "exclude"
    if never_used not in NEVER_USED:
        raise ConfigError("never_used: must be one of exclude, include; got %r" % (never_used,))
    return {
        "owners": owners,
        "token_ids": token_ids,
        "repository": repository,
        "permission": permission,
        "last_used_before": before,
        "last_used_after": after,
        "never_used": never_used,
    }


def _check_permission_name(name, level):
    try:
        validate_permission(name, level)
    except CatalogError as exc:
        raise ConfigError("permission: %s" % exc) from None


def filter_queries(filters):
    """The query dicts for one filtered listing, split into GitHub's per-call limits.

    owner[] takes at most 10 logins and token_id[] at most 50 ids per call; when both are
    given every owner chunk is combined with every token chunk (both filters must hold).
    """
    base = {}
    # last_used_before/after are decided on our side (matches_last_used), never sent.
    for key in ("repository", "permission"):
        if filters.get(key):
            base[key] = filters[key]
    owner_chunks = chunks(filters.get("owners") or [], MAX_OWNERS_PER_FILTER) or [None]
    token_chunks = chunks(filters.get("token_ids") or [], MAX_TOKEN_IDS_PER_FILTER) or [None]
    queries = []
    for owner_chunk in owner_chunks:
        for token_chunk in token_chunks:
            query = dict(base)
            if owner_chunk:
                query["owner"] = owner_chunk
            if token_chunk:
                query["token_id"] = [str(t) for t in token_chunk]
            queries.append(query)
    return queries


# -- records ------------------------------------------------------------------------------------
def lifetime_days(start, expires_at):
    """Days from ``start`` to ``expires_at`` (one decimal), None when the token never expires."""
    days = days_between(start, expires_at)
    return round(days, 1) if days is not None else None


def _permissions(value):
    result = {"organization": {}, "repository": {}, "other": {}}
    if isinstance(value, dict):
        for bucket in result:
            section = value.get(bucket)
            if isinstance(section, dict):
                result[bucket] = dict(section)
    return result


def normalize_request(raw):
    """The fields of a pending request that modules return and the policy engine reads."""
    return {
        "id": raw.get("id"),
        "owner": owner_login(raw),
        "token_id": raw.get("token_id"),
        "token_name": raw.get("token_name"),
        "reason": raw.get("reason"),
        "repository_selection": raw.get("repository_selection"),
        "repositories": None,
        "permissions": _permissions(raw.get("permissions")),
        "created_at": raw.get("created_at"),
        "token_expires_at": raw.get("token_expires_at"),
        "token_expired": bool(raw.get("token_expired")),
        "token_last_used_at": raw.get("token_last_used_at"),
        "lifetime_days": lifetime_days(raw.get("created_at"), raw.get("token_expires_at")),
    }


def normalize_grant(raw):
    """The fields of an active grant that modules return and the policy engine reads."""
    return {
        "id": raw.get("id"),
        "owner": owner_login(raw),
        "token_id": raw.get("token_id"),
        "token_name": raw.get("token_name"),
        "repository_selection": raw.get("repository_selection"),
        "repositories": None,
        "permissions": _permissions(raw.get("permissions")),
        "access_granted_at": raw.get("access_granted_at"),
        "token_expires_at": raw.get("token_expires_at"),
        "token_expired": bool(raw.get("token_expired")),
        "token_last_used_at": raw.get("token_last_used_at"),
        "lifetime_days": lifetime_days(raw.get("access_granted_at"), raw.get("token_expires_at")),
    }


KINDS = {
    "request": (REQUESTS_PATH, normalize_request),
    "grant": (GRANTS_PATH, normalize_grant),
}


def list_records(client, org, kind, filters=None, include_repositories=False, gone=None):
    """Every pending request (kind ``request``) or active grant (``grant``) matching the filters.

    Split queries can return the same record twice (a token matches two owner chunks only
    if GitHub changed it in between); records are kept once, by id, in GitHub's order.
    ``last_used_before``/``last_used_after`` are decided here on ``token_last_used_at``, not by
    GitHub (see :func:`matches_last_used`). A record that vanishes before its repositories are
    read is dropped and appended to ``gone`` (a list) when given.
    """
    path, normalize = KINDS[kind]
    filters = filters or {}
    records = []
    seen = set()
    for query in filter_queries(filters):
        for raw in client.paginate(path % org, params=query):
            if not isinstance(raw, dict) or raw.get("id") in seen:
                continue
            seen.add(raw.get("id"))
            record = normalize(raw)
            if matches_last_used(record, filters):
                records.append(record)
    if include_repositories:
        add_repositories(client, org, kind, records, gone=gone)
    return records


def matches_last_used(record, filters):
    """Whether ``record`` passes ``last_used_before``/``last_used_after`` (strict bounds).

    GitHub does not document whether a never-used token matches its own filters, so they are
    never sent to it: a task that revokes must not revoke, or spare, a token on a guess. A
    never-used token (``token_last_used_at`` null) matches only with ``never_used=include``;
    the default, ``exclude``, reads the filters literally ("last used before ...").
    """
    before, after = filters.get("last_used_before"), filters.get("last_used_after")
    if not before and not after:
        return True
    used = parse_time(record.get("token_last_used_at"))
    if used is None:
        return filters.get("never_used") == "include"
    if before and used >= parse_time(before):
        return False
    if after and used <= parse_time(after):
        return False
    return True


def add_repositories(client, org, kind, records, gone=None):
    """Fill ``repositories`` (names) of ``subset`` records; one listing per such record.

    A record GitHub no longer has (404/422: the request was cancelled or reviewed, the grant
    revoked, after it was listed) is removed from ``records`` in place and appended to
    ``gone`` when given: gone is gone, the rest of the pass carries on. Returns ``records``.
    """
    path, _normalize = KINDS[kind]
    kept = []
    for record in records:
        if record.get("repository_selection") == "subset" and record.get("repositories") is None:
            try:
                repos = list(client.paginate("%s/%d/repositories" % (path % org, record["id"])))
            except GitHubAPIError as exc:
                if not _is_refusal(exc):
                    raise
                if gone is not None:
                    gone.append(gone_record(record["id"], kind, "repositories", record.get("token_id")))
                continue
            record["repositories"] = [repo.get("name") for repo in repos if isinstance(repo, dict)]
        kept.append(record)
    records[:] = kept
    return records


def owners_not_members(client, org, owners, records):
    """Warnings for ``owners`` (a filter) that match no record and are not members of ``org``.

    A login with a typo matches nothing, silently; so each owner with no record among
    ``records`` (requests, grants, or both) is checked with one membership call. GitHub
    answers 204 for a member (who simply holds no token), 404 for anyone else; any other
    answer (302 or 403: the App cannot read members) is said as such.
    """
    matched = set((r.get("owner") or "").lower() for r in records)
    warnings = []
    for owner in owners or []:
        if owner.lower() in matched:
            continue
        try:
            client.request("GET", "/orgs/%s/members/%s" % (org, owner))
        except GitHubAPIError as exc:
            if exc.status == 404:
                warnings.append(
                    "owners: %s is not a member of %s, so no token request or grant can match it; "
                    "check the login (Enterprise Managed User logins look like handle_shortcode)" % (owner, org)
                )
            else:
                warnings.append(
                    "owners: %s matched no token request or grant in %s, and its membership could "
                    "not be checked (GitHub answered %s; reading members needs the App's Members "
                    "read permission)" % (owner, org, exc.status)
                )
    return warnings


def listing_result(client, org, kind, filters, include_repositories=False, warn=None):
    """The result of the ``_info`` modules: the records, their count, and the ``gone`` ones."""
    gone = []
    records = list_records(client, org, kind, filters, include_repositories, gone=gone)
    for message in owners_not_members(client, org, filters.get("owners"), records):
        if warn is not None:
            warn(message)
    return {"requests" if kind == "request" else "grants": records, "count": len(records), "gone": gone}


# -- review ---------------------------------------------------------------------------------
def normalize_decisions(ids=None, action=None, reason=None, decisions=None):
    """One list of ``{id, action, reason, token_id}`` from either form of the module's input."""
    if decisions is not None and ids:
        raise ConfigError("ids and decisions are mutually exclusive: give one of them")
    result = []
    if decisions is not None:
        if not isinstance(decisions, list) or not decisions:
            raise ConfigError("decisions: must be a non-empty list of {id, action, reason}")
        for index, item in enumerate(decisions):
            where = "decisions[%d]" % index
            if not isinstance(item, dict):
                raise ConfigError("%s: must be a dict with id, action and reason" % where)
            unknown = set(item) - set(("id", "action", "reason", "token_id", "owner", "token_name"))
            if unknown:
                raise ConfigError(
                    "%s: unknown keys %s (expected id, action, reason, token_id)" % (where, ", ".join(sorted(unknown)))
                )
            number = _as_id(item.get("id"))
            if number is None:
                raise ConfigError("%s.id: %r is not a positive integer id" % (where, item.get("id")))
            act = item.get("action")
            if act not in REVIEW_ACTIONS:
                raise ConfigError("%s.action: must be one of approve, deny; got %r" % (where, act))
            token_id = _as_id(item.get("token_id")) if item.get("token_id") is not None else None
            result.append(
                {
                    "id": number,
                    "action": act,
                    "reason": check_review_reason("%s.reason" % where, item.get("reason")),
                    "token_id": token_id,
                }
            )
    else:
        if action not in REVIEW_ACTIONS:
            raise ConfigError("action: must be one of approve, deny; got %r" % (action,))
        reason = check_review_reason("reason", reason)
        for number in check_ids("ids", ids):
            result.append({"id": number, "action": action, "reason": reason, "token_id": None})
    by_id = {}
    for decision in result:
        previous = by_id.get(decision["id"])
        if previous and (previous["action"], previous["reason"]) != (decision["action"], decision["reason"]):
            raise ConfigError("decisions: request %d is given twice with different actions or reasons" % decision["id"])
        by_id.setdefault(decision["id"], decision)
    return list(by_id.values())


def group_decisions(decisions):
    """Bulk calls: ids grouped by (action, reason), at most 100 per call, first-seen order."""
    pairs = (((d["action"], d["reason"]), d["id"]) for d in decisions)
    return [{"action": key[0], "reason": key[1], "ids": ids} for key, ids in grouped_chunks(pairs, MAX_IDS_PER_BULK)]


class _Outcome:
    """What a run did so far, id by id, each id under exactly one key; reported as-is on failure."""

    def __init__(self, done_keys):
        self.done = dict((key, []) for key in done_keys)
        self.gone = []  # {id, kind, token_id, step}: vanished between our listing and our call
        self.unconfirmed = []  # GitHub said "already handled", the listing still shows them

    def as_result(self):
        result = dict((key, list(ids)) for key, ids in self.done.items())
        result["gone"] = list(self.gone)
        result["unconfirmed"] = list(self.unconfirmed)
        return result

    def fail(self, exc, pending_ids):
        details = dict(exc.details) if isinstance(exc, PatguardError) else {}
        details.update(self.as_result())
        details["not_processed"] = sorted(pending_ids)
        counts = ["%s %d" % (k, len(v)) for k, v in self.done.items()]
        counts += ["gone %d" % len(self.gone), "unconfirmed %d" % len(self.unconfirmed)]
        done_count = sum(len(v) for v in self.done.values()) + len(self.unconfirmed)
        message = (
            "%s. Done before the failure: %d (%s); not processed: %d ids, listed in not_processed. "
            "Running the task again finishes the job."
            % (
                exc.message if isinstance(exc, PatguardError) else str(exc),
                done_count,
                ", ".join(counts),
                len(pending_ids),
            )
        )
        return PatguardError(message, **details)


def gone_record(record_id, kind, step, token_id=None):
    """The ``gone`` entry of a record that vanished mid-pass (cancelled, or handled elsewhere)."""
    return {"id": record_id, "kind": kind, "token_id": token_id, "step": step}


def _is_refusal(exc):
    """404/422 to a write or a repositories listing: GitHub no longer has the record as we listed it."""
    return isinstance(exc, GitHubAPIError) and not isinstance(exc, AmbiguousWriteError) and exc.status in (404, 422)


def _still_present(client, org, kind, ids, token_ids):
    """Which of ``ids`` GitHub still lists (pending requests / active grants).

    Only the listing of ``kind`` counts: a pending permission-upgrade request and the active
    grant of the same token share a ``token_id``, so "a grant exists for this token" says
    nothing about the request, and the other way round.
    """
    wanted = set(ids)
    if token_ids and len(token_ids) == len(ids):
        records = list_records(client, org, kind, {"token_ids": token_ids})
    else:
        records = list_records(client, org, kind, {})
    return set(r["id"] for r in records if r["id"] in wanted)


def _pause(client, seconds):
    """Wait before listing again (a listing may lag behind a 202); counted in ``api.waited_seconds``."""
    hold = getattr(client, "_hold", None)
    if hold is not None and seconds > 0:
        hold(seconds, "reconcile")


# Per id of a bulk write: where it stands. "lost": sent, the answer never came; "handled": sent
# again after a lost answer and refused, which is what GitHub may answer for ids it has already
# handled; "refused": refused without ever being lost, so someone else may have handled it;
# "stuck": refused although GitHub still lists it and nothing else in the call was to blame.
_SEND, _LOST, _HANDLED, _REFUSED, _STUCK = "send", "lost", "handled", "refused", "stuck"


def _send_bulk(client, org, kind, body_for, ids, token_of, outcome, done_key, step):
    """One bulk write of ``ids``; reconcile every lost or refused answer from the listing.

    GitHub answers a bulk write 202 Accepted and documents neither when the change becomes
    visible nor what a second submission of a handled id answers (404 and 422 are possible).
    So: a 202 is done. After a lost answer the listing decides: gone from it, done; still in
    it, sent again (the first write may not have arrived, or the listing lags). A resend
    refused after a lost answer means "already handled": done, and later listings only
    confirm it. An id refused that was never lost and is gone from the listing was handled by
    someone else (``gone``); the rest of its call is sent again without it.

    Bounded: at most ``RECONCILE_ROUNDS`` listings, waiting ``RECONCILE_WAITS`` seconds before
    each. Ids GitHub called handled that the listing still shows at the end go to
    ``unconfirmed`` (not a failure: the work is done, the listing is late). Raises, with the
    outcome so far, only for a last resend whose answer was lost again, for ids GitHub refuses
    while it still lists them after every round, and for any other error.
    """
    path, _normalize = KINDS[kind]
    state = dict((i, _SEND) for i in ids)
    lost_before = set()
    last_refused = set()
    error = None
    listings = 0
    while True:
        batch = [i for i in ids if state.get(i) == _SEND]
        if batch:
            try:
                client.request("POST", path % org, json=body_for(batch))
            except AmbiguousWriteError as exc:
                error = exc
                state.update((i, _LOST) for i in batch)
            except GitHubAPIError as exc:
                if not _is_refusal(exc):
                    raise
                error = exc
                last_refused = set(batch)
                state.update((i, _HANDLED if i in lost_before else _REFUSED) for i in batch)
            else:
                for i in batch:
                    del state[i]
                    outcome.done[done_key].append(i)
        open_ids = [i for i in ids if i in state]
        if not open_ids or listings == RECONCILE_ROUNDS:
            break
        _pause(client, RECONCILE_WAITS[min(listings, len(RECONCILE_WAITS) - 1)])
        tokens = [token_of[i] for i in open_ids if token_of.get(i)]
        present = _still_present(client, org, kind, open_ids, tokens if len(tokens) == len(open_ids) else None)
        listings += 1
        blame_elsewhere = bool(last_refused - present)
        for i in open_ids:
            if i not in present:
                if state[i] in (_LOST, _HANDLED):
                    outcome.done[done_key].append(i)
                else:
                    outcome.gone.append(gone_record(i, kind, step, token_of.get(i)))
                del state[i]
            elif state[i] == _LOST:
                lost_before.add(i)
                state[i] = _SEND
            elif state[i] == _REFUSED:
                state[i] = _SEND if blame_elsewhere else _STUCK
        last_refused = set()
    leftover = [i for i in ids if i in state]
    if [i for i in leftover if state[i] != _HANDLED]:
        raise error
    outcome.unconfirmed.extend(leftover)


def review_requests(client, org, decisions, check_mode=False, refresh=True, fail_on_missing=False, pending=None):
    """Approve or deny pending requests idempotently. Returns the module's result dict.

    Keys, each id under exactly one: ``approved``, ``denied``, ``unchanged`` (not pending
    when the task started, nothing sent), ``gone`` (vanished between the listing and the
    write: cancelled, or reviewed by someone else), ``unconfirmed`` (GitHub said handled, its
    listing did not show it yet); plus ``calls``.
    """
    ids = [d["id"] for d in decisions]
    token_of = dict((d["id"], d.get("token_id")) for d in decisions if d.get("token_id"))
    if pending is None and refresh:
        pending = _still_present(
            client, org, "request", ids, list(token_of.values()) if len(token_of) == len(ids) else None
        )
    elif pending is None:
        pending = set(ids)
    unchanged = [i for i in ids if i not in pending]
    if unchanged and fail_on_missing:
        raise ConfigError(
            "ids not pending in %s (already reviewed, withdrawn or unknown): %s"
            % (org, ", ".join(str(i) for i in unchanged)),
            unchanged=unchanged,
        )
    todo = [d for d in decisions if d["id"] in pending]
    calls = group_decisions(todo)
    outcome = _Outcome(("approved", "denied"))
    if check_mode:
        for call in calls:
            outcome.done["approved" if call["action"] == "approve" else "denied"].extend(call["ids"])
    else:
        left = set(d["id"] for d in todo)
        for call in calls:
            key = "approved" if call["action"] == "approve" else "denied"

            def body_for(chunk, call=call):
                body = {"pat_request_ids": chunk, "action": call["action"]}
                if call["reason"] is not None:
                    body["reason"] = call["reason"]
                return body

            try:
                _send_bulk(client, org, "request", body_for, call["ids"], token_of, outcome, key, "review")
            except PatguardError as exc:
                raise outcome.fail(exc, left - _settled(outcome)) from None
            left.difference_update(call["ids"])
    result = outcome.as_result()
    result.update(unchanged=unchanged, calls=len(calls))
    return result


def _settled(outcome):
    settled = set(outcome.unconfirmed) | set(g["id"] for g in outcome.gone)
    for ids in outcome.done.values():
        settled.update(ids)
    return settled


def revoke_grants(client, org, grant_ids, check_mode=False, active=None, token_of=None):
    """Revoke active grants idempotently; ``active`` is the set of ids GitHub lists now.

    ``token_of`` maps grant id -> token id when known, so that reconciling after a lost
    answer is a filtered listing instead of a full one. Keys, each id under exactly one:
    ``revoked``, ``unchanged`` (not active when the task started), ``gone`` (vanished before
    the write: revoked elsewhere), ``unconfirmed``; plus ``calls``.
    """
    token_of = dict((k, v) for k, v in (token_of or {}).items() if v)
    if active is None:
        tokens = [token_of[i] for i in grant_ids if token_of.get(i)]
        active = _still_present(client, org, "grant", grant_ids, tokens if len(tokens) == len(grant_ids) else None)
    unchanged = [i for i in grant_ids if i not in active]
    todo = [i for i in grant_ids if i in active]
    calls = chunks(todo, MAX_IDS_PER_BULK)
    outcome = _Outcome(("revoked",))
    if check_mode:
        outcome.done["revoked"] = list(todo)
    else:
        left = set(todo)
        for ids in calls:
            try:
                _send_bulk(
                    client,
                    org,
                    "grant",
                    lambda chunk: {"action": "revoke", "pat_ids": chunk},
                    ids,
                    token_of,
                    outcome,
                    "revoked",
                    "revoke",
                )
            except PatguardError as exc:
                raise outcome.fail(exc, left - _settled(outcome)) from None
            left.difference_update(ids)
    result = outcome.as_result()
    result.update(unchanged=unchanged, calls=len(calls))
    return result


# -- module options shared by the request and grant modules -------------------------------
def filter_argument_spec():
    return dict(
        org=dict(type="str", required=True),
        owners=dict(type="list", elements="str"),
        token_ids=dict(type="list", elements="raw", no_log=False),
        repository=dict(type="str"),
        permission=dict(type="str"),
        last_used_before=dict(type="str"),
        last_used_after=dict(type="str"),
        never_used=dict(type="str", choices=list(NEVER_USED), default="exclude"),
        include_repositories=dict(type="bool", default=False),
    )


def filters_from_params(params):
    return check_filters(
        owners=params.get("owners"),
        token_ids=params.get("token_ids"),
        repository=params.get("repository"),
        permission=params.get("permission"),
        last_used_before=params.get("last_used_before"),
        last_used_after=params.get("last_used_after"),
        never_used=params.get("never_used"),
    )
