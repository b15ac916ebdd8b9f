# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Logic of credential_revoke: check a list of leaked tokens, then ``POST /credentials/revoke``.

GitHub's revocation API takes ``github_pat_``, ``ghp_``, ``gho_``, ``ghu_`` and ``ghr_`` tokens,
not ``ghs_`` installation tokens (those are revoked with ``DELETE /installation/token``,
authenticated by the token itself: ``app_token state=absent``), and GitHub Enterprise Server
has no such API. Both are refused before anything is sent. No function here returns or
raises with a token in it: callers get fingerprints and indexes.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence, Tuple

from ._catalog import MAX_CREDENTIALS_PER_REVOKE
from ._errors import ConfigError, GitHubAPIError, PatguardError, register_secret
from ._names import is_enterprise_server_api
from ._records import chunks
from ._tokens import PREFIXES, fingerprint, looks_like_github_token, token_type

REVOKE_PATH = "/credentials/revoke"
# GitHub documents that token lengths may grow, up to 255 characters.
MAX_TOKEN_LENGTH = 255
MIN_TOKEN_BODY = 30
NOT_REVOCABLE_TYPES = ("installation",)
_TOKEN_BODY_RE = re.compile(r"^[A-Za-z0-9_]+$")
_SHOWN_INDEXES = 10

GHES_MESSAGE = (
    "GitHub Enterprise Server has no credential revocation API (POST /credentials/revoke exists on "
    "github.com and GitHub Enterprise Cloud only); revoke the tokens in the web UI, or ask their "
    "owners to"
)


def is_revocable_credential(value: Any) -> bool:
    """True when ``value`` has the shape of a GitHub token the revocation API knows.

    :func:`_tokens.looks_like_github_token` checks today's exact lengths; GitHub documents
    that token lengths may grow (up to 255 characters) and refresh tokens (``ghr_``) are
    longer than 36 characters, so a known prefix followed by at least 30 characters of
    ``[A-Za-z0-9_]`` is accepted too. The shape only: :func:`check_credentials` also refuses
    installation tokens (``ghs_``), which the API does not take.
    """
    if looks_like_github_token(value):
        return True
    if not isinstance(value, str) or len(value) > MAX_TOKEN_LENGTH:
        return False
    for prefix, _kind in PREFIXES:
        if value.startswith(prefix):
            body = value[len(prefix) :]
            return len(body) >= MIN_TOKEN_BODY and bool(_TOKEN_BODY_RE.match(body))
    return False


def _indexes(field: str, indexes: Sequence[int]) -> str:
    shown = ", ".join("%s[%d]" % (field, i) for i in indexes[:_SHOWN_INDEXES])
    more = " and %d more" % (len(indexes) - _SHOWN_INDEXES) if len(indexes) > _SHOWN_INDEXES else ""
    return shown + more


def check_credentials(values: Any, field: str = "credentials") -> Tuple[List[str], int]:
    """Validate and de-duplicate credentials; return ``(unique, duplicates)``.

    Refuses the whole list when one value is not a token the revocation API takes, naming its
    index (never its value) so that nothing is sent when a list was assembled wrongly.
    """
    if values is None or (isinstance(values, (list, tuple)) and not values):
        raise ConfigError("%s: give at least one credential to revoke (the list is empty)" % field)
    if not isinstance(values, (list, tuple)):
        raise ConfigError("%s: must be a list of tokens, got %s" % (field, type(values).__name__))
    unique, seen, bad, installation = [], set(), [], []
    for index, value in enumerate(values):
        if isinstance(value, str):
            register_secret(value)
            value = value.strip()
        if token_type(value) in NOT_REVOCABLE_TYPES:
            installation.append(index)
        elif not isinstance(value, str) or not is_revocable_credential(value):
            bad.append(index)
        elif value not in seen:
            seen.add(value)
            unique.append(value)
    if installation:
        raise ConfigError(
            "%s: an installation token (ghs_); GitHub's revocation API does not take installation tokens. "
            "Revoke it with patguard.github.app_token state=absent (token: the installation token), which "
            "sends DELETE /installation/token; nothing was sent" % _indexes(field, installation),
            bad_indexes=installation,
        )
    if bad:
        raise ConfigError(
            "%s: not a GitHub token (expected a github_pat_, ghp_, gho_, ghu_, ghs_ or ghr_ token); "
            "nothing was sent" % _indexes(field, bad),
            bad_indexes=bad,
        )
    return unique, len(values) - len(unique)


def _fail_partway(exc: PatguardError, credentials: Sequence[str], done: int) -> None:
    exc.details["submitted"] = done
    exc.details["submitted_fingerprints"] = [fingerprint(c) for c in credentials[:done]]
    exc.details["not_processed"] = [fingerprint(c) for c in credentials[done:]]
    if done:
        exc.message += "; %d credential(s) were already submitted, %d not: run again with the ones in not_processed" % (
            done,
            len(credentials) - done,
        )


def revoke_credentials(
    client: Any, credentials: Sequence[str], check_mode: bool = False, size: int = MAX_CREDENTIALS_PER_REVOKE
) -> Dict[str, Any]:
    """``POST /credentials/revoke`` without authentication, in chunks of at most 1000.

    Returns a result dict of counts and fingerprints. On a failure after some chunks were
    sent, raises the error with ``submitted`` and ``not_processed`` fingerprints attached.
    On GitHub Enterprise Server (``/api/v3``, or a 404 from the endpoint) fails saying so.
    """
    if is_enterprise_server_api(getattr(client, "api_url", None)):
        raise ConfigError("api_url: %s; nothing was sent" % GHES_MESSAGE)
    groups = chunks(credentials, size)
    result = {
        "submitted": 0,
        "calls": len(groups),
        "fingerprints": [fingerprint(c) for c in credentials],
        "not_processed": [],
    }
    if check_mode:
        result["submitted"] = len(credentials)
        return result
    done = 0
    for group in groups:
        try:
            client.request("POST", REVOKE_PATH, json={"credentials": group}, auth="none")
        except GitHubAPIError as exc:
            if exc.status == 404 and not done:
                exc = GitHubAPIError(
                    "POST %s answered 404: this server has no credential revocation API. %s"
                    % (REVOKE_PATH, GHES_MESSAGE),
                    status=404,
                    method="POST",
                    path=REVOKE_PATH,
                    request_id=exc.request_id,
                )
            _fail_partway(exc, credentials, done)
            raise exc
        except PatguardError as exc:
            _fail_partway(exc, credentials, done)
            raise
        done += len(group)
    result["submitted"] = done
    return result
