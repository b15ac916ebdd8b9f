# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests for the policy engine."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.patguard.github.plugins.module_utils._catalog import API_BUCKET, CATALOG, LEVELS
from ansible_collections.patguard.github.plugins.module_utils._policy import REASON_LIMIT, evaluate, format_reason, plan
from ansible_collections.patguard.github.plugins.module_utils._policy_rules import Violation
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import validate_policy

UTC = datetime.timezone.utc
NOW = datetime.datetime(2025, 6, 1, tzinfo=UTC)
ACT = {"compliant_request": "approve", "violating_request": "deny", "violating_grant": "revoke"}
DECISIONS = {"approve", "deny", "revoke", "keep", "none", "exempt"}

# --- GitHub-shaped (and slightly mis-shaped) records -------------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
timestamps = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime.datetime(1970, 1, 1),
        max_value=datetime.datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, datetime.timezone(datetime.timedelta(hours=-7)), None]),
    ).map(lambda d: d.isoformat()),
    st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2030, 1, 1)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ),
    st.sampled_from(
        [
            "2024-01-01T00:00:00.000Z",
            "2024-02-30T00:00:00Z",
            "0000-00-00",
            "9999-12-31T23:59:59-23:59",
            "2024-01-01T00:00:00+25:00",
            "not a date",
            "",
        ]
    ),
    junk,
)
perm_names = st.one_of(st.sampled_from([name for _r, name, _l in CATALOG]), st.text(max_size=40))
levels = st.one_of(st.sampled_from(LEVELS + ("none",)), st.text(max_size=8), st.none())
perm_map = st.dictionaries(perm_names, levels, max_size=6)
permissions = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"organization": perm_map, "repository": perm_map, "other": perm_map, "enterprise": perm_map}
    ),
    junk,
)
repos = st.one_of(
    st.none(),
    st.lists(st.one_of(st.text(max_size=120), st.fixed_dictionaries({"name": st.text()}), st.integers()), max_size=30),
    junk,
)
owners = st.one_of(st.text(max_size=40), st.fixed_dictionaries({"login": st.text(max_size=20)}), junk)
records = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(min_value=1), junk),
        "owner": owners,
        "token_id": st.one_of(st.integers(), junk),
        "token_name": st.one_of(st.text(max_size=40), junk),
        "reason": st.one_of(st.text(max_size=2000), junk),
        "repository_selection": st.one_of(st.sampled_from(["none", "all", "subset"]), junk),
        "repositories": repos,
        "permissions": permissions,
        "created_at": timestamps,
        "access_granted_at": timestamps,
        "token_expires_at": timestamps,
        "token_expired": st.one_of(st.booleans(), junk),
        "token_last_used_at": timestamps,
        "lifetime_days": st.one_of(st.integers(), st.floats(), junk),
    },
)

FULL_POLICY = validate_policy(
    {
        "max_lifetime_days": 90,
        "max_repositories": 5,
        "allowed_repositories": ["app-*", "infra"],
        "allowed_permissions": {
            "repository": {"metadata": "read", "contents": "write", "pull_requests": "write"},
            "organization": {"members": "read", "organization_projects": "admin"},
            "account": {"emails": "read"},
        },
        "forbidden_permissions": ["administration:write", "organization_administration:read"],
        "min_reason_length": 10,
        "allowed_owners": ["*"],
        "denied_owners": ["bot-*"],
        "max_inactive_days": 60,
        "revoke_expired": True,
        "exempt_token_ids": [7],
        "exempt_owners": ["svc-*"],
        "actions": ACT,
    }
)

kinds = st.sampled_from(["request", "grant"])


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(record=st.one_of(records, junk), kind=kinds)
def test_evaluate_never_raises_and_reason_fits(record, kind):
    decision = evaluate(record, kind, FULL_POLICY, NOW)
    assert decision.decision in DECISIONS
    if decision.reason is not None:
        assert len(decision.reason) <= REASON_LIMIT
    if decision.decision in ("deny", "revoke"):
        assert decision.violations


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(reqs=st.lists(records, max_size=8), grants=st.lists(records, max_size=8))
def test_plan_never_raises_and_groups_are_bulk_ready(reqs, grants):
    result = plan(reqs, grants, FULL_POLICY, NOW)
    for group in result["approve"] + result["deny"]:
        assert 1 <= len(group["ids"]) <= 100 and len(group["reason"]) <= REASON_LIMIT
    assert len(result["decisions"]) == len(reqs) + len(grants)


@given(
    st.lists(st.tuples(st.text(max_size=30), st.text(max_size=400)), max_size=60),
    st.sampled_from(["Denied by policy: ", "Revoked by policy: ", ""]),
)
def test_format_reason_never_exceeds_limit(parts, prefix):
    text = format_reason(prefix, [Violation(c, d) for c, d in parts])
    assert len(text) <= REASON_LIMIT
    full = prefix + "; ".join("%s: %s" % p for p in parts)
    if len(full) <= REASON_LIMIT:
        assert text == full
    else:
        assert text.endswith("…") or text.endswith("more)")


# --- monotonicity: lowering a permission keeps a compliant grant compliant --------------

ALLOWED = FULL_POLICY["allowed_permissions"]
allowed_items = [(bucket, name, level) for bucket, perms in ALLOWED.items() for name, level in perms.items()]


@st.composite
def compliant_grants(draw):
    chosen = draw(st.lists(st.sampled_from(allowed_items), unique_by=lambda i: i[1], max_size=len(allowed_items)))
    perms = {"organization": {}, "repository": {}, "other": {}}
    for bucket, name, limit in chosen:
        levels_ok = [lv for _r, n, lvs in CATALOG if n == name for lv in lvs if LEVELS.index(lv) <= LEVELS.index(limit)]
        perms[bucket][name] = draw(st.sampled_from(levels_ok))
    granted = draw(st.datetimes(min_value=datetime.datetime(2025, 4, 3), max_value=datetime.datetime(2025, 5, 31)))
    return {
        "id": draw(st.integers(1, 10**6)),
        "owner": draw(st.sampled_from(["alice", "bob"])),
        "token_id": 1,
        "token_name": "t",
        "repository_selection": "subset",
        "repositories": ["app-1", "infra"],
        "permissions": perms,
        "access_granted_at": granted.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "token_expires_at": (granted + datetime.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "token_expired": False,
        "token_last_used_at": None,
    }


def _lower(level):
    return LEVELS[LEVELS.index(level) - 1] if LEVELS.index(level) else None


@settings(max_examples=200)
@given(record=compliant_grants(), data=st.data())
def test_lowering_any_permission_keeps_compliance(record, data):
    assert evaluate(record, "grant", FULL_POLICY, NOW).decision == "keep"
    held = [(b, n) for b, perms in record["permissions"].items() for n in perms]
    if not held:
        return
    bucket, name = data.draw(st.sampled_from(held))
    lower = _lower(record["permissions"][bucket][name])
    if lower is None:
        del record["permissions"][bucket][name]  # dropping a permission is the lowest "lowering"
    else:
        record["permissions"][bucket][name] = lower
    assert evaluate(record, "grant", FULL_POLICY, NOW).decision == "keep"


@settings(max_examples=200)
@given(record=compliant_grants(), data=st.data())
def test_raising_above_the_allowed_level_violates(record, data):
    bucket, name, limit = data.draw(st.sampled_from(allowed_items))
    higher = [lv for lv in LEVELS if LEVELS.index(lv) > LEVELS.index(limit)]
    if not higher:
        return
    record["permissions"][bucket][name] = data.draw(st.sampled_from(higher))
    decision = evaluate(record, "grant", FULL_POLICY, NOW)
    assert decision.decision == "revoke"
    assert [v.code for v in decision.violations] == ["permission"]


def test_api_bucket_is_used_for_account():
    assert API_BUCKET["account"] in ALLOWED
