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
from datetime import datetime, timezone

from ._errors import AmbiguousWriteError, ConfigError, GitHubAPIError, PatguardError

REQUESTS_PATH = "/orgs/%s/personal-access-token-requests"
GRANTS_PATH = "/orgs/%s/personal-access-tokens"
MAX_OWNERS_PER_CALL = 10  # GitHub's limit for owner[]
MAX_TOKEN_IDS_PER_CALL = 50  # GitHub's limit for token_id[]
MAX_IDS_PER_BULK = 100  # GitHub's limit for pat_request_ids / pat_ids
MAX_REASON_LENGTH = 1024
RECONCILE_ROUNDS = 3  # listings + resends after a lost write answer, before giving up
REVIEW_ACTIONS = ("approve", "deny")

_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_REPO_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_PERMISSION_FILTER = re.compile(r"^([a-z][a-z0-9_]*)_(read|write|admin)$")
_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


# -- input checks (raise before any request) ---------------------------------------------------
def check_org(org):
    if not isinstance(org, str) or not _ORG.match(org or ""):
        raise ConfigError("org: %r is not a valid GitHub organization login" % (org,))
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


def check_reason(name, reason):
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise ConfigError("%s: must be a string" % name)
    if len(reason) > MAX_REASON_LENGTH:
        raise ConfigError("%s: is %d characters long; GitHub accepts at most %d"
                          % (name, len(reason), MAX_REASON_LENGTH))
    return reason


def _iso_filter(name, value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError("%s: %r is not an ISO 8601 timestamp such as 2026-01-31T00:00:00Z" % (name, value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_filters(owners=None, token_ids=None, repository=None, permission=None,
                  last_used_before=None, last_used_after=None):
    """Validate the list filters the way GitHub would, and normalize them."""
    owners = list(owners or [])
    for owner in owners:
        if not isinstance(owner, str) or not _LOGIN.match(owner):
            raise ConfigError("owners: %r is not a valid GitHub login" % (owner,))
    owners = list(dict.fromkeys(owners))
    token_ids = check_ids("token_ids", token_ids, allow_empty=True)
    if repository is not None and (not isinstance(repository, str) or not _REPO_NAME.match(repository)):
        raise ConfigError("repository: %r is not a repository name (the name only, without the owner)"
                          % (repository,))
    if permission is not None:
        match = _PERMISSION_FILTER.match(permission) if isinstance(permission, str) else None
        if not match:
            raise ConfigError("permission: %r must be a permission name and level joined by an "
                              "underscore, such as issues_read or contents_write" % (permission,))
        _check_permission_name(match.group(1), match.group(2))
    before = _iso_filter("last_used_before", last_used_before)
    after = _iso_filter("last_used_after", last_used_after)
    if before and after and after >= before:
        raise ConfigError("last_used_after (%s) must be earlier than last_used_before (%s)" % (after, before))
    return {
        "owners": owners,
        "token_ids": token_ids,
        "repository": repository,
        "permission": permission,
        "last_used_before": before,
        "last_used_after": after,
    }


def _check_permission_name(name, level):
    try:
        from ._catalog import validate_permission
    except ImportError:  # pragma: no cover - the catalogue ships with the collection
        return
    try:
        validate_permission(name, level)
    except Exception as exc:
        raise ConfigError("permission: %s" % exc)


def chunks(values, size):
    values = list(values)
    return [values[i:i + size] for i in range(0, len(values), size)]


def filter_queries(filters):
    """The query dicts for one filtered listing, split into GitHub's per-call limits.

    owner[] takes at most 10 logins and token_id[] at most 50 ids per call; when both are
    given every owner chunk is combined with every token chunk (both filters must hold).
    """
    base = {}
    for key in ("repository", "permission", "last_used_before", "last_used_after"):
        if filters.get(key):
            base[key] = filters[key]
    owner_chunks = chunks(filters.get("owners") or [], MAX_OWNERS_PER_CALL) or [None]
    token_chunks = chunks(filters.get("token_ids") or [], MAX_TOKEN_IDS_PER_CALL) or [None]
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
def _parse_time(value):
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def lifetime_days(start, expires_at):
    """Days from ``start`` to ``expires_at`` (one decimal), None when the token never expires."""
    begin, end = _parse_time(start), _parse_time(expires_at)
    if begin is None or end is None:
        return None
    return round((end - begin).total_seconds() / 86400.0, 1)


def _owner_login(owner):
    if isinstance(owner, dict):
        return owner.get("login")
    return owner


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
        "owner": _owner_login(raw.get("owner")),
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
        "owner": _owner_login(raw.get("owner")),
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


def list_records(client, org, kind, filters=None, include_repositories=False):
    """Every pending request (kind ``request``) or active grant (``grant``) matching the filters.

    Split queries can return the same record twice (a token matches two owner chunks only
    if GitHub changed it in between); records are kept once, by id, in GitHub's order.
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
            records.append(normalize(raw))
    if include_repositories:
        add_repositories(client, org, kind, records)
    return records


def add_repositories(client, org, kind, records):
    """Fill ``repositories`` (names) of ``subset`` records; one listing per such record."""
    path, _normalize = KINDS[kind]
    for record in records:
        if record.get("repository_selection") == "subset" and record.get("repositories") is None:
            repos = client.paginate("%s/%d/repositories" % (path % org, record["id"]))
            record["repositories"] = [repo.get("name") for repo in repos if isinstance(repo, dict)]
    return records


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
                raise ConfigError("%s: unknown keys %s (expected id, action, reason, token_id)"
                                  % (where, ", ".join(sorted(unknown))))
            number = _as_id(item.get("id"))
            if number is None:
                raise ConfigError("%s.id: %r is not a positive integer id" % (where, item.get("id")))
            act = item.get("action")
            if act not in REVIEW_ACTIONS:
                raise ConfigError("%s.action: must be one of approve, deny; got %r" % (where, act))
            token_id = _as_id(item.get("token_id")) if item.get("token_id") is not None else None
            result.append({"id": number, "action": act,
                           "reason": check_reason("%s.reason" % where, item.get("reason")),
                           "token_id": token_id})
    else:
        if action not in REVIEW_ACTIONS:
            raise ConfigError("action: must be one of approve, deny; got %r" % (action,))
        reason = check_reason("reason", reason)
        for number in check_ids("ids", ids):
            result.append({"id": number, "action": action, "reason": reason, "token_id": None})
    by_id = {}
    for decision in result:
        previous = by_id.get(decision["id"])
        if previous and (previous["action"], previous["reason"]) != (decision["action"], decision["reason"]):
            raise ConfigError("decisions: request %d is given twice with different actions or reasons"
                              % decision["id"])
        by_id.setdefault(decision["id"], decision)
    return list(by_id.values())


def group_decisions(decisions):
    """Bulk calls: ids grouped by (action, reason), at most 100 per call, first-seen order."""
    groups = {}
    order = []
    for decision in decisions:
        key = (decision["action"], decision["reason"])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(decision["id"])
    calls = []
    for key in order:
        for ids in chunks(groups[key], MAX_IDS_PER_BULK):
            calls.append({"action": key[0], "reason": key[1], "ids": ids})
    return calls


class _Progress(object):
    """What was done so far, reported as-is if the run stops half-way."""

    def __init__(self, keys):
        self.done = dict((key, []) for key in keys)

    def fail(self, exc, pending_ids):
        details = dict(exc.details) if isinstance(exc, PatguardError) else {}
        details.update(self.done)
        details["not_processed"] = sorted(pending_ids)
        done_count = sum(len(v) for v in self.done.values())
        message = "%s. Done before the failure: %d (%s); not processed: %d ids, listed in not_processed. " \
                  "Running the task again finishes the job." % (
                      exc.message if isinstance(exc, PatguardError) else str(exc), done_count,
                      ", ".join("%s %d" % (k, len(v)) for k, v in self.done.items()), len(pending_ids))
        error = PatguardError(message, **details)
        return error


def _still_present(client, org, kind, ids, token_ids):
    """Which of ``ids`` GitHub still lists (pending requests / active grants)."""
    wanted = set(ids)
    if token_ids and len(token_ids) == len(ids):
        records = list_records(client, org, kind, {"token_ids": token_ids})
    else:
        records = list_records(client, org, kind, {})
    return set(r["id"] for r in records if r["id"] in wanted)


def _send_bulk(client, org, kind, body_for, ids, token_ids):
    """One bulk write; on a lost or refused answer, reconcile and resend only what is left.

    Returns the ids that are no longer present afterwards (done). GitHub answers 202 Accepted:
    the work is queued, and the next listing is the proof.
    """
    path, _normalize = KINDS[kind]
    try:
        client.request("POST", path % org, json=body_for(ids))
        return list(ids)
    except (AmbiguousWriteError, GitHubAPIError) as exc:
        if isinstance(exc, GitHubAPIError) and not isinstance(exc, AmbiguousWriteError) \
                and exc.status not in (404, 422):
            raise
        first_error = exc
    # The write may have been applied, or GitHub refused ids that someone else handled
    # meanwhile: read what is still there (one listing per round) and send only that. A resend
    # whose answer is lost again is reconciled again, a bounded number of times.
    for _round in range(RECONCILE_ROUNDS):
        present = _still_present(client, org, kind, ids, token_ids)
        remaining = [i for i in ids if i in present]
        if not remaining:
            return list(ids)
        if len(remaining) == len(ids) and isinstance(first_error, GitHubAPIError) \
                and not isinstance(first_error, AmbiguousWriteError):
            raise first_error  # GitHub refused ids that are still there: a real error
        try:
            client.request("POST", path % org, json=body_for(remaining))
            return list(ids)
        except AmbiguousWriteError as exc:
            first_error = exc
    raise first_error


def review_requests(client, org, decisions, check_mode=False, refresh=True, fail_on_missing=False,
                    pending=None):
    """Approve or deny pending requests idempotently. Returns the module's result dict."""
    ids = [d["id"] for d in decisions]
    if pending is None and refresh:
        token_ids = [d["token_id"] for d in decisions if d.get("token_id")]
        pending = _still_present(client, org, "request", ids, token_ids if len(token_ids) == len(ids) else None)
    elif pending is None:
        pending = set(ids)
    skipped = [i for i in ids if i not in pending]
    if skipped and fail_on_missing:
        raise ConfigError("ids not pending in %s (already reviewed, withdrawn or unknown): %s"
                          % (org, ", ".join(str(i) for i in skipped)), skipped=skipped)
    todo = [d for d in decisions if d["id"] in pending]
    calls = group_decisions(todo)
    result = {"approved": [], "denied": [], "skipped": skipped, "calls": len(calls)}
    if check_mode:
        for call in calls:
            result["approved" if call["action"] == "approve" else "denied"].extend(call["ids"])
        return result
    token_of = dict((d["id"], d.get("token_id")) for d in todo)
    progress = _Progress(("approved", "denied"))
    left = set(d["id"] for d in todo)
    for call in calls:
        key = "approved" if call["action"] == "approve" else "denied"

        def body_for(chunk, call=call):
            body = {"pat_request_ids": chunk, "action": call["action"]}
            if call["reason"] is not None:
                body["reason"] = call["reason"]
            return body

        tokens = [token_of[i] for i in call["ids"] if token_of.get(i)]
        try:
            done = _send_bulk(client, org, "request", body_for, call["ids"],
                              tokens if len(tokens) == len(call["ids"]) else None)
        except PatguardError as exc:
            raise progress.fail(exc, left)
        progress.done[key].extend(done)
        left.difference_update(done)
    result.update(progress.done)
    return result


def revoke_grants(client, org, grant_ids, check_mode=False, active=None, token_of=None):
    """Revoke active grants idempotently; ``active`` is the set of ids GitHub lists now.

    ``token_of`` maps grant id -> token id when known, so that reconciling after a lost
    answer is a filtered listing instead of a full one.
    """
    token_of = token_of or {}
    if active is None:
        tokens = [token_of[i] for i in grant_ids if token_of.get(i)]
        active = _still_present(client, org, "grant", grant_ids,
                                tokens if len(tokens) == len(grant_ids) else None)
    skipped = [i for i in grant_ids if i not in active]
    todo = [i for i in grant_ids if i in active]
    calls = chunks(todo, MAX_IDS_PER_BULK)
    result = {"revoked": [], "skipped": skipped, "calls": len(calls)}
    if check_mode:
        result["revoked"] = todo
        return result
    progress = _Progress(("revoked",))
    left = set(todo)
    for ids in calls:
        try:
            tokens = [token_of[i] for i in ids if token_of.get(i)]
            done = _send_bulk(client, org, "grant", lambda chunk: {"action": "revoke", "pat_ids": chunk},
                              ids, tokens if len(tokens) == len(ids) else None)
        except PatguardError as exc:
            raise progress.fail(exc, left)
        progress.done["revoked"].extend(done)
        left.difference_update(done)
    result["revoked"] = progress.done["revoked"]
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
        include_repositories=dict(type="bool", default=False),
    )


def filters_from_params(params):
    return check_filters(
        owners=params.get("owners"), token_ids=params.get("token_ids"), repository=params.get("repository"),
        permission=params.get("permission"), last_used_before=params.get("last_used_before"),
        last_used_after=params.get("last_used_after"))
