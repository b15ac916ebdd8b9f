# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Pure policy engine for fine-grained PAT requests and grants (no I/O).

``validate_policy`` checks and normalizes a policy; ``evaluate`` judges one record;
``plan`` judges many and groups the results into bulk-ready actions. The reference for
every key, violation code and boundary is ``docs/policy.md``.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import re
from collections import namedtuple
from collections.abc import Mapping

from ansible_collections.patguard.github.plugins.module_utils._catalog import (
    API_BUCKET,
    LEVEL_RANK,
    LEVELS,
    MAX_IDS_PER_BULK,
    MAX_LIFETIME_DAYS,
    MAX_REASON_LENGTH,
    NOT_HELD,
    PERMISSIONS,
    UNKNOWN_LEVEL_RANK,
    CatalogError,
    suggest,
    validate_permission,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.module_utils._records import grouped_chunks
from ansible_collections.patguard.github.plugins.module_utils._records import is_int as _is_int
from ansible_collections.patguard.github.plugins.module_utils._records import owner_login as _owner
from ansible_collections.patguard.github.plugins.module_utils._time import iso_z, parse_time
from ansible_collections.patguard.github.plugins.module_utils._time import resolve_now as _now

KINDS = ("request", "grant")
SELECTIONS = ("none", "all", "subset")
REASON_LIMIT = MAX_REASON_LENGTH
APPROVE_REASON = "Approved by policy: compliant"
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

_ACTION_CHOICES = {
    "compliant_request": ("approve", "none"),
    "violating_request": ("deny", "none"),
    "violating_grant": ("revoke", "none"),
}

DEFAULTS = {
    "max_lifetime_days": None,
    "repository_selection": None,
    "max_repositories": None,
    "allowed_repositories": [],
    "allowed_permissions": None,
    "forbidden_permissions": [],
    "require_reason": False,
    "min_reason_length": 0,
    "allowed_owners": [],
    "denied_owners": [],
    "max_inactive_days": None,
    "revoke_expired": False,
    "exempt_token_ids": [],
    "exempt_owners": [],
    # Deny reasons name the broken rules (shared by many requests: one bulk call per 100);
    # true quotes each request's own figures instead (one bulk call per distinct text).
    "deny_reason_detail": False,
    # Doing nothing is the default: an empty policy must never approve, deny or revoke.
    "actions": {"compliant_request": "none", "violating_request": "none", "violating_grant": "none"},
}
POLICY_KEYS = tuple(DEFAULTS)


class PolicyError(PatguardError):
    """An invalid policy. ``key`` is the dotted path of the offending key, ``rule`` the
    kind of problem: type, range, choice, unknown_key, permission, glob, contradiction."""

    qualified = True  # the message starts with patguard_policy.<key>

    def __init__(self, key, rule, message):
        super().__init__("patguard_policy%s: %s" % ("." + key if key else "", message))
        self.key = key
        self.rule = rule


_ViolationBase = namedtuple("Violation", ["code", "detail"])


class Violation(_ViolationBase):
    """One finding: ``code`` and the record's own ``detail`` (``lifetime``, ``expires after 180
    days (max 90)``), plus ``rule``: the broken rule in the policy's own terms (``lifetime over
    the 90-day maximum``), the same for every record that breaks it. Deny reasons are built
    from ``rule`` so that requests breaking the same rules share one reason, and one bulk
    call. ``rule`` takes no part in equality."""

    def __new__(cls, code, detail, rule=None):
        self = super().__new__(cls, code, detail)
        self.rule = rule
        return self


_DECISION_FIELDS = ("id", "kind", "owner", "token_id", "token_name", "decision", "violations", "reason")


class Decision(namedtuple("Decision", _DECISION_FIELDS)):
    """Outcome for one record; ``violations`` is a tuple of Violation."""

    __slots__ = ()

    def to_dict(self):
        result = dict(zip(_DECISION_FIELDS, self))
        result["violations"] = [{"code": v.code, "detail": v.detail} for v in self.violations]
        return result


# --------------------------------------------------------------------------- validation


def _got(value):
    """Describe a bad value in YAML terms (bool is not int, say so)."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    if isinstance(value, (int, float)):
        return str(value)
    return "a " + type(value).__name__


def _int(policy, key, low, high, text):
    value = policy.get(key)
    if value is None:
        return DEFAULTS[key]
    if not _is_int(value) or value < low or (high is not None and value > high):
        raise PolicyError(key, "type" if not _is_int(value) else "range", "%s, got %s" % (text, _got(value)))
    return int(value)


def _bool(policy, key):
    value = policy.get(key)
    if value is None:
        return DEFAULTS[key]
    if not isinstance(value, bool):
        raise PolicyError(key, "type", "must be true or false, got %s" % _got(value))
    return value


def _list(policy, key, what):
    value = policy.get(key)
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise PolicyError(key, "type", "must be a list of %s, got %s" % (what, _got(value)))
    return list(value)


def _unbalanced_bracket(pattern):
    """True when fnmatch would read a '[' as a literal because it never closes.

    fnmatch.translate() silently escapes such a '[', so re.compile() alone cannot catch it;
    in a policy it is almost always a typo.
    """
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "[":
            j = i + 1
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                return True
            i = j
        i += 1
    return False


def _globs(policy, key, what="glob patterns"):
    result = []
    for index, pattern in enumerate(_list(policy, key, what)):
        path = "%s[%d]" % (key, index)
        if not isinstance(pattern, str):
            raise PolicyError(path, "type", "must be a glob pattern string, got %s" % _got(pattern))
        pattern = str(pattern)
        if not pattern.strip():
            raise PolicyError(path, "glob", "must be a non-empty glob pattern, got %r" % pattern)
        if pattern != pattern.strip():
            raise PolicyError(path, "glob", "must not start or end with whitespace, got %r" % pattern)
        if _unbalanced_bracket(pattern):
            raise PolicyError(path, "glob", "invalid glob %r: unbalanced '['" % pattern)
        try:
            re.compile(fnmatch.translate(pattern))
        except re.error as exc:  # defensive: translate() escapes almost everything
            raise PolicyError(path, "glob", "invalid glob %r: %s" % (pattern, exc)) from None
        if pattern not in result:
            result.append(pattern)
    return result


def _permission_error(path, exc):
    return PolicyError(path, "permission", exc.message)


def _allowed_permissions(policy):
    value = policy.get("allowed_permissions")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise PolicyError(
            "allowed_permissions",
            "type",
            "must be a mapping of resource (repository, organization, account) to "
            "{permission: level}, got %s" % _got(value),
        )
    if not value:
        raise PolicyError(
            "allowed_permissions", "range", "must name at least one resource; omit the key to turn the rule off"
        )
    if "account" in value and "other" in value:
        raise PolicyError(
            "allowed_permissions.other",
            "contradiction",
            "give account permissions under either account or other, not both",
        )
    result = {"repository": {}, "organization": {}, "other": {}}
    for resource, perms in value.items():
        path = "allowed_permissions.%s" % resource
        if resource not in ("repository", "organization", "account", "other"):
            raise PolicyError(
                path,
                "unknown_key",
                "unknown resource%s; expected repository, organization or account"
                % suggest(resource, ("repository", "organization", "account")),
            )
        if perms is None:
            continue
        if not isinstance(perms, Mapping):
            raise PolicyError(path, "type", "must be a mapping of permission to level, got %s" % _got(perms))
        bucket = API_BUCKET.get(resource, resource)
        for name, level in perms.items():
            try:
                validate_permission(name, level, resource)
            except CatalogError as exc:
                raise _permission_error("%s.%s" % (path, name), exc) from None
            result[bucket][name] = level
    return result


def _forbidden_permissions(policy):
    result = []
    for index, entry in enumerate(_list(policy, "forbidden_permissions", "'permission:level' strings")):
        path = "forbidden_permissions[%d]" % index
        if not isinstance(entry, str) or not entry:
            raise PolicyError(path, "type", "must be 'permission' or 'permission:level', got %s" % _got(entry))
        name, sep, level = str(entry).partition(":")
        if not sep:
            # A bare name forbids holding the permission at all: its weakest level.
            levels = PERMISSIONS.get(name, (None, LEVELS))[1]
            level = levels[0]
        try:
            validate_permission(name, level)
        except CatalogError as exc:
            raise _permission_error(path, exc) from None
        normalized = "%s:%s" % (name, level)
        if normalized not in result:
            result.append(normalized)
    return result


def _repository_selection(policy):
    value = policy.get("repository_selection")
    if value is None:
        return None
    choices = _list(policy, "repository_selection", "none, all, subset")
    if not choices:
        raise PolicyError(
            "repository_selection",
            "contradiction",
            "must list at least one of none, all, subset; an empty list rejects every token",
        )
    result = []
    for index, choice in enumerate(choices):
        if choice not in SELECTIONS:
            raise PolicyError(
                "repository_selection[%d]" % index,
                "choice",
                "must be one of none, all, subset, got %s%s" % (_got(choice), suggest(choice, SELECTIONS)),
            )
        if choice not in result:
            result.append(choice)
    return result


def _token_ids(policy):
    result = []
    for index, value in enumerate(_list(policy, "exempt_token_ids", "integer token ids")):
        if not _is_int(value) or value < 1:
            raise PolicyError(
                "exempt_token_ids[%d]" % index, "type", "must be a positive integer token id, got %s" % _got(value)
            )
        if value not in result:
            result.append(int(value))
    return result


def _actions(policy):
    value = policy.get("actions")
    result = dict(DEFAULTS["actions"])
    if value is None:
        return result
    if not isinstance(value, Mapping):
        raise PolicyError("actions", "type", "must be a mapping, got %s" % _got(value))
    for key, action in value.items():
        if key not in _ACTION_CHOICES:
            raise PolicyError(
                "actions.%s" % key,
                "unknown_key",
                "unknown key%s; expected one of %s" % (suggest(key, _ACTION_CHOICES), ", ".join(_ACTION_CHOICES)),
            )
        if action is None:
            continue
        choices = _ACTION_CHOICES[key]
        if action not in choices:
            raise PolicyError(
                "actions.%s" % key, "choice", "must be %s or %s, got %s" % (choices[0], choices[1], _got(action))
            )
        result[key] = action
    return result


def _check_contradictions(raw, norm):
    """Reject policies whose rules cannot all hold at once (see docs/policy.md)."""
    selection = norm["repository_selection"]
    for key in ("max_repositories", "allowed_repositories"):
        if not norm[key] or selection is None:
            continue
        if "subset" not in selection:
            raise PolicyError(
                key, "contradiction", "applies to subset selections, but repository_selection does not include subset"
            )
        if "all" in selection:
            # An all-repositories token can never be checked against a count or a list.
            raise PolicyError(
                key, "contradiction", "cannot hold for all-repository tokens, but repository_selection includes all"
            )
    if raw.get("require_reason") is False and norm["min_reason_length"] > 0:
        raise PolicyError(
            "min_reason_length",
            "contradiction",
            "a minimum reason length of %d contradicts require_reason: false" % norm["min_reason_length"],
        )
    allowed_lower = dict((o.lower(), o) for o in norm["allowed_owners"])
    for index, owner in enumerate(norm["denied_owners"]):
        if owner.lower() in allowed_lower:
            raise PolicyError(
                "denied_owners[%d]" % index, "contradiction", "%r is also listed in allowed_owners" % owner
            )
    allowed = norm["allowed_permissions"]
    if allowed:
        for index, entry in enumerate(norm["forbidden_permissions"]):
            name, level = entry.split(":")
            resource = PERMISSIONS[name][0]
            allowed_level = allowed[API_BUCKET[resource]].get(name)
            if allowed_level and _RANK[level] <= _RANK[allowed_level]:
                raise PolicyError(
                    "forbidden_permissions[%d]" % index,
                    "contradiction",
                    "%s contradicts allowed_permissions.%s.%s: %s (forbidden at or below the allowed level)"
                    % (entry, resource, name, allowed_level),
                )


def validate_policy(policy):
    """Validate a policy and return it normalized (every key present, defaults filled in).

    ``None`` for any key means "not set". Idempotent: a normalized policy validates to
    itself. Raises PolicyError naming the dotted key and the broken rule.
    """
    if policy is None:
        policy = {}
    if not isinstance(policy, Mapping):
        raise PolicyError("", "type", "must be a mapping, got %s" % _got(policy))
    if "patguard_policy" in policy:
        # The whole vars file was passed where only its policy belongs (docs/policy.md).
        raise PolicyError(
            "patguard_policy",
            "layout",
            "this is a policy file, not a policy: pass it as a vars file (vars_files, or -e @policy.yml), "
            "or pass its patguard_policy value; a policy file reads "
            '"patguard_policy: {max_lifetime_days: 90, actions: {...}}"',
        )
    # Rules for SAML SSO credential authorizations live in their own file and key.
    from ansible_collections.patguard.github.plugins.module_utils import _credential_policy as cred

    for key in policy:
        if key not in DEFAULTS and key != cred.SECTION:
            raise PolicyError(str(key), "unknown_key", "unknown key%s" % suggest(key, POLICY_KEYS + (cred.SECTION,)))
    norm = {
        "max_lifetime_days": _int(
            policy, "max_lifetime_days", 1, MAX_LIFETIME_DAYS, "must be an integer from 1 to %d" % MAX_LIFETIME_DAYS
        ),
        "repository_selection": _repository_selection(policy),
        "max_repositories": _int(policy, "max_repositories", 1, None, "must be an integer of at least 1"),
        "allowed_repositories": _globs(policy, "allowed_repositories"),
        "allowed_permissions": _allowed_permissions(policy),
        "forbidden_permissions": _forbidden_permissions(policy),
        "require_reason": _bool(policy, "require_reason"),
        "min_reason_length": _int(
            policy, "min_reason_length", 0, MAX_REASON_LENGTH, "must be an integer from 0 to %d" % MAX_REASON_LENGTH
        ),
        "allowed_owners": _globs(policy, "allowed_owners"),
        "denied_owners": _globs(policy, "denied_owners"),
        "max_inactive_days": _int(policy, "max_inactive_days", 1, None, "must be an integer of at least 1"),
        "revoke_expired": _bool(policy, "revoke_expired"),
        "exempt_token_ids": _token_ids(policy),
        "exempt_owners": _globs(policy, "exempt_owners"),
        "deny_reason_detail": _bool(policy, "deny_reason_detail"),
        "actions": _actions(policy),
    }
    _check_contradictions(policy, norm)
    if cred.SECTION in policy:
        norm[cred.SECTION] = cred.validate_section(policy[cred.SECTION])
    # A minimum length needs a reason; saying so keeps validate(validate(p)) == validate(p).
    if norm["min_reason_length"] > 0:
        norm["require_reason"] = True
    return norm


def needs_repositories(policy):
    """True when a rule needs the repository list of ``subset`` records."""
    policy = validate_policy(policy)
    return bool(policy["max_repositories"] or policy["allowed_repositories"])


# --------------------------------------------------------------------------- helpers


def _days_text(delta):
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


def _matches(patterns, value):
    matcher = _matcher(tuple(patterns))
    return bool(matcher and isinstance(value, str) and matcher(value))


@functools.lru_cache(maxsize=256)
def _forbidden_ranks(entries):
    result = {}
    for entry in entries:
        name, _sep, level = entry.partition(":")
        result[name] = min(result.get(name, 99), _RANK.get(level, 1))
    return result


def _is_map(value):
    # dict first: the ABC check is slow and almost every value is a plain dict.
    return isinstance(value, dict) or isinstance(value, Mapping)


def _text(value):
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _held_permissions(record):
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


def check_lifetime(record, policy, now, kind=None):
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


def check_repository_selection(record, policy, now, kind=None):
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


def check_repository_count(record, policy, now, kind=None):
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


def check_repositories(record, policy, now, kind=None):
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


def check_allowed_permissions(record, policy, now, kind=None):
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


def check_forbidden_permissions(record, policy, now, kind=None):
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


def check_reason(record, policy, now, kind=None):
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


def check_owner(record, policy, now, kind=None):
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


def check_inactive(record, policy, now, kind=None):
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


def check_expired(record, policy, now, kind=None):
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


# --------------------------------------------------------------------------- decisions


def reason_parts(violations, detail=False):
    """The parts of a reason: each broken rule once, in rule order (``rule`` texts), or with
    ``detail`` every finding as ``code: detail``. A Violation without a rule text (built
    outside the rules) counts as its own detail."""
    parts = []
    seen = set()
    for v in violations:
        rule = None if detail else getattr(v, "rule", None)
        if rule is None:
            parts.append("%s: %s" % (v.code, v.detail))
        elif rule not in seen:
            seen.add(rule)
            parts.append(rule)
    return parts


def format_reason(prefix, violations, limit=REASON_LIMIT, detail=False):
    """``prefix`` + the broken rules joined by ``; `` (or, with ``detail``, ``code: detail``
    of every finding), never longer than ``limit`` characters; when too long, whole parts
    are dropped from the end and replaced by ``…(+N more)``."""
    parts = reason_parts(violations, detail)
    text = prefix + "; ".join(parts)
    if len(text) <= limit:
        return text
    total = len(parts)
    used = len(prefix)
    kept = 0
    # Find how many leading parts fit with the suffix for the rest.
    for index, part in enumerate(parts):
        extra = len(part) + (2 if index else 0)
        suffix = "; …(+%d more)" % (total - index - 1)
        if used + extra + len(suffix) > limit:
            break
        used += extra
        kept = index + 1
    if kept:
        return prefix + "; ".join(parts[:kept]) + "; …(+%d more)" % (total - kept)
    # Not even the first violation fits: cut it and count the rest.
    suffix = "…(+%d more)" % (total - 1) if total > 1 else "…"
    room = max(limit - len(prefix) - len(suffix), 0)
    return (prefix + parts[0][:room] + suffix)[:limit]


# Rules whose outcome for a request differs once it is a grant: a request is judged by the
# grant it would become, so that report mode predicts enforce mode (an expired token is
# denied, not approved and then revoked in the same pass).
_AS_GRANT = (check_lifetime, check_expired, check_inactive)
_REQUEST_RULES = tuple(f for f, kinds in RULES if "request" in kinds or f in _AS_GRANT)
_GRANT_FIELDS = ("permissions", "repository_selection", "repositories", "token_expires_at", "token_expired")


def prospective_grant(request, grant=None, now=None):
    """The grant ``request`` becomes when approved: a new grant from ``now``, or, for a
    permission-upgrade request (same ``token_id`` as the active ``grant``), that grant widened
    to the request's permissions and repositories under its own id."""
    if not _is_map(request):
        request = {}
    if _is_map(grant):
        result = dict(grant)
        for key in _GRANT_FIELDS:
            if key in request:
                result[key] = request.get(key)
        if request.get("token_last_used_at") and not grant.get("token_last_used_at"):
            result["token_last_used_at"] = request.get("token_last_used_at")
        return result
    result = dict(request)
    moment = now if isinstance(now, datetime.datetime) else _now(now)
    result["access_granted_at"] = iso_z(moment)
    result.pop("lifetime_days", None)
    return result


def _request_violations(record, policy, now, becomes):
    violations = []
    for rule in _REQUEST_RULES:
        found = rule(record, policy, now, "request") if rule not in (check_expired, check_inactive) else []
        if rule in _AS_GRANT and not any(v.code != UNVERIFIABLE for v in found):
            as_grant = rule(becomes, policy, now, "grant")
            if any(v.code != UNVERIFIABLE for v in as_grant) or not found:
                found = as_grant
        violations.extend(found)
    return violations


def _evaluate(record, kind, policy, now, becomes=None):
    if not _is_map(record):
        record = {}
    owner = _owner(record)
    token_id = record.get("token_id")
    base = (record.get("id"), kind, owner, token_id, record.get("token_name"))
    if (_is_int(token_id) and token_id in policy["exempt_token_ids"]) or (
        policy["exempt_owners"] and _matches(policy["exempt_owners"], owner)
    ):
        return Decision(*(base + ("exempt", (), None)))
    if kind == "request":
        violations = _request_violations(record, policy, now, becomes or prospective_grant(record, None, now))
    else:
        violations = []
        for rule in _RULES_BY_KIND[kind]:
            violations.extend(rule(record, policy, now, kind))
    real = [v for v in violations if v.code != UNVERIFIABLE]
    actions = policy["actions"]
    reason = None
    if real:
        if kind == "request":
            decision = "deny" if actions["violating_request"] == "deny" else "none"
        else:
            decision = "revoke" if actions["violating_grant"] == "revoke" else "none"
        prefix = {"deny": "Denied by policy: ", "revoke": "Revoked by policy: "}.get(decision, "Violates policy: ")
        reason = format_reason(prefix, real, detail=policy.get("deny_reason_detail"))
        # The decision does not wait on what could not be checked: not "unverifiable".
        violations = real
    elif violations:
        # A rule could not be checked: never act automatically on a guess.
        decision = "none"
    elif kind == "request":
        decision = "approve" if actions["compliant_request"] == "approve" else "none"
        reason = APPROVE_REASON if decision == "approve" else None
    else:
        decision = "keep"
    return Decision(*(base + (decision, tuple(violations), reason)))


def evaluate(record, kind, policy, now=None):
    """Judge one request or grant (``kind``) against ``policy`` at ``now`` (aware UTC
    datetime or ISO string; default: the current time). Never raises on the record;
    raises PolicyError for an invalid policy and ValueError for a bad ``kind``."""
    if kind not in KINDS:
        raise ValueError("kind must be request or grant, got %r" % (kind,))
    return _evaluate(record, kind, validate_policy(policy), _now(now))


def _groups(items, action):
    """Group (id, reason) pairs by reason into bulk calls of at most MAX_IDS_PER_BULK ids."""
    return [
        {"ids": ids, "action": action, "reason": reason}
        for reason, ids in grouped_chunks(((r, i) for i, r in items), MAX_IDS_PER_BULK)
    ]


def plan(requests, grants, policy, now=None):
    """Judge every request and grant and group the actions for bulk calls.

    Returns ``{'decisions': [...], 'approve': [{ids, action, reason}], 'deny': [...],
    'revoke': [ids], 'review': [{id, action, reason, token_id}], 'summary': {...},
    'evaluated_at': iso}``. ``review`` lists each approval/denial once, in the shape of the
    pat_request module's ``decisions`` option.
    """
    norm = validate_policy(policy)
    moment = _now(now)
    decisions = []
    approve, deny, revoke, review = [], [], [], []
    by_decision = dict((d, 0) for d in ("approve", "deny", "revoke", "keep", "none", "exempt"))
    by_code = {}
    seen_revoke = set()
    seen_review = set()
    grants = list(grants or [])
    by_token = dict((g.get("token_id"), g) for g in grants if _is_map(g) and _is_int(g.get("token_id")))
    widened = {}  # token_id -> the grant an approved upgrade request turns it into

    def judge(kind, record):
        token_id = record.get("token_id") if _is_map(record) else None
        if not _is_int(token_id):
            token_id = None
        if kind == "request":
            becomes = prospective_grant(record, by_token.get(token_id), moment)
            decision = _evaluate(record, kind, norm, moment, becomes)
            if decision.decision == "approve" and token_id in by_token:
                widened[token_id] = becomes
            return decision
        return _evaluate(widened.get(token_id, record), kind, norm, moment)

    for kind, records in (("request", requests or []), ("grant", grants)):
        for record in records:
            decision = judge(kind, record)
            decisions.append(decision.to_dict())
            by_decision[decision.decision] += 1
            for code in set(v.code for v in decision.violations):
                by_code[code] = by_code.get(code, 0) + 1
            record_id = decision.id
            if not _is_int(record_id):
                continue  # GitHub ids are integers; anything else cannot be acted on
            if decision.decision in ("approve", "deny") and record_id not in seen_review:
                seen_review.add(record_id)
                (approve if decision.decision == "approve" else deny).append((record_id, decision.reason))
                item = {"id": record_id, "action": decision.decision, "reason": decision.reason}
                if _is_int(decision.token_id):
                    item["token_id"] = decision.token_id
                review.append(item)
            elif decision.decision == "revoke" and record_id not in seen_revoke:
                seen_revoke.add(record_id)
                revoke.append(record_id)
    request_decisions = [d for d in decisions if d["kind"] == "request"]
    grant_decisions = [d for d in decisions if d["kind"] == "grant"]
    return {
        "decisions": decisions,
        "approve": _groups(approve, "approve"),
        "deny": _groups(deny, "deny"),
        "revoke": revoke,
        "review": review,
        "summary": {
            "requests": len(request_decisions),
            "grants": len(grant_decisions),
            "decisions": by_decision,
            "violations": dict(sorted(by_code.items())),
        },
        "evaluated_at": iso_z(moment),
        # Only where the decision waits on them: a grant or request another rule already
        # condemns is revoked or denied whatever its repositories are.
        "repositories_needed": repositories_needed(
            [widened.get(g.get("token_id"), g) if _is_map(g) and _is_int(g.get("token_id")) else g for g in grants],
            grant_decisions,
        ),
        "request_repositories_needed": [r["id"] for r in repositories_needed_records(requests, request_decisions)],
        "upgrades": sorted(widened),
    }


def _waiting_ids(decisions):
    """Ids of the decisions that wait only on a repository list."""
    pending = set()
    for decision in decisions or []:
        if not _is_map(decision):
            continue
        violations = decision.get("violations") or []
        codes = set(v.get("code") for v in violations if _is_map(v))
        waiting = any(
            _is_map(v) and v.get("code") == UNVERIFIABLE and str(v.get("detail", "")).startswith("repository")
            for v in violations
        )
        if waiting and codes == set([UNVERIFIABLE]) and _is_int(decision.get("id")):
            pending.add(decision.get("id"))
    return pending


def repositories_needed_records(records, decisions):
    """The ``subset`` records (without a repository list) whose decision waits on it."""
    pending = _waiting_ids(decisions)
    return [
        r
        for r in records or []
        if _is_map(r)
        and _is_int(r.get("id"))
        and r.get("id") in pending
        and r.get("repository_selection") == "subset"
        and r.get("repositories") is None
    ]


def repositories_needed(records, decisions):
    """Token ids of the ``subset`` records whose decision waits only on their repository list.

    A grant that another rule already condemns is revoked whatever its repositories are
    (a revoke carries no reason to GitHub), so its list is not worth one API call; only
    records found compliant except for an unverifiable repository rule are. On a 10,000-grant
    organization this turns thousands of repository listings into the few that matter.
    """
    return [r["token_id"] for r in repositories_needed_records(records, decisions) if _is_int(r.get("token_id"))]


def merge_records(records, updates):
    """``records`` with every record of ``updates`` (same ``id``) put in its place, order kept."""
    by_id = dict((u.get("id"), u) for u in updates or [] if _is_map(u) and _is_int(u.get("id")))
    return [by_id.get(r.get("id"), r) if _is_map(r) and _is_int(r.get("id")) else r for r in records or []]
