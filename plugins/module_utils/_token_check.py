# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Logic of token_info: what a token in hand can tell about itself.

``GET /user`` (login, the ``GitHub-Authentication-Token-Expiration`` header, classic scopes),
``GET /user/emails`` and ``GET /repos/{owner}/{repo}`` per repository asked about. Results
carry the fingerprint, never the token.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional, Sequence

from ._errors import ConfigError, GitHubAPIError, PatguardError
from ._names import LOGIN_RULE, is_login, is_repo_name
from ._time import iso_z, now_utc, parse_time, whole_days
from ._tokens import fingerprint, token_format, token_type


class TokenCheckFailed(PatguardError):
    """token_info found the token unfit (invalid, expiring too soon); details hold the result."""


def days_remaining(expires_at: Optional[datetime.datetime], now: datetime.datetime) -> Optional[int]:
    """Whole days left (floor) between ``now`` and ``expires_at`` (aware datetimes), or None."""
    return whole_days(now, expires_at) if expires_at is not None else None


def parse_scopes(value: Optional[str]) -> Optional[List[str]]:
    """``X-OAuth-Scopes`` as a list (classic and OAuth tokens), or None when absent."""
    if value is None:
        return None
    return [s.strip() for s in value.split(",") if s.strip()]


def check_repository_names(repositories: Any, field: str = "repositories") -> List[str]:
    """``owner/name`` entries for token_info, de-duplicated (first spelling kept)."""
    if not repositories:
        return []
    names = []
    seen = set()
    for index, entry in enumerate(repositories):
        owner, sep, name = entry.partition("/") if isinstance(entry, str) else ("", "", "")
        if not sep or not is_login(owner) or not is_repo_name(name):
            raise ConfigError(
                "%s[%d]: must be owner/name, for example acme/infra, got %r (the owner: %s)"
                % (field, index, entry, LOGIN_RULE)
            )
        key = entry.lower()
        if key not in seen:
            seen.add(key)
            names.append("%s/%s" % (owner, name))
    return names


def _status_of(call):
    """Run ``call`` and return (data, headers, status); API errors give (None, None, status)."""
    try:
        response = call()
    except GitHubAPIError as exc:
        if exc.status in (401, 403, 404):
            return None, None, exc.status
        raise
    return response.data, response.headers, response.status


def inspect_token(
    client: Any, token: str, repositories: Sequence[str] = (), now: Optional[datetime.datetime] = None
) -> Dict[str, Any]:
    """What the token can tell about itself. ``client`` must authenticate with ``token``.

    Sends ``GET /user`` (login, expiry header, classic scopes), then when the token works
    ``GET /user/emails`` (null when unreadable) and ``GET /repos/{owner}/{repo}`` per given
    repository (200 reachable; 403 and 404 not).
    """
    now = now or now_utc()
    info = {
        "valid": False,
        "type": token_type(token),
        "token_format": token_format(token),
        "fingerprint": fingerprint(token),
        "login": None,
        "expires_at": None,
        "days_remaining": None,
        "scopes": None,
        "email_verified": None,
        "repositories": {},
        "unreachable_repositories": [],
    }
    data, headers, status = _status_of(lambda: client.request("GET", "/user", auth="token"))
    if status == 401:
        return info
    info["valid"] = True  # 403: GitHub knows the token but refuses /user (an installation token, SSO)
    if headers is not None:
        expires = parse_time(headers.get("GitHub-Authentication-Token-Expiration"))
        info["expires_at"] = iso_z(expires)
        info["days_remaining"] = days_remaining(expires, now)
        info["scopes"] = parse_scopes(headers.get("X-OAuth-Scopes"))
    if isinstance(data, dict):
        info["login"] = data.get("login")
        info["email_verified"] = _primary_verified(client)
    for full_name in repositories:
        _data, _headers, status = _status_of(
            lambda name=full_name: client.request("GET", "/repos/%s" % name, auth="token")
        )
        if status == 401:
            raise GitHubAPIError(
                "GET /repos/%s: the token stopped working during the check (401)" % full_name,
                status=401,
                method="GET",
                path="/repos/%s" % full_name,
            )
        reachable = status < 300
        info["repositories"][full_name] = reachable
        if not reachable:
            info["unreachable_repositories"].append(full_name)
    return info


def _primary_verified(client):
    try:
        emails = client.list_all("/user/emails", auth="token")
    except GitHubAPIError as exc:
        if exc.status in (401, 403, 404):
            return None  # the token cannot read email addresses
        raise
    for entry in emails:
        if isinstance(entry, dict) and entry.get("primary"):
            return bool(entry.get("verified"))
    return None


def judge_token(
    info: Dict[str, Any],
    min_days_remaining: Optional[int] = None,
    fail_if_invalid: bool = False,
    fail_if_unreachable: bool = False,
) -> None:
    """Raise :class:`TokenCheckFailed` (with the result attached) when the token is unfit."""
    problems = []
    if not info["valid"]:
        if fail_if_invalid:
            problems.append(
                "check_token: GitHub does not accept the token (401 Bad credentials): it is "
                "revoked, expired or mistyped"
            )
    else:
        left = info["days_remaining"]
        if min_days_remaining is not None and left is not None and left < min_days_remaining:
            problems.append(
                "min_days_remaining: the token expires on %s, in %d day(s), sooner than %d"
                % (info["expires_at"], left, min_days_remaining)
            )
        if fail_if_unreachable and info["unreachable_repositories"]:
            problems.append("repositories: the token cannot reach %s" % ", ".join(info["unreachable_repositories"]))
    if problems:
        raise TokenCheckFailed("; ".join(problems) + " (token %s)" % info["fingerprint"], **info)
