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
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

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
)
from ._responses import api_error, decode, github_message, int_header
from ._time import iso_z_epoch
from ._urls import canonical_url, encode_query, page_number, parse_link_header, path_of, same_origin, shrink_page

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

_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ApiStats:
    """What one task cost: requests, rate-limit budget left, and seconds spent waiting."""

    def __init__(self) -> None:
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

    def __init__(self, status: int, headers: Mapping[str, str], data: Any, url: str) -> None:
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
        session: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
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
    def request_json(self, method: str, path: str, **options: Any) -> Any:
        """Send one request (with retries; ``options`` as for :meth:`request`) and return its
        decoded JSON body (or None)."""
        return self.request(method, path, **options).data

    def request(
        self,
        method: str,
        path: str,
        params: dict | None = None,
        json: Any = None,
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
                return Response(raw.status_code, raw.headers, decode(raw, method, call.url), raw.url)
            if decision.kind == RENEW:
                self.app_auth.invalidate()  # an installation token can expire or be revoked mid-run
            elif decision.kind == SHRINK:
                call.url = shrink_page(call.url)
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

    def post(self, path: str, json: Any = None, auth: str = "auto") -> Response:
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
            canonical = canonical_url(url)
            if canonical in seen_urls:
                raise PaginationError(
                    "GET %s: GitHub's Link header points back to a page already read (%s); "
                    "stopping instead of looping" % (path, path_of(url)),
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
                    "the listing is inconsistent, run again" % (path, path_of(response.url or url)),
                    path=path,
                )
            links = parse_link_header(response.headers.get("Link"))
            url = links.get("next")
            pages = page_number(links.get("last")) or (None if url else page_number(response.url) or 1)
            self._emit(
                {
                    "event": "page",
                    "path": path,
                    "page": page_number(response.url) or 1,
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
            if not same_origin(url, self.api_url):
                raise PaginationError("refusing to follow a link to another host: %s" % path_of(url))
        else:
            url = self.api_url + (path if path.startswith("/") else "/" + path)
        if params:
            url = url + ("&" if "?" in url else "?") + encode_query(params)
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
                {"event": "write", "method": call.method, "path": path_of(call.url), "writes": self.stats.writes}
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
        message = github_message(raw) if raw.status_code >= 400 else None
        return raw, Answer(raw.status_code, raw.headers, message), None

    def _attempt_context(self, call):
        can_renew = call.auth in ("auto", "installation") and bool(self.app_auth) and self.app_auth.holds_token()
        can_shrink = call.per_page_fallback and shrink_page(call.url) is not None
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
        remaining = int_header(headers, "x-ratelimit-remaining")
        if remaining is not None:
            self.stats.rate_limit_remaining = remaining
            self.stats.rate_limit_limit = int_header(headers, "x-ratelimit-limit")
            self.stats.rate_limit_reset = int_header(headers, "x-ratelimit-reset")

    def _failure(self, decision, call, raw, reason, not_found_message, counters):
        """The exception for an ``ambiguous`` or ``fail`` decision."""
        path = path_of(call.url)
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
            path=path_of(call.url),
            request_id=raw.headers.get("x-github-request-id") if raw is not None else None,
        )

    def _api_error(self, raw, method, url, not_found_message=None):
        # The hint for the App-only endpoints applies only when no App credentials were given.
        return api_error(raw, method, url, not_found_message, None if self.app_auth else self._app_only_hint())


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
