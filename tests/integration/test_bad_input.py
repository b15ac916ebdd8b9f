"""Bad input, table-driven: every module, the lookup, the roles, the policy schema, and servers that
misbehave. Each case asserts the exact user-facing message (a stable substring), that no traceback
is shown (no "Traceback" in the output, no ``exception`` text in the result), and that nothing was
written: the fake's request log holds no write to an organization endpoint, and for cases where
the input alone is wrong, no request at all.

Cases are batched: one ansible-playbook run per table (the harness runs every task with
``ignore_errors`` and returns every result), so about 110 cases cost a handful of runs.
See docs/reliability.md.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from reliability import DEMO_POLICY, assert_no_traceback, governance, org_writes

from harness import app_auth, run_tasks

MALFORMED_PEM = "-----BEGIN RSA PRIVATE KEY-----\nTUFMRk9STUVELUtFWS1CT0RZ\n-----END RSA PRIVATE KEY-----\n"
FAST = {"ANSIBLE_PIPELINING": "1"}  # one module process per task without copying files: ~40 % faster


def _ec_pem():
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _other_rsa_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


# -- table 1: options alone are wrong, so no request at all may be sent ------------------------
# (module, args without auth, expected message substring). "APP" in args is replaced by the
# fake's App credentials, "URL" by its api_url only.
R_IDS = [1, 2]
INPUT_CASES = [
    # pat_request_info
    ("pat_request_info", {"org": "bad org!"}, "org: 'bad org!' is not a valid GitHub organization login"),
    (
        "pat_request_info",
        {"org": "acme", "owners": ["not a login"]},
        "owners: 'not a login' is not a valid GitHub login",
    ),
    ("pat_request_info", {"org": "acme", "owners": ["-dash"]}, "owners: '-dash' is not a valid GitHub login"),
    ("pat_request_info", {"org": "acme", "token_ids": [0]}, "token_ids: 0 is not a positive integer id"),
    ("pat_request_info", {"org": "acme", "token_ids": [True]}, "token_ids: True is not a positive integer id"),
    (
        "pat_request_info",
        {"org": "acme", "last_used_after": "2026-02-01T00:00:00Z", "last_used_before": "2026-01-01T00:00:00Z"},
        "last_used_after (2026-02-01T00:00:00Z) must be earlier than last_used_before (2026-01-01T00:00:00Z)",
    ),
    ("pat_request_info", {"org": "acme", "permission": "contents_admin"}, "permission: "),
    (
        "pat_request_info",
        {"org": "acme", "colour": "blue"},
        "Unsupported parameters for (patguard.github.pat_request_info) module: colour",
    ),
    ("pat_request_info", {}, "missing required arguments: org"),
    # pat_grant_info
    (
        "pat_grant_info",
        {"org": "acme", "permission": "contents"},
        "permission: 'contents' must be a permission name and level joined by an underscore",
    ),
    ("pat_grant_info", {"org": "acme", "permission": "frobnicate_read"}, "permission: "),
    (
        "pat_grant_info",
        {"org": "acme", "repository": "acme/infra"},
        "repository: 'acme/infra' is not a repository name (the name only, without the owner)",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "last_used_before": "last tuesday"},
        "last_used_before: 'last tuesday' is not an ISO 8601 timestamp",
    ),
    ("pat_grant_info", {"org": "acme", "include_repositories": "maybe"}, "include_repositories"),
    ("pat_grant_info", {"org": "a" * 40}, "is not a valid GitHub organization login"),
    # pat_request
    ("pat_request", {"org": "acme", "ids": R_IDS, "action": "maybe"}, "value of action must be one of: approve, deny"),
    ("pat_request", {"org": "acme", "ids": ["abc"], "action": "approve"}, "ids: 'abc' is not a positive integer id"),
    ("pat_request", {"org": "acme", "ids": [-5], "action": "approve"}, "ids: -5 is not a positive integer id"),
    ("pat_request", {"org": "acme", "ids": [], "action": "approve"}, "ids: must not be empty"),
    ("pat_request", {"org": "acme", "decisions": []}, "decisions: must be a non-empty list"),
    (
        "pat_request",
        {"org": "acme", "ids": R_IDS, "action": "deny", "reason": "x" * 1025},
        "reason: is 1025 characters long; GitHub accepts at most 1024",
    ),
    (
        "pat_request",
        {"org": "acme", "ids": R_IDS, "action": "deny", "decisions": [{"id": 1, "action": "deny"}]},
        "parameters are mutually exclusive: ids|decisions",
    ),
    ("pat_request", {"org": "acme", "ids": R_IDS}, "missing parameter(s) required by 'ids': action"),
    ("pat_request", {"org": "acme"}, "one of the following is required: ids, decisions"),
    (
        "pat_request",
        {"org": "acme", "decisions": [{"id": 5, "action": "approve"}, {"id": 5, "action": "deny"}]},
        "decisions: request 5 is given twice with different actions or reasons",
    ),
    (
        "pat_request",
        {"org": "acme", "decisions": [{"id": 5, "action": "burn"}]},
        "value of action must be one of: approve, deny, got: burn found in decisions",
    ),
    (
        "pat_request",
        {"org": "acme", "decisions": [{"action": "deny"}]},
        "missing required arguments: id found in decisions",
    ),
    (
        "pat_request",
        {"org": "acme", "decisions": [{"id": 5, "action": "deny", "reason": "r" * 1025}]},
        "decisions[0].reason: is 1025 characters long",
    ),
    # pat_grant
    ("pat_grant", {"org": "acme"}, "one of the following is required: ids, owners"),
    (
        "pat_grant",
        {"org": "acme", "ids": R_IDS, "state": "absent"},
        "value of state must be one of: revoked, got: absent",
    ),
    ("pat_grant", {"org": "acme", "ids": R_IDS, "owners": ["alice"]}, "parameters are mutually exclusive: ids|owners"),
    ("pat_grant", {"org": "acme", "ids": []}, "ids: must not be empty"),
    ("pat_grant", {"org": "acme", "ids": [3.5]}, "ids: 3.5 is not a positive integer id"),
    (
        "pat_grant",
        {"org": "acme", "owners": []},
        "give ids or at least one filter (owners, token_ids, repository, permission, last_used_before, "
        "last_used_after); an empty selection would revoke every token",
    ),
    ("pat_grant", {"org": "acme", "repository": "acme/infra"}, "repository: 'acme/infra' is not a repository name"),
    # connection options (shared by every module)
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "http://api.github.com", "token": "ghp_" + "a" * 36},
        "api_url: http://api.github.com uses plain http; GitHub credentials must travel over https",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "ftp://api.github.com", "token": "ghp_" + "a" * 36},
        "api_url: 'ftp://api.github.com' is not an http(s) URL",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "https://me:pw@ghe.example.com/api/v3", "token": "ghp_" + "a" * 36},
        "api_url: must not carry credentials",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "https://api.github.com/?x=1", "token": "ghp_" + "a" * 36},
        "api_url: must not have a query string or fragment",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "URL", "app_id": "1", "private_key": "not a pem at all"},
        "private_key: the GitHub App private key cannot be read: it is not a PEM private key",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "URL", "app_id": "1", "private_key": MALFORMED_PEM},
        "private_key: the GitHub App private key cannot be read",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "URL", "app_id": "1", "private_key": "EC_PEM"},
        "private_key: GitHub App keys are RSA keys; this PEM holds a different key type",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "URL", "app_id": "1", "private_key_path": "/nonexistent/app.pem"},
        "private_key_path: cannot read /nonexistent/app.pem",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "URL", "app_id": "1", "private_key": "x" * 20, "private_key_path": "/tmp/x.pem"},
        "parameters are mutually exclusive: private_key|private_key_path",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "URL", "app_id": "1"},
        "private_key or private_key_path: required when app_id is given",
    ),
    (
        "pat_grant_info",
        {"org": "acme", "api_url": "URL", "private_key": "KEY"},
        "app_id: required when private_key or private_key_path is given",
    ),
    ("pat_grant_info", {"org": "acme", "api_url": "URL"}, "no GitHub credentials: give app_id with private_key"),
    ("pat_grant_info", {"org": "acme", "APP": True, "timeout": 0}, "timeout: must be between 1 and 600, got 0"),
    (
        "pat_grant_info",
        {"org": "acme", "APP": True, "rate_limit_wait": -1},
        "rate_limit_wait: must be between 0 and 10800",
    ),
    ("pat_grant_info", {"org": "acme", "APP": True, "write_interval": 61}, "write_interval: must be between 0 and 60"),
    ("pat_grant_info", {"org": "acme", "APP": True, "max_retries": 50}, "max_retries: must be between 0 and 20"),
    (
        "pat_grant_info",
        {"org": "acme", "APP": True, "installation_id": 0},
        "installation_id: must be a positive integer, got 0",
    ),
    ("pat_grant_info", {"org": "acme", "APP": True, "installation_id": "abc"}, "installation_id"),
    (
        "pat_request",
        {
            "org": "acme",
            "ids": R_IDS,
            "action": "approve",
            "api_url": "URL",
            "app_id": "1",
            "private_key": MALFORMED_PEM,
        },
        "private_key: the GitHub App private key cannot be read",
    ),
    (
        "pat_grant",
        {"org": "acme", "ids": R_IDS, "api_url": "http://10.0.0.1", "token": "ghs_" + "b" * 36},
        "uses plain http",
    ),
    # pat_template (no API at all)
    ("pat_template", {"name": "n" * 41}, "name: must be at most 40 characters, got 41"),
    ("pat_template", {"name": ""}, "name: must be a non-empty string"),
    ("pat_template", {"name": "ok", "expires_in": 0}, "expires_in: must be whole days from 1 to 366 or 'none', got 0"),
    ("pat_template", {"name": "ok", "expires_in": "soon"}, "expires_in: must be whole days"),
    ("pat_template", {"name": "ok", "permissions": {"contents": "admin"}}, "permissions.contents:"),
    ("pat_template", {"name": "ok", "permissions": {"contnets": "read"}}, "permissions.contnets:"),
    ("pat_template", {"name": "ok", "web_url": "http://github.com"}, "web_url: must be an https:// URL"),
    ("pat_template", {"name": "ok", "owner": "bad owner"}, "owner: must be a GitHub user or organization login"),
    ("pat_template", {"name": "ok", "description": "d" * 1025}, "description: must be at most 1024 characters"),
    ("pat_template", {"name": "ok", "policy": {"max_lifetime": 30}}, "policy: "),
    (
        "pat_template",
        {"name": "ok", "expires_in": 120, "policy": {"max_lifetime_days": 30}},
        "policy: the organization's policy would deny a token made from this template: lifetime: expires after "
        "120 days (max 30)",
    ),
    # token_info
    ("token_info", {"api_url": "URL"}, "check_token: give the token to check"),
    ("token_info", {"api_url": "URL", "check_token": "   "}, "check_token: give the token to check"),
    (
        "token_info",
        {"api_url": "URL", "check_token": "ghp_" + "c" * 36, "min_days_remaining": -1},
        "min_days_remaining: must be 0 or more, got -1",
    ),
    (
        "token_info",
        {"api_url": "URL", "check_token": "ghp_" + "c" * 36, "repositories": ["no-slash"]},
        "repositories[0]: must be owner/name, for example acme/infra, got 'no-slash'",
    ),
    ("token_info", {"api_url": "http://example.com", "check_token": "ghp_" + "c" * 36}, "uses plain http"),
    # credential_revoke
    (
        "credential_revoke",
        {"api_url": "URL", "credentials": []},
        "credentials: give at least one credential to revoke (the list is empty)",
    ),
    (
        "credential_revoke",
        {"api_url": "URL", "credentials": ["ghp_" + "d" * 36, "hunter2-not-a-token"]},
        "credentials[1]: not a GitHub token (expected a github_pat_, ghp_, gho_, ghu_, ghs_ or ghr_ token); nothing was sent",
    ),
    ("credential_revoke", {"api_url": "URL"}, "missing required arguments: credentials"),
    # app_token
    (
        "app_token",
        {"api_url": "URL", "state": "absent"},
        "token: state=absent revokes the installation token given in token; it is missing",
    ),
    (
        "app_token",
        {"api_url": "URL", "state": "absent", "token": "ghs_" + "e" * 36, "repositories": ["x"]},
        "repositories, permissions: apply to state=present only",
    ),
    ("app_token", {"api_url": "URL", "org": "acme"}, "app_id: an installation token needs GitHub App credentials"),
    ("app_token", {"APP": True}, "org: give the organization the App is installed on, or installation_id"),
    ("app_token", {"APP": True, "org": "acme", "repositories": []}, "repositories: is empty"),
    (
        "app_token",
        {"APP": True, "org": "acme", "repositories": ["other/infra"]},
        "repositories[0]: 'other/infra' belongs to other",
    ),
    (
        "app_token",
        {"APP": True, "org": "acme", "repositories": ["r%d" % i for i in range(501)]},
        "repositories: an installation token can be narrowed to at most 500 repositories, got 501",
    ),
    (
        "app_token",
        {"APP": True, "org": "acme", "permissions": {"contents": "superadmin"}},
        "permissions.contents: accepts",
    ),
    (
        "app_token",
        {"APP": True, "org": "acme", "permissions": {"warp_drive": "read"}},
        "permissions.warp_drive: unknown GitHub App permission",
    ),
    ("app_token", {"APP": True, "org": "acme", "state": "gone"}, "value of state must be one of: present, absent"),
]

# The app_token lookup, through set_fact (its errors are AnsibleLookupError, no module result).
LOOKUP_CASES = [
    ({"org": "acme"}, "patguard.github.app_token: app_id: the app_token lookup needs GitHub App credentials"),
    ({"APP": True}, "patguard.github.app_token: org: give the organization the App is installed on"),
    (
        {"APP": True, "org": "acme", "permissions": {"contents": "superadmin"}},
        "patguard.github.app_token: permissions.contents: accepts",
    ),
    ({"APP": True, "org": "acme", "api_url": "http://api.github.com"}, "patguard.github.app_token: api_url: "),
    (
        {"APP": True, "org": "acme", "private_key": MALFORMED_PEM, "private_key_path": None},
        "patguard.github.app_token: private_key: the GitHub App private key cannot be read",
    ),
]

# -- table 2: the policy schema, through the policy_validate filter --------------------------
POLICY_CASES = [
    ({"max_lifetime_days": 0}, "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got 0"),
    ({"max_lifetime_days": 367}, "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got 367"),
    ({"max_lifetime_days": True}, "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got true"),
    ({"max_lifetime_days": "90"}, "patguard_policy.max_lifetime_days: must be an integer from 1 to 366"),
    ({"max_lifetime": 30}, "patguard_policy.max_lifetime: unknown key (did you mean 'max_lifetime_days'?)"),
    (
        {"allowed_permissions": {"repository": {"content": "read"}}},
        "patguard_policy.allowed_permissions.repository.content: unknown permission 'content' (did you mean 'contents'?)",
    ),
    (
        {"allowed_permissions": {"repository": {"contents": "admin"}}},
        "patguard_policy.allowed_permissions.repository.contents: permission 'contents' accepts read or write, got 'admin'",
    ),
    (
        {"allowed_permissions": {"repository": {"members": "read"}}},
        "patguard_policy.allowed_permissions.repository.members: permission 'members' is an organization permission, "
        "not a repository permission",
    ),
    ({"allowed_permissions": {}}, "patguard_policy.allowed_permissions"),
    (
        {"allowed_permissions": {"account": {"emails": "read"}, "other": {"emails": "read"}}},
        "patguard_policy.allowed_permissions",
    ),
    (
        {"allowed_repositories": ["app-["]},
        "patguard_policy.allowed_repositories[0]: invalid glob 'app-[': unbalanced '['",
    ),
    ({"allowed_repositories": [" app"]}, "patguard_policy.allowed_repositories[0]"),
    ({"denied_owners": [""]}, "patguard_policy.denied_owners[0]"),
    (
        {"actions": {"violating_grant": "deny"}},
        "patguard_policy.actions.violating_grant: must be revoke or none, got 'deny'",
    ),
    ({"actions": {"compliant_request": "yes"}}, "patguard_policy.actions.compliant_request"),
    ({"repository_selection": []}, "patguard_policy.repository_selection"),
    ({"repository_selection": ["some"]}, "patguard_policy.repository_selection"),
    ({"max_repositories": 5, "repository_selection": ["all", "subset"]}, "patguard_policy.max_repositories"),
    ({"max_repositories": 0}, "patguard_policy.max_repositories"),
    ({"min_reason_length": 2000}, "patguard_policy.min_reason_length"),
    ({"min_reason_length": 5, "require_reason": False}, "patguard_policy.min_reason_length"),
    ({"allowed_owners": ["alice"], "denied_owners": ["ALICE"]}, "patguard_policy."),
    (
        {
            "allowed_permissions": {"repository": {"administration": "write"}},
            "forbidden_permissions": ["administration"],
        },
        "patguard_policy.",
    ),
    ({"forbidden_permissions": ["frobnicate:write"]}, "patguard_policy.forbidden_permissions[0]"),
    ({"exempt_token_ids": ["x"]}, "patguard_policy.exempt_token_ids[0]"),
    ({"max_inactive_days": -1}, "patguard_policy.max_inactive_days"),
    ({"revoke_expired": "yes"}, "patguard_policy.revoke_expired"),
]


def _with_auth(args, fake, ec_pem):
    args = dict(args)
    if args.pop("APP", False):
        args = dict(app_auth(fake), **args)
    if args.get("api_url") == "URL":
        args["api_url"] = fake.base_url
    if args.get("private_key") == "EC_PEM":
        args["private_key"] = ec_pem
    if args.get("private_key") == "KEY":
        args["private_key"] = fake.private_key_pem
    return dict((k, v) for k, v in args.items() if v is not None)


@pytest.mark.parametrize("half", [0, 1], ids=["first-half", "second-half-and-lookup"])
def test_bad_options_of_every_module_fail_clearly_and_send_nothing(fake_github, half):
    fake = fake_github(grants=5, requests=5, seed=51)
    ec_pem = _ec_pem()
    middle = len(INPUT_CASES) // 2
    cases = INPUT_CASES[:middle] if half == 0 else INPUT_CASES[middle:]
    lookup_cases = [] if half == 0 else LOOKUP_CASES
    tasks = [
        {"name": "case %d" % i, "patguard.github." + module: _with_auth(args, fake, ec_pem)}
        for i, (module, args, _message) in enumerate(cases)
    ]
    lookups = []
    for i, (args, _message) in enumerate(lookup_cases):
        options = _with_auth(args, fake, ec_pem)
        lookups.append(
            {
                "name": "lookup %d" % i,
                "ansible.builtin.set_fact": {
                    "issued": "{{ lookup('patguard.github.app_token', **%s) }}" % json.dumps(options)
                },
            }
        )
    run = run_tasks(tasks + lookups, env=FAST)
    assert len(run.results) == len(cases) + len(lookup_cases), run
    failures = []
    for (module, args, message), result in zip(cases + [("lookup",) + c for c in lookup_cases], run.results):
        if not (result and result.get("failed") is True and message in result.get("msg", "")):
            failures.append((module, args if len(str(args)) < 300 else "...", message, (result or {}).get("msg")))
    assert not failures, "\n".join(map(repr, failures))
    assert_no_traceback(run)
    # The input alone was wrong: not one request reached GitHub.
    assert fake.request_log == []
    assert ec_pem not in run.output and "TUFMRk9STUVELUtFWS1CT0RZ" not in run.output


def test_bad_policies_are_refused_with_the_key_and_the_rule(fake_github):
    fake = fake_github(grants=3, requests=3, seed=52)
    tasks = [
        {
            "name": "policy %d" % i,
            "ansible.builtin.set_fact": {"checked": "{{ %s | patguard.github.policy_validate }}" % json.dumps(policy)},
        }
        for i, (policy, _message) in enumerate(POLICY_CASES)
    ]
    run = run_tasks(tasks, env=FAST)
    failures = [
        (policy, message, (result or {}).get("msg"))
        for (policy, message), result in zip(POLICY_CASES, run.results)
        if not (result and result.get("failed") and message in result.get("msg", ""))
    ]
    assert not failures, "\n".join(map(repr, failures))
    assert_no_traceback(run)
    assert fake.request_log == []


# -- the roles: a bad policy or bad users stop the play before any API call --------------------
@pytest.mark.parametrize(
    "policy_or_vars, message",
    [
        ({"max_lifetime_days": 0}, "patguard_policy.max_lifetime_days: must be an integer from 1 to 366, got 0"),
        (
            {"allowed_permissions": {"repository": {"content": "read"}}},
            "unknown permission 'content' (did you mean 'contents'?)",
        ),
        ({"__vars__": {"patguard_mode": "yolo"}}, "patguard_mode"),
    ],
)
def test_pat_governance_with_a_bad_policy_stops_before_any_call(fake_github, policy_or_vars, message):
    fake = fake_github(grants=5, requests=5, seed=53)
    extra = policy_or_vars.get("__vars__")
    run = governance(fake, policy=DEMO_POLICY if extra else policy_or_vars, extra_vars=extra)
    assert run.rc != 0 and message in run.output, run.output[-3000:]
    assert "Traceback" not in run.output
    assert fake.request_log == []


@pytest.mark.parametrize(
    "users, message, requests_sent",
    [
        ("alice", "patguard_offboard_users: must be a non-empty list of GitHub logins", False),
        ([], "patguard_offboard_users: must be a non-empty list of GitHub logins", False),
        (["not a login!"], "owners: 'not a login!' is not a valid GitHub login", False),
        (["ghost-user-that-does-not-exist"], None, True),  # unknown users: a clean no-op
    ],
)
def test_pat_offboarding_with_bad_users(fake_github, users, message, requests_sent):
    fake = fake_github(grants=20, requests=5, seed=54)
    run = run_tasks(
        [{"name": "result", "ansible.builtin.debug": {"var": "pat_offboarding_result"}}],
        roles=[{"role": "patguard.github.pat_offboarding"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={"patguard_org": fake.org, "patguard_mode": "enforce", "patguard_offboard_users": users},
    )
    assert "Traceback" not in run.output
    if message:
        assert run.rc != 0 and message in run.output, run.output[-3000:]
        assert fake.request_log == []
    else:
        assert run.rc == 0, run
        result = run.results[0]["pat_offboarding_result"]
        assert result["denied"] == [] and result["revoked"] == []
    assert org_writes(fake) == []


# -- table 3: GitHub (the fake) refuses: the credentials or the organization are wrong ----------
def test_wrong_app_uninstalled_org_and_unknown_org_fail_clearly_without_writes(fake_github):
    fake = fake_github(grants=5, requests=5, seed=55)
    auth = app_auth(fake)
    wrong_id = dict(auth, app_id="999999")
    wrong_key = {"api_url": fake.base_url, "app_id": str(fake.app_id), "private_key": _other_rsa_pem()}
    cases = [
        (
            "pat_grant_info",
            dict(auth, org="acme-labs"),
            "the GitHub App %s is not installed on the organization 'acme-labs'" % fake.app_id,
        ),
        ("pat_grant", dict(auth, org="acme-labs", ids=[1, 2]), "is not installed on the organization 'acme-labs'"),
        ("pat_request", dict(auth, org="acme-labs", ids=[1], action="approve"), "is not installed on the organization"),
        (
            "pat_request_info",
            dict(auth, org="no-such-org-4711"),
            "is not installed on the organization 'no-such-org-4711' (or the organization does not exist)",
        ),
        ("app_token", dict(auth, org="no-such-org-4711"), "is not installed on the organization 'no-such-org-4711'"),
        ("pat_grant_info", dict(wrong_id, org="acme"), "GitHub answered 401 Bad credentials"),
        ("pat_grant", dict(wrong_id, org="acme", ids=[1]), "check the token, or the app_id and private key"),
        ("pat_request_info", dict(wrong_key, org="acme"), "GitHub answered 401 Bad credentials"),
        ("pat_grant_info", dict(auth, org="acme", installation_id=424242), "GitHub answered 404"),
        (
            "pat_grant_info",
            {"api_url": fake.base_url, "org": "acme", "token": "ghp_" + "f" * 36},
            "GitHub answered 401 Bad credentials (Bad credentials): check the token, or the app_id and private key",
        ),
        (
            "pat_grant",
            {
                "api_url": fake.base_url,
                "org": "acme",
                "ids": [1],
                "token": fake.user_tokens[sorted(fake.user_tokens)[0]],
            },
            "accept GitHub App installation tokens only",
        ),
        ("token_info", {"api_url": fake.base_url, "check_token": "ghp_" + "f" * 36, "fail_if_invalid": True}, "401"),
        (
            "credential_revoke",
            {
                "api_url": fake.base_url,
                "credentials": ["ghp_" + "f" * 36],
                "app_id": str(fake.app_id),
                "private_key_path": fake.private_key_path,
            },
            None,
        ),
    ]
    run = run_tasks([{"name": m, "patguard.github." + m: args} for m, args, _message in cases], env=FAST)
    failures = []
    for (module, _args, message), result in zip(cases, run.results):
        if message is None:
            ok = result and not result.get("failed")  # revoking an unknown token is not an error
        else:
            ok = result and result.get("failed") is True and message in result.get("msg", "")
        if not ok:
            failures.append((module, message, result and result.get("msg")))
    assert not failures, "\n".join(map(repr, failures))
    assert_no_traceback(run)
    assert org_writes(fake) == []
    assert not [e for e in fake.request_log if e["method"] == "DELETE"]


# -- table 4: a server that misbehaves (HTML, invalid JSON, Link loops, repeated ids) ----------
class _Misbehaving(BaseHTTPRequestHandler):
    """Answers /orgs/<scenario>/personal-access-tokens according to the scenario."""

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status, body, content_type="application/json", headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        self.server.seen.append(("GET", parts.path))
        scenario = parts.path.split("/")[2] if parts.path.startswith("/orgs/") else ""
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        base = "http://%s:%d%s" % (self.server.server_address[0], self.server.server_address[1], parts.path)

        def grants(first, count):
            return json.dumps(
                [
                    {
                        "id": i,
                        "owner": {"login": "alice"},
                        "token_id": i,
                        "token_name": "t%d" % i,
                        "repository_selection": "none",
                        "permissions": {},
                    }
                    for i in range(first, first + count)
                ]
            )

        if scenario == "html":
            self._send(
                200,
                "<!DOCTYPE html><html><head><title>Sign in to GitHub</title></head><body></body></html>",
                "text/html; charset=utf-8",
            )
        elif scenario == "badjson":
            self._send(200, '[{"id": 1, "owner": ')
        elif scenario == "errorhtml":
            self._send(400, "<html><head><title>Bad request</title></head></html>", "text/html")
        elif scenario == "loop":
            target = 2  # page 2 links to itself
            self._send(
                200, grants(page * 10, 2), headers={"Link": '<%s?per_page=100&page=%d>; rel="next"' % (base, target)}
            )
        elif scenario == "repeat":
            self._send(200, grants(1, 3), headers={"Link": '<%s?per_page=100&page=%d>; rel="next"' % (base, page + 1)})
        elif scenario == "elsewhere":
            self._send(200, grants(1, 2), headers={"Link": '<https://evil.example.com/steal?page=2>; rel="next"'})
        elif scenario == "dict":
            self._send(200, json.dumps({"message": "not a list"}))
        elif scenario == "redirect":
            self.send_response(302)
            self.send_header("Location", "https://evil.example.com/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, json.dumps({"message": "Not Found"}))

    def do_POST(self):  # noqa: N802
        self.server.seen.append(("POST", self.path))
        self._send(500, "{}")


@pytest.fixture
def misbehaving_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


SERVER_CASES = [
    (
        "html",
        "GET /orgs/html/personal-access-tokens?per_page=100: GitHub answered 200 with a body that is not JSON "
        "(an HTML page: Sign in to GitHub)",
    ),
    ("badjson", 'GitHub answered 200 with a body that is not JSON (a non-JSON body starting \'[{"id": 1, "owner":\')'),
    ("errorhtml", "GitHub answered 400: an HTML page: Bad request"),
    ("loop", "GitHub's Link header points back to a page already read"),
    ("repeat", "GitHub returned a page whose ids were all on earlier pages"),
    ("elsewhere", "refusing to follow a link to another host"),
    ("dict", "expected a JSON list from GitHub, got dict"),
    ("redirect", "GitHub answered 302"),
]


def test_a_misbehaving_server_is_reported_in_one_sentence(misbehaving_server):
    url = "http://127.0.0.1:%d" % misbehaving_server.server_address[1]
    token = "ghs_" + "g" * 36
    tasks = [
        {
            "name": scenario,
            "patguard.github.pat_grant_info": {"api_url": url, "token": token, "org": scenario, "max_retries": 0},
        }
        for scenario, _expected in SERVER_CASES
    ]
    # A write module in front of the same server: its pre-write listing fails, so nothing is sent.
    tasks.append(
        {"name": "write", "patguard.github.pat_grant": {"api_url": url, "token": token, "org": "loop", "ids": [1, 2]}}
    )
    run = run_tasks(tasks, env=FAST)
    failures = [
        (scenario, message, (result or {}).get("msg"))
        for (scenario, message), result in zip(SERVER_CASES + [("write", "Link header points back")], run.results)
        if not (result and result.get("failed") is True and message in result.get("msg", ""))
    ]
    assert not failures, "\n".join(map(repr, failures))
    assert_no_traceback(run)
    assert token not in run.output
    assert not [s for s in misbehaving_server.seen if s[0] != "GET"]
    # The loop is stopped at the first repeated page: two requests, not an endless walk.
    assert misbehaving_server.seen.count(("GET", "/orgs/loop/personal-access-tokens")) == 4  # 2 runs x 2 pages
