"""credential_authorization_info, credential_authorization, audit_log_info and the role
credential_authorization_hygiene through ansible-playbook, against the fake run as GHEC (and as
github.com and GHES for the messages). State is verified through the fake, not the module."""

from __future__ import annotations

import datetime

import pytest

from fake_github import credential_authorizations as fake_creds
from harness import app_auth, run_tasks

FIXTURE = {
    "organizations": [
        {
            "login": "acme",
            "members": [{"login": "ada", "role": "admin"}, {"login": "bob"}, {"login": "svc-ci"}],
            "repositories": ["api"],
            "grants": [
                {
                    "owner": "bob",
                    "token_name": "deploy",
                    "created_at": "-5d",
                    "access_granted_at": "-5d",
                    "token_expires_at": "+20d",
                    "permissions": {"repository": {"contents": "read"}},
                    "repositories": ["api"],
                }
            ],
            "credential_authorizations": [
                # compliant with the policy below
                {
                    "login": "bob",
                    "type": "personal_access_token",
                    "scopes": ["read:org"],
                    "authorized_at": "-10d",
                    "accessed_at": "-1d",
                    "expires_at": "+30d",
                    "note": "ok",
                },
                # never expires
                {
                    "login": "bob",
                    "type": "personal_access_token",
                    "scopes": ["repo"],
                    "authorized_at": "-10d",
                    "accessed_at": "-1d",
                    "expires_at": "never",
                },
                # admin:org includes the forbidden write:org
                {
                    "login": "ada",
                    "type": "oauth_app_token",
                    "scopes": ["admin:org"],
                    "authorized_at": "-3d",
                    "accessed_at": "-1d",
                    "expires_at": "+10d",
                },
                # a service account may only use GitHub App tokens
                {"login": "svc-ci", "type": "ssh_key", "title": "runner", "authorized_at": "-3d", "accessed_at": "-1d"},
                # unused for 200 days
                {
                    "login": "bob",
                    "type": "ssh_key",
                    "title": "old laptop",
                    "authorized_at": "-300d",
                    "accessed_at": "-200d",
                },
                {
                    "login": "svc-ci",
                    "type": "github_app_token",
                    "scopes": [],
                    "authorized_at": "-2d",
                    "accessed_at": "never",
                    "expires_at": "+1d",
                },
            ],
        },
        {"login": "nosso", "saml_sso": False, "members": [{"login": "ada", "role": "admin"}]},
    ]
}
POLICY = {
    "credential_authorizations": {
        "require_expiry": True,
        "max_inactive_days": 90,
        "forbidden_scopes": ["write:org", "delete_repo"],
        "credential_types": [{"logins": ["svc-*"], "allowed": ["github_app_token"]}],
        "action": "remove",
    }
}


def owner(fake):
    return {"api_url": fake.base_url, "token": fake.user_tokens["ada"], "write_interval": 0}


def credentials(fake, org="acme"):
    return fake_creds.org_credentials(fake.state, org).items


def assert_no_secret_fragment(fake, text, secrets):
    for secret in secrets:
        for start in range(len(secret) - 8):
            assert secret[start : start + 9] not in text, "a credential fragment leaked"


def expected_removals(fake):
    """The policy above judged by hand on the fake's own objects."""
    now = fake.state.clock.now()
    doomed = set()
    for cid, cred in credentials(fake).items():
        if cred.kind != "ssh_key" and cred.expires_at is None:
            doomed.add(cid)
        if now - (cred.accessed_at or cred.authorized_at) > datetime.timedelta(days=90):
            doomed.add(cid)
        if {"admin:org", "write:org", "delete_repo"} & set(cred.scopes):
            doomed.add(cid)
        if cred.login.startswith("svc-") and cred.kind != "github_app_token":
            doomed.add(cid)
    return doomed


def test_list_remove_check_mode_idempotency_and_no_leak(fake_github):
    fake = fake_github(product="ghec", fixture=FIXTURE)
    secrets = fake_creds.secrets_of(fake.state)
    assert len(secrets) == 4
    bob = sorted(cid for cid, c in credentials(fake).items() if c.login == "bob")
    keys = sorted(cid for cid in bob if credentials(fake)[cid].kind == "ssh_key")
    run = run_tasks(
        [
            {"patguard.github.credential_authorization_info": dict(owner(fake), org="acme", logins=["bob"])},
            {
                "patguard.github.credential_authorization": dict(owner(fake), org="acme", logins=["bob"]),
                "check_mode": True,
            },
            {
                "patguard.github.credential_authorization": dict(
                    owner(fake), org="acme", logins=["bob"], credential_types=["personal_access_token"]
                )
            },
            {
                "patguard.github.credential_authorization": dict(
                    owner(fake), org="acme", logins=["bob"], credential_types=["personal_access_token"]
                )
            },
        ],
        diff=True,
        verbosity=3,
    )
    listing, check, applied, again = run.results
    assert [c["credential_id"] for c in listing["credential_authorizations"]] == bob
    assert listing["summary"]["by_type"] == {"personal_access_token": 2, "ssh_key": 1}
    assert check["changed"] is True and sorted(check["removed"]) == bob
    assert applied["changed"] is True and sorted(applied["removed"]) == sorted(set(bob) - set(keys))
    assert [cid for cid in bob if cid in credentials(fake)] == keys  # only the SSH key is left
    assert again["changed"] is False and again["removed"] == []
    deletes = [e for e in fake.request_log if e["method"] == "DELETE"]
    assert len(deletes) == 2  # check mode and the second run sent none
    assert_no_secret_fragment(fake, run.output, secrets)


def test_hygiene_role_removes_what_an_independent_judgement_condemns(fake_github):
    fake = fake_github(product="ghec", fixture=FIXTURE)
    doomed = expected_removals(fake)
    assert 0 < len(doomed) < len(credentials(fake))
    before = set(credentials(fake))

    def hygiene(mode, tasks=()):
        return run_tasks(
            list(tasks),
            roles=["patguard.github.credential_authorization_hygiene"],
            play_vars={
                "patguard_org": "acme",
                "patguard_policy": POLICY,
                "patguard_mode": mode,
                "patguard_owner_token": fake.user_tokens["ada"],
            },
            env={"GITHUB_API_URL": fake.base_url},
        )

    report = hygiene("report")
    assert report.rc == 0, report
    assert set(credentials(fake)) == before  # report mode changes nothing
    run = hygiene("enforce", [{"ansible.builtin.debug": {"var": "credential_authorization_hygiene_result"}}])
    assert run.rc == 0, run
    result = run.result["credential_authorization_hygiene_result"]
    assert set(result["removed"]) == doomed
    assert set(credentials(fake)) == before - doomed


def test_audit_log_confirms_this_runs_writes(fake_github):
    fake = fake_github(product="ghec", fixture=FIXTURE)
    grant = next(iter(fake.state.org("acme").grants.by_id.values()))
    cred = next(
        c for c in credentials(fake).values() if c.login == "bob" and c.expires_at is None and c.kind != "ssh_key"
    )
    started = fake.state.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    run = run_tasks(
        [
            {"patguard.github.pat_grant": dict(app_auth(fake), org="acme", ids=[grant.id])},
            {
                "patguard.github.credential_authorization": dict(
                    owner(fake), org="acme", credential_ids=[cred.credential_id]
                )
            },
            {
                "patguard.github.audit_log_info": dict(
                    owner(fake),
                    org="acme",
                    since_days=1,
                    expect=[
                        {"kind": "revoke", "token_id": grant.token.token_id, "at": started},
                        {"kind": "remove_authorization", "token_id": cred.authorized_credential_id, "at": started},
                        {"kind": "approve", "token_id": 1, "at": started},
                    ],
                )
            },
            {
                "patguard.github.audit_log_info": dict(
                    owner(fake), org="acme", phrase="action:personal_access_token", order="asc"
                )
            },
        ]
    )
    revoked, removed, audit, pat_only = run.results
    assert revoked["revoked"] == [grant.id] and removed["removed"] == [cred.credential_id]
    confirmation = audit["confirmation"]
    assert [w["kind"] for w in confirmation["confirmed"]] == ["revoke", "remove_authorization"]
    assert [w["kind"] for w in confirmation["missing"]] == ["approve"]
    bot = "%s[bot]" % fake.state.app.slug
    assert confirmation["confirmed"][0]["actor"] == bot and confirmation["confirmed"][1]["actor"] == "ada"
    assert audit["history"]["by_decision"] == {"authorization_removed": 1, "revoked": 1}
    assert all(e["category"] == "personal_access_token" for e in pat_only["events"])
    times = [e["time"] for e in pat_only["events"]]
    assert times == sorted(times)


def test_audit_log_pages_through_cursors(fake_github):
    fake = fake_github(product="ghec", grants=0, requests=45, seed=3)
    admin = next(u.login for u, role in fake.state.org("acme").members.values() if role == "admin")
    run = run_tasks(
        [
            {
                "patguard.github.audit_log_info": {
                    "api_url": fake.base_url,
                    "token": fake.user_tokens[admin],
                    "org": "acme",
                    "phrase": "action:personal_access_token.request_created",
                }
            }
        ]
    )
    assert run.result["count"] == 45 and run.result["truncated"] is False, run
    pages = [e for e in fake.request_log if e["path"].endswith("/audit-log")]
    assert len(pages) == 1 or any("after" in e["query"] for e in pages[1:])
    assert len(set(e["document_id"] for e in run.result["events"])) == 45


@pytest.mark.parametrize(
    "product, org, expected",
    [
        ("ghec", "nosso", "use SAML single sign-on"),
        ("github.com", "acme", "Enterprise Cloud"),
        ("ghes-3.19", "acme", "GitHub Enterprise Server has no credential authorization endpoints"),
    ],
)
def test_missing_sso_and_wrong_product_messages(fake_github, product, org, expected):
    fake = fake_github(product=product, fixture=FIXTURE)
    run = run_tasks(
        [
            {"patguard.github.credential_authorization_info": dict(owner(fake), org=org)},
            {"patguard.github.credential_authorization_info": dict(owner(fake), org=org, when_unavailable="warn")},
            {"patguard.github.credential_authorization": dict(owner(fake), org=org, logins=["bob"])},
        ]
    )
    failed, warned, removal = run.results
    assert failed["failed"] is True and expected in failed["msg"] and "404" in failed["msg"]
    assert warned["available"] is False and not warned.get("failed")
    assert removal["failed"] is True and expected in removal["msg"]


def test_audit_log_is_missing_on_github_com_only(fake_github):
    for product, ok in (("github.com", False), ("ghes-3.17", True)):
        fake = fake_github(product=product, fixture=FIXTURE)
        run = run_tasks([{"patguard.github.audit_log_info": dict(owner(fake), org="acme")}])
        if ok:
            assert not run.result.get("failed") and run.result["count"] >= 0, run
        else:
            assert run.result["failed"] is True and "Enterprise Cloud and Enterprise Server only" in run.result["msg"]


def test_an_installation_token_is_refused_before_sending(fake_github):
    fake = fake_github(product="ghec", fixture=FIXTURE)
    run = run_tasks([{"patguard.github.credential_authorization_info": dict(app_auth(fake), org="acme")}])
    assert run.result["failed"] is True and "organization owner's user token" in run.result["msg"]
    assert not any("credential-authorizations" in e["path"] for e in fake.request_log)


def test_governance_includes_the_credential_rules_and_reports_them(fake_github, tmp_path):
    fake = fake_github(product="ghec", fixture=FIXTURE)
    doomed = expected_removals(fake)
    before = set(credentials(fake))
    run = run_tasks(
        [],
        roles=["patguard.github.pat_governance"],
        play_vars={
            "patguard_org": "acme",
            "patguard_policy": POLICY,
            "patguard_mode": "enforce",
            "patguard_owner_token": fake.user_tokens["ada"],
            "patguard_report_dir": str(tmp_path),
        },
        module_defaults={"group/patguard.github.github": app_auth(fake)},
    )
    assert run.rc == 0, run
    assert set(credentials(fake)) == before - doomed
    report = (tmp_path / "summary.md").read_text()
    assert "### SAML SSO credential authorizations" in report
    assert "| Removed by this run | %d |" % len(doomed) in report


def test_governance_without_the_key_never_calls_the_endpoint(fake_github):
    fake = fake_github(product="ghec", fixture=FIXTURE)
    run = run_tasks(
        [],
        roles=["patguard.github.pat_governance"],
        play_vars={"patguard_org": "acme", "patguard_policy": {"max_lifetime_days": 90}},
        module_defaults={"group/patguard.github.github": app_auth(fake)},
    )
    assert run.rc == 0, run
    assert not any("credential-authorizations" in e["path"] for e in fake.request_log)


def test_offboarding_removes_the_leavers_authorizations(fake_github):
    fake = fake_github(product="ghec", fixture=FIXTURE)
    bobs = set(cid for cid, c in credentials(fake).items() if c.login == "bob")
    others = set(credentials(fake)) - bobs
    play = {"patguard_org": "acme", "patguard_offboard_users": ["bob"], "patguard_owner_token": fake.user_tokens["ada"]}

    def offboarding(mode):
        return run_tasks(
            [{"ansible.builtin.debug": {"var": "pat_offboarding_credentials_result"}}],
            roles=["patguard.github.pat_offboarding"],
            play_vars=dict(play, patguard_mode=mode),
            module_defaults={"group/patguard.github.github": app_auth(fake)},
        )

    report = offboarding("report")
    assert report.rc == 0, report
    listed = report.result["pat_offboarding_credentials_result"]
    assert set(a["credential_id"] for a in listed["authorizations"]) == bobs and listed["removed"] == []
    assert set(credentials(fake)) == bobs | others
    run = offboarding("enforce")
    assert run.rc == 0, run
    assert set(run.result["pat_offboarding_credentials_result"]["removed"]) == bobs
    assert set(credentials(fake)) == others
