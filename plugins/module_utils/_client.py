# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one GitHub REST client of the collection. Private to this collection.

Everything about talking to GitHub lives here, written once and unit-tested: headers,
auth (via ``_auth``), pagination through the ``Link`` header, the retry rules (one
decision per answer, in ``_retry``), write spacing, and the mapping of errors to typed
exceptions with GitHub's message, documentation URL and request id.

GitHub's REST best practices shape the behaviour: one request at a time, mutating
requests spaced (``write_interval``), ``Retry-After`` honoured and nothing else sent until
then, at least 60 s (doubling on repeats) on a secondary limit without ``Retry-After``,
and no retry of other 4xx answers.

Progress: set ``client.progress`` to a callable; it receives one dict per event (the
client itself prints nothing):

- ``{"event": "page", "path": "/orgs/acme/personal-access-tokens", "page": 2, "pages": 7,
  "items": 100}``: a listing page read; ``pages`` comes from the ``Link`` header's
  ``last`` (None when GitHub does not say);
- ``{"event": "write", "method": "POST", "path": "...", "writes": 3}``: a mutating request
  sent (``writes`` is the running total, as in ``api.writes``);
- ``{"event": "wait", "cause": "write_interval", "seconds": 1.0, "why": "..."}``: a wait
  before it happens; ``cause`` is the ``api.waited_seconds`` key (``write_interval``,
  ``retry_after`` for Retry-After and secondary limits, ``primary_reset``, ``backoff``),
  ``why`` says it in words.
"""

from __future__ import annotations

import random
import re
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._auth import build_auth
from ._retry import (
    AMBIGUOUS,
    BACKOFF,
    FAIL,
    LOST,
    OK,
    RATE_LIMIT_MAX_WAITS,
    RENEW,
    SHRINK,
    WAIT,
    Answer,
    Attempt,
    RetryPolicy,
    transport_failure,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._connection import ConnectionOptions
from ._errors import (
    AmbiguousWriteError,
    AuthError,
    GitHubAPIError,
    PaginationError,
    RateLimitError,
    TransportError,
    redact,
)
from ._time import iso_z_epoch

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # reported by the module through missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "patguard.github/%s (Ansible collection)" % COLLECTION_VERSION
API_VERSION = "2022-11-28"
PER_PAGE = 100
MIN_PER_PAGE = 10

# Endpoints that GitHub serves to GitHub App installation tokens only.
APP_ONLY_PATH = re.compile(r"^/orgs/[^/]+/personal-access-token(?:-request)?s(?:/|$)")
_LINK_PART = re.compile(r'<([^>]*)>\s*((?:;\s*[a-zA-Z]+\s*=\s*"?[^";,]*"?\s*)*)')
# Parameter names are case-insensitive (RFC 8288); "rel" must be a whole parameter name.
_LINK_REL = re.compile(r';\s*rel\s*=\s*"?([^";,]*)"?', re.IGNORECASE)
_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def parse_link_header(value: str | None) -> dict[str, str]:
    """Map each ``rel`` of a ``Link`` header to its URL (RFC 8288, as GitHub writes it)."""
    links = {}
    if not value or not isinstance(value, str):
        return links
    for match in _LINK_PART.finditer(value):
        url, params = match.group(1).strip(), match.group(2)
        for rel_match in _LINK_REL.finditer(params or ""):
            for rel in rel_match.group(1).split():
                links.setdefault(rel.lower(), url)
    return links


class ApiStats:
    """What one task cost: requests, rate-limit budget left, and seconds spent waiting."""

    def __init__(self):
        self.requests = 0
        self.writes = 0
        self.retries = 0
        self.rate_limit_remaining = None
        self.rate_limit_limit = None
        self.rate_limit_reset = None
        self.waited = {"write_interval": 0.0, "retry_after": 0.0, "backoff": 0.0, "primary_reset": 0.0}

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "writes": self.writes,
            "retries": self.retries,
            "rate_limit_remaining": self.rate_limit_remaining,
            "rate_limit_limit": self.rate_limit_limit,
            "rate_limit_reset": self.rate_limit_reset,
            "waited_seconds": dict((k, round(v, 3)) for k, v in self.waited.items()),
        }


class Response:
    """The parts of an HTTP answer callers need (decoded JSON, headers, status)."""

    __slots__ = ("status", "headers", "data", "url")

    def __init__(self, status, headers, data, url):
        self.status = status
        self.headers = headers
        self.data = data
        self.url = url


class GitHubClient:
    """Talks to one GitHub API (``options.api_url``) for one organization (optional)."""

    def __init__(
        self,
        options: ConnectionOptions,
        org: str | None = None,
        session=None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng=None,
    ) -> None:
        if not HAS_REQUESTS:
            raise TransportError("the requests Python library is required")
        self.options = options
        self.org = org
        self.api_url = options.api_url
        self._sleep = sleep
        self._clock = clock
        self.stats = ApiStats()
        self.retry = RetryPolicy(
            options.max_retries, options.rate_limit_wait, options.write_interval, rng or random.Random()
        )
        # Optional progress sink: a callable taking one event dict (see the module docstring).
        self.progress = None
        self.app_auth, self.token_auth = build_auth(options, org=org, clock=clock)
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            }
        )
        self.session.verify = (
            options.ca_path if (options.validate_certs and options.ca_path) else options.validate_certs
        )

    # -- public API ---------------------------------------------------------------------
    def request_json(
        self,
        method: str,
        path: str,
        params: dict | None = None,
        json=None,
        auth: str = "auto",
        write: bool | None = None,
        not_found_message: str | None = None,
    ) -> Any:
        """Send one request (with retries) and return its decoded JSON body (or None)."""
        return self.request(
            method, path, params=params, json=json, auth=auth, write=write, not_found_message=not_found_message
        ).data

    def request(
        self,
        method: str,
        path: str,
        params: dict | None = None,
        json=None,
        auth: str = "auto",
        write: bool | None = None,
        not_found_message: str | None = None,
        per_page_fallback: bool = False,
    ) -> Response:
        """Send one request, retrying what GitHub documents as transient.

        ``write`` (default: any non-GET) marks a request whose effect may be applied even
        when its answer is lost; such a request is not retried after a dropped connection or
        a 5xx, and :class:`AmbiguousWriteError` lets the caller reconcile from a listing.
        Each answer gets one decision from :class:`RetryPolicy` (see ``_retry``).
        """
        method = method.upper()
        call = _Call(
            method,
            self._url(path, params),
            method in _WRITE_METHODS if write is None else write,
            auth,
            per_page_fallback,
        )
        counters = self.retry.start()
        while True:
            for wait in self.retry.before_send(call.write, self._clock()):
                self._hold_or_fail(wait, call, None)
            raw, answer, reason = self._attempt(call, json)
            decision = self.retry.decide(counters, answer, self._attempt_context(call), self._clock())
            if decision.kind == OK:
                return Response(raw.status_code, raw.headers, _decode(raw, method, call.url), raw.url)
            if decision.kind == RENEW:
                self.app_auth.invalidate()  # an installation token can expire or be revoked mid-run
            elif decision.kind == SHRINK:
                call.url = _shrink_page(call.url)
                self.stats.retries += 1
            elif decision.kind in (WAIT, BACKOFF):
                self.stats.retries += decision.kind == BACKOFF
                self._hold(decision.seconds, decision.cause, decision.why)
            else:
                raise self._failure(decision, call, raw, reason, not_found_message, counters)

    def get(
        self, path: str, params: dict | None = None, auth: str = "auto", not_found_message: str | None = None
    ) -> Any:
        return self.request_json("GET", path, params=params, auth=auth, not_found_message=not_found_message)

    def post(self, path: str, json=None, auth: str = "auto") -> Response:
        return self.request("POST", path, json=json, auth=auth)

    def paginate(
        self, path: str, params: dict | None = None, auth: str = "auto", key: str | None = None, id_field: str = "id"
    ) -> Iterator[Any]:
        """Yield every item of a list endpoint, following ``Link: rel="next"`` only.

        Pages are requested at ``per_page=100``; a 502/504 on a large page is retried at
        half the size. A ``next`` link that was already fetched, or a page made only of ids
        already seen, stops with :class:`PaginationError` instead of looping.
        """
        query = dict(params or {})
        query.setdefault("per_page", PER_PAGE)
        url = self._url(path, query)
        seen_urls = set()
        seen_ids = set()
        while url:
            canonical = _canonical_url(url)
            if canonical in seen_urls:
                raise PaginationError(
                    "GET %s: GitHub's Link header points back to a page already read (%s); "
                    "stopping instead of looping" % (path, _path_of(url)),
                    path=path,
                )
            seen_urls.add(canonical)
            response = self.request("GET", url, auth=auth, per_page_fallback=True)
            items = response.data
            if key is not None and isinstance(items, dict):
                items = items.get(key)
            if not isinstance(items, list):
                raise GitHubAPIError(
                    "GET %s: expected a JSON list from GitHub, got %s" % (path, type(items).__name__),
                    path=path,
                    method="GET",
                )
            fresh = 0
            for item in items:
                item_id = item.get(id_field) if isinstance(item, dict) else None
                if item_id is not None:
                    if item_id in seen_ids:
                        continue  # the list shifted while it was read: keep the first copy
                    seen_ids.add(item_id)
                fresh += 1
                yield item
            if items and not fresh:
                raise PaginationError(
                    "GET %s: GitHub returned a page whose ids were all on earlier pages (%s); "
                    "the listing is inconsistent, run again" % (path, _path_of(response.url or url)),
                    path=path,
                )
            links = parse_link_header(response.headers.get("Link"))
            url = links.get("next")
            pages = _page_number(links.get("last")) or (None if url else _page_number(response.url) or 1)
            self._emit(
                {
                    "event": "page",
                    "path": path,
                    "page": _page_number(response.url) or 1,
                    "pages": pages,
                    "items": len(items),
                }
            )

    def list_all(self, path: str, params: dict | None = None, auth: str = "auto", key: str | None = None) -> list:
        return list(self.paginate(path, params=params, auth=auth, key=key))

    # -- internals ----------------------------------------------------------------------
    def _url(self, path, params=None):
        if path.startswith("http://") or path.startswith("https://"):
            url = path
            if not _same_origin(url, self.api_url):
                raise PaginationError("refusing to follow a link to another host: %s" % _path_of(url))
        else:
            url = self.api_url + (path if path.startswith("/") else "/" + path)
        if params:
            url = url + ("&" if "?" in url else "?") + _encode_query(params)
        return url

    def _auth_headers(self, auth, path):
        if auth == "none":
            return {"Authorization": None}  # requests drops headers whose value is None
        if auth == "jwt":
            if not self.app_auth:
                raise AuthError("this call needs GitHub App credentials (app_id and private_key)")
            return {"Authorization": self.app_auth.jwt_header()}
        if auth == "token":
            if not self.token_auth:
                raise AuthError("token: this call needs a user token (option token, or GITHUB_TOKEN/GH_TOKEN)")
            return {"Authorization": self.token_auth.header()}
        if self.app_auth:
            return {"Authorization": self.app_auth.installation_header(self)}
        if self.token_auth:
            return {"Authorization": self.token_auth.header()}
        raise AuthError(
            "no GitHub credentials: give app_id with private_key or private_key_path (needed for the "
            "organization token endpoints), or token; or set GITHUB_APP_ID and "
            "GITHUB_APP_PRIVATE_KEY_PATH, or GITHUB_TOKEN, in the environment"
        )

    def _attempt(self, call, json):
        """Send once: ``(raw response or None, Answer, transport reason or None)``."""
        headers = self._auth_headers(call.auth, call.url)
        if call.write:  # state-changing only: a token exchange is a POST but changes nothing
            self.stats.writes += 1
            self._emit(
                {"event": "write", "method": call.method, "path": _path_of(call.url), "writes": self.stats.writes}
            )
        self.stats.requests += 1
        try:
            raw = self.session.request(
                call.method, call.url, json=json, headers=headers, timeout=self.options.timeout, allow_redirects=False
            )
        except requests.exceptions.RequestException as exc:
            failure, reason = transport_failure(exc, call.write, self.options.timeout)
            if failure == LOST and call.write:
                self.retry.sent(True, None, {}, self._clock())
            return None, Answer(failure=failure), reason
        self.retry.sent(call.write, raw.status_code, raw.headers, self._clock())
        self._note_rate_limit(raw)
        message = _github_message(raw) if raw.status_code >= 400 else None
        return raw, Answer(raw.status_code, raw.headers, message), None

    def _attempt_context(self, call):
        can_renew = call.auth in ("auto", "installation") and bool(self.app_auth) and self.app_auth.holds_token()
        can_shrink = call.per_page_fallback and _shrink_page(call.url) is not None
        return Attempt(call.write, can_renew, can_shrink)

    def _hold(self, seconds, cause, why=None):
        """The one place the client sleeps (through the injectable ``sleep``)."""
        if seconds <= 0:
            return
        self.stats.waited[cause] = self.stats.waited.get(cause, 0.0) + seconds
        self._emit({"event": "wait", "cause": cause, "seconds": round(seconds, 3), "why": why or cause})
        self._sleep(seconds)

    def _hold_or_fail(self, decision, call, raw):
        if decision.kind == FAIL:
            raise self._rate_limit_error(decision, call, raw)
        self._hold(decision.seconds, decision.cause, decision.why)

    def _emit(self, event):
        if self.progress is not None:
            self.progress(event)

    def _note_rate_limit(self, raw):
        headers = raw.headers
        remaining = _int_header(headers, "x-ratelimit-remaining")
        if remaining is not None:
            self.stats.rate_limit_remaining = remaining
            self.stats.rate_limit_limit = _int_header(headers, "x-ratelimit-limit")
            self.stats.rate_limit_reset = _int_header(headers, "x-ratelimit-reset")

    def _failure(self, decision, call, raw, reason, not_found_message, counters):
        """The exception for an ``ambiguous`` or ``fail`` decision."""
        path = _path_of(call.url)
        if decision.kind == AMBIGUOUS:
            what = (
                "the connection was lost before GitHub answered (%s)" % reason
                if raw is None
                else "GitHub answered %d" % raw.status_code
            )
            return AmbiguousWriteError(
                "%s %s: %s; the change may or may not have been applied" % (call.method, path, what),
                method=call.method,
                path=path,
                status=raw.status_code if raw is not None else None,
            )
        if raw is None:
            return TransportError(
                "%s %s: cannot reach GitHub at %s (%s)" % (call.method, path, self.api_url, reason),
                method=call.method,
                path=path,
            )
        if decision.retry_at is not None:
            return self._rate_limit_error(decision, call, raw, counters)
        return self._api_error(raw, call.method, call.url, not_found_message)

    def _app_only_hint(self):
        if self.token_auth and self.token_auth.kind_of_token == "user_to_server":
            return (
                "A user-to-server token (ghu_) is accepted there only for an organization owner, through a "
                "GitHub App installed on the organization with the permissions "
                "organization_personal_access_token_requests and organization_personal_access_tokens: check "
                "that the user owns the organization and that the App holds both"
            )
        return (
            "The organization's personal access token endpoints accept GitHub App installation tokens "
            "only, or the user-to-server token (ghu_) of an organization owner through the App; never a "
            "personal access token: give app_id and private_key (or set GITHUB_APP_ID and "
            "GITHUB_APP_PRIVATE_KEY_PATH) instead"
        )

    def _rate_limit_error(self, decision, call, raw, counters=None):
        limit = int(self.options.rate_limit_wait)
        when = iso_z_epoch(decision.retry_at)
        if decision.cause == "primary_reset":
            text = (
                "GitHub's rate limit for these credentials is spent for %d s more, longer than "
                "rate_limit_wait (%d s): run again after %s" % (int(decision.seconds), limit, when)
            )
        elif counters is not None and counters.limit_waits >= RATE_LIMIT_MAX_WAITS:
            text = (
                "GitHub's secondary rate limit still applies after %d waits (%d s in all), the most this "
                "task waits: run again after %s" % (counters.limit_waits, int(counters.limit_waited), when)
            )
        else:
            text = (
                "GitHub's secondary rate limit asks to wait %d s, longer than rate_limit_wait (%d s) "
                "allows: run again after %s" % (int(decision.seconds), limit, when)
            )
        return RateLimitError(
            text + "; work already done stays done",
            reset_at=when,
            status=raw.status_code if raw is not None else None,
            method=call.method,
            path=_path_of(call.url),
            request_id=raw.headers.get("x-github-request-id") if raw is not None else None,
        )

    def _api_error(self, raw, method, url, not_found_message=None):
        status = raw.status_code
        path = _path_of(url)
        body = _json_or_none(raw)
        github_message = body.get("message") if isinstance(body, dict) else None
        doc_url = body.get("documentation_url") if isinstance(body, dict) else None
        errors = body.get("errors") if isinstance(body, dict) else None
        request_id = raw.headers.get("x-github-request-id")
        if github_message:
            summary = github_message
        else:
            summary = _text_summary(raw)
        if status == 404 and not_found_message:
            message = "%s (GitHub answered 404 for %s %s)" % (not_found_message, method, path)
        elif status == 403 and APP_ONLY_PATH.match(urlsplit(path).path) and not self.app_auth:
            message = "%s %s: GitHub answered %d (%s). %s" % (method, path, status, summary, self._app_only_hint())
        elif status == 401:
            message = (
                "%s %s: GitHub answered 401 Bad credentials (%s): check the token, or the "
                "app_id and private key of the GitHub App" % (method, path, summary)
            )
        else:
            message = "%s %s: GitHub answered %d: %s" % (method, path, status, summary)
        if errors:
            message += " (%s)" % _errors_text(errors)
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


# -- helpers (pure) --------------------------------------------------------------------------
def _encode_query(params):
    """Encode query params the way GitHub expects arrays: ``owner[]=a&owner[]=b``."""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            name = key if key.endswith("[]") else key + "[]"
            pairs.extend((name, _query_value(v)) for v in value)
        else:
            pairs.append((key, _query_value(value)))
    return urlencode(pairs)


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decode(raw, method, url):
    if raw.status_code == 204 or not raw.content:
        return None
    try:
        return raw.json()
    except ValueError:
        raise GitHubAPIError(
            "%s %s: GitHub answered %d with a body that is not JSON (%s)"
            % (method, _path_of(url), raw.status_code, _text_summary(raw)),
            status=raw.status_code,
            method=method,
            path=_path_of(url),
            request_id=raw.headers.get("x-github-request-id"),
        ) from None


def _json_or_none(raw):
    try:
        return raw.json()
    except ValueError:
        return None


def _github_message(raw):
    body = _json_or_none(raw)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return None


def _text_summary(raw):
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


def _errors_text(errors):
    parts = []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            parts.append(", ".join("%s=%s" % (k, v) for k, v in sorted(error.items())))
        else:
            parts.append(str(error))
    return redact("; ".join(parts))[:500]


def _int_header(headers, name):
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _path_of(url):
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _page_number(url):
    """The ``page`` query value of a URL (GitHub's ``Link`` targets carry one), or None."""
    if not url:
        return None
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit():
            return int(value)
    return None


def _canonical_url(url):
    """A page's identity: path and sorted query, where no ``page`` means page 1."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "page" for key, _value in pairs):
        pairs.append(("page", "1"))
    return (parts.path, tuple(sorted(pairs)))


def _same_origin(url, api_url):
    a, b = urlsplit(url), urlsplit(api_url)
    return (a.hostname or "").lower() == (b.hostname or "").lower() and (a.port == b.port)


def _shrink_page(url):
    """The same page range at half the page size, or None when it is already small."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    values = dict(query)
    try:
        per_page = int(values.get("per_page", 30))
        page = int(values.get("page", 1))
    except ValueError:
        return None
    if per_page // 2 < MIN_PER_PAGE:
        return None
    smaller = per_page // 2
    # First item of the page at the old size, expressed at the new size (per_page halves, so
    # the offset divides exactly).
    new_page = ((page - 1) * per_page) // smaller + 1
    replaced = []
    for key, value in query:
        if key == "per_page":
            value = str(smaller)
        elif key == "page":
            continue
        replaced.append((key, value))
    replaced.append(("page", str(new_page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(replaced), parts.fragment))


class _Call:
    """One request as the retry loop changes it (the URL shrinks on a 502/504 page)."""

    __slots__ = ("method", "url", "write", "auth", "per_page_fallback")

    def __init__(self, method, url, write, auth, per_page_fallback):
        self.method, self.url, self.write, self.auth, self.per_page_fallback = (
            method,
            url,
            write,
            auth,
            per_page_fallback,
        )
