# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Policy decisions for fine-grained PAT requests and grants (pure, no I/O).

``evaluate`` judges one record; ``plan`` judges many and groups the results into
bulk-ready actions; ``format_reason`` writes the reason GitHub is sent. The policy is
validated by ``_policy_schema.py`` and its rules are in ``_policy_rules.py``. The
reference for every key, violation code and boundary is ``docs/policy.md``.
"""

from __future__ import annotations

import datetime
from collections import namedtuple
from typing import Any, Dict, Iterable, List, Optional

from ansible_collections.patguard.github.plugins.module_utils._catalog import MAX_IDS_PER_BULK, MAX_REASON_LENGTH
from ansible_collections.patguard.github.plugins.module_utils._policy_rules import (
    _RULES_BY_KIND,
    KINDS,
    RULES,
    UNVERIFIABLE,
    Violation,
    _is_map,
    _matches,
    check_expired,
    check_inactive,
    check_lifetime,
)
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import validate_policy
from ansible_collections.patguard.github.plugins.module_utils._records import grouped_chunks
from ansible_collections.patguard.github.plugins.module_utils._records import is_int as _is_int
from ansible_collections.patguard.github.plugins.module_utils._records import owner_login as _owner
from ansible_collections.patguard.github.plugins.module_utils._time import iso_z
from ansible_collections.patguard.github.plugins.module_utils._time import resolve_now as _now

REASON_LIMIT = MAX_REASON_LENGTH
APPROVE_REASON = "Approved by policy: compliant"

_DECISION_FIELDS = ("id", "kind", "owner", "token_id", "token_name", "decision", "violations", "reason")


class Decision(namedtuple("Decision", _DECISION_FIELDS)):
    """Outcome for one record; ``violations`` is a tuple of Violation."""

    __slots__ = ()

    def to_dict(self) -> Dict[str, Any]:
        result = dict(zip(_DECISION_FIELDS, self))
        result["violations"] = [{"code": v.code, "detail": v.detail} for v in self.violations]
        return result


# --------------------------------------------------------------------------- decisions


def reason_parts(violations: Iterable[Violation], detail: bool = False) -> List[str]:
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


def format_reason(prefix: str, violations: Iterable[Violation], limit: int = REASON_LIMIT, detail: bool = False) -> str:
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


def prospective_grant(request: Any, grant: Any = None, now: Any = None) -> Dict[str, Any]:
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


def evaluate(record: Any, kind: str, policy: Any, now: Any = None) -> Decision:
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


class _Tally:
    """What a plan collects while it judges: the decisions, their counts, and each id's
    approval, denial or revocation once, in the order judged."""

    def __init__(self):
        self.decisions = []
        self.approve, self.deny, self.revoke, self.review = [], [], [], []
        self.by_decision = dict((d, 0) for d in ("approve", "deny", "revoke", "keep", "none", "exempt"))
        self.by_code = {}
        self.seen_revoke = set()
        self.seen_review = set()

    def add(self, decision):
        self.decisions.append(decision.to_dict())
        self.by_decision[decision.decision] += 1
        for code in set(v.code for v in decision.violations):
            self.by_code[code] = self.by_code.get(code, 0) + 1
        record_id = decision.id
        if not _is_int(record_id):
            return  # GitHub ids are integers; anything else cannot be acted on
        if decision.decision in ("approve", "deny") and record_id not in self.seen_review:
            self.seen_review.add(record_id)
            (self.approve if decision.decision == "approve" else self.deny).append((record_id, decision.reason))
            item = {"id": record_id, "action": decision.decision, "reason": decision.reason}
            if _is_int(decision.token_id):
                item["token_id"] = decision.token_id
            self.review.append(item)
        elif decision.decision == "revoke" and record_id not in self.seen_revoke:
            self.seen_revoke.add(record_id)
            self.revoke.append(record_id)


class _Judge:
    """Judges the records of one plan in order: a request against the grant it becomes, and a
    grant as the approved upgrade request of its token widens it (``widened``)."""

    def __init__(self, grants, policy, now):
        self.policy = policy
        self.now = now
        self.by_token = dict((g.get("token_id"), g) for g in grants if _is_map(g) and _is_int(g.get("token_id")))
        self.widened = {}  # token_id -> the grant an approved upgrade request turns it into

    def __call__(self, kind, record):
        token_id = record.get("token_id") if _is_map(record) else None
        if not _is_int(token_id):
            token_id = None
        if kind == "request":
            becomes = prospective_grant(record, self.by_token.get(token_id), self.now)
            decision = _evaluate(record, kind, self.policy, self.now, becomes)
            if decision.decision == "approve" and token_id in self.by_token:
                self.widened[token_id] = becomes
            return decision
        return _evaluate(self.widened.get(token_id, record), kind, self.policy, self.now)


def plan(
    requests: Optional[Iterable[Any]], grants: Optional[Iterable[Any]], policy: Any, now: Any = None
) -> Dict[str, Any]:
    """Judge every request and grant and group the actions for bulk calls.

    Returns ``{'decisions': [...], 'approve': [{ids, action, reason}], 'deny': [...],
    'revoke': [ids], 'review': [{id, action, reason, token_id}], 'summary': {...},
    'evaluated_at': iso}``. ``review`` lists each approval/denial once, in the shape of the
    pat_request module's ``decisions`` option.
    """
    norm = validate_policy(policy)
    moment = _now(now)
    grants = list(grants or [])
    judge = _Judge(grants, norm, moment)
    tally = _Tally()
    for kind, records in (("request", requests or []), ("grant", grants)):
        for record in records:
            tally.add(judge(kind, record))
    return _plan_result(tally, requests, grants, judge.widened, moment)


def _plan_result(tally, requests, grants, widened, moment):
    decisions = tally.decisions
    request_decisions = [d for d in decisions if d["kind"] == "request"]
    grant_decisions = [d for d in decisions if d["kind"] == "grant"]
    return {
        "decisions": decisions,
        "approve": _groups(tally.approve, "approve"),
        "deny": _groups(tally.deny, "deny"),
        "revoke": tally.revoke,
        "review": tally.review,
        "summary": {
            "requests": len(request_decisions),
            "grants": len(grant_decisions),
            "decisions": tally.by_decision,
            "violations": dict(sorted(tally.by_code.items())),
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


def needs_repositories(policy: Any) -> bool:
    """True when a rule needs the repository list of ``subset`` records."""
    policy = validate_policy(policy)
    return bool(policy["max_repositories"] or policy["allowed_repositories"])


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


def repositories_needed_records(records: Optional[Iterable[Any]], decisions: Optional[Iterable[Any]]) -> List[Any]:
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


def repositories_needed(records: Optional[Iterable[Any]], decisions: Optional[Iterable[Any]]) -> List[int]:
    """Token ids of the ``subset`` records whose decision waits only on their repository list.

    A grant that another rule already condemns is revoked whatever its repositories are
    (a revoke carries no reason to GitHub), so its list is not worth one API call; only
    records found compliant except for an unverifiable repository rule are. On a 10,000-grant
    organization this turns thousands of repository listings into the few that matter.
    """
    return [r["token_id"] for r in repositories_needed_records(records, decisions) if _is_int(r.get("token_id"))]


def merge_records(records: Optional[Iterable[Any]], updates: Optional[Iterable[Any]]) -> List[Any]:
    """``records`` with every record of ``updates`` (same ``id``) put in its place, order kept."""
    by_id = dict((u.get("id"), u) for u in updates or [] if _is_map(u) and _is_int(u.get("id")))
    return [by_id.get(r.get("id"), r) if _is_map(r) and _is_int(r.get("id")) else r for r in records or []]
