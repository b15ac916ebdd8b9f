# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors of the collection. Private to this collection: not a public API.

Library code raises these and never exits the process; each module's ``main()``
catches :class:`PatguardError` once and turns it into ``fail_json`` (the pattern of
community.crypto's ACME client). Every message passes through :func:`redact` so no
token, JWT or private key can reach a result, a log or a traceback.
"""

from __future__ import annotations

import re
from typing import Any

# Shapes of every secret this collection handles. A value found in a message is replaced.
_SECRET_PATTERNS = (
    # GitHub tokens: fine-grained PAT, classic PAT, OAuth, user-to-server, installation, refresh.
    # Stateless installation tokens (ghs_<APPID>_<JWT>) carry dots and base64url '-': every
    # dot-separated piece is part of the match, the signature included.
    re.compile(r"\b(?:github_pat_|gh[pousr]_)[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]+)*"),
    # JSON Web Tokens (header.payload.signature, base64url, header starts with '{"' -> eyJ).
    re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"),
    # PEM blocks, whole or cut.
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
    # An Authorization header value that slipped into text.
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:bearer|token)\s+[^\s'\",}]+"),
)

REDACTED = "<redacted>"

# Extra literal secrets registered at runtime (the configured token and key), so that even
# a value of an unexpected shape is caught.
_KNOWN_SECRETS = set()  # type: set[str]
# Dot-separated pieces of registered secrets; replaced after the patterns, so that a piece
# never cuts a whole token into parts the patterns no longer recognise.
_KNOWN_PIECES = set()  # type: set[str]


_MIN_PIECE = 16  # shorter dot-separated pieces are too common to redact on their own


def register_secret(value: Any) -> None:
    """Remember a secret value so that :func:`redact` removes it wherever it appears.

    A dotted secret (a JWT, a stateless installation token) is remembered piece by piece too,
    so a signature or payload quoted alone is caught as well.
    """
    if value and isinstance(value, str) and len(value) >= 8:
        _KNOWN_SECRETS.add(value)
        if "." in value:
            _KNOWN_PIECES.update(piece for piece in value.split(".") if len(piece) >= _MIN_PIECE)


def redact(text: Any) -> Any:
    """Return ``text`` with every known or recognisable secret replaced by ``<redacted>``."""
    if text is None:
        return text
    if not isinstance(text, str):
        text = str(text)
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    for piece in _KNOWN_PIECES:
        if piece in text:
            text = text.replace(piece, REDACTED)
    return text


class PatguardError(Exception):
    """Base error: a user-facing message plus structured details for the task result.

    Every error of the collection derives from it (policy, catalogue, template and report
    errors included), so modules and filters convert one type in one place.
    ``qualified`` is True when the message already starts with the variable it is about
    (``patguard_policy.x: ...``), so a filter does not prefix its own name.
    """

    qualified = False

    def __init__(self, message: str, **details: Any) -> None:
        self.message = redact(message)
        self.details = dict((k, redact(v) if isinstance(v, str) else v) for k, v in details.items())
        super().__init__(self.message)

    def fail_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``AnsibleModule.fail_json``."""
        result = dict(self.details)
        result["msg"] = self.message
        return result


class ConfigError(PatguardError):
    """The task's options alone are wrong (nothing was sent)."""


class AuthError(PatguardError):
    """Credentials are missing, unreadable or refused."""


class TransportError(PatguardError):
    """GitHub could not be reached (DNS, TLS, connection reset, timeout)."""


class AmbiguousWriteError(PatguardError):
    """A write request may or may not have been applied (connection lost or 5xx).

    Callers reconcile by reading the current state instead of sending the write again blindly.
    """


class PaginationError(PatguardError):
    """The server's paging is inconsistent (a ``Link`` loop, a page of repeated ids)."""


class GitHubAPIError(PatguardError):
    """GitHub answered with an error status that is not retried."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        github_message: str | None = None,
        documentation_url: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        errors: Any = None,
    ) -> None:
        details = {
            "status": status,
            "github_message": github_message,
            "documentation_url": documentation_url,
            "request_id": request_id,
            "method": method,
            "path": path,
        }
        if errors:
            details["errors"] = errors
        super().__init__(message, **details)
        self.status = status
        self.github_message = github_message
        self.documentation_url = documentation_url
        self.request_id = request_id


def listing_error(
    exc: GitHubAPIError, path: str, unavailable: type, unavailable_message: str, forbidden_message: str
) -> GitHubAPIError:
    """The error a failed ``GET path`` of an owner-only listing raises instead of ``exc``.

    GitHub's 404 there means the feature is not offered (``unavailable``, a GitHubAPIError
    class, with ``unavailable_message``), never "nothing listed"; a 403 says who may read it
    (``forbidden_message``); any other error is ``exc`` itself.
    """
    if exc.status == 404:
        return unavailable(unavailable_message, status=404, method="GET", path=path, request_id=exc.request_id)
    if exc.status == 403:
        return GitHubAPIError(
            forbidden_message,
            status=403,
            method="GET",
            path=path,
            github_message=exc.github_message,
            request_id=exc.request_id,
        )
    return exc


class RateLimitError(GitHubAPIError):
    """The primary rate limit is spent and its reset is further away than allowed to wait."""

    def __init__(self, message: str, reset_at: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset_at = reset_at
        self.details["rate_limit_reset"] = reset_at
