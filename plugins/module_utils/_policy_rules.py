# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""The rules of a fine-grained PAT policy: one ``check_*`` function per rule (no I/O).

Each rule takes a record, a policy normalized by ``_policy_schema.validate_policy``, the
time and the record's kind, and returns its Violations; ``RULES`` lists them in report
order. The reference for every violation code is ``docs/policy.md``.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import re
import typing
from collections import namedtuple
from collections.abc import Mapping
from typing import Any, Iterator, List, Optional, Tuple

from ansible_collections.patguard.github.plugins.module_utils._catalog import (
    LEVEL_RANK,
    NOT_HELD,
    UNKNOWN_LEVEL_RANK,
)
from ansible_collections.patguard.github.plugins.module_utils._records import is_int as _is_int
from ansible_collections.patguard.github.plugins.module_utils._records import owner_login as _owner
from ansible_collections.patguard.github.plugins.module_utils._time import parse_time

KINDS = ("request", "grant")
VIOLATION_CODES = (
    "lifetime",
    "repository_selection",
    "repository_count",
    "repository",
    "permission",
    "reason",
    "owner",
    "inactive",
    "expired",
)
# Not a violation: a rule needed data the record did not carry (see evaluate()).
UNVERIFIABLE = "unverifiable"

_RANK = LEVEL_RANK
# A level GitHub might add later ranks above admin, so it never slips under a limit.
_UNKNOWN_RANK = UNKNOWN_LEVEL_RANK
_NOT_HELD = NOT_HELD


_ViolationBase = namedtuple("Violation", ["code", "detail"])


class Violation(_ViolationBase):
    """One finding: ``code`` and the record's own ``detail`` (``lifetime``, ``expires after 180
    days (max 90)``), plus ``rule``: the broken rule in the policy's own terms (``lifetime over
    the 90-day maximum``), the same for every record that breaks it. Deny reasons are built
    from ``rule`` so that requests breaking the same rules share one reason, and one bulk
    call. ``rule`` takes no part in equality."""

    def __new__(cls, code: str, detail: str, rule: Optional[str] = None) -> Violation:
        self = super().__new__(cls, code, detail)
        self.rule = rule
        return self


# --------------------------------------------------------------------------- helpers


def _days_text(delta: datetime.timedelta) -> str:
    """'90 days' when exact, else 'more than 90 days' (the boundary is exclusive)."""
    days = delta.days
    unit = "day" if days == 1 else "days"
    if delta == datetime.timedelta(days=days):
        return "%d %s" % (days, unit)
    return "more than %d %s" % (days, unit)


@functools.lru_cache(maxsize=256)
def _matcher(patterns):
    """One case-insensitive regex for a tuple of globs (GitHub names ignore case)."""
    if not patterns:
        return None
    return re.compile("|".join("(?:%s)" % fnmatch.translate(p) for p in patterns), re.IGNORECASE).match


def _matches(patterns: Any, value: Any) -> bool:
    matcher = _matcher(tuple(patterns))
    return bool(matcher and isinstance(value, str) and matcher(value))


@functools.lru_cache(maxsize=256)
def _forbidden_ranks(entries):
    result = {}
    for entry in entries:
        name, _sep, level = entry.partition(":")
        result[name] = min(result.get(name, 99), _RANK.get(level, 1))
    return result


def _is_map(value: Any) -> bool:
    # dict first: the ABC check is slow and almost every value is a plain dict.
    return isinstance(value, dict) or isinstance(value, Mapping)


def _text(value):
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _held_permissions(record: Mapping[str, Any]) -> Iterator[Tuple[str, str, str]]:
    """Yield (bucket, name, level) for every held permission, tolerating odd shapes."""
    perms = record.get("permissions")
    if not _is_map(perms):
        return
    for bucket, entries in perms.items():
        if not _is_map(entries):
            continue
        for name, level in entries.items():
            if level in _NOT_HELD:
                continue
            yield _text(bucket), _text(name), _text(level)


def _repo_name(entry):
    if _is_map(entry):  # raw GitHub repository object
        entry = entry.get("name") or entry.get("full_name")
    name = _text(entry)
    return name.rsplit("/", 1)[-1]


def _selection(record):
    value = record.get("repository_selection")
    return value if isinstance(value, str) else None


# --------------------------------------------------------------------------- rules
# Rule texts: the broken rule in the policy's terms, never a record's own figures.


def _lifetime_rule(limit):
    return "lifetime over the %d-day maximum" % limit


def _count_rule(limit):
    return "more than %d repositories" % limit


def _repository_rule(patterns):
    return "repositories outside %s" % ", ".join(patterns)


_ALLOWED_RULE = "permissions beyond allowed_permissions"
_LEVEL_OF_RANK = dict((rank, level) for level, rank in _RANK.items())


def _reason_rule(minimum):
    if minimum:
        return "justification of at least %d characters required" % minimum
    return "justification required"


def _inactive_rule(limit):
    return "unused for more than %d days" % limit


# Each rule: (record, policy, now, kind=None) -> list of Violation. ``policy`` is the output
# of validate_policy(). Rules never raise on GitHub-shaped records.
Record = typing.Mapping[str, Any]
Kind = Optional[str]  # request, grant, or None: either (the record says which by its fields)
Violations = List[Violation]


def check_lifetime(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """lifetime: never expires, or expires more than max_lifetime_days after the start
    (created_at for requests, access_granted_at for grants). Exactly N days is compliant."""
    limit = policy.get("max_lifetime_days")
    if not limit:
        return []
    expires_raw = record.get("token_expires_at")
    if expires_raw is None or expires_raw == "":
        return [Violation("lifetime", "never expires (max %d days)" % limit, _lifetime_rule(limit))]
    expires = parse_time(expires_raw)
    if kind == "request":
        start_raw = record.get("created_at")
    elif kind == "grant":
        start_raw = record.get("access_granted_at")
    else:
        start_raw = record.get("access_granted_at") or record.get("created_at")
    start = parse_time(start_raw)
    if expires is not None and start is not None:
        delta = expires - start
        if delta > datetime.timedelta(days=limit):
            return [
                Violation("lifetime", "expires after %s (max %d)" % (_days_text(delta), limit), _lifetime_rule(limit))
            ]
        return []
    days = record.get("lifetime_days")
    if _is_int(days) or isinstance(days, float):
        if days > limit:
            return [Violation("lifetime", "expires after %s days (max %d)" % (days, limit), _lifetime_rule(limit))]
        return []
    return [Violation(UNVERIFIABLE, "lifetime: expiry or start time missing or unreadable")]


def check_repository_selection(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """repository_selection: the record's selection is not in the allowed list."""
    allowed = policy.get("repository_selection")
    if not allowed:
        return []
    selection = _selection(record)
    if selection in allowed:
        return []
    return [
        Violation(
            "repository_selection",
            "%s is not allowed (allowed: %s)" % (selection or "unknown selection", ", ".join(allowed)),
            "repository selection other than %s" % " or ".join(allowed),
        )
    ]


def _all_selected(record, policy, code, text, rule):
    # With repository_selection set, validation guarantees it excludes 'all', and that rule
    # reports it; without it an all-repository token cannot pass a count or a list.
    if policy.get("repository_selection"):
        return []
    return [Violation(code, text, rule)]


def check_repository_count(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """repository_count: a subset selection holds more than max_repositories."""
    limit = policy.get("max_repositories")
    if not limit:
        return []
    selection = _selection(record)
    if selection == "all":
        return _all_selected(
            record, policy, "repository_count", "all repositories selected (max %d)" % limit, _count_rule(limit)
        )
    if selection != "subset":
        return []
    repos = record.get("repositories")
    if not isinstance(repos, (list, tuple)):
        return [Violation(UNVERIFIABLE, "repository_count: repository list not fetched")]
    if len(repos) > limit:
        return [
            Violation("repository_count", "%d repositories selected (max %d)" % (len(repos), limit), _count_rule(limit))
        ]
    return []


def check_repositories(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """repository: a selected repository matches none of allowed_repositories."""
    patterns = policy.get("allowed_repositories")
    if not patterns:
        return []
    selection = _selection(record)
    if selection == "all":
        return _all_selected(
            record,
            policy,
            "repository",
            "all repositories selected (allowed: %s)" % ", ".join(patterns),
            _repository_rule(patterns),
        )
    if selection != "subset":
        return []
    repos = record.get("repositories")
    if not isinstance(repos, (list, tuple)):
        return [Violation(UNVERIFIABLE, "repository: repository list not fetched")]
    matcher = _matcher(tuple(patterns))
    result = []
    for entry in repos:
        name = _repo_name(entry)
        if not matcher(name):
            result.append(
                Violation(
                    "repository", "%s is not allowed" % (name or "unnamed repository"), _repository_rule(patterns)
                )
            )
    return result


def check_allowed_permissions(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """permission: a held permission is not listed, or is held above the listed level.
    Permissions unknown to the catalogue (added by GitHub later) are simply not listed."""
    allowed = policy.get("allowed_permissions")
    if allowed is None:
        return []
    result = []
    for bucket, name, level in _held_permissions(record):
        limit = allowed.get(bucket, {}).get(name) if _is_map(allowed.get(bucket)) else None
        if limit is None:
            result.append(Violation("permission", "%s:%s is not allowed" % (name, level), _ALLOWED_RULE))
        elif _RANK.get(level, _UNKNOWN_RANK) > _RANK.get(limit, 0):
            result.append(Violation("permission", "%s:%s exceeds %s:%s" % (name, level, name, limit), _ALLOWED_RULE))
    return result


def check_forbidden_permissions(
    record: Record, policy: Record, now: datetime.datetime, kind: Kind = None
) -> Violations:
    """permission: a permission is held at or above a forbidden level."""
    entries = policy.get("forbidden_permissions")
    if not entries:
        return []
    ranks = _forbidden_ranks(tuple(entries))
    result = []
    for _bucket, name, level in _held_permissions(record):
        floor = ranks.get(name)
        if floor is not None and _RANK.get(level, _UNKNOWN_RANK) >= floor:
            result.append(
                Violation(
                    "permission",
                    "%s:%s is forbidden" % (name, level),
                    "permission %s:%s is forbidden" % (name, _LEVEL_OF_RANK.get(floor, level)),
                )
            )
    return result


def check_reason(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """reason (requests): no justification, or one shorter than min_reason_length
    (counted after trimming whitespace)."""
    minimum = policy.get("min_reason_length") or 0
    if not policy.get("require_reason") and not minimum:
        return []
    reason = _text(record.get("reason")).strip()
    if not reason:
        return [Violation("reason", "no justification given", _reason_rule(minimum))]
    if len(reason) < minimum:
        return [
            Violation(
                "reason", "justification is %d characters (min %d)" % (len(reason), minimum), _reason_rule(minimum)
            )
        ]
    return []


def check_owner(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """owner: matches denied_owners, or allowed_owners is set and the owner matches none."""
    owner = _owner(record)
    denied = policy.get("denied_owners")
    if denied and _matches(denied, owner):
        return [Violation("owner", "%s is denied" % owner, "owner is on the denied list")]
    allowed = policy.get("allowed_owners")
    if allowed and not _matches(allowed, owner):
        return [
            Violation(
                "owner", "%s is not an allowed owner" % (owner or "unknown owner"), "owner is not on the allowed list"
            )
        ]
    return []


def check_inactive(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """inactive (grants): last use (or the grant, if never used) more than
    max_inactive_days before now. Exactly N days is compliant."""
    limit = policy.get("max_inactive_days")
    if not limit:
        return []
    last_used = parse_time(record.get("token_last_used_at"))
    if last_used is not None:
        delta = now - last_used
        if delta > datetime.timedelta(days=limit):
            return [
                Violation("inactive", "last used %s ago (max %d)" % (_days_text(delta), limit), _inactive_rule(limit))
            ]
        return []
    granted = parse_time(record.get("access_granted_at"))
    if granted is None:
        return [Violation(UNVERIFIABLE, "inactive: last use and grant time missing or unreadable")]
    delta = now - granted
    if delta > datetime.timedelta(days=limit):
        return [
            Violation(
                "inactive", "never used, granted %s ago (max %d)" % (_days_text(delta), limit), _inactive_rule(limit)
            )
        ]
    return []


def check_expired(record: Record, policy: Record, now: datetime.datetime, kind: Kind = None) -> Violations:
    """expired (grants): GitHub says the token expired, or its expiry is not after now."""
    if not policy.get("revoke_expired"):
        return []
    expires = parse_time(record.get("token_expires_at"))
    if record.get("token_expired") is True or (expires is not None and expires <= now):
        when = (" on %s" % expires.strftime("%Y-%m-%d")) if expires is not None else ""
        return [Violation("expired", "token expired%s" % when, "token has expired")]
    return []


# (function, kinds it applies to) in report order.
RULES = (
    (check_owner, KINDS),
    (check_lifetime, KINDS),
    (check_expired, ("grant",)),
    (check_inactive, ("grant",)),
    (check_repository_selection, KINDS),
    (check_repository_count, KINDS),
    (check_repositories, KINDS),
    (check_forbidden_permissions, KINDS),
    (check_allowed_permissions, KINDS),
    (check_reason, ("request",)),
)
_RULES_BY_KIND = dict((kind, tuple(f for f, kinds in RULES if kind in kinds)) for kind in KINDS)
