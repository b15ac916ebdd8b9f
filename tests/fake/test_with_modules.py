"""The collection's own modules against the fake, for what the fake added to serve them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from harness import run_tasks  # noqa: E402


@pytest.mark.parametrize("product", ["github.com", "ghes-3.19"])
def test_token_info_checks_repositories_on_the_fake(fake_github, product):
    """``GET /repos/{owner}/{repo}`` is served (issue 12.11): token_info repositories= works, no 599."""
    fake = fake_github(
        product=product,
        fixture={
            "organizations": [
                {
                    "login": "acme",
                    "repositories": ["api", "secret"],
                    "members": [{"login": "bob", "token_repositories": ["api"]}],
                }
            ]
        },
    )
    run = run_tasks(
        [
            {
                "patguard.github.token_info": {
                    "api_url": fake.base_url,
                    "check_token": fake.user_tokens["bob"],
                    "repositories": ["acme/api"],
                }
            }
        ]
    )
    # Only a reachable repository here: token_info's result key ``unreachable`` is one of
    # Ansible's reserved keys (reported to the module's owner), so a non-empty one marks the
    # host UNREACHABLE. test_products.py covers the fake's 404 for repositories out of reach.
    result = run.result
    assert result is not None and not result.get("failed"), run
    assert result["login"] == "bob"
    assert result["repositories"] == {"acme/api": True}
    assert fake.contract_errors == []
