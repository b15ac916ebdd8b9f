"""policy_api_totals and the API line of the role summaries."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.filter.summary import (
    policy_api_totals,
    policy_governance_summary,
    policy_summary_lines,
)

LISTING = {
    "requests": 103,
    "writes": 1,
    "retries": 2,
    "rate_limit_remaining": 4800,
    "rate_limit_limit": 5000,
    "rate_limit_reset": 1,
    "waited_seconds": {"write_interval": 0.0, "retry_after": 1.0, "backoff": 0.5, "primary_reset": 0.0},
}
REVOKE = {
    "requests": 4,
    "writes": 3,
    "retries": 0,
    "rate_limit_remaining": 4796,
    "rate_limit_limit": 5000,
    "waited_seconds": {"write_interval": 2.0},
}


def test_totals_add_up_and_keep_the_lowest_budget():
    totals = policy_api_totals([LISTING, None, REVOKE])
    assert totals["tasks"] == 2
    assert (totals["requests"], totals["writes"], totals["retries"]) == (107, 4, 2)
    assert (totals["rate_limit_remaining"], totals["rate_limit_limit"]) == (4796, 5000)
    assert totals["waited_seconds"] == {"write_interval": 2.0, "retry_after": 1.0, "backoff": 0.5, "primary_reset": 0.0}
    assert totals["waited_total"] == 3.5


def test_totals_of_nothing_and_bad_input():
    assert policy_api_totals([None])["requests"] == 0
    assert policy_api_totals(LISTING)["requests"] == 103
    with pytest.raises(AnsibleFilterError):
        policy_api_totals("no")


def test_summaries_show_the_api_cost():
    review = {"summary": {"requests": 1, "decisions": {}}, "api": policy_api_totals([LISTING]), "api_requests": 103}
    hygiene = {"summary": {"grants": 2, "decisions": {}}, "api": policy_api_totals([REVOKE]), "api_requests": 4}
    assert policy_summary_lines(review, "requests")[-1].startswith("GitHub API: 103 requests (1 writes, 2 retries)")
    combined = policy_governance_summary(review, hygiene, "acme")
    assert combined["api"]["requests"] == 107 and combined["api"]["tasks"] == 2
    assert "rate limit 4796 of 5000 left" in combined["lines"][-1]
    # Results without api (older callers) keep their old lines.
    assert policy_governance_summary({"summary": {}}, {"summary": {}})["api"] is None
