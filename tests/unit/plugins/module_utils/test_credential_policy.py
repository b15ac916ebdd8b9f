"""The credential_authorizations policy section: validation errors by key path and rule, and
decisions checked against an independent evaluation written here from the documented rules."""

from __future__ import annotations

import fnmatch
import random
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.patguard.github.plugins.module_utils._credential_policy import (
    DEFAULTS,
    evaluate,
    plan,
    validate_section,
)
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import PolicyError, validate_policy

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def raw(
    cid,
    login="alice",
    kind="personal access token",
    authorized_days=10,
    accessed_days=1,
    expires_days=None,
    scopes=("repo",),
):
    """A GitHub-shaped record, times relative to NOW (days ago; expiry in days after NOW)."""
    record = {
        "login": login,
        "credential_id": cid,
        "credential_type": kind,
        "authorized_credential_id": cid + 1000,
        "credential_authorized_at": iso(NOW - timedelta(days=authorized_days)),
        "credential_accessed_at": iso(NOW - timedelta(days=accessed_days)) if accessed_days is not None else None,
    }
    if kind != "SSH key":
        record["token_last_eight"] = "abcd%04d" % cid
        record["scopes"] = list(scopes)
        record["authorized_credential_expires_at"] = (
            iso(NOW + timedelta(days=expires_days)) if expires_days is not None else None
        )
    else:
        record["fingerprint"] = "SHA256:abc%d" % cid
    return record


# -- validation --------------------------------------------------------------------------------


def test_absent_section_leaves_the_fine_grained_policy_unchanged():
    assert "credential_authorizations" not in validate_policy({})
    assert validate_policy({"credential_authorizations": None})["credential_authorizations"] is None
    assert validate_policy({"credential_authorizations": {}})["credential_authorizations"] == DEFAULTS


def test_normalized_section_validates_to_itself():
    norm = validate_policy(
        {
            "credential_authorizations": {
                "max_lifetime_days": 90,
                "forbidden_scopes": ["admin:org", "admin:org"],
                "credential_types": [{"logins": ["svc-*"], "allowed": ["github_app_token", "ssh_key"]}],
                "exempt_logins": ["root"],
                "action": "remove",
            }
        }
    )
    section = norm["credential_authorizations"]
    assert section["require_expiry"] is True and section["forbidden_scopes"] == ["admin:org"]
    assert validate_policy(norm) == norm


@pytest.mark.parametrize(
    "section, key, rule",
    [
        ("nope", "credential_authorizations", "type"),
        ({"max_age": 3}, "credential_authorizations.max_age", "unknown_key"),
        ({"max_age_days": 0}, "credential_authorizations.max_age_days", "range"),
        ({"max_age_days": True}, "credential_authorizations.max_age_days", "type"),
        ({"max_inactive_days": "90"}, "credential_authorizations.max_inactive_days", "type"),
        ({"require_expiry": "yes"}, "credential_authorizations.require_expiry", "type"),
        (
            {"require_expiry": False, "max_lifetime_days": 30},
            "credential_authorizations.max_lifetime_days",
            "contradiction",
        ),
        ({"forbidden_scopes": "repo"}, "credential_authorizations.forbidden_scopes", "type"),
        ({"forbidden_scopes": ["repo", "admin:orgg"]}, "credential_authorizations.forbidden_scopes[1]", "choice"),
        ({"credential_types": {"logins": ["*"]}}, "credential_authorizations.credential_types", "type"),
        ({"credential_types": [{"logins": ["*"]}]}, "credential_authorizations.credential_types[0]", "contradiction"),
        (
            {"credential_types": [{"logins": ["*"], "allowed": ["ssh_key"], "denied": ["ssh_key"]}]},
            "credential_authorizations.credential_types[0]",
            "contradiction",
        ),
        (
            {"credential_types": [{"logins": [], "allowed": ["ssh_key"]}]},
            "credential_authorizations.credential_types[0].logins",
            "range",
        ),
        (
            {"credential_types": [{"logins": ["a["], "allowed": ["ssh_key"]}]},
            "credential_authorizations.credential_types[0].logins[0]",
            "glob",
        ),
        (
            {"credential_types": [{"logins": ["*"], "allowed": ["classic"]}]},
            "credential_authorizations.credential_types[0].allowed[0]",
            "choice",
        ),
        (
            {"credential_types": [{"logins": ["*"], "denied": []}]},
            "credential_authorizations.credential_types[0].denied",
            "type",
        ),
        (
            {"credential_types": [{"login": ["*"], "denied": ["ssh_key"]}]},
            "credential_authorizations.credential_types[0].login",
            "unknown_key",
        ),
        ({"exempt_logins": [""]}, "credential_authorizations.exempt_logins[0]", "glob"),
        ({"exempt_credential_ids": [0]}, "credential_authorizations.exempt_credential_ids[0]", "type"),
        (
            {"exempt_authorized_credential_ids": ["7"]},
            "credential_authorizations.exempt_authorized_credential_ids[0]",
            "type",
        ),
        ({"action": "revoke"}, "credential_authorizations.action", "choice"),
    ],
)
def test_invalid_sections_name_the_key_path_and_rule(section, key, rule):
    with pytest.raises(PolicyError) as caught:
        validate_policy({"credential_authorizations": section})
    assert (caught.value.key, caught.value.rule) == (key, rule)
    assert caught.value.message.startswith("patguard_policy.%s: " % key)


def test_a_misspelt_section_is_suggested():
    with pytest.raises(PolicyError) as caught:
        validate_policy({"credential_authorisations": {}})
    assert "did you mean 'credential_authorizations'" in caught.value.message


# -- evaluation: named cases --------------------------------------------------------------------


def decide(record, **section):
    return evaluate(record, validate_section(dict(section, action="remove")), NOW)


def codes(decision):
    return sorted(v["code"] for v in decision["violations"])


def test_age_boundary_is_exclusive():
    assert decide(raw(1, authorized_days=90), max_age_days=90)["decision"] == "keep"
    over = decide(raw(1, authorized_days=91), max_age_days=90)
    assert over["decision"] == "remove" and codes(over) == ["age"]


def test_expiry_rules_apply_to_tokens_not_ssh_keys():
    assert codes(decide(raw(1, expires_days=None), require_expiry=True)) == ["no_expiry"]
    assert decide(raw(2, kind="SSH key"), require_expiry=True, max_lifetime_days=30)["decision"] == "keep"
    # authorized 10 days ago, expires in 25 days: a 35-day lifetime
    assert codes(decide(raw(3, expires_days=25), max_lifetime_days=30)) == ["lifetime"]
    assert decide(raw(4, expires_days=20), max_lifetime_days=30)["decision"] == "keep"


def test_broader_scopes_hold_forbidden_narrower_ones():
    result = decide(raw(1, scopes=["admin:org"]), forbidden_scopes=["read:org"])
    assert codes(result) == ["scope"] and "includes read:org" in result["violations"][0]["detail"]
    assert decide(raw(2, scopes=["public_repo"]), forbidden_scopes=["repo"])["decision"] == "keep"


def test_inactivity_counts_never_used_from_authorization():
    assert codes(decide(raw(1, accessed_days=None, authorized_days=40), max_inactive_days=30)) == ["inactive"]
    assert decide(raw(2, accessed_days=None, authorized_days=20), max_inactive_days=30)["decision"] == "keep"


def test_first_matching_type_rule_decides():
    rules = [{"logins": ["svc-*"], "allowed": ["github_app_token"]}, {"logins": ["*"], "denied": ["ssh_key"]}]
    assert codes(decide(raw(1, login="svc-ci"), credential_types=rules)) == ["credential_type"]
    assert decide(raw(2, login="svc-ci", kind="GitHub app token"), credential_types=rules)["decision"] == "keep"
    assert codes(decide(raw(3, login="bob", kind="SSH key"), credential_types=rules)) == ["credential_type"]
    assert decide(raw(4, login="bob"), credential_types=rules)["decision"] == "keep"


def test_exemptions_and_action_none():
    section = {"max_age_days": 1, "exempt_logins": ["root*"], "exempt_authorized_credential_ids": [1005]}
    assert decide(raw(1, login="rooted"), **section)["decision"] == "exempt"
    assert decide(raw(5), **section)["decision"] == "exempt"  # authorized_credential_id 1005
    assert evaluate(raw(6), validate_section({"max_age_days": 1}), NOW)["decision"] == "none"


def test_unreadable_data_is_never_acted_on():
    record = raw(1)
    record["credential_authorized_at"] = "yesterday"
    record["credential_accessed_at"] = None
    result = decide(record, max_age_days=1, max_inactive_days=1)
    assert result["decision"] == "none" and codes(result) == ["unverifiable", "unverifiable"]


def test_plan_without_the_section_removes_nothing():
    result = plan([raw(1, authorized_days=900)], {"max_lifetime_days": 30}, now=NOW)
    assert result["enabled"] is False and result["remove"] == [] and result["decisions"] == []


# -- evaluation: judged by an independent implementation --------------------------------------
BROADER = {
    "read:org": {"read:org", "write:org", "admin:org"},
    "repo": {"repo"},
    "delete_repo": {"delete_repo"},
    "write:packages": {"write:packages"},
}


def expected_codes(record, section):
    """The documented rules, written again from scratch: plain arithmetic on GitHub's raw fields."""

    def at(name):
        value = record.get(name)
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) if value else None

    found = set()
    kind = {
        "personal access token": "personal_access_token",
        "SSH key": "ssh_key",
        "OAuth app token": "oauth_app_token",
        "GitHub app token": "github_app_token",
    }[record["credential_type"]]
    for rule in section.get("credential_types", []):
        if any(fnmatch.fnmatch(record["login"].lower(), g.lower()) for g in rule["logins"]):
            if ("allowed" in rule and kind not in rule["allowed"]) or ("denied" in rule and kind in rule["denied"]):
                found.add("credential_type")
            break
    authorized, accessed, expires = (
        at("credential_authorized_at"),
        at("credential_accessed_at"),
        at("authorized_credential_expires_at"),
    )
    if section.get("max_age_days") and (NOW - authorized).total_seconds() > section["max_age_days"] * 86400:
        found.add("age")
    if kind != "ssh_key":
        if (section.get("require_expiry") or section.get("max_lifetime_days")) and expires is None:
            found.add("no_expiry")
        if (
            section.get("max_lifetime_days")
            and expires is not None
            and (expires - authorized).total_seconds() > section["max_lifetime_days"] * 86400
        ):
            found.add("lifetime")
    if section.get("max_inactive_days"):
        last = accessed or authorized
        if (NOW - last).total_seconds() > section["max_inactive_days"] * 86400:
            found.add("inactive")
    for forbidden in section.get("forbidden_scopes", []):
        if set(record.get("scopes") or []) & BROADER[forbidden]:
            found.add("scope")
    return found


def random_record(rng, cid):
    kind = rng.choice(["personal access token", "SSH key", "OAuth app token", "GitHub app token"])
    return raw(
        cid,
        login=rng.choice(["alice", "bob", "svc-ci", "svc-deploy", "Root"]),
        kind=kind,
        authorized_days=rng.randint(0, 400),
        accessed_days=rng.choice([None, 0, 29, 30, 31, 200]),
        expires_days=rng.choice([None, 1, 30, 89, 90, 400]),
        scopes=rng.sample(
            ["repo", "admin:org", "write:org", "read:org", "delete_repo", "user", "gist", "write:packages"],
            rng.randint(0, 3),
        ),
    )


@pytest.mark.parametrize("seed", range(6))
def test_decisions_match_an_independent_evaluation(seed):
    rng = random.Random(seed)
    section = {
        "max_age_days": rng.choice([None, 30, 365]),
        "require_expiry": rng.choice([None, True]),
        "max_lifetime_days": rng.choice([None, 90]),
        "max_inactive_days": rng.choice([None, 30]),
        "forbidden_scopes": rng.sample(sorted(BROADER), rng.randint(0, 2)),
        "credential_types": rng.choice(
            [
                [],
                [
                    {"logins": ["svc-*"], "allowed": ["github_app_token"]},
                    {"logins": ["*"], "denied": ["oauth_app_token"]},
                ],
            ]
        ),
        "exempt_logins": rng.choice([[], ["root"]]),
        "action": "remove",
    }
    section = dict((k, v) for k, v in section.items() if v is not None)
    records = [random_record(rng, cid) for cid in range(1, 150)]
    result = plan(records, {"credential_authorizations": section}, now=iso(NOW))
    expected_remove = []
    for record, decision in zip(records, result["decisions"]):
        if record["login"].lower() in [g.lower() for g in section["exempt_logins"]]:
            assert decision["decision"] == "exempt"
            continue
        want = expected_codes(record, section)
        assert set(codes(decision)) == want, (record, decision)
        assert decision["decision"] == ("remove" if want else "keep")
        if want:
            expected_remove.append(record["credential_id"])
    assert result["remove"] == expected_remove
    assert result["summary"]["decisions"]["remove"] == len(expected_remove)
