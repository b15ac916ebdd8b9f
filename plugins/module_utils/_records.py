# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Small shape helpers on GitHub records and id lists, one copy each (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Hashable, Iterable, List, Optional, Tuple, TypeVar

T = TypeVar("T")


def is_int(value: Any) -> bool:
    """True for an int that is not a bool (JSON ids, counts)."""
    return isinstance(value, int) and not isinstance(value, bool)


def owner_login(record: Any) -> Optional[str]:
    """The owner's login of a record: ``owner`` as GitHub sends it (``{login: ...}``) or as
    this collection normalizes it (the login). None when there is no login."""
    if not isinstance(record, dict) and not isinstance(record, Mapping):
        return None
    owner = record.get("owner")
    # dict first: the ABC check is slow and almost every value is a plain dict.
    if isinstance(owner, dict) or isinstance(owner, Mapping):
        owner = owner.get("login")
    return owner if isinstance(owner, str) else None


def chunks(items: Iterable[T], size: int) -> List[List[T]]:
    """Consecutive lists of at most ``size`` items (GitHub's per-call limits)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def grouped_chunks(pairs: Iterable[Tuple[Hashable, T]], size: int) -> List[Tuple[Hashable, List[T]]]:
    """``(key, value)`` pairs as ``(key, values)`` bulk calls: values grouped by key in the
    order keys are first seen, each value once (its first key wins), at most ``size`` each."""
    by_key = {}
    order = []
    seen = set()
    for key, value in pairs:
        if value in seen:
            continue
        seen.add(value)
        values = by_key.get(key)
        if values is None:
            values = by_key[key] = []
            order.append(key)
        values.append(value)
    return [(key, chunk) for key in order for chunk in chunks(by_key[key], size)]
