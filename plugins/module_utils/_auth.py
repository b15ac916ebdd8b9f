# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication: a personal token, or a GitHub App. Private to this collection.

The organization endpoints for PAT requests and grants accept GitHub App installation
tokens only, so App auth is the main path: a JWT signed RS256 with the app's private key
(PyJWT + cryptography, never hand-rolled) is exchanged for an installation token, which is
cached for the process and renewed before it expires, or once after a 401.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable

from ._errors import AuthError, ConfigError, register_secret
from ._time import to_epoch
from ._tokens import token_type

if TYPE_CHECKING:  # annotations only: no import at run time, so no cycle with _client
    from ._client import GitHubClient
    from ._connection import ConnectionOptions

try:
    import jwt as pyjwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    HAS_JWT = True
    JWT_IMPORT_ERROR = None
except ImportError:  # reported by the module through missing_required_lib
    HAS_JWT = False
    JWT_IMPORT_ERROR = traceback.format_exc()

# GitHub rejects a JWT whose exp is more than 10 minutes after iat; iat is set 60 s in the
# past to absorb clock drift (GitHub's documented recommendation).
JWT_BACKDATE_SECONDS = 60
JWT_LIFETIME_SECONDS = 9 * 60
# Renew an installation token this long before it expires (capped at a fifth of its
# lifetime, so that short-lived tokens in tests are still used for a while).
RENEW_MARGIN_SECONDS = 300

# (api_url, app_id, installation key) -> (token, expires_at_epoch, lifetime). Shared by every
# client in the process (a lookup may be called many times in one play).
_INSTALLATION_TOKEN_CACHE = {}
_CACHE_LOCK = threading.Lock()


def load_private_key(private_key: str | None = None, private_key_path: str | None = None) -> Any:
    """Load and check an RSA private key from PEM text or a file; errors never echo the key."""
    if not HAS_JWT:
        raise ConfigError("the PyJWT and cryptography Python libraries are required for GitHub App auth")
    source = "private_key"
    if private_key_path:
        source = "private_key_path"
        path = os.path.expanduser(private_key_path)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise ConfigError("private_key_path: cannot read %s (%s)" % (path, exc.strerror or exc)) from None
    else:
        text = private_key.strip()
        # Credential stores (AWX, env files) often carry the PEM on one line with "\n" escapes.
        if "\\n" in text and "\n" not in text:
            text = text.replace("\\n", "\n")
        data = text.encode("utf-8")
    register_secret(data.decode("utf-8", "replace").strip())
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        reason = (
            "it is encrypted; give an unencrypted key"
            if "password" in str(exc).lower()
            else ("it is not a PEM private key")
        )
        raise ConfigError("%s: the GitHub App private key cannot be read: %s" % (source, reason)) from None
    except Exception:  # cryptography raises UnsupportedAlgorithm and others
        raise ConfigError("%s: the GitHub App private key cannot be read: unsupported key format" % source) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("%s: GitHub App keys are RSA keys; this PEM holds a different key type" % source)
    return key


class TokenAuth:
    """A token given by the user (PAT, OAuth or installation token)."""

    kind = "token"

    def __init__(self, token: str) -> None:
        self._token = token
        self.kind_of_token = token_type(token)  # "user_to_server" for ghu_, "classic_pat", ...
        register_secret(token)

    def header(self) -> str:
        return "Bearer %s" % self._token

    def invalidate(self) -> bool:
        """A 401 on a user token cannot be fixed by renewal."""
        return False


class AppAuth:
    """GitHub App credentials: JWTs for app endpoints, installation tokens for the rest."""

    kind = "app"

    def __init__(
        self,
        api_url: str,
        app_id: str | int,
        private_key: str | None = None,
        private_key_path: str | None = None,
        installation_id: int | None = None,
        org: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url
        self.app_id = str(app_id)  # the numeric App ID or the App's Client ID: both are a JWT "iss"
        self.installation_id = installation_id
        self._installation_id_given = bool(installation_id)
        self.org = org
        self._clock = clock
        self._key = load_private_key(private_key, private_key_path)
        self._token_cache_key = (api_url, self.app_id, installation_id or ("org", (org or "").lower()))

    # -- JWT -------------------------------------------------------------------------
    def jwt(self) -> str:
        now = int(self._clock())
        payload = {
            "iat": now - JWT_BACKDATE_SECONDS,
            "exp": now + JWT_LIFETIME_SECONDS,
            "iss": self.app_id,
        }
        token = pyjwt.encode(payload, self._key, algorithm="RS256")
        if isinstance(token, bytes):  # PyJWT < 2 returned bytes
            token = token.decode("ascii")
        register_secret(token)
        return token

    def jwt_header(self) -> str:
        return "Bearer %s" % self.jwt()

    # -- installation token ----------------------------------------------------------
    def _cache_key(self):
        # Fixed at construction: resolving installation_id later must not change the key.
        return self._token_cache_key

    def installation_header(self, client: GitHubClient) -> str:
        """Authorization header with a valid installation token (obtained or renewed here)."""
        key = self._cache_key()
        with _CACHE_LOCK:
            cached = _INSTALLATION_TOKEN_CACHE.get(key)
        now = self._clock()
        if cached:
            token, expires_at, lifetime = cached
            margin = min(RENEW_MARGIN_SECONDS, lifetime / 5.0)
            if expires_at - now > margin:
                return "Bearer %s" % token
        token, expires_at = self._create_installation_token(client)
        with _CACHE_LOCK:
            _INSTALLATION_TOKEN_CACHE[key] = (token, expires_at, max(expires_at - now, 1.0))
        return "Bearer %s" % token

    def holds_token(self) -> bool:
        """True when an installation token is cached (a 401 on it may be cured by renewal)."""
        with _CACHE_LOCK:
            return self._cache_key() in _INSTALLATION_TOKEN_CACHE

    def invalidate(self) -> bool:
        """Forget the cached installation token (after a 401); True if there was one."""
        with _CACHE_LOCK:
            return _INSTALLATION_TOKEN_CACHE.pop(self._cache_key(), None) is not None

    def resolve_installation_id(self, client: GitHubClient) -> int:
        if self.installation_id:
            return self.installation_id
        if not self.org:
            raise ConfigError("installation_id: required when no organization is given to find the app's installation")
        data = client.request_json(
            "GET",
            "/orgs/%s/installation" % self.org,
            auth="jwt",
            not_found_message=(
                "the GitHub App %s is not installed on the organization %r "
                "(or the organization does not exist): install the app on it, "
                "or give installation_id" % (self.app_id, self.org)
            ),
        )
        installation_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(installation_id, int):
            raise AuthError("GitHub's answer for /orgs/%s/installation has no installation id" % self.org)
        self.installation_id = installation_id
        return installation_id

    def _unknown_installation(self):
        where = " %r" % self.org if self.org else ""
        return (
            "installation_id %d: the GitHub App %s has no installation with this id. Check that the App is "
            "installed on the organization%s, that the id is this App's installation there (the number at the "
            "end of the installation's settings page URL, or the id of GET /orgs/ORG/installation), and that "
            "api_url is the GitHub it is installed on (https://HOST/api/v3 for GitHub Enterprise Server); or "
            "leave installation_id unset to find it from the organization" % (self.installation_id, self.app_id, where)
        )

    def _create_installation_token(self, client):
        data = self.request_installation_token(client)
        return data["token"], to_epoch(data.get("expires_at"), default=self._clock() + 3600)

    def request_installation_token(
        self, client: GitHubClient, repositories: list | None = None, permissions: dict | None = None
    ) -> dict:
        """``POST /app/installations/{id}/access_tokens``: GitHub's answer, token checked and registered.

        Narrowed to ``repositories``/``permissions`` when given (scoped tokens are not cached).
        """
        installation_id = self.resolve_installation_id(client)
        body = {}
        if repositories:
            body["repositories"] = list(repositories)
        if permissions:
            body["permissions"] = dict(permissions)
        path = "/app/installations/%d/access_tokens" % installation_id
        data = client.request_json(
            "POST",
            path,
            json=body or None,
            auth="jwt",
            write=False,
            not_found_message=(self._unknown_installation() if self._installation_id_given else None),
        )
        token = data.get("token") if isinstance(data, dict) else None
        if not token:
            raise AuthError(
                "GitHub did not return an installation token for installation %d" % installation_id,
                method="POST",
                path=path,
            )
        register_secret(token)
        return data


def build_auth(options: ConnectionOptions, org: str | None = None, clock: Callable[[], float] = time.time) -> tuple:
    """Pick the auth from :class:`ConnectionOptions`: App when configured, else token."""
    if options.has_app:
        app = AppAuth(
            options.api_url,
            options.app_id,
            options.private_key,
            options.private_key_path,
            options.installation_id,
            org=org,
            clock=clock,
        )
        token = TokenAuth(options.token) if options.token else None
        return app, token
    if options.token:
        return None, TokenAuth(options.token)
    return None, None
