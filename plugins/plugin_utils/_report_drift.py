# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""What changed between two report documents, and whether they describe the same inventory."""

from __future__ import annotations

import json
from typing import Any

from ansible_collections.patguard.github.plugins.module_utils._policy_rules import UNVERIFIABLE
from ansible_collections.patguard.github.plugins.plugin_utils._report_model import (
    ALIVE_STATES,
    SCHEMA_VERSION,
    ReportError,
    is_int,
    rank,
    row_key,
    text,
)

CHANGES = ("new", "removed", "expired", "newly_violating", "resolved", "permission_upgrades")
# Fields that change on every run without the inventory changing: ignored when deciding
# whether a report changed (see same_inventory()).
VOLATILE_KEYS = ("generated_at", "evaluated_at", "drift")


def check_previous(previous: Any) -> Any:
    """The previous report document, in the current key format, or ReportError saying why it
    cannot be compared. Schema 1 keyed rows by token id; its rows are re-keyed by kind and id."""
    if not isinstance(previous, dict) or not isinstance(previous.get("tokens"), list):
        raise ReportError("the previous report is not a patguard report.json (no tokens list)")
    version = previous.get("schema_version")
    if not is_int(version) or version > SCHEMA_VERSION or version < 1:
        raise ReportError(
            "the previous report has schema_version %r; this collection reads 1 to %d" % (version, SCHEMA_VERSION)
        )
    if version == 1:
        tokens = []
        for index, token in enumerate(previous["tokens"]):
            if isinstance(token, dict) and token.get("kind") in ("request", "grant"):
                token = dict(token, key=row_key(token["kind"], token.get("id"), index))
            tokens.append(token)
        previous = dict(previous, tokens=tokens)
    return previous


def _brief(token, detail=None):
    item = {
        "key": token.get("key"),
        "owner": token.get("owner"),
        "token_name": token.get("token_name"),
        "token_id": token.get("token_id"),
        "state": token.get("state"),
    }
    if detail is not None:
        item["detail"] = detail
    return item


def _real_codes(token):
    return set(
        text(v.get("code"))
        for v in token.get("violations") or []
        if isinstance(v, dict) and v.get("code") != UNVERIFIABLE
    )


def _flat_permissions(token):
    result = {}
    for entries in (token.get("permissions") or {}).values():
        if isinstance(entries, dict):
            for name, level in entries.items():
                result[text(name)] = text(level)
    return result


def _upgrades(old, token):
    old_perms = _flat_permissions(old)
    upgrades = []
    for name, level in sorted(_flat_permissions(token).items()):
        was = old_perms.get(name)
        if was is None:
            upgrades.append("%s: none -> %s" % (name, level))
        elif rank(level) > rank(was):
            upgrades.append("%s: %s -> %s" % (name, was, level))
    if old.get("repository_selection") != "all" and token.get("repository_selection") == "all":
        upgrades.append("repositories: %s -> all" % (old.get("repository_selection") or "none"))
    return upgrades


def _present(tokens):
    rows = {}
    for token in tokens:
        if isinstance(token, dict) and token.get("key") and token.get("state") in ALIVE_STATES:
            rows.setdefault(token["key"], token)
    return rows


def _pair(before, now):
    """{current key: baseline row}: by key, then a baseline request to the grant it became
    (same token id, the grant new): an approval is not a new token."""
    pairs = dict((key, before[key]) for key in now if key in before)
    requests = {}
    for key, old in before.items():
        if old.get("kind") == "request" and key not in now and is_int(old.get("token_id")):
            requests.setdefault(old["token_id"], old)
    for key, token in now.items():
        if key not in pairs and token.get("kind") == "grant" and token.get("token_id") in requests:
            pairs[key] = requests.pop(token["token_id"])
    return pairs


def _gone_detail(old, gone_states):
    state = gone_states.get(old.get("key"))
    if state in ("revoked", "denied"):
        return "%s by this run" % state
    return "no longer listed"


def compute_drift(previous: Any, current: dict[str, Any]) -> dict[str, Any]:
    """What changed from the ``previous`` report document to ``current``.

    Rows are matched by ``key`` (kind and id), and a request to the grant it became. A row is
    *new* when it is present now and was not before; *removed* when it was present and now
    is revoked, denied or no longer listed (a request whose token a present grant holds was
    granted, not removed); *expired* when it expired since; *newly violating* when it breaks
    a rule it did not break before; *resolved* when it broke rules and no longer does; a
    *permission upgrade* is a permission held at a higher level than before, or newly held.
    """
    previous = check_previous(previous)
    before, now = _present(previous["tokens"]), _present(current["tokens"])
    pairs = _pair(before, now)
    gone_states = dict((t["key"], t["state"]) for t in current["tokens"] if t["state"] not in ALIVE_STATES)
    held_tokens = set(t.get("token_id") for t in now.values() if t.get("kind") == "grant")
    drift = dict((name, []) for name in CHANGES)
    drift["baseline_generated_at"] = previous.get("generated_at")
    for key, token in now.items():
        old = pairs.get(key)
        if old is None:
            drift["new"].append(_brief(token, ", ".join(sorted(_real_codes(token))) or None))
            continue
        if token["expired"] and not old.get("expired"):
            drift["expired"].append(_brief(token, token.get("expires_at")))
        added = _real_codes(token) - _real_codes(old)
        if added:
            drift["newly_violating"].append(_brief(token, ", ".join(sorted(added))))
        elif _real_codes(old) and not _real_codes(token):
            drift["resolved"].append(_brief(token))
        upgrades = _upgrades(old, token)
        if upgrades:
            drift["permission_upgrades"].append(_brief(token, "; ".join(upgrades)))
    matched = set(id(old) for old in pairs.values())
    for key, old in before.items():
        if id(old) in matched:
            continue
        if old.get("kind") == "request" and key not in gone_states and old.get("token_id") in held_tokens:
            continue  # granted: the grant that holds its token is compared above
        drift["removed"].append(_brief(old, _gone_detail(old, gone_states)))
    for name in CHANGES:
        drift[name].sort(key=lambda i: ((i.get("owner") or "").lower(), text(i.get("token_name")), text(i.get("key"))))
    drift["counts"] = dict((name, len(drift[name])) for name in CHANGES)
    return drift


def inventory_view(report: dict[str, Any]) -> dict[str, Any]:
    """The report without the fields that change on every run (timestamps, drift)."""
    return dict((k, v) for k, v in report.items() if k not in VOLATILE_KEYS)


def same_inventory(report: dict[str, Any], other: Any) -> bool:
    """True when two report documents describe the same inventory (JSON-equal apart from
    the volatile keys)."""
    if not isinstance(other, dict):
        return False
    return json.dumps(inventory_view(report), sort_keys=True) == json.dumps(inventory_view(other), sort_keys=True)
