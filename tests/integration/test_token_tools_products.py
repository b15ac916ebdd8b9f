"""token_info, pat_template and credential_revoke against the fake as GitHub documents each product
(issue 12 points 3 and 11): GET /repos/{owner}/{repo}, GET /users/{username}, no ghs_ revocation,
no /credentials/revoke on GHES."""

from __future__ import annotations

import pytest

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from fake_github.testing import installation_token
from harness import run_tasks

TEMPLATE = "patguard.github.pat_template"
TOKEN_INFO = "patguard.github.token_info"
REVOKE = "patguard.github.credential_revoke"

FIXTURE = {
    "organizations": [
        {
            "login": "acme",
            "repositories": ["api", {"name": "site", "private": False}, "secret"],
            "members": [
                {"login": "ada", "role": "admin"},
                {"login": "bob", "token_repositories": ["api"]},
                {"login": "octocat_acme"},
            ],
        }
    ]
}


def test_token_info_repositories_reach_and_miss_on_the_fake(fake_github):  # noqa: F811
    fake = fake_github(fixture=FIXTURE)
    result = run_tasks(
        [
            {
                TOKEN_INFO: {
                    "api_url": fake.base_url,
                    "check_token": fake.user_tokens["bob"],
                    "repositories": ["acme/api", "acme/secret"],
                }
            }
        ]
    ).result
    assert not result.get("failed"), result
    assert result["repositories"] == {"acme/api": True, "acme/secret": False}
    assert result["unreachable_repositories"] == ["acme/secret"]
    assert result["token_format"] == "opaque"
    assert fake.contract_errors == []


def test_pat_template_looks_the_owner_up_when_it_has_credentials(fake_github):  # noqa: F811
    fake = fake_github(fixture=FIXTURE)
    token = fake.user_tokens["ada"]
    org, user = run_tasks(
        [
            {
                TEMPLATE: {
                    "api_url": fake.base_url,
                    "token": token,
                    "name": "members",
                    "owner": "acme",
                    "permissions": {"members": "read"},
                }
            },
            {
                TEMPLATE: {
                    "api_url": fake.base_url,
                    "token": token,
                    "name": "mail",
                    "owner": "octocat_acme",
                    "permissions": {"emails": "read"},
                }
            },
        ]
    ).results
    assert not org.get("failed") and not user.get("failed"), (org, user)
    assert org["owner_type"] == "organization" and "target_name=acme" in org["url"]
    assert any('"Resource owner"' in step and "acme" in step for step in org["manual_steps"])
    assert user["owner_type"] == "user" and "target_name=octocat_acme" in user["url"]
    assert org["api"]["requests"] == 1 and user["api"]["requests"] == 1
    assert [e["path"] for e in fake.request_log] == ["/users/acme", "/users/octocat_acme"]
    assert fake.contract_errors == []


def test_pat_template_owner_type_stays_an_offline_override(fake_github):  # noqa: F811
    fake = fake_github(fixture=FIXTURE)
    result = run_tasks(
        [
            {
                TEMPLATE: {
                    "api_url": fake.base_url,
                    "token": fake.user_tokens["ada"],
                    "name": "x",
                    "owner": "acme",
                    "owner_type": "organization",
                    "permissions": {"members": "read"},
                }
            }
        ]
    ).result
    assert result["owner_type"] == "organization" and result["api"]["requests"] == 0
    assert fake.request_log == []


def test_pat_template_unknown_owner_fails_clearly(fake_github):  # noqa: F811
    fake = fake_github(fixture=FIXTURE)
    result = run_tasks(
        [{TEMPLATE: {"api_url": fake.base_url, "token": fake.user_tokens["ada"], "name": "x", "owner": "nobody-here"}}]
    ).result
    assert result["failed"] is True
    assert result["msg"].startswith("owner: GitHub has no user or organization 'nobody-here'")


def test_credential_revoke_refuses_installation_tokens_before_sending(fake_github):  # noqa: F811
    fake = fake_github(fixture=FIXTURE)
    ghs = installation_token(fake)
    before = len(fake.request_log)
    result = run_tasks([{REVOKE: {"api_url": fake.base_url, "credentials": [fake.user_tokens["bob"], ghs]}}]).result
    assert result["failed"] is True
    assert result["msg"].startswith("credentials[1]: an installation token (ghs_)")
    assert "app_token state=absent" in result["msg"]
    assert fake.request_log[before:] == []
    assert not fake.state.user("bob").token_revoked


@pytest.mark.parametrize("product", ["ghes-3.17", "ghes-3.19"])
def test_credential_revoke_on_ghes_says_there_is_no_revocation_api(fake_github, product):  # noqa: F811
    fake = fake_github(fixture=FIXTURE, product=product)
    assert fake.base_url.endswith("/api/v3")
    result = run_tasks([{REVOKE: {"api_url": fake.base_url, "credentials": [fake.user_tokens["bob"]]}}]).result
    assert result["failed"] is True
    assert "GitHub Enterprise Server has no credential revocation API" in result["msg"]
    assert fake.request_log == []
    assert not fake.state.user("bob").token_revoked
