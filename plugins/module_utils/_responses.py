# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GitHub's answers as the client reads them. Private to this collection.

Pure functions over a ``requests`` response: its JSON body, GitHub's ``message`` and
``errors``, a one-line summary of a body that is not JSON (never a secret: redacted), and
integer headers such as the rate-limit ones.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlsplit

from ._errors import GitHubAPIError, redact
from ._urls import path_of

# Endpoints that GitHub serves to GitHub App installation tokens only.
APP_ONLY_PATH = re.compile(r"^/orgs/[^/]+/personal-access-token(?:-request)?s(?:/|$)")

if TYPE_CHECKING:  # pragma: no cover
    import requests


def decode(raw: requests.Response, method: str, url: str) -> Any:
    if raw.status_code == 204 or not raw.content:
        return None
    try:
        return raw.json()
    except ValueError:
        raise GitHubAPIError(
            "%s %s: GitHub answered %d with a body that is not JSON (%s)"
            % (method, path_of(url), raw.status_code, text_summary(raw)),
            status=raw.status_code,
            method=method,
            path=path_of(url),
            request_id=raw.headers.get("x-github-request-id"),
        ) from None


def json_or_none(raw: requests.Response) -> Any:
    try:
        return raw.json()
    except ValueError:
        return None


def github_message(raw: requests.Response) -> str | None:
    body = json_or_none(raw)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return None


def text_summary(raw: requests.Response) -> str:
    """One line describing a non-JSON body (GitHub's proxies answer HTML pages)."""
    content_type = raw.headers.get("Content-Type", "") or ""
    text = raw.text if raw.content else ""
    if "html" in content_type.lower() or text.lstrip().lower().startswith(("<!doctype", "<html")):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        return redact("an HTML page%s" % (": %s" % title.group(1).strip()[:120] if title else ""))
    text = " ".join(text.split())
    if not text:
        return "an empty body"
    return redact("a non-JSON body starting %r" % text[:120])


def errors_text(errors: Any) -> str:
    parts = []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            parts.append(", ".join("%s=%s" % (k, v) for k, v in sorted(error.items())))
        else:
            parts.append(str(error))
    return redact("; ".join(parts))[:500]


def int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def api_error(
    raw: requests.Response,
    method: str,
    url: str,
    not_found_message: str | None = None,
    app_only_hint: str | None = None,
) -> GitHubAPIError:
    """The GitHubAPIError for an error answer: GitHub's message, errors and request id, with
    ``not_found_message`` for a 404 and ``app_only_hint`` for a 403 on an App-only endpoint."""
    status = raw.status_code
    path = path_of(url)
    body = json_or_none(raw)
    github_message = body.get("message") if isinstance(body, dict) else None
    doc_url = body.get("documentation_url") if isinstance(body, dict) else None
    errors = body.get("errors") if isinstance(body, dict) else None
    request_id = raw.headers.get("x-github-request-id")
    if github_message:
        summary = github_message
    else:
        summary = text_summary(raw)
    if status == 404 and not_found_message:
        message = "%s (GitHub answered 404 for %s %s)" % (not_found_message, method, path)
    elif status == 403 and app_only_hint and APP_ONLY_PATH.match(urlsplit(path).path):
        message = "%s %s: GitHub answered %d (%s). %s" % (method, path, status, summary, app_only_hint)
    elif status == 401:
        message = (
            "%s %s: GitHub answered 401 Bad credentials (%s): check the token, or the "
            "app_id and private key of the GitHub App" % (method, path, summary)
        )
    else:
        message = "%s %s: GitHub answered %d: %s" % (method, path, status, summary)
    if errors:
        message += " (%s)" % errors_text(errors)
    if request_id:
        message += " [request id %s]" % request_id
    return GitHubAPIError(
        message,
        status=status,
        github_message=github_message,
        documentation_url=doc_url,
        request_id=request_id,
        method=method,
        path=path,
        errors=errors,
    )
