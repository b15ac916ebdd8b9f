# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Policy rules for SAML SSO credential authorizations (classic PATs, SSH keys, OAuth and App user tokens).

Pure, no I/O. ``validate_section`` checks and normalizes the ``credential_authorizations``
key of a policy (``_policy_schema.validate_policy`` calls it); ``evaluate`` judges one authorization;
``plan`` judges many and lists the credential ids to remove. Errors and boundaries follow the
fine-grained rules of ``_policy_rules.py`` (exactly N days is compliant). Reference: docs/credentials.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Iterable

from ansible_collections.patguard.github.plugins.module_utils._catalog import suggest
from ansible_collections.patguard.github.plugins.module_utils._credential_authorizations import (
    TYPE_NAMES,
    is_normalized,
    normalize,
)
from ansible_collections.patguard.github.plugins.module_utils._policy_rules import _days_text, _matches
from ansible_collections.patguard.github.plugins.module_utils._time import iso_z, parse_time, resolve_now

SECTION = "credential_authorizations"
VIOLATION_CODES = ("credential_type", "age", "no_expiry", "lifetime", "inactive", "scope")
UNVERIFIABLE = "unverifiable"
ACTIONS = ("remove", "none")

# Classic OAuth scopes and the narrower scopes each one includes (GitHub's "Scopes for OAuth
# apps" page). Holding a broader scope holds every narrower one, so forbidding ``read:org``
# also catches ``admin:org``.
SCOPE_CHILDREN = {
    "repo": ("repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"),
    "admin:repo_hook": ("write:repo_hook",),
    "write:repo_hook": ("read:repo_hook",),
    "admin:org": ("write:org", "manage_runners:org"),
    "write:org": ("read:org",),
    "admin:public_key": ("write:public_key",),
    "write:public_key": ("read:public_key",),
    "admin:org_hook": (),
    "gist": (),
    "notifications": (),
    "user": ("read:user", "user:email", "user:follow"),
    "project": ("read:project",),
    "delete_repo": (),
    "write:packages": ("read:packages",),
    "delete:packages": (),
    "admin:gpg_key": ("write:gpg_key",),
    "write:gpg_key": ("read:gpg_key",),
    "codespace": ("codespace:secrets",),
    "workflow": (),
    "admin:enterprise": (
        "manage_runners:enterprise",
        "manage_billing:enterprise",
        "read:enterprise",
        "scim:enterprise",
    ),
    "audit_log": ("read:audit_log",),
    "admin:ssh_signing_key": ("write:ssh_signing_key",),
    "write:ssh_signing_key": ("read:ssh_signing_key",),
    "copilot": ("manage_billing:copilot",),
    "write:discussion": ("read:discussion",),
}
SCOPES = tuple(sorted(set(SCOPE_CHILDREN) | set(c for children in SCOPE_CHILDREN.values() for c in children)))

DEFAULTS = {
    "max_age_days": None,
    "require_expiry": False,
    "max_lifetime_days": None,
    "forbidden_scopes": [],
    "max_inactive_days": None,
    "credential_types": [],
    "exempt_logins": [],
    "exempt_credential_ids": [],
    "exempt_authorized_credential_ids": [],
    # Doing nothing is the default, as for fine-grained PATs.
    "action": "none",
}


def _policy_helpers():
    # _policy_schema imports this module from validate_policy(); importing it back lazily avoids a cycle.
    from ansible_collections.patguard.github.plugins.module_utils import _policy_schema

    return _policy_schema


def _implied(scope):
    """Every scope that ``scope`` includes, itself too."""
    result = {scope}
    for child in SCOPE_CHILDREN.get(scope, ()):
        result |= _implied(child)
    return result


def _nested(path, call, *args):
    """Run a _policy validator on the section and put the section's path in front of its key."""
    policy = _policy_helpers()
    try:
        return call(*args)
    except policy.PolicyError as exc:
        text = exc.message.split(": ", 1)[1] if ": " in exc.message else exc.message
        raise policy.PolicyError("%s.%s" % (path, exc.key) if exc.key else path, exc.rule, text) from None


def _error(key, rule, message):
    return _policy_helpers().PolicyError("%s.%s" % (SECTION, key) if key else SECTION, rule, message)


def _int(section, key, low, text):
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        rule = "range" if isinstance(value, int) and not isinstance(value, bool) else "type"
        raise _error(key, rule, "%s, got %s" % (text, _policy_helpers()._got(value)))
    return int(value)


def _types(path, value):
    got = _policy_helpers()._got
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)) or not value:
        raise _error(
            path,
            "type",
            "must be a non-empty list of credential types (%s), got %s" % (", ".join(TYPE_NAMES), got(value)),
        )
    result = []
    for index, kind in enumerate(value):
        if kind not in TYPE_NAMES:
            raise _error(
                "%s[%d]" % (path, index),
                "choice",
                "must be one of %s, got %s%s" % (", ".join(TYPE_NAMES), got(kind), suggest(kind, TYPE_NAMES)),
            )
        if kind not in result:
            result.append(kind)
    return result


def _type_rules(section):
    policy = _policy_helpers()
    value = section.get("credential_types")
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise _error(
            "credential_types", "type", "must be a list of {logins, allowed or denied}, got %s" % policy._got(value)
        )
    rules = []
    for index, entry in enumerate(value):
        path = "credential_types[%d]" % index
        if not isinstance(entry, Mapping):
            raise _error(
                path, "type", "must be a mapping with logins and allowed or denied, got %s" % policy._got(entry)
            )
        for key in entry:
            if key not in ("logins", "allowed", "denied"):
                raise _error(
                    "%s.%s" % (path, key),
                    "unknown_key",
                    "unknown key%s; expected logins, allowed, denied" % suggest(key, ("logins", "allowed", "denied")),
                )
        logins = _nested("%s.%s" % (SECTION, path), policy._globs, entry, "logins")
        if not logins:
            raise _error("%s.logins" % path, "range", "must list at least one login glob ('*' for everyone)")
        has_allowed, has_denied = entry.get("allowed") is not None, entry.get("denied") is not None
        if has_allowed == has_denied:
            raise _error(path, "contradiction", "give exactly one of allowed or denied")
        key = "allowed" if has_allowed else "denied"
        rules.append(
            {
                "logins": logins,
                key: _types("%s.%s" % (path, key), entry[key]),
                "allowed" if key == "denied" else "denied": None,
            }
        )
    return rules


def _scopes(section):
    policy = _policy_helpers()
    result = []
    for index, scope in enumerate(_nested(SECTION, policy._list, section, "forbidden_scopes", "OAuth scope names")):
        if scope not in SCOPES:
            raise _error(
                "forbidden_scopes[%d]" % index,
                "choice",
                "unknown OAuth scope %s%s" % (policy._got(scope), suggest(scope, SCOPES)),
            )
        if scope not in result:
            result.append(scope)
    return result


def _ids(section, key):
    policy = _policy_helpers()
    result = []
    for index, value in enumerate(_nested(SECTION, policy._list, section, key, "integer ids")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _error("%s[%d]" % (key, index), "type", "must be a positive integer id, got %s" % policy._got(value))
        if value not in result:
            result.append(value)
    return result


def validate_section(section: Any) -> dict[str, Any] | None:
    """Validate and normalize the ``credential_authorizations`` section (None stays None)."""
    policy = _policy_helpers()
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise _error("", "type", "must be a mapping, got %s" % policy._got(section))
    for key in section:
        if key not in DEFAULTS:
            raise _error(str(key), "unknown_key", "unknown key%s" % suggest(key, tuple(DEFAULTS)))
    require = section.get("require_expiry")
    if require is not None and not isinstance(require, bool):
        raise _error("require_expiry", "type", "must be true or false, got %s" % policy._got(require))
    action = section.get("action")
    if action is not None and action not in ACTIONS:
        raise _error("action", "choice", "must be remove or none, got %s" % policy._got(action))
    norm = {
        "max_age_days": _int(section, "max_age_days", 1, "must be an integer of at least 1"),
        "require_expiry": bool(require),
        "max_lifetime_days": _int(section, "max_lifetime_days", 1, "must be an integer of at least 1"),
        "forbidden_scopes": _scopes(section),
        "max_inactive_days": _int(section, "max_inactive_days", 1, "must be an integer of at least 1"),
        "credential_types": _type_rules(section),
        "exempt_logins": _nested(SECTION, policy._globs, section, "exempt_logins"),
        "exempt_credential_ids": _ids(section, "exempt_credential_ids"),
        "exempt_authorized_credential_ids": _ids(section, "exempt_authorized_credential_ids"),
        "action": action or "none",
    }
    if norm["max_lifetime_days"] is not None:
        if require is False:
            raise _error(
                "max_lifetime_days", "contradiction", "a maximum lifetime needs an expiry, but require_expiry is false"
            )
        # A lifetime limit implies an expiry; saying so keeps validate(validate(p)) == validate(p).
        norm["require_expiry"] = True
    return norm


# --------------------------------------------------------------------------- evaluation


def _ago(now, then):
    return _days_text(now - then)


def _type_violation(record, rules):
    matches = _matches
    kind = record.get("credential_type")
    for rule in rules:
        if not matches(rule["logins"], record.get("login")):
            continue
        if rule.get("allowed") is not None and kind not in rule["allowed"]:
            return [
                "credential_type",
                "%s is not allowed for %s (allowed: %s)"
                % (kind or "unknown type", record.get("login"), ", ".join(rule["allowed"])),
            ]
        if rule.get("denied") is not None and kind in rule["denied"]:
            return ["credential_type", "%s is denied for %s" % (kind, record.get("login"))]
        return None  # the first rule whose logins match decides
    return None


def _violations(record, section, now):
    found = []
    rule = _type_violation(record, section["credential_types"])
    if rule:
        found.append(tuple(rule))
    authorized = parse_time(record.get("authorized_at"))
    limit = section["max_age_days"]
    if limit:
        if authorized is None:
            found.append((UNVERIFIABLE, "age: authorization time missing or unreadable"))
        elif now - authorized > datetime.timedelta(days=limit):
            found.append(("age", "authorized %s ago (max %d)" % (_ago(now, authorized), limit)))
    if record.get("is_token"):
        expires = parse_time(record.get("expires_at"))
        if section["require_expiry"] and expires is None:
            found.append(("no_expiry", "never expires"))
        lifetime = section["max_lifetime_days"]
        if lifetime and expires is not None:
            if authorized is None:
                found.append((UNVERIFIABLE, "lifetime: authorization time missing or unreadable"))
            elif expires - authorized > datetime.timedelta(days=lifetime):
                found.append(
                    ("lifetime", "expires %s after its authorization (max %d)" % (_ago(expires, authorized), lifetime))
                )
    inactive = section["max_inactive_days"]
    if inactive:
        accessed = parse_time(record.get("accessed_at"))
        since = accessed or authorized
        if since is None:
            found.append((UNVERIFIABLE, "inactive: access and authorization times missing or unreadable"))
        elif now - since > datetime.timedelta(days=inactive):
            found.append(
                (
                    "inactive",
                    ("last used %s ago" if accessed else "never used, authorized %s ago") % _ago(now, since)
                    + " (max %d)" % inactive,
                )
            )
    forbidden = section["forbidden_scopes"]
    if forbidden:
        for scope in record.get("scopes") or []:
            hit = sorted(f for f in forbidden if f in _implied(scope))
            if hit:
                found.append(
                    (
                        "scope",
                        "%s is forbidden" % scope
                        if hit == [scope]
                        else "%s is forbidden (includes %s)" % (scope, ", ".join(hit)),
                    )
                )
    return found


def evaluate(record: dict[str, Any], section: dict[str, Any] | None, now: Any = None) -> dict[str, Any]:
    """Judge one authorization (raw from GitHub or normalized) against a validated section.

    Returns ``{credential_id, authorized_credential_id, login, credential_type, token_last_eight,
    decision, violations}``; ``decision`` is ``remove`` (violating and ``action: remove``),
    ``none`` (violating with ``action: none``, or a rule could not be checked), ``keep`` or ``exempt``.
    """
    moment = resolve_now(now)
    record = record if is_normalized(record) else normalize(record)
    base = dict(
        (k, record.get(k))
        for k in ("credential_id", "authorized_credential_id", "login", "credential_type", "token_last_eight")
    )
    if (
        record.get("credential_id") in section["exempt_credential_ids"]
        or record.get("authorized_credential_id") in section["exempt_authorized_credential_ids"]
        or (section["exempt_logins"] and _matches(section["exempt_logins"], record.get("login")))
    ):
        return dict(base, decision="exempt", violations=[])
    found = _violations(record, section, moment)
    real = [f for f in found if f[0] != UNVERIFIABLE]
    if real:
        decision = "remove" if section["action"] == "remove" else "none"
    elif found:
        decision = "none"  # never act on a guess
    else:
        decision = "keep"
    return dict(base, decision=decision, violations=[{"code": c, "detail": d} for c, d in found])


def plan(records: Iterable[dict[str, Any]] | None, policy: Any, now: Any = None) -> dict[str, Any]:
    """Judge every authorization against the ``credential_authorizations`` section of ``policy``.

    Returns ``{decisions, remove: [credential_id], summary: {total, decisions, violations},
    evaluated_at}``. A policy without the section judges nothing and removes nothing.
    """
    helpers = _policy_helpers()
    section = helpers.validate_policy(policy).get(SECTION)
    moment = resolve_now(now)
    decisions, remove = [], []
    counts = dict((d, 0) for d in ("remove", "keep", "none", "exempt"))
    by_code = {}
    for record in records or [] if section is not None else []:
        decision = evaluate(record, section, moment)
        decisions.append(decision)
        counts[decision["decision"]] += 1
        for code in set(v["code"] for v in decision["violations"]):
            by_code[code] = by_code.get(code, 0) + 1
        credential_id = decision["credential_id"]
        if decision["decision"] == "remove" and isinstance(credential_id, int) and credential_id not in remove:
            remove.append(credential_id)
    return {
        "decisions": decisions,
        "remove": remove,
        "summary": {"total": len(decisions), "decisions": counts, "violations": dict(sorted(by_code.items()))},
        "evaluated_at": iso_z(moment),
        "enabled": section is not None,
    }
