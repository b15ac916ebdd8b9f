# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""The one rule for GitHub login and organization names (pure, no I/O).

A login is letters, digits and single hyphens, neither first nor last, at most 39
characters. Enterprise Managed Users are ``handle_shortcode`` (``octocat_acme``): the
handle, one underscore and the enterprise's shortcode. Organization names follow the
login rule without the EMU suffix.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.patguard.github.plugins.module_utils._catalog import MAX_LOGIN_LENGTH

_HANDLE = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*"
_LOGIN_RE = re.compile(r"\A%s(?:_[A-Za-z0-9]+)?\Z" % _HANDLE)
_ORG_RE = re.compile(r"\A%s\Z" % _HANDLE)
_REPO_NAME_RE = re.compile(r"\A[A-Za-z0-9._-]{1,100}\Z")

LOGIN_RULE = (
    "letters, digits and single hyphens, not first or last, at most %d characters; "
    "an Enterprise Managed User adds _shortcode, for example octocat_acme" % MAX_LOGIN_LENGTH
)
ORG_RULE = "letters, digits and single hyphens, not first or last, at most %d characters" % MAX_LOGIN_LENGTH
REPO_NAME_RULE = 'letters, digits, ".", "_" and "-", at most 100 characters'


def is_login(value: Any) -> bool:
    """True for a GitHub user login (EMU ``handle_shortcode`` included) or organization name."""
    return isinstance(value, str) and len(value) <= MAX_LOGIN_LENGTH and _LOGIN_RE.match(value) is not None


def is_org(value: Any) -> bool:
    """True for a GitHub organization name."""
    return isinstance(value, str) and len(value) <= MAX_LOGIN_LENGTH and _ORG_RE.match(value) is not None


def is_repo_name(value: Any) -> bool:
    """True for a repository name (without its owner); ``.`` and ``..`` are refused."""
    return isinstance(value, str) and _REPO_NAME_RE.match(value) is not None and value not in (".", "..")


def is_enterprise_server_api(api_url: Any) -> bool:
    """True for a GitHub Enterprise Server API address, ``https://HOST/api/v3``.

    github.com (``api.github.com``) and GHE Cloud (``api.HOST.ghe.com``) serve the API at the
    root of an ``api.`` host; only GHES puts it under ``/api/v3``.
    """
    if not isinstance(api_url, str):
        return False
    return urlsplit(api_url.strip()).path.rstrip("/").lower().endswith("/api/v3")
