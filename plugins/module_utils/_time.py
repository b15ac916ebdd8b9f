# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""GitHub times, read and written in one place (pure, no I/O).

GitHub writes ISO 8601 with ``Z`` (``2026-12-20T00:00:00Z``) in JSON and
``2026-12-20 00:00:00 UTC`` in the ``GitHub-Authentication-Token-Expiration`` header.
Everything here returns aware UTC datetimes; a naive value means UTC.
"""

from __future__ import annotations

import datetime
import re
import time
from typing import Any, Callable, Optional

UTC = datetime.timezone.utc
SECONDS_PER_DAY = 86400.0

_TS_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def _as_utc(moment: datetime.datetime) -> Optional[datetime.datetime]:
    try:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _parse_loose(value: str) -> Optional[datetime.datetime]:
    """The shapes ``fromisoformat`` refuses: ``... UTC``, ``... +0200``, short fractions."""
    match = _TS_RE.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        result = datetime.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=UTC
        )
        if zone and zone[0] in "+-":
            digits = zone[1:].replace(":", "")
            offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            result = result - offset if zone[0] == "+" else result + offset
    except (ValueError, OverflowError):
        return None
    return result


def parse_time(value: Any) -> Optional[datetime.datetime]:
    """Aware UTC datetime from a GitHub time, or None for anything unparseable.

    Reads ISO 8601 (``Z``, offsets, fractions), the expiration header's
    ``2026-12-20 00:00:00 UTC`` (and ``+0200``) and datetimes; naive means UTC.
    """
    if isinstance(value, datetime.datetime):
        return _as_utc(value)
    if not isinstance(value, str):
        return None
    try:
        # Fast path for GitHub's usual shape (10,000 records per report).
        result = datetime.datetime.fromisoformat(value[:-1] + "+00:00" if value[-1:] == "Z" else value)
    except (ValueError, OverflowError, TypeError):
        result = None
    if result is not None:
        return _as_utc(result)
    return _parse_loose(value)


def to_epoch(value: Any, default: Optional[float] = None) -> Optional[float]:
    """Epoch seconds of a GitHub time (``expires_at`` of an installation token), else ``default``."""
    moment = parse_time(value) if value else None
    return moment.timestamp() if moment is not None else default


def iso_z(moment: Optional[datetime.datetime]) -> Optional[str]:
    """``2026-12-20T00:00:00Z`` (UTC, whole seconds), None for None."""
    if moment is None:
        return None
    zone = moment.tzinfo
    if zone is not None and zone is not UTC:
        moment = moment.astimezone(UTC)
    # Formatting by hand: strftime is the slowest step of a 10,000-token report.
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def iso_z_epoch(epoch: float) -> str:
    """:func:`iso_z` of epoch seconds (a rate-limit reset)."""
    return iso_z(datetime.datetime.fromtimestamp(epoch, UTC))


def now_utc(clock: Callable[[], float] = time.time) -> datetime.datetime:
    """The current time as an aware UTC datetime; ``clock`` is injectable for tests."""
    return datetime.datetime.fromtimestamp(clock(), UTC)


def resolve_now(now: Any = None, clock: Callable[[], float] = time.time) -> datetime.datetime:
    """``now`` given by a caller (ISO text or datetime), or the clock's time when empty.

    Raises ValueError for a value that is not a time; callers add their field name.
    """
    if now is None or now == "":
        return now_utc(clock)
    parsed = parse_time(now)
    if parsed is None:
        raise ValueError("now must be an ISO 8601 timestamp or a datetime, got %r" % (now,))
    return parsed


def whole_days(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole days from ``start`` to ``end`` (aware datetimes), floored: negative when ``end``
    is earlier, 0 for less than a day left."""
    return int((end - start).total_seconds() // SECONDS_PER_DAY)


def days_between(start: Any, end: Any) -> Optional[float]:
    """Days (fractional) from ``start`` to ``end``, negative when ``end`` is earlier; None when
    either is missing or unparseable. Both may be text or datetimes."""
    begin, finish = parse_time(start), parse_time(end)
    if begin is None or finish is None:
        return None
    return (finish - begin).total_seconds() / SECONDS_PER_DAY
