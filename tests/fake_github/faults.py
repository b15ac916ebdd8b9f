"""Seeded fault injection: what GitHub and the network between do to a client on a bad day.

Each request that passes the ``methods`` filter draws once from ``random.Random(seed)``; if
the draw is below ``rate`` one of ``kinds`` is chosen (a second draw). The same seed and the
same sequence of requests therefore give the same faults. ``max_faults`` stops injecting
after that many (for "fails once, then works" tests).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, replace

KINDS = frozenset(
    {
        "500",
        "502",
        "504",
        "secondary",
        "secondary_reset",
        "secondary_bare",
        "primary",
        "drop",
        "slow",
        "applied_then_drop",
        "applied_then_502",
    }
)
#: Kinds used when a rate is set without naming kinds: the transient answers clients must retry.
DEFAULT_KINDS = frozenset({"500", "502", "504", "secondary"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class FaultConfig:
    rate: float = 0.0
    kinds: frozenset[str] = DEFAULT_KINDS
    methods: frozenset[str] | None = None  # None: every method
    seed: int = 0
    max_faults: int | None = None
    retry_after: int = 1  # seconds, for "secondary" (Retry-After) and "primary" (reset time)
    slow_ms: int = 1500
    latency_ms: int = 0  # added to every request, fault or not

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        unknown = set(self.kinds) - KINDS
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be a non-empty subset of {sorted(KINDS)}; got {sorted(unknown)}")


def parse_config(values: dict, base: FaultConfig | None = None) -> FaultConfig:
    """Build a config from JSON/CLI values (``kinds``/``methods`` as lists or comma strings)."""
    changes = {}
    for key, value in values.items():
        if key in ("kinds", "methods"):
            items = value.split(",") if isinstance(value, str) else list(value or [])
            items = [str(item).strip() for item in items if str(item).strip()]
            if key == "methods":
                changes[key] = frozenset(m.upper() for m in items) or None
            else:
                changes[key] = frozenset(items) if items else DEFAULT_KINDS
        elif key == "writes_only":
            changes["methods"] = WRITE_METHODS if value else None
        elif key == "rate":
            changes[key] = float(value)
        elif key in ("seed", "retry_after", "slow_ms", "latency_ms"):
            changes[key] = int(value)
        elif key == "max_faults":
            changes[key] = None if value is None else int(value)
        else:
            raise ValueError(f"unknown fault setting {key!r}")
    return replace(base or FaultConfig(), **changes)


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    injected: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)

    def configure(self, config: FaultConfig) -> None:
        """Replace the settings and restart the seeded sequence."""
        with self._lock:
            self.config = config
            self.injected = 0
            self._rng = random.Random(config.seed)

    def decide(self, method: str) -> str | None:
        """The fault for this request, or None."""
        with self._lock:
            cfg = self.config
            if cfg.rate <= 0 or (cfg.methods is not None and method.upper() not in cfg.methods):
                return None
            if cfg.max_faults is not None and self.injected >= cfg.max_faults:
                return None
            if self._rng.random() >= cfg.rate:
                return None
            self.injected += 1
            return self._rng.choice(sorted(cfg.kinds))
