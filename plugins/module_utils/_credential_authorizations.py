# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SAML SSO credential authorizations of an organization (GitHub Enterprise Cloud). Private to this collection.

``GET /orgs/{org}/credential-authorizations`` lists the classic PATs, SSH keys, OAuth app tokens
and GitHub App user tokens that members authorized for an organization that uses SAML single
sign-on; ``DELETE …/{credential_id}`` removes one authorization. This file holds the input
checks, the normalisation of GitHub's records, the client-side filters, and the idempotent,
paced removal. GitHub only ever sends the last eight characters of a token; normalisation keeps
at most those eight, so no longer fragment can reach a result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ._errors import AmbiguousWriteError, AuthError, ConfigError, GitHubAPIError, PatguardError, listing_error
from ._names import LOGIN_RULE, is_enterprise_server_api, is_login
from ._pat import check_ids, check_org
from ._time import iso_z, parse_time
from ._tokens import token_type

if TYPE_CHECKING:  # annotations only: no import at run time, so no cycle with _client
    from ._client import GitHubClient

LIST_PATH = "/orgs/%s/credential-authorizations"
ITEM_PATH = "/orgs/%s/credential-authorizations/%d"
# GitHub's labels (the contract's enum) -> the names used in options, policies and results.
CREDENTIAL_TYPES = {
    "personal access token": "personal_access_token",
    "SSH key": "ssh_key",
    "OAuth app token": "oauth_app_token",
    "GitHub app token": "github_app_token",
}
TYPE_NAMES = tuple(CREDENTIAL_TYPES.values())
# Types GitHub describes as tokens (they carry token_last_eight, scopes and maybe an expiry).
TOKEN_TYPES = ("personal_access_token", "oauth_app_token", "github_app_token")
LAST_EIGHT = 8
# More logins than this are read with one full listing filtered here, not one listing each.
MAX_LOGIN_QUERIES = 10
WHEN_UNAVAILABLE = ("fail", "warn")

AUTH_HELP = (
    "GitHub serves the credential authorization endpoints to an organization owner's user token only: a "
    "personal access token (classic) with the read:org scope (admin:org to remove authorizations), or "
    "an owner's OAuth or GitHub App user token (ghu_). GitHub App installation tokens are refused"
)


class UnavailableError(GitHubAPIError):
    """GitHub has no credential authorizations for this organization (not GHEC, or no SAML SSO)."""


def type_name(label: Any) -> str | None:
    """``personal_access_token`` for GitHub's ``personal access token``; unknown labels stay readable."""
    if not isinstance(label, str):
        return None
    if label in CREDENTIAL_TYPES:
        return CREDENTIAL_TYPES[label]
    return "_".join(label.lower().split()) or None


def last_eight(value: Any) -> str | None:
    """GitHub's ``token_last_eight``, never longer than eight characters whatever was received."""
    if not isinstance(value, str) or not value:
        return None
    return value[-LAST_EIGHT:]


def _iso(value):
    return iso_z(parse_time(value))


def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of one authorization that modules return and the policy reads (no secret beyond 8 chars)."""
    raw = raw if isinstance(raw, dict) else {}
    kind = type_name(raw.get("credential_type"))
    scopes = raw.get("scopes")
    return {
        "credential_id": raw.get("credential_id"),
        "authorized_credential_id": raw.get("authorized_credential_id"),
        "login": raw.get("login"),
        "credential_type": kind,
        "token_last_eight": last_eight(raw.get("token_last_eight")),
        "scopes": sorted(set(s for s in scopes if isinstance(s, str))) if isinstance(scopes, list) else [],
        "fingerprint": raw.get("fingerprint") if isinstance(raw.get("fingerprint"), str) else None,
        "title": raw.get("authorized_credential_title"),
        "note": raw.get("authorized_credential_note"),
        "authorized_at": _iso(raw.get("credential_authorized_at")),
        "accessed_at": _iso(raw.get("credential_accessed_at")),
        "expires_at": _iso(raw.get("authorized_credential_expires_at")),
        "is_token": kind in TOKEN_TYPES,
    }


def is_normalized(record: Any) -> bool:
    return isinstance(record, dict) and "authorized_at" in record and "credential_authorized_at" not in record


# -- input -------------------------------------------------------------------------------------
def check_types(name: str, values: Iterable[Any] | None) -> list[str]:
    """Credential type names (ours or GitHub's labels), deduplicated; a clear error otherwise."""
    result = []
    for value in values or []:
        kind = CREDENTIAL_TYPES.get(value, value) if isinstance(value, str) else None
        if kind not in TYPE_NAMES:
            raise ConfigError("%s: %r is not a credential type; use %s" % (name, value, ", ".join(TYPE_NAMES)))
        if kind not in result:
            result.append(kind)
    return result


def _time_filter(name, value):
    if value in (None, ""):
        return None
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None:
        raise ConfigError("%s: %r is not an ISO 8601 timestamp such as 2026-01-31T00:00:00Z" % (name, value))
    return iso_z(moment)


def check_logins(name: str, values: Iterable[Any] | None) -> list[str]:
    for login in values or []:
        if not is_login(login):
            raise ConfigError("%s: %r is not a valid GitHub login (%s)" % (name, login, LOGIN_RULE))
    return list(dict.fromkeys(values or []))


FILTER_KEYS = (
    "logins",
    "credential_types",
    "credential_ids",
    "accessed_before",
    "authorized_before",
    "authorized_after",
    "expires_before",
    "without_expiry",
)


def check_filters_input(
    logins: Any = None,
    credential_types: Any = None,
    credential_ids: Any = None,
    accessed_before: Any = None,
    authorized_before: Any = None,
    authorized_after: Any = None,
    expires_before: Any = None,
    without_expiry: Any = False,
) -> dict[str, Any]:
    """Validate and normalize the selection options (raises ConfigError naming the option)."""
    filters = {
        "logins": check_logins("logins", logins),
        "credential_types": check_types("credential_types", credential_types),
        "credential_ids": check_ids("credential_ids", credential_ids, allow_empty=True),
        "accessed_before": _time_filter("accessed_before", accessed_before),
        "authorized_before": _time_filter("authorized_before", authorized_before),
        "authorized_after": _time_filter("authorized_after", authorized_after),
        "expires_before": _time_filter("expires_before", expires_before),
        "without_expiry": bool(without_expiry),
    }
    if (
        filters["authorized_before"]
        and filters["authorized_after"]
        and filters["authorized_after"] >= filters["authorized_before"]
    ):
        raise ConfigError(
            "authorized_after (%s) must be earlier than authorized_before (%s)"
            % (filters["authorized_after"], filters["authorized_before"])
        )
    if filters["expires_before"] and filters["without_expiry"]:
        raise ConfigError(
            "expires_before and without_expiry: a credential cannot both expire before a date and "
            "never expire; give one of them"
        )
    return filters


def has_selector(filters: dict[str, Any]) -> bool:
    return any(filters.get(key) for key in FILTER_KEYS)


def matches(record: dict[str, Any], filters: dict[str, Any]) -> bool:
    """True when a normalized record passes every client-side filter (all must hold)."""
    logins = filters.get("logins")
    if logins and (record.get("login") or "").lower() not in set(x.lower() for x in logins):
        return False
    if filters.get("credential_types") and record.get("credential_type") not in filters["credential_types"]:
        return False
    if filters.get("credential_ids") and record.get("credential_id") not in filters["credential_ids"]:
        return False
    # Never accessed counts as "not accessed since it was authorized" (GitHub sends null then).
    last_access = record.get("accessed_at") or record.get("authorized_at")
    if filters.get("accessed_before") and not (last_access and last_access < filters["accessed_before"]):
        return False
    authorized = record.get("authorized_at")
    if filters.get("authorized_before") and not (authorized and authorized < filters["authorized_before"]):
        return False
    if filters.get("authorized_after") and not (authorized and authorized > filters["authorized_after"]):
        return False
    expires = record.get("expires_at")
    if filters.get("expires_before") and not (expires and expires < filters["expires_before"]):
        return False
    if filters.get("without_expiry") and not (record.get("is_token") and not expires):
        return False
    return True


# -- requests ----------------------------------------------------------------------------------
def require_user_token(client: GitHubClient, what: str = "credential authorizations") -> None:
    """Refuse before sending when no user token is configured, or the token is an installation token."""
    auth = getattr(client, "token_auth", None)
    if auth is None:
        raise AuthError("%s: no user token given (option token, or GITHUB_TOKEN/GH_TOKEN). %s." % (what, AUTH_HELP))
    kind = token_type(getattr(getattr(client, "options", None), "token", None))
    if kind == "installation":
        raise AuthError("%s: the token is a GitHub App installation token (ghs_). %s." % (what, AUTH_HELP))


def _unavailable_message(client, org, status):
    product = product_of(client)
    if product == "ghes":
        where = "GitHub Enterprise Server has no credential authorization endpoints (GitHub Enterprise Cloud only)"
    else:
        where = (
            "credential authorizations exist only for GitHub Enterprise Cloud organizations that use SAML "
            "single sign-on: %s does not use SAML SSO, is not on GitHub Enterprise Cloud, or does not "
            "exist, or the token's user is not one of its owners" % org
        )
    return "%s (GitHub answered %d for GET %s)" % (where, status, LIST_PATH % org)


def product_of(client: GitHubClient) -> str:
    """``ghes`` when api_url is a GitHub Enterprise Server (``…/api/v3``), else ``cloud``."""
    return "ghes" if is_enterprise_server_api(getattr(client, "api_url", "")) else "cloud"


def list_authorizations(client: GitHubClient, org: str, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every authorization matching ``filters``, normalized, in GitHub's order.

    GitHub filters by one ``login`` per call; a few logins are asked for one by one, more are
    read with one full listing. Every other filter is applied here. A 404 on the listing means
    the feature is not there (see :class:`UnavailableError`), never "no credentials".
    """
    filters = filters or {}
    require_user_token(client)
    logins = filters.get("logins") or []
    queries = [{"login": login} for login in logins] if 0 < len(logins) <= MAX_LOGIN_QUERIES else [{}]
    records = []
    seen = set()
    try:
        for query in queries:
            for raw in client.paginate(LIST_PATH % org, params=query, auth="token", id_field="credential_id"):
                record = normalize(raw)
                if record["credential_id"] in seen:
                    continue
                seen.add(record["credential_id"])
                if matches(record, filters):
                    records.append(record)
    except GitHubAPIError as exc:
        raise listing_error(
            exc,
            LIST_PATH % org,
            UnavailableError,
            _unavailable_message(client, org, 404),
            "%s. %s." % (exc.message, AUTH_HELP),
        ) from None
    return records


def remove_authorizations(
    client: GitHubClient, org: str, records: list[dict[str, Any]], check_mode: bool = False
) -> dict[str, list[int]]:
    """Remove the given (just listed) authorizations one by one; the client paces the DELETEs.

    A 404 on a DELETE means the authorization went away meanwhile: it is reported in
    ``already_absent``, not as a failure. A lost answer is settled with a fresh listing of that
    login (sent again only if it is still there). Returns ``{removed, already_absent}``, or
    raises an error whose details list ``removed``, ``already_absent`` and ``not_processed``.
    """
    require_user_token(client)
    if check_mode:
        return {"removed": [r["credential_id"] for r in records], "already_absent": []}
    removed, gone = [], []
    for index, record in enumerate(records):
        credential_id = record["credential_id"]
        try:
            _delete(client, org, record)
            removed.append(credential_id)
        except GitHubAPIError as exc:
            if exc.status != 404:
                raise _partial(exc, removed, gone, records[index:]) from None
            gone.append(credential_id)
        except PatguardError as exc:
            raise _partial(exc, removed, gone, records[index:]) from None
    return {"removed": removed, "already_absent": gone}


def _delete(client, org, record):
    path = ITEM_PATH % (org, record["credential_id"])
    try:
        client.request("DELETE", path, auth="token")
    except AmbiguousWriteError:
        still = list_authorizations(client, org, {"logins": [record["login"]]} if record.get("login") else {})
        if any(r["credential_id"] == record["credential_id"] for r in still):
            client.request("DELETE", path, auth="token")


def _partial(exc, removed, gone, left):
    not_processed = [r["credential_id"] for r in left]
    details = dict(exc.details)
    details.update({"removed": list(removed), "already_absent": list(gone), "not_processed": not_processed})
    message = (
        "%s. Removed before the failure: %d; already absent: %d; not processed: %d (listed in "
        "not_processed). Running the task again finishes the job."
        % (exc.message, len(removed), len(gone), len(not_processed))
    )
    if getattr(exc, "status", None) in (401, 403):
        message += " " + AUTH_HELP + "."
    return PatguardError(message, **details)


def summary(records: Iterable[dict[str, Any]] | None, now: Any = None) -> dict[str, Any]:
    """Counts the report and roles show: by type, scopes held, tokens without expiry, never used."""
    by_type = {}
    scopes = {}
    no_expiry = never_used = 0
    for record in records or []:
        kind = record.get("credential_type") or "unknown"
        by_type[kind] = by_type.get(kind, 0) + 1
        for scope in record.get("scopes") or []:
            scopes[scope] = scopes.get(scope, 0) + 1
        if record.get("is_token") and not record.get("expires_at"):
            no_expiry += 1
        if not record.get("accessed_at"):
            never_used += 1
    return {
        "total": len(records or []),
        "by_type": dict(sorted(by_type.items())),
        "scopes": dict(sorted(scopes.items())),
        "without_expiry": no_expiry,
        "never_accessed": never_used,
    }


# -- module options shared by the two credential authorization modules ----------------------------
def filter_argument_spec() -> dict[str, dict[str, Any]]:
    return dict(
        org=dict(type="str", required=True),
        logins=dict(type="list", elements="str"),
        credential_types=dict(type="list", elements="str", choices=list(TYPE_NAMES)),
        credential_ids=dict(type="list", elements="raw", no_log=False),
        accessed_before=dict(type="str"),
        authorized_before=dict(type="str"),
        authorized_after=dict(type="str"),
        expires_before=dict(type="str"),
        without_expiry=dict(type="bool", default=False),
        when_unavailable=dict(type="str", choices=list(WHEN_UNAVAILABLE), default="fail"),
    )


def filters_from_params(params: dict[str, Any]) -> dict[str, Any]:
    check_org(params.get("org"))
    return check_filters_input(**dict((k, params.get(k)) for k in FILTER_KEYS))
