# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Logic of app_token (module and lookup): scoped installation tokens of a GitHub App.

Names and levels come from the contract's ``app-permissions`` schema (``_catalog.APP_PERMISSIONS``).
Tokens come back in either form GitHub issues: ``ghs_`` + 36 characters, or stateless
``ghs_<APPID>_<JWT>`` (about 520 characters, with dots); results carry ``token_format``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from ._catalog import APP_PERMISSIONS, MAX_INSTALLATION_REPOSITORIES, suggest
from ._errors import ConfigError, GitHubAPIError
from ._names import is_repo_name
from ._tokens import fingerprint, token_format


def check_app_permissions(permissions: Any, field: str = "permissions") -> Optional[Dict[str, str]]:
    """Validate ``{name: level}`` against the contract's ``app-permissions``; return a copy."""
    if permissions is None:
        return None
    if not isinstance(permissions, dict):
        raise ConfigError(
            "%s: must be a mapping of GitHub App permission to level, got %s" % (field, type(permissions).__name__)
        )
    result = {}
    for name, level in permissions.items():
        if name not in APP_PERMISSIONS:
            raise ConfigError(
                "%s.%s: unknown GitHub App permission%s (GitHub App names come from the "
                "app-permissions schema, for example email_addresses, not emails)"
                % (field, name, suggest(name, APP_PERMISSIONS))
            )
        levels = APP_PERMISSIONS[name]
        if level not in levels:
            raise ConfigError("%s.%s: accepts %s, got %r" % (field, name, " or ".join(levels), level))
        result[name] = level
    return result


def check_installation_repositories(
    repositories: Any, org: Optional[str] = None, field: str = "repositories"
) -> Optional[List[str]]:
    """Repository names for an installation token: ``name`` or ``org/name``; at most 500."""
    if repositories is None:
        return None
    if not isinstance(repositories, (list, tuple)):
        raise ConfigError("%s: must be a list of repository names" % field)
    if not repositories:
        raise ConfigError("%s: is empty; omit it for every repository of the installation" % field)
    names = []
    seen = set()
    for index, entry in enumerate(repositories):
        if not isinstance(entry, str):
            raise ConfigError("%s[%d]: must be a repository name, got %s" % (field, index, type(entry).__name__))
        name = entry.strip()
        if "/" in name:
            owner, _sep, name = name.partition("/")
            if org and owner.lower() != org.lower():
                raise ConfigError(
                    "%s[%d]: %r belongs to %s, not to %s; an installation token reaches "
                    "the repositories of one account only" % (field, index, entry, owner, org)
                )
        if not is_repo_name(name):
            raise ConfigError("%s[%d]: %r is not a repository name" % (field, index, entry))
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        names.append(name)
    if len(names) > MAX_INSTALLATION_REPOSITORIES:
        raise ConfigError(
            "%s: an installation token can be narrowed to at most %d repositories, got %d"
            % (field, MAX_INSTALLATION_REPOSITORIES, len(names))
        )
    return names


def create_scoped_token(
    client: Any, repositories: Optional[List[str]] = None, permissions: Optional[Dict[str, str]] = None
) -> Tuple[str, Dict[str, Any]]:
    """A new installation token narrowed to ``repositories``/``permissions``.

    Returns ``(token, info)``; ``info`` has no secret: expires_at, permissions,
    repository_selection, repositories, installation_id, fingerprint.
    """
    app = client.app_auth
    if app is None:
        raise ConfigError(
            "app_id: an installation token needs GitHub App credentials (app_id with "
            "private_key or private_key_path, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH)"
        )
    data = app.request_installation_token(client, repositories, permissions)
    token = data["token"]
    repos = data.get("repositories")
    info = {
        "installation_id": app.installation_id,
        "expires_at": data.get("expires_at"),
        "permissions": data.get("permissions") or {},
        "repository_selection": data.get("repository_selection"),
        "repositories": [r.get("name") for r in repos if isinstance(r, dict)] if isinstance(repos, list) else None,
        "fingerprint": fingerprint(token),
        "token_format": token_format(token),
    }
    return token, info


def revoke_installation_token(client: Any, check_mode: bool = False) -> bool:
    """Revoke the client's user-given token (``DELETE /installation/token``).

    Returns True when GitHub revoked it, False when it was already unusable (401). In check
    mode, ``GET /rate_limit`` (free of rate-limit cost) tells whether it still works.
    """
    if client.token_auth is None:
        raise ConfigError("token: state=absent revokes the installation token given in token; it is missing")
    try:
        if check_mode:
            client.request("GET", "/rate_limit", auth="token")
        else:
            client.request("DELETE", "/installation/token", auth="token")
    except GitHubAPIError as exc:
        if exc.status == 401:
            return False
        raise
    return True


def env_token_guard(token: Optional[str], environ: Mapping[str, str]) -> Optional[str]:
    """Name the environment variable ``token`` came from when it equals GITHUB_TOKEN/GH_TOKEN."""
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        if token and environ.get(name) == token:
            return name
    return None
