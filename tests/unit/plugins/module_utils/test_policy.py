# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import ast
import copy
import datetime
from pathlib import Path

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _policy, _policy_rules, _policy_schema
from ansible_collections.patguard.github.plugins.module_utils._policy import (
    APPROVE_REASON,
    Decision,
    evaluate,
    format_reason,
    needs_repositories,
    plan,
)
from ansible_collections.patguard.github.plugins.module_utils._policy_rules import (
    Violation,
    check_allowed_permissions,
    check_expired,
    check_forbidden_permissions,
    check_inactive,
    check_lifetime,
    check_owner,
    check_reason,
    check_repositories,
    check_repository_count,
    check_repository_selection,
)
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import (
    DEFAULTS,
    PolicyError,
    validate_policy,
)
from ansible_collections.patguard.github.plugins.module_utils._time import parse_time

UTC = datetime.timezone.utc
NOW = datetime.datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
ACT = {"compliant_request": "approve", "violating_request": "deny", "violating_grant": "revoke"}


def request(**overrides):
    record = {
        "id": 1,
        "owner": "octocat",
        "token_id": 11,
        "token_name": "deploy",
        "reason": "Deploys the app to production",
        "repository_selection": "subset",
        "repositories": ["app-web"],
        "permissions": {"organization": {}, "repository": {"metadata": "read", "contents": "read"}, "other": {}},
        "created_at": "2025-05-01T00:00:00Z",
        "token_expires_at": "2025-06-01T00:00:00Z",
        "token_expired": False,
        "token_last_used_at": None,
        "lifetime_days": None,
    }
    record.update(overrides)
    return record


def grant(**overrides):
    record = request(id=2, token_id=22, reason=None, access_granted_at="2025-05-01T00:00:00Z")
    del record["created_at"]
    record["token_last_used_at"] = "2025-05-30T00:00:00Z"
    record["token_expires_at"] = "2025-07-01T00:00:00Z"
    record.update(overrides)
    return record


def pol(**keys):
    return validate_policy(keys)


def codes(violations):
    return [v.code for v in violations]


# ----------------------------------------------------------------------------- validation


def test_empty_policy_is_all_defaults_and_does_nothing():
    assert validate_policy({}) == DEFAULTS
    assert validate_policy(None) == DEFAULTS
    d = evaluate(request(token_expires_at=None, reason=None), "request", {}, NOW)
    assert d.decision == "none" and d.violations == () and d.reason is None
    g = evaluate(grant(token_expired=True), "grant", {}, NOW)
    assert g.decision == "keep" and g.violations == ()


def test_normalization_is_idempotent_and_maps_account_to_other():
    raw = {
        "max_lifetime_days": 90,
        "repository_selection": ["subset", "subset"],
        "max_repositories": 10,
        "allowed_repositories": ["app-*", "infra"],
        "allowed_permissions": {"repository": {"metadata": "read"}, "account": {"emails": "read"}},
        "forbidden_permissions": ["administration", "organization_administration:read"],
        "min_reason_length": 10,
        "denied_owners": ["bot-*"],
        "exempt_token_ids": [5, 5],
        "actions": {"violating_request": "deny"},
    }
    norm = validate_policy(raw)
    assert norm["repository_selection"] == ["subset"]
    assert norm["allowed_permissions"] == {
        "repository": {"metadata": "read"},
        "organization": {},
        "other": {"emails": "read"},
    }
    assert norm["forbidden_permissions"] == ["administration:read", "organization_administration:read"]
    assert norm["require_reason"] is True  # implied by min_reason_length
    assert norm["exempt_token_ids"] == [5]
    assert norm["actions"] == {"compliant_request": "none", "violating_request": "deny", "violating_grant": "none"}
    assert validate_policy(norm) == norm
    assert validate_policy(raw) == norm and raw["repository_selection"] == ["subset", "subset"]  # input untouched


def test_other_bucket_accepted():
    assert validate_policy({"allowed_permissions": {"other": {"emails": "write"}}})["allowed_permissions"]["other"] == {
        "emails": "write"
    }


@pytest.mark.parametrize(
    "policy, key, rule, message",
    [
        (
            {"max_lifetime_days": 0},
            "max_lifetime_days",
            "range",
            "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got 0",
        ),
        (
            {"max_lifetime_days": 367},
            "max_lifetime_days",
            "range",
            "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got 367",
        ),
        (
            {"max_lifetime_days": True},
            "max_lifetime_days",
            "type",
            "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got true",
        ),
        (
            {"max_lifetime_days": "90"},
            "max_lifetime_days",
            "type",
            "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got '90'",
        ),
        (
            {"max_lifetime_days": 1.5},
            "max_lifetime_days",
            "type",
            "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got 1.5",
        ),
        (
            {"max_inactive_days": 0},
            "max_inactive_days",
            "range",
            "patguard_policy.max_inactive_days: must be an integer of at least 1, got 0",
        ),
        (
            {"max_repositories": False},
            "max_repositories",
            "type",
            "patguard_policy.max_repositories: must be an integer of at least 1, got false",
        ),
        (
            {"min_reason_length": 1025},
            "min_reason_length",
            "range",
            "patguard_policy.min_reason_length: must be an integer from 0 to 1024, got 1025",
        ),
        (
            {"min_reason_length": -1},
            "min_reason_length",
            "range",
            "patguard_policy.min_reason_length: must be an integer from 0 to 1024, got -1",
        ),
        (
            {"require_reason": "yes"},
            "require_reason",
            "type",
            "patguard_policy.require_reason: must be true or false, got 'yes'",
        ),
        (
            {"revoke_expired": 1},
            "revoke_expired",
            "type",
            "patguard_policy.revoke_expired: must be true or false, got 1",
        ),
        (
            {"max_lifetime": 90},
            "max_lifetime",
            "unknown_key",
            "patguard_policy.max_lifetime: unknown key (did you mean 'max_lifetime_days'?)",
        ),
        ({"frobnicate": 1}, "frobnicate", "unknown_key", "patguard_policy.frobnicate: unknown key"),
        (
            {"patguard_policy": {"max_lifetime_days": 90}},
            "patguard_policy",
            "layout",
            "patguard_policy.patguard_policy: this is a policy file, not a policy: pass it as a vars file (vars_files, "
            "or -e @policy.yml), or pass its patguard_policy value; a policy file reads "
            '"patguard_policy: {max_lifetime_days: 90, actions: {...}}"',
        ),
        ([], "", "type", "patguard_policy: must be a mapping, got a list"),
        (
            {"repository_selection": "subset"},
            "repository_selection",
            "type",
            "patguard_policy.repository_selection: must be a list of none, all, subset, got 'subset'",
        ),
        (
            {"repository_selection": ["subset", "some"]},
            "repository_selection[1]",
            "choice",
            "patguard_policy.repository_selection[1]: must be one of none, all, subset, got 'some'",
        ),
        (
            {"repository_selection": ["subst"]},
            "repository_selection[0]",
            "choice",
            "patguard_policy.repository_selection[0]: must be one of none, all, subset, got 'subst' (did you mean 'subset'?)",
        ),
        (
            {"allowed_repositories": ["app-["]},
            "allowed_repositories[0]",
            "glob",
            "patguard_policy.allowed_repositories[0]: invalid glob 'app-[': unbalanced '['",
        ),
        (
            {"allowed_repositories": ["ok", ""]},
            "allowed_repositories[1]",
            "glob",
            "patguard_policy.allowed_repositories[1]: must be a non-empty glob pattern, got ''",
        ),
        (
            {"allowed_owners": [" bob"]},
            "allowed_owners[0]",
            "glob",
            "patguard_policy.allowed_owners[0]: must not start or end with whitespace, got ' bob'",
        ),
        (
            {"denied_owners": [3]},
            "denied_owners[0]",
            "type",
            "patguard_policy.denied_owners[0]: must be a glob pattern string, got 3",
        ),
        (
            {"exempt_owners": "bob"},
            "exempt_owners",
            "type",
            "patguard_policy.exempt_owners: must be a list of glob patterns, got 'bob'",
        ),
        (
            {"allowed_permissions": {"repository": {"content": "read"}}},
            "allowed_permissions.repository.content",
            "permission",
            "patguard_policy.allowed_permissions.repository.content: unknown permission 'content' (did you mean 'contents'?)",
        ),
        (
            {"allowed_permissions": {"repository": {"contents": "admin"}}},
            "allowed_permissions.repository.contents",
            "permission",
            "patguard_policy.allowed_permissions.repository.contents: permission 'contents' accepts read or write, got 'admin'",
        ),
        (
            {"allowed_permissions": {"repository": {"members": "read"}}},
            "allowed_permissions.repository.members",
            "permission",
            "patguard_policy.allowed_permissions.repository.members: permission 'members' is an organization permission, "
            "not a repository permission",
        ),
        (
            {"allowed_permissions": {"repo": {}}},
            "allowed_permissions.repo",
            "unknown_key",
            "patguard_policy.allowed_permissions.repo: unknown resource (did you mean 'repository'?); "
            "expected repository, organization or account",
        ),
        (
            {"allowed_permissions": {}},
            "allowed_permissions",
            "range",
            "patguard_policy.allowed_permissions: must name at least one resource; omit the key to turn the rule off",
        ),
        (
            {"allowed_permissions": {"repository": ["contents"]}},
            "allowed_permissions.repository",
            "type",
            "patguard_policy.allowed_permissions.repository: must be a mapping of permission to level, got a list",
        ),
        (
            {"allowed_permissions": {"account": {}, "other": {}}},
            "allowed_permissions.other",
            "contradiction",
            "patguard_policy.allowed_permissions.other: give account permissions under either account or other, not both",
        ),
        (
            {"forbidden_permissions": ["administration:owner"]},
            "forbidden_permissions[0]",
            "permission",
            "patguard_policy.forbidden_permissions[0]: permission 'administration' accepts read or write, got 'owner'",
        ),
        (
            {"forbidden_permissions": ["adminstration:write"]},
            "forbidden_permissions[0]",
            "permission",
            "patguard_policy.forbidden_permissions[0]: unknown permission 'adminstration' (did you mean 'administration'?)",
        ),
        (
            {"forbidden_permissions": [{"administration": "write"}]},
            "forbidden_permissions[0]",
            "type",
            "patguard_policy.forbidden_permissions[0]: must be 'permission' or 'permission:level', got a mapping",
        ),
        (
            {"exempt_token_ids": [1, True]},
            "exempt_token_ids[1]",
            "type",
            "patguard_policy.exempt_token_ids[1]: must be a positive integer token id, got true",
        ),
        (
            {"actions": {"violating_grant": "deny"}},
            "actions.violating_grant",
            "choice",
            "patguard_policy.actions.violating_grant: must be revoke or none, got 'deny'",
        ),
        (
            {"actions": {"compliant_requests": "approve"}},
            "actions.compliant_requests",
            "unknown_key",
            "patguard_policy.actions.compliant_requests: unknown key (did you mean 'compliant_request'?); "
            "expected one of compliant_request, violating_request, violating_grant",
        ),
        ({"actions": "deny"}, "actions", "type", "patguard_policy.actions: must be a mapping, got 'deny'"),
    ],
)
def test_validation_errors(policy, key, rule, message):
    with pytest.raises(PolicyError) as info:
        validate_policy(policy)
    assert info.value.key == key
    assert info.value.rule == rule
    assert str(info.value) == message


@pytest.mark.parametrize(
    "policy, key, message",
    [
        (
            {"repository_selection": []},
            "repository_selection",
            "patguard_policy.repository_selection: must list at least one of none, all, subset; "
            "an empty list rejects every token",
        ),
        (
            {"repository_selection": ["all"], "max_repositories": 5},
            "max_repositories",
            "patguard_policy.max_repositories: applies to subset selections, but repository_selection does not include subset",
        ),
        (
            {"repository_selection": ["none"], "allowed_repositories": ["a*"]},
            "allowed_repositories",
            "patguard_policy.allowed_repositories: applies to subset selections, "
            "but repository_selection does not include subset",
        ),
        (
            {"repository_selection": ["subset", "all"], "allowed_repositories": ["a*"]},
            "allowed_repositories",
            "patguard_policy.allowed_repositories: cannot hold for all-repository tokens, but repository_selection includes all",
        ),
        (
            {"require_reason": False, "min_reason_length": 10},
            "min_reason_length",
            "patguard_policy.min_reason_length: a minimum reason length of 10 contradicts require_reason: false",
        ),
        (
            {"allowed_owners": ["alice", "Bob"], "denied_owners": ["bob"]},
            "denied_owners[0]",
            "patguard_policy.denied_owners[0]: 'bob' is also listed in allowed_owners",
        ),
        (
            {
                "allowed_permissions": {"repository": {"administration": "write"}},
                "forbidden_permissions": ["administration:write"],
            },
            "forbidden_permissions[0]",
            "patguard_policy.forbidden_permissions[0]: administration:write contradicts "
            "allowed_permissions.repository.administration: write (forbidden at or below the allowed level)",
        ),
        (
            {
                "allowed_permissions": {"repository": {"administration": "write"}},
                "forbidden_permissions": ["administration"],
            },
            "forbidden_permissions[0]",
            "patguard_policy.forbidden_permissions[0]: administration:read contradicts "
            "allowed_permissions.repository.administration: write (forbidden at or below the allowed level)",
        ),
    ],
)
def test_contradictions(policy, key, message):
    with pytest.raises(PolicyError) as info:
        validate_policy(policy)
    assert info.value.rule == "contradiction"
    assert info.value.key == key
    assert str(info.value) == message


def test_non_contradictions():
    # forbidding above the allowed level is redundant, not contradictory
    validate_policy(
        {
            "allowed_permissions": {"organization": {"organization_projects": "write"}},
            "forbidden_permissions": ["organization_projects:admin"],
        }
    )
    validate_policy({"require_reason": True, "min_reason_length": 0})
    validate_policy({"require_reason": False, "min_reason_length": 0})
    validate_policy({"allowed_owners": ["a*"], "denied_owners": ["admin"]})  # globs overlap, literals differ
    validate_policy({"repository_selection": ["subset", "none"], "max_repositories": 3})


def test_glob_bracket_forms_accepted():
    validate_policy({"allowed_repositories": ["app-[abc]*", "[!x]y", "[]]", "a[!]]b", "*"]})


def test_needs_repositories():
    assert needs_repositories({}) is False
    assert needs_repositories({"max_lifetime_days": 3, "allowed_repositories": []}) is False
    assert needs_repositories({"max_repositories": 3}) is True
    assert needs_repositories({"allowed_repositories": ["a"]}) is True
    with pytest.raises(PolicyError):
        needs_repositories({"max_repositories": 0})


# ----------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-01-01T00:00:00Z", datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00.000Z", datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00.1234567Z", datetime.datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2024-01-01T02:00:00+02:00", datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        ("2023-12-31T17:00:00.000-07:00", datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00", datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        ("2026-12-20 00:00:00 UTC", datetime.datetime(2026, 12, 20, tzinfo=UTC)),
        ("2024-01-01", datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-13-01T00:00:00Z", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        (12345, None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


# ----------------------------------------------------------------------------- rules


class TestLifetime:
    policy = staticmethod(lambda: pol(max_lifetime_days=30))

    def test_exactly_n_days_is_compliant(self):
        rec = request(created_at="2025-05-01T00:00:00Z", token_expires_at="2025-05-31T00:00:00Z")
        assert check_lifetime(rec, self.policy(), NOW, "request") == []

    def test_one_second_more_is_a_violation(self):
        rec = request(created_at="2025-05-01T00:00:00Z", token_expires_at="2025-05-31T00:00:01Z")
        assert check_lifetime(rec, self.policy(), NOW, "request") == [
            Violation("lifetime", "expires after more than 30 days (max 30)")
        ]

    def test_whole_days_are_reported_exactly(self):
        rec = request(created_at="2025-01-01T00:00:00Z", token_expires_at="2026-01-02T00:00:00Z")
        assert check_lifetime(rec, pol(max_lifetime_days=90), NOW, "request") == [
            Violation("lifetime", "expires after 366 days (max 90)")
        ]

    def test_offsets_are_honoured(self):
        # 30 days in UTC terms although the wall clock says 30 days + 2 h
        rec = request(created_at="2025-05-01T00:00:00Z", token_expires_at="2025-05-31T02:00:00+02:00")
        assert check_lifetime(rec, self.policy(), NOW, "request") == []

    def test_never_expires(self):
        assert check_lifetime(request(token_expires_at=None), self.policy(), NOW, "request") == [
            Violation("lifetime", "never expires (max 30 days)")
        ]

    def test_grant_uses_access_granted_at(self):
        rec = grant(access_granted_at="2025-05-10T00:00:00Z", token_expires_at="2025-06-10T00:00:00Z")
        assert codes(check_lifetime(rec, self.policy(), NOW, "grant")) == ["lifetime"]
        rec["access_granted_at"] = "2025-05-11T00:00:00Z"
        assert check_lifetime(rec, self.policy(), NOW, "grant") == []

    def test_falls_back_to_lifetime_days(self):
        rec = request(created_at=None, token_expires_at="2025-05-31T00:00:00Z", lifetime_days=31)
        assert check_lifetime(rec, self.policy(), NOW, "request") == [
            Violation("lifetime", "expires after 31 days (max 30)")
        ]
        rec["lifetime_days"] = 30
        assert check_lifetime(rec, self.policy(), NOW, "request") == []

    def test_unreadable_is_unverifiable(self):
        rec = request(created_at="garbage")
        assert codes(check_lifetime(rec, self.policy(), NOW, "request")) == ["unverifiable"]

    def test_off(self):
        assert check_lifetime(request(token_expires_at=None), pol(), NOW, "request") == []


class TestRepositories:
    def test_selection(self):
        p = pol(repository_selection=["subset", "none"])
        assert check_repository_selection(request(repository_selection="subset"), p, NOW) == []
        assert check_repository_selection(request(repository_selection="all"), p, NOW) == [
            Violation("repository_selection", "all is not allowed (allowed: subset, none)")
        ]
        assert codes(check_repository_selection(request(repository_selection=None), p, NOW)) == ["repository_selection"]

    def test_count_boundary(self):
        p = pol(max_repositories=2)
        assert check_repository_count(request(repositories=["a", "b"]), p, NOW) == []
        assert check_repository_count(request(repositories=["a", "b", "c"]), p, NOW) == [
            Violation("repository_count", "3 repositories selected (max 2)")
        ]
        assert check_repository_count(request(repository_selection="none", repositories=None), p, NOW) == []

    def test_all_selection_without_selection_rule_is_a_violation(self):
        rec = request(repository_selection="all", repositories=None)
        assert check_repository_count(rec, pol(max_repositories=2), NOW) == [
            Violation("repository_count", "all repositories selected (max 2)")
        ]
        assert check_repositories(rec, pol(allowed_repositories=["app-*"]), NOW) == [
            Violation("repository", "all repositories selected (allowed: app-*)")
        ]

    def test_all_selection_reported_once_when_selection_rule_set(self):
        p = pol(repository_selection=["subset"], max_repositories=2, allowed_repositories=["app-*"])
        d = evaluate(request(repository_selection="all", repositories=None), "request", p, NOW)
        assert codes(d.violations) == ["repository_selection"]

    def test_missing_list_is_unverifiable(self):
        rec = request(repositories=None)
        assert codes(check_repository_count(rec, pol(max_repositories=2), NOW)) == ["unverifiable"]
        assert codes(check_repositories(rec, pol(allowed_repositories=["x"]), NOW)) == ["unverifiable"]

    def test_globs(self):
        p = pol(allowed_repositories=["app-*", "infra", "svc-[ab]"])
        rec = request(
            repositories=[
                "app-web",
                "APP-API",
                "infra",
                "infra2",
                "svc-a",
                "svc-c",
                "acme/app-x",
                {"name": "app-y"},
                {"name": "nope"},
            ]
        )
        assert check_repositories(rec, p, NOW) == [
            Violation("repository", "infra2 is not allowed"),
            Violation("repository", "svc-c is not allowed"),
            Violation("repository", "nope is not allowed"),
        ]


class TestPermissions:
    allowed = {"repository": {"metadata": "read", "contents": "write"}, "organization": {"members": "read"}}

    def held(self, repository=None, organization=None, other=None):
        return request(
            permissions={"repository": repository or {}, "organization": organization or {}, "other": other or {}}
        )

    def test_within_and_below_levels(self):
        p = pol(allowed_permissions=self.allowed)
        assert (
            check_allowed_permissions(self.held({"metadata": "read", "contents": "read"}, {"members": "read"}), p, NOW)
            == []
        )
        assert check_allowed_permissions(self.held({"contents": "write"}), p, NOW) == []

    def test_above_level_and_absent(self):
        p = pol(allowed_permissions=self.allowed)
        rec = self.held(
            {"metadata": "read", "contents": "admin", "issues": "read"}, {"members": "write"}, {"emails": "read"}
        )
        assert check_allowed_permissions(rec, p, NOW) == [
            Violation("permission", "contents:admin exceeds contents:write"),
            Violation("permission", "issues:read is not allowed"),
            Violation("permission", "members:write exceeds members:read"),
            Violation("permission", "emails:read is not allowed"),
        ]

    def test_account_permissions_allowed_via_account_key(self):
        p = pol(allowed_permissions={"account": {"emails": "write"}})
        assert check_allowed_permissions(self.held(other={"emails": "read"}), p, NOW) == []

    def test_unknown_names_and_levels_do_not_crash(self):
        p = pol(allowed_permissions=self.allowed)
        rec = self.held({"metadata": "superuser", "brand_new_thing": "read"}, None, None)
        rec["permissions"]["enterprise"] = {"x": "read"}
        rec["permissions"]["weird"] = "not a mapping"
        assert check_allowed_permissions(rec, p, NOW) == [
            Violation("permission", "metadata:superuser exceeds metadata:read"),
            Violation("permission", "brand_new_thing:read is not allowed"),
            Violation("permission", "x:read is not allowed"),
        ]

    def test_none_level_is_not_held(self):
        p = pol(allowed_permissions=self.allowed)
        assert check_allowed_permissions(self.held({"issues": None, "pages": "none"}), p, NOW) == []

    @pytest.mark.parametrize(
        "forbidden, level, hit",
        [
            ("administration:write", "read", False),
            ("administration:write", "write", True),
            ("administration:read", "read", True),
            ("administration:read", "write", True),
            ("administration", "read", True),
            ("organization_projects:admin", "write", False),
            ("organization_projects:admin", "admin", True),
            ("organization_projects:write", "admin", True),
        ],
    )
    def test_forbidden_level_ordering(self, forbidden, level, hit):
        name = forbidden.split(":")[0]
        bucket = "organization" if name.startswith("organization") else "repository"
        rec = request(permissions={bucket: {name: level}})
        result = check_forbidden_permissions(rec, pol(forbidden_permissions=[forbidden]), NOW)
        assert result == ([Violation("permission", "%s:%s is forbidden" % (name, level))] if hit else [])

    def test_forbidden_unknown_level_fails_closed(self):
        rec = request(permissions={"repository": {"administration": "owner"}})
        assert codes(check_forbidden_permissions(rec, pol(forbidden_permissions=["administration:write"]), NOW)) == [
            "permission"
        ]


class TestReason:
    def test_required(self):
        p = pol(require_reason=True)
        for reason in (None, "", "   \n"):
            assert check_reason(request(reason=reason), p, NOW) == [Violation("reason", "no justification given")]
        assert check_reason(request(reason="x"), p, NOW) == []

    def test_min_length_boundary_after_trim(self):
        p = pol(min_reason_length=10)
        assert check_reason(request(reason="  123456789  "), p, NOW) == [
            Violation("reason", "justification is 9 characters (min 10)")
        ]
        assert check_reason(request(reason="1234567890"), p, NOW) == []
        assert check_reason(request(reason=None), p, NOW) == [Violation("reason", "no justification given")]

    def test_grants_are_not_checked(self):
        d = evaluate(grant(reason=None), "grant", {"require_reason": True}, NOW)
        assert d.violations == ()


class TestOwner:
    def test_denied_globs_case_insensitive(self):
        p = pol(denied_owners=["bot-*", "mallory"])
        assert check_owner(request(owner="Bot-ci"), p, NOW) == [Violation("owner", "Bot-ci is denied")]
        assert check_owner(request(owner="MALLORY"), p, NOW) == [Violation("owner", "MALLORY is denied")]
        assert check_owner(request(owner="alice"), p, NOW) == []

    def test_allowed(self):
        p = pol(allowed_owners=["team-*", "alice"])
        assert check_owner(request(owner="alice"), p, NOW) == []
        assert check_owner(request(owner="bob"), p, NOW) == [Violation("owner", "bob is not an allowed owner")]
        assert check_owner(request(owner=None), p, NOW) == [Violation("owner", "unknown owner is not an allowed owner")]

    def test_raw_github_owner_object(self):
        assert check_owner(request(owner={"login": "mallory"}), pol(denied_owners=["mallory"]), NOW) == [
            Violation("owner", "mallory is denied")
        ]

    def test_denied_wins_over_allowed_glob(self):
        p = pol(allowed_owners=["*"], denied_owners=["mallory"])
        assert codes(check_owner(request(owner="mallory"), p, NOW)) == ["owner"]


class TestInactive:
    def test_last_used_boundary(self):
        p = pol(max_inactive_days=30)
        assert check_inactive(grant(token_last_used_at="2025-05-02T12:00:00Z"), p, NOW) == []
        assert check_inactive(grant(token_last_used_at="2025-05-02T11:59:59Z"), p, NOW) == [
            Violation("inactive", "last used more than 30 days ago (max 30)")
        ]

    def test_never_used_counts_from_grant(self):
        p = pol(max_inactive_days=30)
        assert check_inactive(grant(token_last_used_at=None, access_granted_at="2025-05-02T12:00:00Z"), p, NOW) == []
        assert check_inactive(grant(token_last_used_at=None, access_granted_at="2025-04-02T12:00:00Z"), p, NOW) == [
            Violation("inactive", "never used, granted 60 days ago (max 30)")
        ]

    def test_unreadable(self):
        rec = grant(token_last_used_at=None, access_granted_at=None)
        assert codes(check_inactive(rec, pol(max_inactive_days=1), NOW)) == ["unverifiable"]

    def test_requests_are_judged_as_the_grant_they_become(self):
        # A new grant starts now: never used is not inactive...
        assert evaluate(request(token_last_used_at=None), "request", {"max_inactive_days": 1}, NOW).violations == ()
        # ...but a token last used long ago would be revoked as inactive right after its approval.
        d = evaluate(request(token_last_used_at="2000-01-01T00:00:00Z"), "request", {"max_inactive_days": 1}, NOW)
        assert codes(d.violations) == ["inactive"]


class TestExpired:
    def test_flag_or_date(self):
        p = pol(revoke_expired=True)
        assert check_expired(grant(token_expired=True, token_expires_at=None), p, NOW) == [
            Violation("expired", "token expired")
        ]
        assert check_expired(grant(token_expires_at="2025-06-01T12:00:00Z"), p, NOW) == [
            Violation("expired", "token expired on 2025-06-01")
        ]
        assert check_expired(grant(token_expires_at="2025-06-01T12:00:01Z"), p, NOW) == []

    def test_off(self):
        assert check_expired(grant(token_expired=True), pol(), NOW) == []


# ----------------------------------------------------------------------------- decisions


def test_request_decisions():
    p = {"max_lifetime_days": 90, "actions": ACT}
    ok = evaluate(request(), "request", p, NOW)
    assert ok == Decision(1, "request", "octocat", 11, "deploy", "approve", (), APPROVE_REASON)
    bad = evaluate(request(token_expires_at=None), "request", p, NOW)
    assert bad.decision == "deny"
    assert bad.reason == "Denied by policy: lifetime over the 90-day maximum"
    detailed = evaluate(request(token_expires_at=None), "request", dict(p, deny_reason_detail=True), NOW)
    assert detailed.reason == "Denied by policy: lifetime: never expires (max 90 days)"
    assert bad.to_dict()["violations"] == [{"code": "lifetime", "detail": "never expires (max 90 days)"}]
    # action none leaves the request alone
    assert evaluate(request(), "request", {"max_lifetime_days": 90}, NOW).decision == "none"
    human = evaluate(request(token_expires_at=None), "request", {"max_lifetime_days": 90}, NOW)
    assert human.decision == "none" and human.reason.startswith("Violates policy: lifetime")


def test_grant_decisions():
    p = {"revoke_expired": True, "actions": ACT}
    assert evaluate(grant(), "grant", p, NOW).decision == "keep"
    bad = evaluate(grant(token_expired=True), "grant", p, NOW)
    assert bad.decision == "revoke" and bad.reason == "Revoked by policy: token has expired"
    assert evaluate(grant(token_expired=True), "grant", {"revoke_expired": True}, NOW).decision == "none"


def test_exemptions_skip_evaluation():
    p = {"max_lifetime_days": 1, "exempt_token_ids": [11], "exempt_owners": ["svc-*"], "actions": ACT}
    d = evaluate(request(token_expires_at=None), "request", p, NOW)
    assert d.decision == "exempt" and d.violations == () and d.reason is None
    d = evaluate(request(token_id=12, owner="SVC-deploy", token_expires_at=None), "request", p, NOW)
    assert d.decision == "exempt"
    assert evaluate(request(token_id=12, token_expires_at=None), "request", p, NOW).decision == "deny"


def test_unverifiable_only_is_left_for_a_human():
    p = {"max_repositories": 2, "actions": ACT}
    d = evaluate(request(repositories=None), "request", p, NOW)
    assert d.decision == "none" and codes(d.violations) == ["unverifiable"] and d.reason is None
    # ...but real violations still act, and the reason lists only the real ones
    d = evaluate(request(repositories=None, owner="x"), "request", dict(p, denied_owners=["x"]), NOW)
    assert d.decision == "deny" and d.reason == "Denied by policy: owner is on the denied list"


def test_deny_reason_format_from_brief():
    p = {"max_lifetime_days": 90, "forbidden_permissions": ["administration:write"], "actions": ACT}
    rec = request(
        created_at="2025-01-01T00:00:00Z",
        token_expires_at="2026-01-02T00:00:00Z",
        permissions={"repository": {"administration": "write"}},
    )
    assert evaluate(rec, "request", p, NOW).reason == (
        "Denied by policy: lifetime over the 90-day maximum; permission administration:write is forbidden"
    )
    # The per-token detail is an opt-in (one bulk call per distinct text).
    assert evaluate(rec, "request", dict(p, deny_reason_detail=True), NOW).reason == (
        "Denied by policy: lifetime: expires after 366 days (max 90); permission: administration:write is forbidden"
    )


def test_reason_names_the_policy_limit_not_the_held_level():
    p = {"forbidden_permissions": ["administration:write"], "actions": ACT}
    held = [
        request(id=i, permissions={"repository": {"administration": level}})
        for i, level in ((1, "write"), (2, "admin"))
    ]
    result = plan(held, [], p, NOW)
    assert result["deny"] == [
        {"ids": [1, 2], "action": "deny", "reason": "Denied by policy: permission administration:write is forbidden"}
    ]


def test_same_rules_share_one_reason_whatever_the_figures():
    p = {"max_lifetime_days": 90, "max_repositories": 2, "min_reason_length": 10, "actions": ACT}
    reqs = [
        request(
            id=i,
            token_id=i,
            created_at="2025-01-01T00:00:00Z",
            token_expires_at="2025-%02d-01T00:00:00Z" % (5 + i % 7),
            repositories=["r%d" % j for j in range(3 + i % 5)],
            reason="x" * (i % 9),
        )
        for i in range(1, 301)
    ]
    result = plan(reqs, [], p, NOW)
    assert [len(g["ids"]) for g in result["deny"]] == [100, 100, 100]
    assert set(g["reason"] for g in result["deny"]) == {
        "Denied by policy: lifetime over the 90-day maximum; more than 2 repositories; "
        "justification of at least 10 characters required"
    }
    detailed = plan(reqs, [], dict(p, deny_reason_detail=True), NOW)
    assert len(detailed["deny"]) > 30  # every distinct set of figures is its own call


def test_evaluate_rejects_bad_kind_and_bad_policy():
    with pytest.raises(ValueError):
        evaluate(request(), "token", {}, NOW)
    with pytest.raises(PolicyError):
        evaluate(request(), "request", {"max_lifetime_days": 0}, NOW)


def test_evaluate_accepts_string_now_and_defaults_now():
    assert evaluate(grant(), "grant", {"max_inactive_days": 1}, "2025-05-30T12:00:00Z").decision == "keep"
    assert evaluate(grant(), "grant", {}, None).decision == "keep"


@pytest.mark.parametrize(
    "record",
    [
        {},
        None,
        [],
        {"id": None, "owner": None, "permissions": None},
        {
            "permissions": {"repository": None},
            "repositories": "oops",
            "token_expires_at": 42,
            "created_at": "2024-01-01T00:00:00.000Z",
            "token_last_used_at": "0000-00-00",
            "lifetime_days": "x",
        },
    ],
)
def test_evaluate_never_raises_on_odd_records(record):
    full = {
        "max_lifetime_days": 90,
        "repository_selection": ["subset"],
        "max_repositories": 3,
        "allowed_repositories": ["a*"],
        "allowed_permissions": {"repository": {"metadata": "read"}},
        "forbidden_permissions": ["administration"],
        "min_reason_length": 3,
        "allowed_owners": ["a*"],
        "denied_owners": ["b*"],
        "max_inactive_days": 3,
        "revoke_expired": True,
        "exempt_token_ids": [1],
        "exempt_owners": ["c*"],
        "actions": ACT,
    }
    for kind in ("request", "grant"):
        assert evaluate(record, kind, full, NOW).decision in ("approve", "deny", "revoke", "keep", "none", "exempt")


# ----------------------------------------------------------------------------- reason length


def test_format_reason_fits_untouched():
    vs = [Violation("a", "x"), Violation("b", "y")]
    assert format_reason("P: ", vs) == "P: a: x; b: y"


def test_format_reason_cuts_whole_violations():
    vs = [Violation("repository", "%s is not allowed" % ("r%03d" % i)) for i in range(200)]
    text = format_reason("Denied by policy: ", vs)
    assert len(text) <= 1024
    assert text.startswith("Denied by policy: repository: r000 is not allowed; repository: r001")
    kept = text.count("is not allowed")
    assert text.endswith("; …(+%d more)" % (200 - kept))
    # adding one more part would not have fitted
    assert (
        len(text)
        - len("; …(+%d more)" % (200 - kept))
        + len("; repository: r999 is not allowed")
        + len("; …(+%d more)" % (200 - kept - 1))
        > 1024
    )


def test_format_reason_exact_limit():
    prefix = "P: "
    detail = "x" * (1024 - len(prefix) - len("c: "))
    assert format_reason(prefix, [Violation("c", detail)]) == prefix + "c: " + detail
    cut = format_reason(prefix, [Violation("c", detail + "y")])
    assert len(cut) == 1024 and cut.endswith("…")
    cut = format_reason(prefix, [Violation("c", "x" * 5000), Violation("d", "z")])
    assert len(cut) == 1024 and cut.endswith("…(+1 more)")


def test_deny_reason_never_exceeds_1024():
    p = {"allowed_repositories": ["z*"], "actions": ACT}
    d = evaluate(
        request(repositories=["repo-%04d-%s" % (i, "x" * 50) for i in range(300)]),
        "request",
        dict(p, deny_reason_detail=True),
        NOW,
    )
    assert len(d.reason) <= 1024 and d.reason.endswith("more)") and len(d.violations) == 300


# ----------------------------------------------------------------------------- plan


def test_plan_groups_and_summary():
    p = {"max_lifetime_days": 90, "revoke_expired": True, "exempt_token_ids": [999], "actions": ACT}
    # (the default request's token expires before NOW: it would be denied as expired, see below)
    reqs = [request(id=i, token_id=i, token_expires_at="2025-07-01T00:00:00Z") for i in range(1, 251)]
    reqs += [request(id=i, token_id=i, token_expires_at=None) for i in range(251, 361)]
    reqs += [request(id=361, token_id=999, token_expires_at=None)]
    reqs += [request(id=251, token_id=251, token_expires_at=None)]  # duplicate id, acted on once
    grants = [grant(id=1000 + i, token_id=5000 + i, token_expired=bool(i % 2)) for i in range(10)]
    result = plan(reqs, grants, p, NOW)
    assert [len(g["ids"]) for g in result["approve"]] == [100, 100, 50]
    assert all(g["action"] == "approve" and g["reason"] == APPROVE_REASON for g in result["approve"])
    assert [len(g["ids"]) for g in result["deny"]] == [100, 10]
    assert result["deny"][0]["reason"] == "Denied by policy: lifetime over the 90-day maximum"
    assert result["deny"][0]["ids"][0] == 251
    assert result["revoke"] == [1001, 1003, 1005, 1007, 1009]
    assert result["summary"] == {
        "requests": 362,
        "grants": 10,
        "decisions": {"approve": 250, "deny": 111, "revoke": 5, "keep": 5, "none": 0, "exempt": 1},
        "violations": {"expired": 5, "lifetime": 111},
    }
    assert len(result["decisions"]) == 372
    assert result["decisions"][0]["violations"] == [] and isinstance(result["decisions"][0], dict)
    assert result["evaluated_at"] == "2025-06-01T12:00:00Z"
    # review: one entry per acted-on request, shaped for the pat_request module's decisions option
    assert len(result["review"]) == 360
    assert result["review"][0] == {"id": 1, "action": "approve", "reason": APPROVE_REASON, "token_id": 1}
    assert result["review"][-1] == {
        "id": 360,
        "action": "deny",
        "token_id": 360,
        "reason": "Denied by policy: lifetime over the 90-day maximum",
    }


def test_an_expired_token_request_is_denied_not_approved_then_revoked():
    p = {"revoke_expired": True, "actions": ACT}
    result = plan([request(id=1, token_id=11)], [], p, NOW)  # expires 2025-06-01, NOW is noon that day
    assert result["approve"] == [] and result["revoke"] == []
    assert result["deny"] == [{"ids": [1], "action": "deny", "reason": "Denied by policy: token has expired"}]
    assert result["decisions"][0]["violations"] == [{"code": "expired", "detail": "token expired on 2025-06-01"}]


def test_upgrade_request_is_judged_on_the_widened_grant():
    p = {"forbidden_permissions": ["administration:write"], "max_inactive_days": 30, "actions": ACT}
    active = grant(id=5, token_id=77, token_last_used_at="2025-05-30T00:00:00Z")
    widen = request(
        id=9,
        token_id=77,
        token_expires_at="2025-07-01T00:00:00Z",
        permissions={"repository": {"contents": "write", "administration": "write"}},
    )
    result = plan([widen], [active], p, NOW)
    # The widened grant would break the rule: deny, and the grant is judged as it is (kept).
    assert [d["decision"] for d in result["decisions"]] == ["deny", "keep"]
    assert result["upgrades"] == []
    ok = dict(widen, permissions={"repository": {"contents": "write"}})
    result = plan([ok], [active], p, NOW)
    assert [d["decision"] for d in result["decisions"]] == ["approve", "keep"] and result["upgrades"] == [77]
    # A grant unused for too long is not saved by widening it: the upgrade is denied as inactive.
    stale = dict(active, token_last_used_at="2025-01-01T00:00:00Z")
    result = plan([ok], [stale], p, NOW)
    assert [d["decision"] for d in result["decisions"]] == ["deny", "revoke"]
    assert result["decisions"][0]["violations"][0]["code"] == "inactive"


def test_unverifiable_is_only_for_decisions_that_wait_on_it():
    p = {"max_repositories": 2, "revoke_expired": True, "actions": ACT}
    condemned = plan([], [grant(token_expired=True, repositories=None)], p, NOW)["decisions"][0]
    assert condemned["decision"] == "revoke" and [v["code"] for v in condemned["violations"]] == ["expired"]
    waiting = plan([], [grant(repositories=None)], p, NOW)["decisions"][0]
    assert waiting["decision"] == "none" and [v["code"] for v in waiting["violations"]] == ["unverifiable"]


def test_plan_distinct_reasons_get_distinct_groups():
    p = {"max_lifetime_days": 90, "denied_owners": ["mallory"], "actions": ACT}
    reqs = [request(id=1, token_expires_at=None), request(id=2, owner="mallory"), request(id=3, token_expires_at=None)]
    result = plan(reqs, [], p, NOW)
    assert [g["ids"] for g in result["deny"]] == [[1, 3], [2]]


def test_plan_empty_and_none_inputs():
    result = plan(None, None, {}, NOW)
    assert result["decisions"] == [] and result["approve"] == [] and result["deny"] == [] and result["revoke"] == []
    assert result["review"] == []
    assert plan([], [], {}, "")["decisions"] == []  # an empty 'now' (unset role variable) means the current time


def test_plan_skips_records_without_integer_ids():
    result = plan([request(id=None), request(id="7", token_id=None)], [], {"actions": ACT}, NOW)
    assert result["approve"] == [] and result["review"] == [] and result["summary"]["decisions"]["approve"] == 2
    result = plan([request(id=7, token_id=None)], [], {"actions": ACT}, NOW)
    assert result["review"] == [{"id": 7, "action": "approve", "reason": APPROVE_REASON}]


def test_plan_does_not_mutate_inputs():
    reqs = [request()]
    before = copy.deepcopy(reqs)
    plan(reqs, [], {"max_lifetime_days": 1, "actions": ACT}, NOW)
    assert reqs == before


def test_plan_handles_a_large_organization():
    p = {
        "max_lifetime_days": 90,
        "max_repositories": 10,
        "allowed_repositories": ["app-*", "infra"],
        "allowed_permissions": {"repository": {"metadata": "read", "contents": "write"}},
        "forbidden_permissions": ["administration:write"],
        "min_reason_length": 10,
        "allowed_owners": ["u*"],
        "denied_owners": ["bad-*"],
        "exempt_owners": ["svc-*"],
        "max_inactive_days": 60,
        "revoke_expired": True,
        "actions": ACT,
    }
    reqs = [
        request(
            id=i,
            token_id=i,
            owner="u%d" % (i % 97),
            repositories=["app-%d" % j for j in range(i % 12)],
            token_expires_at=None if i % 3 else "2025-06-01T00:00:00Z",
        )
        for i in range(2000)
    ]
    grants = [
        grant(
            id=i,
            token_id=i,
            owner="u%d" % (i % 97),
            repositories=["app-%d" % j for j in range(i % 12)],
            token_last_used_at=None if i % 2 else "2025-01-01T00:00:00.000Z",
        )
        for i in range(10000)
    ]
    # Speed is measured by bench/, never asserted here (timings are not tests).
    result = plan(reqs, grants, p, NOW)
    assert len(result["decisions"]) == 12000
    assert result["summary"]["requests"] == 2000 and result["summary"]["grants"] == 10000


def test_module_is_python38_syntax():
    ast.parse(Path(_policy.__file__).read_text(), feature_version=(3, 8))


@pytest.mark.parametrize("module", [_policy_schema, _policy_rules], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_split_modules_are_python38_syntax(module):
    # The engine's schema and rules left _policy.py; the same guard follows them.
    ast.parse(Path(module.__file__).read_text(), feature_version=(3, 8))


def test_repositories_needed_only_where_the_decision_waits_on_them():
    p = {"max_repositories": 2, "max_inactive_days": 30, "actions": ACT}
    waiting = grant(id=1, token_id=11, repositories=None, token_last_used_at="2025-05-30T00:00:00Z")
    condemned = grant(id=2, token_id=12, repositories=None, token_last_used_at="2024-01-01T00:00:00Z")
    known = grant(id=3, token_id=13, repositories=["a"], token_last_used_at="2025-05-30T00:00:00Z")
    everything = grant(
        id=4, token_id=14, repository_selection="all", repositories=None, token_last_used_at="2025-05-30T00:00:00Z"
    )
    records = [waiting, condemned, known, everything]
    first = plan([], records, p, NOW)
    assert _policy.repositories_needed(records, first["decisions"]) == first["repositories_needed"] == [11]
    detailed = dict(waiting, repositories=["a", "b", "c"])
    merged = _policy.merge_records(records, [detailed])
    assert [r["id"] for r in merged] == [1, 2, 3, 4] and merged[0]["repositories"] == ["a", "b", "c"]
    second = plan([], merged, p, NOW)
    # 'all' breaks max_repositories without a list; the waiting grant turns out to hold 3 > 2.
    assert second["revoke"] == [1, 2, 4] and second["repositories_needed"] == []


def test_repositories_needed_is_empty_without_repository_rules():
    records = [grant(id=1, token_id=11, repositories=None)]
    assert (
        _policy.repositories_needed(
            records, plan([], records, {"max_lifetime_days": 90, "actions": ACT}, NOW)["decisions"]
        )
        == []
    )
