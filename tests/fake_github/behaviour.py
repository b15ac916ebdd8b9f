"""Switches for GitHub behaviours that GitHub leaves open, and a scheduler for out-of-band changes.

Where GitHub documents nothing (when a 202 write shows in the listings, what a resend of an
id already handled answers, whether a never-used token matches ``last_used_*``), the fake
offers each answer as a setting, so a client can be tested against every one of them.
Defaults keep the behaviour of before. ``POST /_fake/behaviour`` changes them at runtime.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields, replace
from typing import Callable

#: What ``last_used_before``/``last_used_after`` do with a token never used.
NEVER_USED_CHOICES = ("none", "before", "after", "both")
#: What a review/revoke of an id already handled answers: "as-unknown" like an id never seen
#: (bulk 422, single 404), or always 422, always 404, or "alternate" (422, 404, 422, …).
ALREADY_HANDLED_CHOICES = ("as-unknown", "422", "404", "alternate")


@dataclass(frozen=True)
class Behaviour:
    stateless_tokens: bool = False  # issue ghs_<APPID>_<JWT> installation tokens (not on GHES)
    never_used_matches: str = "none"  # which last_used_* filter a never-used token matches
    already_handled: str = "as-unknown"  # answer to a resend of ids already reviewed/revoked
    bulk_delay_requests: int = 0  # bulk writes show in listings only after this many more API requests
    bulk_delay_seconds: float = 0.0  # ... or after this many seconds

    def __post_init__(self) -> None:
        if self.never_used_matches not in NEVER_USED_CHOICES:
            raise ValueError(f"never_used_matches must be one of {', '.join(NEVER_USED_CHOICES)}")
        if self.already_handled not in ALREADY_HANDLED_CHOICES:
            raise ValueError(f"already_handled must be one of {', '.join(ALREADY_HANDLED_CHOICES)}")
        if self.bulk_delay_requests < 0 or self.bulk_delay_seconds < 0:
            raise ValueError("bulk delays must not be negative")

    @property
    def delays_bulk(self) -> bool:
        return bool(self.bulk_delay_requests or self.bulk_delay_seconds)


def parse_behaviour(values: dict, base: Behaviour | None = None) -> Behaviour:
    known = {f.name: f.type for f in fields(Behaviour)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"unknown behaviour setting {key!r}; known: {', '.join(known)}")
        if key == "stateless_tokens":
            changes[key] = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        elif key == "bulk_delay_requests":
            changes[key] = int(value)
        elif key == "bulk_delay_seconds":
            changes[key] = float(value)
        else:
            changes[key] = str(value)
    return replace(base or Behaviour(), **changes)


class Scheduler:
    """Actions due after a number of further API requests or seconds (delayed writes, vanishing records).

    ``tick()`` runs at the start of every API request (control endpoints do not count); it
    costs one comparison when nothing is scheduled, so the default fake stays as fast.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: list[tuple[int | None, float | None, Callable[[], None]]] = []
        self.requests = 0  # API requests seen so far
        self._alternate = 0

    def after(self, action: Callable[[], None], requests: int = 0, seconds: float = 0.0) -> None:
        """Run ``action`` once ``requests`` more API requests have arrived, or ``seconds`` passed."""
        with self._lock:
            self._jobs.append(
                (
                    self.requests + requests if requests else None,
                    time.monotonic() + seconds if seconds else None,
                    action,
                )
            )

    def tick(self) -> None:
        with self._lock:
            self.requests += 1
            if not self._jobs:
                return
            now = time.monotonic()
            due = [
                job
                for job in self._jobs
                if (job[0] is not None and self.requests > job[0])
                or (job[1] is not None and now >= job[1])
                or (job[0] is None and job[1] is None)
            ]
            self._jobs = [job for job in self._jobs if job not in due]
        for _count, _at, action in due:
            action()

    def flush(self) -> None:
        """Run every pending action now (``POST /_fake/settle``)."""
        with self._lock:
            due, self._jobs = self._jobs, []
        for _count, _at, action in due:
            action()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._jobs)

    def next_alternate(self) -> int:
        with self._lock:
            self._alternate += 1
            return 422 if self._alternate % 2 else 404
