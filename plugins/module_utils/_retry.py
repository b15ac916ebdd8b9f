# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry rules of the client, as one object. Private to this collection.

Every attempt's outcome (an HTTP answer, or a failure to get one) gets exactly ONE
classification from :func:`classify`, a pure function:

========== =====================================================================
ok         a 1xx/2xx/304 answer: done
renew      401 with a cached installation token: renew it, once per request
wait       a rate limit: ``Retry-After``; else the primary reset when
           ``x-ratelimit-remaining`` is 0 (even if the message says "secondary");
           else at least 60 s, doubling on each repeat (GitHub's documented rule)
back off   a 5xx or a lost answer to a read: exponential back-off with jitter;
           a failure to connect: one quick retry (it is not a transient 5xx)
shrink     502/504 on a listing page: the same items at half the page size
ambiguous  the answer to a write was lost (5xx, reset, read timeout): it may have
           been applied; the caller reconciles instead of resending
fail       anything else, or a bound reached (retries, rate-limit waits/budget)
========== =====================================================================

:class:`RetryPolicy` owns the counters (the idea of urllib3's ``Retry`` and amazon.aws's
``AWSRetry``) and the pacing before a send (write spacing, a spent primary budget). It
never sleeps: the client holds every wait in one place.
"""

from __future__ import annotations

import random
import ssl
from collections import namedtuple
from typing import Mapping

from ._errors import redact

try:
    import requests
    from urllib3.exceptions import NewConnectionError
except ImportError:  # the client reports the missing library
    requests = NewConnectionError = None

OK, RENEW, WAIT, BACKOFF = "ok", "renew", "wait", "back off"
SHRINK, AMBIGUOUS, FAIL = "shrink page", "ambiguous", "fail"

SECONDARY_LIMIT_MIN_WAIT = 60.0
# Rate-limit waits of one request before giving up (60 + 120 + 240 + 480 s = the default
# rate_limit_wait of 900 s); each wait must also fit in what is left of rate_limit_wait.
RATE_LIMIT_MAX_WAITS = 4
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
CONNECT_RETRIES = 1
CONNECT_RETRY_DELAY = 1.0
RETRY_STATUSES = (500, 502, 503, 504)

# Failures without an HTTP answer (Answer.failure).
CONNECT = "connect"  # never reached the server (refused, DNS, connect timeout, certificate)
LOST = "lost"  # sent, answer lost (reset, read timeout, other TLS errors)


class Answer(namedtuple("Answer", "status headers message failure")):
    """What one attempt produced, reduced to what the rules read.

    ``status``/``headers``/``message`` (GitHub's ``message``) of an HTTP answer, or
    ``failure`` (:data:`CONNECT` or :data:`LOST`) when there was none.
    """

    __slots__ = ()

    def __new__(cls, status=None, headers=None, message=None, failure=None):
        return super().__new__(cls, status, headers or {}, message or "", failure)


class Attempt(namedtuple("Attempt", "write can_renew can_shrink")):
    """What the rules need to know of the request being tried."""

    __slots__ = ()


class Decision(namedtuple("Decision", "kind seconds cause why retry_at")):
    """One classification: ``kind``, and for waits ``seconds`` and ``cause``.

    ``cause`` is the ``api.waited_seconds`` key (``retry_after``, ``primary_reset``,
    ``backoff``, ``write_interval``); ``why`` says it in words; ``retry_at`` (epoch) is set
    when a rate limit made the request fail, for the "run again after" report.
    """

    __slots__ = ()

    def __new__(cls, kind, seconds=0.0, cause=None, why=None, retry_at=None):
        return super().__new__(cls, kind, seconds, cause, why, retry_at)


class Counters:
    """What one request has used so far, plus the client-wide secondary-limit streak."""

    __slots__ = ("retries", "connects", "renewed", "limit_waits", "limit_waited", "secondary_streak")

    def __init__(self):
        self.retries = 0
        self.connects = 0
        self.renewed = False
        self.limit_waits = 0
        self.limit_waited = 0.0
        self.secondary_streak = 0


class Limits(namedtuple("Limits", "max_retries rate_limit_wait")):
    __slots__ = ()


def _int(headers, name):
    try:
        return int(headers.get(name))
    except (TypeError, ValueError):
        return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds of a ``Retry-After`` header (GitHub sends whole seconds), or None."""
    try:
        return max(float(headers.get("Retry-After")), 0.0)
    except (TypeError, ValueError):
        return None


def is_rate_limited(answer: Answer) -> bool:
    """403/429 that GitHub uses for its primary and secondary rate limits."""
    if answer.status not in (403, 429):
        return False
    text = answer.message.lower()
    return (
        answer.status == 429
        or "rate limit" in text
        or "abuse" in text
        or retry_after(answer.headers) is not None
        or _int(answer.headers, "x-ratelimit-remaining") == 0
    )


def rate_limit_wait(answer: Answer, streak: int, now: float) -> tuple:
    """``(seconds, cause, why, retry_at)`` GitHub asks for, by its documented order of rules."""
    headers = answer.headers
    after = retry_after(headers)
    if after is not None:
        return after, "retry_after", "GitHub asked to wait (Retry-After: %d s)" % after, now + after
    reset = _int(headers, "x-ratelimit-reset")
    if _int(headers, "x-ratelimit-remaining") == 0 and reset is not None:
        return max(reset - now + 1, 0.0), "primary_reset", "the rate limit is spent until its reset", reset
    seconds = SECONDARY_LIMIT_MIN_WAIT * (2**streak)
    why = "secondary rate limit (%d in a row): at least 60 s, doubling" % (streak + 1)
    return seconds, "retry_after", why, now + seconds


def backoff_delay(retry: int, jitter: float, headers: Mapping[str, str] | None = None) -> float:
    """Exponential back-off with "equal jitter" (``jitter`` in [0, 1)); ``Retry-After`` wins if longer."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (retry - 1)))
    delay = delay / 2.0 + jitter * delay / 2.0
    after = retry_after(headers or {})
    return max(delay, after) if after is not None else delay


def classify(
    answer: Answer, attempt: Attempt, counters: Counters, limits: Limits, now: float, jitter: float = 0.5
) -> Decision:
    """The ONE classification of ``answer`` (pure: reads the counters, changes nothing)."""
    if answer.failure == CONNECT:
        if counters.connects < min(CONNECT_RETRIES, limits.max_retries):
            return Decision(BACKOFF, CONNECT_RETRY_DELAY, "backoff", "could not connect: one quick retry")
        return Decision(FAIL)
    if answer.failure is not None:
        if attempt.write:
            return Decision(AMBIGUOUS)
        return _transient(answer, counters, limits, jitter)
    status = answer.status
    if status < 300 or status == 304:
        return Decision(OK)
    if status == 401 and attempt.can_renew and not counters.renewed:
        return Decision(RENEW)
    if is_rate_limited(answer):
        return _rate_limited(answer, counters, limits, now)
    if status in RETRY_STATUSES:
        if attempt.write:
            return Decision(AMBIGUOUS)
        if attempt.can_shrink and status in (502, 504):
            return Decision(SHRINK)
        return _transient(answer, counters, limits, jitter)
    return Decision(FAIL)


def _transient(answer, counters, limits, jitter):
    if counters.retries >= limits.max_retries:
        return Decision(FAIL)
    retry = counters.retries + 1
    why = "GitHub answered %d" % answer.status if answer.status else "the answer was lost"
    return Decision(
        BACKOFF,
        backoff_delay(retry, jitter, answer.headers),
        "backoff",
        "%s: retry %d of %d" % (why, retry, limits.max_retries),
    )


def _rate_limited(answer, counters, limits, now):
    seconds, cause, why, retry_at = rate_limit_wait(answer, counters.secondary_streak, now)
    budget = limits.rate_limit_wait - counters.limit_waited
    if counters.limit_waits >= RATE_LIMIT_MAX_WAITS or seconds > budget:
        return Decision(FAIL, seconds, cause, why, retry_at=retry_at)
    return Decision(WAIT, seconds, cause, why)


class RetryPolicy:
    """Counters and bounds of the retry rules; :meth:`decide` classifies and counts."""

    def __init__(
        self, max_retries: int, rate_limit_wait: float, write_interval: float = 0.0, rng: random.Random | None = None
    ) -> None:
        self.limits = Limits(max_retries, rate_limit_wait)
        self.write_interval = write_interval
        self._rng = rng or random.Random()
        self.secondary_streak = 0
        self._last_write = None
        self._primary_reset = None

    def start(self) -> Counters:
        """Counters for a new request. Each request holds its own: a request sent while
        another is in its loop (an installation token exchange) must not reset them."""
        return Counters()

    def decide(self, counters: Counters, answer: Answer, attempt: Attempt, now: float) -> Decision:
        """Classify ``answer`` and count what the decision uses in ``counters``."""
        counters.secondary_streak = self.secondary_streak  # client-wide: repeats grow the wait
        decision = classify(answer, attempt, counters, self.limits, now, self._rng.random())
        if decision.kind == OK:
            self.secondary_streak = 0
        elif decision.kind == RENEW:
            counters.renewed = True
        elif decision.kind == WAIT:
            counters.limit_waits += 1
            counters.limit_waited += decision.seconds
            if decision.cause == "retry_after" and retry_after(answer.headers) is None:
                self.secondary_streak += 1
        elif decision.kind == BACKOFF:
            if answer.failure == CONNECT:
                counters.connects += 1
            else:
                counters.retries += 1
        return decision

    # -- pacing before a send --------------------------------------------------------------
    def sent(self, write: bool, status: int | None, headers: Mapping[str, str], now: float) -> None:
        """Record a send: write time, and a primary budget spent by a successful answer."""
        if write:
            self._last_write = now
        if status is not None and status < 400 and _int(headers, "x-ratelimit-remaining") == 0:
            self._primary_reset = _int(headers, "x-ratelimit-reset")

    def before_send(self, write: bool, now: float) -> list:
        """Waits due before the next send, as decisions (a FAIL when the reset is too far)."""
        waits = []
        if self._primary_reset is not None:
            reset, self._primary_reset = self._primary_reset, None
            seconds = max(reset - now + 1, 0.0)
            kind = FAIL if seconds > self.limits.rate_limit_wait else WAIT
            waits.append(
                Decision(
                    kind,
                    seconds,
                    "primary_reset",
                    "the rate limit is spent until its reset",
                    retry_at=reset if kind == FAIL else None,
                )
            )
            now += seconds
        if write and self._last_write is not None and self.write_interval > 0:
            remaining = self._last_write + self.write_interval - now
            if remaining > 0:
                waits.append(Decision(WAIT, remaining, "write_interval", "spacing between writes"))
        return waits


# -- failures without an answer ------------------------------------------------------------
def _exception_chain(exc):
    """``exc`` and the exceptions under it (requests -> urllib3 -> socket/ssl), outermost first."""
    chain, seen = [], set()
    while isinstance(exc, BaseException) and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        reason = getattr(exc, "reason", None)  # urllib3's MaxRetryError carries the cause here
        if isinstance(reason, BaseException):
            exc = reason
        elif exc.args and isinstance(exc.args[0], BaseException):
            exc = exc.args[0]
        else:
            exc = exc.__cause__ or exc.__context__
    return chain


def _root_cause(chain):
    """The innermost OS-level reason, whole ("Connection refused", "Name or service not known")."""
    for exc in reversed(chain):
        if isinstance(exc, ssl.SSLError):
            return redact(str(exc))  # "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ..."
        strerror = getattr(exc, "strerror", None)
        if isinstance(exc, OSError) and strerror:
            return strerror
    return redact(str(chain[-1]))


def transport_failure(exc: BaseException, write: bool, timeout: float) -> tuple:
    """``(failure, reason)`` for a request that got no answer: :data:`CONNECT` if it never left."""
    chain = _exception_chain(exc)
    cause = _root_cause(chain)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return CONNECT, "TLS certificate error: %s; check ca_path, or validate_certs for a test server" % cause
    if isinstance(exc, requests.exceptions.SSLError):
        hint = (
            "; is api_url's scheme right? The server does not seem to speak TLS"
            if "WRONG_VERSION_NUMBER" in cause.upper() or "record layer" in cause.lower()
            else ""
        )
        return (CONNECT if not write else LOST), "TLS error: %s%s" % (cause, hint)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return CONNECT, "no connection within %g s" % timeout
    if isinstance(exc, requests.exceptions.ConnectionError) and any(isinstance(e, NewConnectionError) for e in chain):
        return CONNECT, "could not connect: %s" % cause
    if isinstance(exc, requests.exceptions.Timeout):
        return LOST, "no answer within %g s" % timeout
    return LOST, "%s: %s" % (type(exc).__name__, cause)
