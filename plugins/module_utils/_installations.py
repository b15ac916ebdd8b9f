# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The GitHub App's installations as inventory data. Private to this collection.

Pure functions (plus one listing through the shared client) behind the
``patguard.github.installations`` inventory plugin: which fields of an installation are
kept (never a token or a URL that could carry one), what the host variables are, whether an
installation can govern fine-grained tokens, and the login globs.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # annotations only: no import at run time, so no cycle with _client
    from ._client import GitHubClient

# The App permissions the organization PAT endpoints need to review requests and revoke
# grants (GitHub's "Personal access token requests" and "Personal access tokens").
PAT_APP_PERMISSIONS = (
    ("organization_personal_access_token_requests", "write"),
    ("organization_personal_access_tokens", "write"),
)
_LEVEL_RANK = {"read": 1, "write": 2, "admin": 3}

ORGANIZATION = "Organization"
# Group names: one per account type, and the installations that can govern tokens.
TYPE_GROUPS = {"Organization": "organizations", "User": "users", "Enterprise": "enterprises"}
PAT_READY_GROUP = "pat_ready"

# Host variables the plugin sets; nothing else of GitHub's answer reaches the inventory.
HOST_VARS = (
    "patguard_org",
    "patguard_installation_id",
    "patguard_account_login",
    "patguard_account_type",
    "patguard_account_id",
    "patguard_permissions",
    "patguard_pat_ready",
    "patguard_pat_missing",
    "patguard_repository_selection",
    "patguard_suspended",
)


def installation_record(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields kept of one item of ``GET /app/installations`` (what the cache holds)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
        raise ValueError("an installation without an integer id")
    account = raw.get("account") if isinstance(raw.get("account"), dict) else {}
    login = account.get("login") or account.get("slug")
    if not isinstance(login, str) or not login:
        raise ValueError("installation %d has no account login" % raw["id"])
    permissions = raw.get("permissions") if isinstance(raw.get("permissions"), dict) else {}
    return {
        "id": raw["id"],
        "login": login,
        "account_type": raw.get("target_type") or account.get("type") or "",
        "account_id": account.get("id"),
        "permissions": dict((str(k), str(v)) for k, v in permissions.items() if isinstance(v, str)),
        "repository_selection": raw.get("repository_selection"),
        "suspended": bool(raw.get("suspended_at")),
    }


def missing_pat_permissions(record: dict[str, Any]) -> list[str]:
    """Why an installation cannot govern tokens: ``[]`` when it can."""
    if record["account_type"] != ORGANIZATION:
        return ["a %s account, not an organization" % (record["account_type"] or "unknown")]
    missing = []
    for name, level in PAT_APP_PERMISSIONS:
        held = record["permissions"].get(name)
        if _LEVEL_RANK.get(held, 0) < _LEVEL_RANK[level]:
            missing.append("%s: %s (holds %s)" % (name, level, held or "none"))
    if record["suspended"]:
        missing.append("the installation is suspended")
    return missing


def host_vars(record: dict[str, Any]) -> dict[str, Any]:
    """The host variables of one installation (no secret: ids, names and permission levels)."""
    missing = missing_pat_permissions(record)
    return {
        # The roles' organization: a host_vars file can still override it.
        "patguard_org": record["login"],
        "patguard_installation_id": record["id"],
        "patguard_account_login": record["login"],
        "patguard_account_type": record["account_type"],
        "patguard_account_id": record["account_id"],
        "patguard_permissions": dict(record["permissions"]),
        "patguard_pat_ready": not missing,
        "patguard_pat_missing": missing,
        "patguard_repository_selection": record["repository_selection"],
        "patguard_suspended": record["suspended"],
    }


def groups_of(record: dict[str, Any], ready: bool) -> list[str]:
    """The plugin's own groups for a host: its account type, and pat_ready when it can govern."""
    groups = [TYPE_GROUPS.get(record["account_type"], "other_accounts")]
    if ready:
        groups.append(PAT_READY_GROUP)
    return groups


def login_selected(login: str, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None) -> bool:
    """Shell-style globs, case-insensitive as GitHub logins are; exclude wins over include."""
    name = login.lower()
    if include and not any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in include):
        return False
    return not (exclude and any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in exclude))


def check_globs(option: str, patterns: Any) -> list[str]:
    """A list of non-empty strings, or a ValueError naming the option."""
    if patterns is None:
        return []
    if not isinstance(patterns, (list, tuple)) or not all(isinstance(p, str) and p.strip() for p in patterns):
        raise ValueError("%s: must be a list of non-empty glob patterns such as 'acme-*', got %r" % (option, patterns))
    return [p.strip() for p in patterns]


def list_installations(client: GitHubClient) -> list[dict[str, Any]]:
    """Every installation of the App (all pages), as :func:`installation_record` dicts.

    ``GET /app/installations`` is an App endpoint: it is authenticated with the JWT alone, so
    listing buys no installation token.
    """
    return [installation_record(item) for item in client.paginate("/app/installations", auth="jwt")]
