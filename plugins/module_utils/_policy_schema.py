# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""The policy schema of fine-grained PAT requests and grants: its keys, defaults and validation.

``validate_policy`` checks a policy and returns it normalized, or raises PolicyError naming
the dotted key and the broken rule. Pure, no I/O. The reference for every key and boundary
is ``docs/policy.md``; the rules are in ``_policy_rules.py``, the decisions in ``_policy.py``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any, List

from ansible_collections.patguard.github.plugins.module_utils._catalog import (
    API_BUCKET,
    LEVEL_RANK,
    LEVELS,
    MAX_LIFETIME_DAYS,
    MAX_REASON_LENGTH,
    PERMISSIONS,
    CatalogError,
    suggest,
    validate_permission,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.module_utils._records import is_int as _is_int

SELECTIONS = ("none", "all", "subset")

_RANK = LEVEL_RANK

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

    def __init__(self, key: str, rule: str, message: str) -> None:
        super().__init__("patguard_policy%s: %s" % ("." + key if key else "", message))
        self.key = key
        self.rule = rule


# --------------------------------------------------------------------------- validation


def _got(value: Any) -> str:
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


def _list(policy: Mapping[str, Any], key: str, what: str) -> list:
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


def _globs(policy: Mapping[str, Any], key: str, what: str = "glob patterns") -> List[str]:
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


def validate_policy(policy: Any) -> dict:
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
