"""GitHub's primary rate limit: an hourly budget per installation, user or anonymous client.

Every API response carries the ``x-ratelimit-*`` headers of the budget it spent; when a
budget is gone the request is refused with GitHub's message and ``x-ratelimit-remaining: 0``
(403 for authenticated callers, 429 for anonymous ones) until the window resets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .errors import RATE_LIMIT_DOCS, ApiError

WINDOW_SECONDS = 3600


@dataclass
class Budget:
    limit: int
    used: int
    reset: int  # epoch seconds

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self, resource: str = "core") -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": resource,
        }


class RateLimiter:
    """Budgets keyed by :attr:`Caller.rate_key`; ``limit`` for callers with credentials,
    ``anonymous_limit`` (GitHub: 60 an hour) for those without."""

    def __init__(self, limit: int = 5000, anonymous_limit: int = 60) -> None:
        self.limit = limit
        self.anonymous_limit = anonymous_limit
        self._budgets: dict[tuple, Budget] = {}
        self._lock = threading.Lock()

    def _budget(self, key: tuple, now: int) -> Budget:
        budget = self._budgets.get(key)
        if budget is None or budget.reset <= now:
            limit = self.anonymous_limit if key[0] == "anonymous" else self.limit
            budget = self._budgets[key] = Budget(limit=limit, used=0, reset=now + WINDOW_SECONDS)
        return budget

    def peek(self, key: tuple, now: int) -> Budget:
        with self._lock:
            budget = self._budget(key, now)
            return Budget(budget.limit, budget.used, budget.reset)

    def spend(self, key: tuple, now: int, who: str) -> Budget:
        """Count one request, or raise GitHub's rate-limit error when the budget is used up."""
        with self._lock:
            budget = self._budget(key, now)
            if budget.remaining == 0:
                raise exceeded(key, who, budget)
            budget.used += 1
            return Budget(budget.limit, budget.used, budget.reset)

    def reset(self) -> None:
        with self._lock:
            self._budgets.clear()


def exceeded(key: tuple, who: str, budget: Budget) -> ApiError:
    """The error GitHub sends when a primary limit is exhausted."""
    anonymous = key[0] == "anonymous"
    message = f"API rate limit exceeded for {who}."
    if anonymous:
        message += (
            " (But here's the good news: Authenticated requests get a higher rate limit. "
            "Check out the documentation for more details.)"
        )
    exhausted = Budget(budget.limit, budget.limit, budget.reset)
    return ApiError(
        429 if anonymous else 403,
        message,
        headers=exhausted.headers(),
        documentation_url=RATE_LIMIT_DOCS + "#about-primary-rate-limits",
    )
