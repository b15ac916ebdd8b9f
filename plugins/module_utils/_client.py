# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one GitHub REST client of the collection. Private to this collection.

Everything about talking to GitHub lives here, written once and unit-tested: headers,
auth (via ``_auth``), pagination through the ``Link`` header, retries with back-off and
jitter, secondary and primary rate limits, write spacing, and the mapping of errors to
typed exceptions with GitHub's message, documentation URL and request id.

GitHub's REST best practices shape the behaviour: one request at a time, mutating
requests spaced (``write_interval``), ``Retry-After`` honoured and nothing else sent until
then, at least 60 s of waiting on a secondary limit without ``Retry-After``, and no retry
of other 4xx answers.
"""

from __future__ import annotations

import random
import re
import time
import traceback
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._auth import build_auth
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
SECONDARY_LIMIT_MIN_WAIT = 60.0
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0

# Endpoints that GitHub serves to GitHub App installation tokens only.
APP_ONLY_PATH = re.compile(r"^/orgs/[^/]+/personal-access-token(?:-request)?s(?:/|$)")
_LINK_PART = re.compile(r'<([^>]*)>\s*((?:;\s*[a-zA-Z]+\s*=\s*"?[^";,]*"?\s*)*)')
# Parameter names are case-insensitive (RFC 8288); "rel" must be a whole parameter name.
_LINK_REL = re.compile(r';\s*rel\s*=\s*"?([^";,]*)"?', re.IGNORECASE)
_RETRY_STATUSES = (500, 502, 503, 504)
_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def parse_link_header(value):
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


class ApiStats(object):
    """What one task cost: requests, rate-limit budget left, and seconds spent waiting."""

    def __init__(self):
        self.requests = 0
        self.writes = 0
        self.retries = 0
        self.rate_limit_remaining = None
        self.rate_limit_limit = None
        self.rate_limit_reset = None
        self.waited = {"write_interval": 0.0, "retry_after": 0.0, "backoff": 0.0, "primary_reset": 0.0}

    def as_dict(self):
        return {
            "requests": self.requests,
            "writes": self.writes,
            "retries": self.retries,
            "rate_limit_remaining": self.rate_limit_remaining,
            "rate_limit_limit": self.rate_limit_limit,
            "rate_limit_reset": self.rate_limit_reset,
            "waited_seconds": dict((k, round(v, 3)) for k, v in self.waited.items()),
        }


class Response(object):
    """The parts of an HTTP answer callers need (decoded JSON, headers, status)."""

    __slots__ = ("status", "headers", "data", "url")

    def __init__(self, status, headers, data, url):
        self.status = status
        self.headers = headers
        self.data = data
        self.url = url


class GitHubClient(object):
    """Talks to one GitHub API (``options.api_url``) for one organization (optional)."""

    def __init__(self, options, org=None, session=None, sleep=time.sleep, clock=time.time, rng=None):
        if not HAS_REQUESTS:
            raise TransportError("the requests Python library is required")
        self.options = options
        self.org = org
        self.api_url = options.api_url
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self.stats = ApiStats()
        self.app_auth, self.token_auth = build_auth(options, org=org, clock=clock)
        self.session = session or requests.Session()
        self.session.headers.update({
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        })
        self.session.verify = options.ca_path if (options.validate_certs and options.ca_path) else options.validate_certs
        self._last_write = None
        self._blocked_until = 0.0
        self._primary_reset = None

    # -- public API ---------------------------------------------------------------------
    def request_json(self, method, path, params=None, json=None, auth="auto", write=None,
                     not_found_message=None):
        """Send one request (with retries) and return its decoded JSON body (or None)."""
        return self.request(method, path, params=params, json=json, auth=auth, write=write,
                            not_found_message=not_found_message).data

    def request(self, method, path, params=None, json=None, auth="auto", write=None,
                not_found_message=None, per_page_fallback=False):
        """Send one request, retrying what GitHub documents as transient.

        ``write`` (default: any non-GET) marks a request whose effect may be applied even
        when its answer is lost; such a request is not retried after a dropped connection or
        a 5xx, and :class:`AmbiguousWriteError` lets the caller reconcile from a listing.
        """
        method = method.upper()
        if write is None:
            write = method in _WRITE_METHODS
        url = self._url(path, params)
        attempt = 0
        renewed = False
        while True:
            self._wait_before_send(write, method, url)
            try:
                headers = self._auth_headers(auth, path)
                if write:  # state-changing only: a token exchange is a POST but changes nothing
                    self.stats.writes += 1
                raw = self._send(method, url, json, headers)
            except requests.exceptions.RequestException as exc:
                reason = _transport_reason(exc)
                if write:
                    raise AmbiguousWriteError(
                        "%s %s: the connection was lost before GitHub answered (%s); the change "
                        "may or may not have been applied" % (method, _path_of(url), reason),
                        method=method, path=_path_of(url))
                if attempt < self.options.max_retries:
                    attempt += 1
                    self._backoff(attempt)
                    continue
                raise TransportError("%s %s: cannot reach GitHub at %s (%s)" % (
                    method, _path_of(url), self.api_url, reason), method=method, path=_path_of(url))
            if write:
                self._last_write = self._clock()
            self._note_rate_limit(raw)
            status = raw.status_code
            if status < 400 and not (300 <= status < 400 and status != 304):
                return Response(status, raw.headers, _decode(raw, method, url), raw.url)

            if status == 401 and not renewed and auth in ("auto", "installation") and self.app_auth \
                    and self.app_auth.invalidate():
                # An installation token can expire or be revoked mid-run: renew once.
                renewed = True
                continue
            wait = self._rate_limit_wait(raw, method, url)
            if wait is not None:
                if attempt >= self.options.max_retries + 3:
                    raise self._api_error(raw, method, url)
                attempt += 1
                self._hold(wait, "retry_after")
                continue
            if status in _RETRY_STATUSES:
                if write:
                    raise AmbiguousWriteError(
                        "%s %s: GitHub answered %d; the change may or may not have been applied"
                        % (method, _path_of(url), status), method=method, path=_path_of(url), status=status)
                if per_page_fallback and status in (502, 504):
                    smaller = _shrink_page(url)
                    if smaller:
                        url = smaller
                        self.stats.retries += 1
                        continue
                if attempt < self.options.max_retries:
                    attempt += 1
                    self._backoff(attempt, raw)
                    continue
            raise self._api_error(raw, method, url, not_found_message)

    def get(self, path, params=None, auth="auto", not_found_message=None):
        return self.request_json("GET", path, params=params, auth=auth, not_found_message=not_found_message)

    def post(self, path, json=None, auth="auto"):
        return self.request("POST", path, json=json, auth=auth)

    def paginate(self, path, params=None, auth="auto", key=None, id_field="id"):
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
                    "stopping instead of looping" % (path, _path_of(url)), path=path)
            seen_urls.add(canonical)
            response = self.request("GET", url, auth=auth, per_page_fallback=True)
            items = response.data
            if key is not None and isinstance(items, dict):
                items = items.get(key)
            if not isinstance(items, list):
                raise GitHubAPIError("GET %s: expected a JSON list from GitHub, got %s" % (
                    path, type(items).__name__), path=path, method="GET")
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
                    path=path)
            url = parse_link_header(response.headers.get("Link")).get("next")

    def list_all(self, path, params=None, auth="auto", key=None):
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
            "GITHUB_APP_PRIVATE_KEY_PATH, or GITHUB_TOKEN, in the environment")

    def _send(self, method, url, json, headers):
        self.stats.requests += 1
        return self.session.request(method, url, json=json, headers=headers, timeout=self.options.timeout,
                                    allow_redirects=False)

    def _wait_before_send(self, write, method="GET", url=None):
        if self._primary_reset is not None:
            reset, self._primary_reset = self._primary_reset, None
            # The failure names the request that could not be sent, not a generic GET.
            deadline = self._primary_wait_deadline(reset, None, method, url or self.api_url)
            self._hold(deadline - self._clock(), "primary_reset")
        now = self._clock()
        if self._blocked_until > now:
            self._hold(self._blocked_until - now, "retry_after")
        if write and self._last_write is not None and self.options.write_interval > 0:
            remaining = self._last_write + self.options.write_interval - self._clock()
            if remaining > 0:
                self._hold(remaining, "write_interval")

    def _hold(self, seconds, reason):
        if seconds <= 0:
            return
        self.stats.waited[reason] = self.stats.waited.get(reason, 0.0) + seconds
        self._sleep(seconds)

    def _backoff(self, attempt, raw=None):
        self.stats.retries += 1
        delay = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
        delay = delay / 2.0 + self._rng.uniform(0, delay / 2.0)  # "equal jitter"
        retry_after = _retry_after(raw) if raw is not None else None
        if retry_after is not None:
            delay = max(delay, retry_after)
        self._hold(delay, "backoff")

    def _note_rate_limit(self, raw):
        headers = raw.headers
        remaining = _int_header(headers, "x-ratelimit-remaining")
        if remaining is not None:
            self.stats.rate_limit_remaining = remaining
            self.stats.rate_limit_limit = _int_header(headers, "x-ratelimit-limit")
            self.stats.rate_limit_reset = _int_header(headers, "x-ratelimit-reset")
            # Budget spent by a successful answer: the next request waits for the reset
            # instead of being fired into a 403 (checked in _wait_before_send).
            if remaining == 0 and raw.status_code < 400:
                self._primary_reset = self.stats.rate_limit_reset

    def _primary_wait_deadline(self, reset, raw, method, url):
        wait = reset - self._clock() + 1
        if wait > self.options.rate_limit_wait:
            raise RateLimitError(
                "GitHub's rate limit for these credentials is spent for %d s more, longer than "
                "rate_limit_wait (%d s): run again after %s; work already done stays done"
                % (int(wait), int(self.options.rate_limit_wait), iso_z_epoch(reset)),
                reset_at=iso_z_epoch(reset), status=raw.status_code if raw is not None else None, method=method,
                path=_path_of(url), request_id=raw.headers.get("x-github-request-id") if raw is not None else None)
        return self._clock() + max(wait, 0)

    def _rate_limit_wait(self, raw, method, url):
        """Seconds to wait before retrying a rate-limited answer, or None if it is not one."""
        status = raw.status_code
        if status not in (403, 429):
            return None
        message = _github_message(raw) or ""
        retry_after = _retry_after(raw)
        if _int_header(raw.headers, "x-ratelimit-remaining") == 0 and "secondary" not in message.lower():
            reset = _int_header(raw.headers, "x-ratelimit-reset")
            if reset is None:
                return SECONDARY_LIMIT_MIN_WAIT
            deadline = self._primary_wait_deadline(reset, raw, method, url)
            self._hold(deadline - self._clock(), "primary_reset")
            return 0.0
        if "secondary rate limit" in message.lower() or retry_after is not None or status == 429:
            wait = retry_after if retry_after is not None else SECONDARY_LIMIT_MIN_WAIT
            if wait > self.options.rate_limit_wait:
                raise RateLimitError(
                    "GitHub's secondary rate limit asks to wait %d s, longer than rate_limit_wait "
                    "(%d s): run again later; work already done stays done" % (wait, self.options.rate_limit_wait),
                    status=status, method=method, path=_path_of(url),
                    request_id=raw.headers.get("x-github-request-id"))
            # GitHub asks that nothing else is sent until then.
            self._blocked_until = self._clock() + wait
            return 0.0
        return None

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
            message = ("%s %s: GitHub answered %d (%s). The organization's personal access token "
                       "endpoints accept GitHub App installation tokens only: give app_id and "
                       "private_key (or set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH) instead of "
                       "a personal token" % (method, path, status, summary))
        elif status == 401:
            message = ("%s %s: GitHub answered 401 Bad credentials (%s): check the token, or the "
                       "app_id and private key of the GitHub App" % (method, path, summary))
        else:
            message = "%s %s: GitHub answered %d: %s" % (method, path, status, summary)
        if errors:
            message += " (%s)" % _errors_text(errors)
        if request_id:
            message += " [request id %s]" % request_id
        return GitHubAPIError(message, status=status, github_message=github_message,
                              documentation_url=doc_url, request_id=request_id, method=method, path=path,
                              errors=errors)


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
            "%s %s: GitHub answered %d with a body that is not JSON (%s)" % (
                method, _path_of(url), raw.status_code, _text_summary(raw)),
            status=raw.status_code, method=method, path=_path_of(url),
            request_id=raw.headers.get("x-github-request-id"))


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


def _retry_after(raw):
    value = raw.headers.get("Retry-After") if raw is not None else None
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


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


def _transport_reason(exc):
    name = type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error: %s; check validate_certs or ca_path" % redact(str(exc))[:200]
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    return "%s: %s" % (name, redact(str(exc))[:200])
