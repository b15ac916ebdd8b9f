# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Recognise GitHub tokens by prefix and fingerprint them (pure, no I/O).

Nothing here ever puts a token, or any part of it, into an exception or return value
other than the fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

# Longest prefix first so ``github_pat_`` is not mistaken for anything shorter.
PREFIXES = (
    ("github_pat_", "fine_grained_pat"),
    ("ghp_", "classic_pat"),
    ("gho_", "oauth"),
    ("ghu_", "user_to_server"),
    ("ghs_", "installation"),
    ("ghr_", "refresh"),
)
TOKEN_TYPES = tuple(kind for _prefix, kind in PREFIXES) + ("unknown",)

# GitHub's documented shapes: fine-grained PATs are github_pat_ + 82 of [A-Za-z0-9_],
# the others a 4-character prefix + 36 alphanumerics. Stateless installation tokens
# (rolled out since 2026-04) are ``ghs_<APPID>_<JWT>``, about 520 characters with dots:
# GitHub's pattern is ``ghs_[A-Za-z0-9._]{36,}``; ``-`` is allowed too because a JWT is
# base64url, so that no real token is ever missed.
STATELESS_INSTALLATION_RE = re.compile(r"\Aghs_[0-9]+_[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2}\Z")
_SHAPES = (
    re.compile(r"\Agithub_pat_[A-Za-z0-9_]{82}\Z"),
    re.compile(r"\Agh[pousr]_[A-Za-z0-9]{36}\Z"),
    STATELESS_INSTALLATION_RE,
)
TOKEN_FORMATS = ("opaque", "stateless")


def token_type(token: Any) -> str:
    """'fine_grained_pat', 'classic_pat', 'oauth', 'user_to_server', 'installation',
    'refresh' or 'unknown', from the prefix alone."""
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    if not isinstance(token, str):
        return "unknown"
    for prefix, kind in PREFIXES:
        if token.startswith(prefix):
            return kind
    return "unknown"


def looks_like_github_token(value: Any) -> bool:
    """True when ``value`` has a GitHub prefix and the documented length and charset."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return False
    return any(shape.match(value) for shape in _SHAPES)


def is_stateless_installation_token(token: Any) -> bool:
    """True for a stateless installation token, ``ghs_<APPID>_<JWT>`` (header.payload.signature)."""
    return isinstance(token, str) and STATELESS_INSTALLATION_RE.match(token) is not None


def token_format(token: Any) -> str:
    """'stateless' for ``ghs_<APPID>_<JWT>``, else 'opaque' (every other GitHub token)."""
    return "stateless" if is_stateless_installation_token(token) else "opaque"


def fingerprint(token: Any) -> str:
    """``sha256:`` + the first 12 hex digits of the token's SHA-256: enough to tell tokens
    apart in logs and results, useless to an attacker."""
    if isinstance(token, str):
        data = token.encode("utf-8")
    elif isinstance(token, (bytes, bytearray)):
        data = bytes(token)
    else:
        # The type name only; the value itself must never reach an error message.
        raise TypeError("token must be a string, got %s" % type(token).__name__)
    if not data:
        raise ValueError("token is empty")
    return "sha256:" + hashlib.sha256(data).hexdigest()[:12]
