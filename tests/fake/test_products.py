"""One fake, four products: each serves and validates against its own GitHub description."""

from __future__ import annotations

import pytest

from fake_github.products import PRODUCTS, get_product
from fake_github.testing import app_jwt, installation_token, session


def test_default_product_is_github_com(fake_github, monkeypatch):
    monkeypatch.delenv("FAKE_GITHUB_PRODUCT", raising=False)
    fake = fake_github(grants=2, requests=1)
    assert fake.product.name == "github.com" and fake.base_url == fake.root_url


def test_environment_picks_the_product(monkeypatch):
    monkeypatch.setenv("FAKE_GITHUB_PRODUCT", "ghes-3.19")
    assert get_product().name == "ghes-3.19"
    with pytest.raises(ValueError, match="unknown product 'ghes-2.0'"):
        get_product("ghes-2.0")


@pytest.mark.parametrize("product", ["ghes-3.17", "ghes-3.19"])
def test_ghes_serves_under_api_v3(fake_github, product):
    fake = fake_github(grants=3, requests=1, product=product)
    assert fake.base_url == fake.root_url + "/api/v3"
    gh = session(installation_token(fake))
    listed = gh.get(fake.base_url + "/orgs/acme/personal-access-tokens?per_page=1", timeout=10)
    assert listed.status_code == 200
    assert "/api/v3/organizations/" in listed.headers["Link"]  # links keep the prefix
    assert listed.json()[0]["repositories_url"].startswith(fake.base_url + "/organizations/")
    assert gh.get(fake.root_url + "/orgs/acme/personal-access-tokens", timeout=10).status_code == 404
    assert session().get(fake.base_url + "/_fake/state", timeout=10).status_code == 200
    assert fake.contract_errors == []


@pytest.mark.parametrize("product", ["ghes-3.17", "ghes-3.19"])
def test_ghes_has_no_credentials_revoke(fake_github, product):
    fake = fake_github(grants=1, requests=0, product=product)
    answer = session().post(
        fake.base_url + "/credentials/revoke", json={"credentials": [fake.user_tokens["ada"]]}, timeout=10
    )
    assert answer.status_code == 404 and answer.json()["message"] == "Not Found"
    assert fake.contract_errors == []  # GitHub's answer, not a client mistake
    assert not fake.state.user("ada").token_revoked


@pytest.mark.parametrize(
    "product, path, status",
    [
        ("github.com", "/orgs/acme/credential-authorizations", 404),
        ("ghes-3.19", "/orgs/acme/credential-authorizations", 404),
        ("github.com", "/orgs/acme/audit-log", 404),
    ],
)
def test_operations_a_product_lacks_answer_404(fake_github, product, path, status):
    fake = fake_github(grants=1, requests=0, product=product)
    answer = session(fake.user_tokens["ada"]).get(fake.base_url + path, timeout=10)
    assert answer.status_code == status
    assert fake.contract_errors == []


def test_each_product_validates_against_its_own_description(fake_github):
    for name in PRODUCTS:
        fake = fake_github(grants=1, requests=0, product=name)
        assert fake.api.contract.product.name == name
        assert fake.api.contract.product.contract_file.name.startswith(
            "api.github.com" if name == "github.com" else name
        )


def test_user_by_username_tells_users_from_organizations(fake_github):
    fake = fake_github(grants=1, requests=0)
    gh = session()
    assert gh.get(fake.base_url + "/users/ada", timeout=10).json()["type"] == "User"
    org = gh.get(fake.base_url + "/users/ACME", timeout=10).json()
    assert org["type"] == "Organization" and org["login"] == "acme"
    assert gh.get(fake.base_url + "/users/nobody-here", timeout=10).status_code == 404
    assert fake.contract_errors == []


def test_repository_visibility(fake_github):
    fake = fake_github(
        fixture={
            "organizations": [
                {
                    "login": "acme",
                    "repositories": ["api", {"name": "site", "private": False}, "secret"],
                    "members": [{"login": "ada", "role": "admin"}, {"login": "bob", "token_repositories": ["api"]}],
                },
                {"login": "other", "members": ["carol"], "installed": False},
            ]
        }
    )
    url = fake.base_url + "/repos/acme/"
    assert session(fake.user_tokens["bob"]).get(url + "api", timeout=10).status_code == 200
    assert session(fake.user_tokens["bob"]).get(url + "secret", timeout=10).status_code == 404  # beyond his token
    assert session(fake.user_tokens["ada"]).get(url + "secret", timeout=10).status_code == 200
    assert session(fake.user_tokens["carol"]).get(url + "api", timeout=10).status_code == 404  # not a member
    assert session().get(url + "site", timeout=10).json()["full_name"] == "acme/site"  # public
    assert session().get(url + "missing", timeout=10).status_code == 404
    narrowed = session(installation_token(fake, repositories=["api"]))
    assert narrowed.get(url + "api", timeout=10).status_code == 200
    assert narrowed.get(url + "secret", timeout=10).status_code == 404
    assert session(app_jwt(fake)).get(url + "api", timeout=10).status_code == 403
    assert fake.contract_errors == []
