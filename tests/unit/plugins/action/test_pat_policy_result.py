"""pat_policy_result: the roles' halves of a pass, read by variable name (never templated)."""

from __future__ import annotations

import pytest
from policy_pass import PARAMS, scripted_org

from ansible_collections.patguard.github.plugins.action.pat_policy_result import policy_part, run_action
from ansible_collections.patguard.github.plugins.module_utils import _policy_run


@pytest.fixture
def a_pass(monkeypatch):
    """The result of a real pass: requests 1, 2 denied; grants 10-13 revoked."""
    outcomes = scripted_org(monkeypatch)
    outcomes["request"] = {"approved": [], "denied": [1, 2], "unconfirmed": [], "gone": [], "unchanged": []}
    outcomes["grant"] = {"revoked": [10, 11, 12], "unconfirmed": [13], "gone": [], "unchanged": []}
    result = _policy_run.run_pass(object(), PARAMS)
    result["api"] = {"requests": 9, "writes": 2, "retries": 0, "rate_limit_remaining": 4991, "rate_limit_limit": 5000}
    return result


def test_the_review_part_has_the_requests_decisions_and_the_pass_api_totals(a_pass):
    review = run_action({"pass_var": "policy_pass", "part": "review"}, {"policy_pass": a_pass})
    assert review["changed"] is False and not review.get("failed")
    assert [d["id"] for d in review["decisions"]] == [1, 2]
    assert review["denied"] == [1, 2] and review["approved"] == [] and "revoked" not in review
    assert review["summary"] == a_pass["review"]["summary"] and review["mode"] == "enforce"
    assert review["api_requests"] == 9
    assert review["api"]["requests"] == 9 and review["api"]["writes"] == 2 and review["api"]["tasks"] == 1
    assert review["api"]["rate_limit_remaining"] == 4991


def test_the_hygiene_part_has_the_grants_decisions_and_can_leave_the_api_to_the_review(a_pass):
    hygiene = policy_part(a_pass, "hygiene", count_api=False)
    assert [d["id"] for d in hygiene["decisions"]] == [10, 11, 12, 13]
    assert {d["kind"] for d in hygiene["decisions"]} == {"grant"}
    assert hygiene["revoked"] == [10, 11, 12] and hygiene["unconfirmed"] == [13]
    assert hygiene["api"] is None and hygiene["api_requests"] == 0
    assert policy_part(a_pass, "hygiene")["api_requests"] == 9


def test_the_parts_together_hold_every_decision_once_and_leave_the_pass_as_it_was(a_pass):
    before = len(a_pass["decisions"]), dict(a_pass["review"]), dict(a_pass["hygiene"])
    review, hygiene = policy_part(a_pass, "review"), policy_part(a_pass, "hygiene")
    assert review["decisions"] + hygiene["decisions"] == a_pass["decisions"]
    assert (len(a_pass["decisions"]), a_pass["review"], a_pass["hygiene"]) == before


def test_a_grants_only_pass_has_an_empty_review(monkeypatch):
    outcomes = scripted_org(monkeypatch)
    outcomes["grant"] = {"revoked": [10, 11, 12, 13], "unconfirmed": [], "gone": [], "unchanged": []}
    result = _policy_run.run_pass(object(), dict(PARAMS, scope=["grants"]))
    result["api"] = {"requests": 3}
    assert policy_part(result, "review")["decisions"] == []
    assert len(policy_part(result, "hygiene")["decisions"]) == 4


@pytest.mark.parametrize(
    "variables, message",
    [
        ({}, "pass_var: no variable named 'policy_pass' is defined"),
        ({"policy_pass": "{{ other }}"}, "pass_var: the variable 'policy_pass' holds a str, not the registered result"),
        ({"policy_pass": {"skipped": True, "changed": False}}, "pass_var: the pat_policy task registered as"),
        ({"policy_pass": {"failed": True, "msg": "org: no App installation"}}, "failed, so its pass is incomplete"),
        ({"policy_pass": {"changed": False, "review": {}}}, "(it has no hygiene, decisions, api)"),
    ],
)
def test_a_variable_that_is_not_a_pass_result_fails_naming_the_option(variables, message):
    failed = run_action({"pass_var": "policy_pass", "part": "review"}, variables)
    assert failed["failed"] is True and failed["changed"] is False
    assert message in failed["msg"] and failed["msg"].startswith("pass_var: ")


def test_a_failed_pass_is_named_with_its_message():
    failed = run_action(
        {"pass_var": "p", "part": "hygiene"}, {"p": {"failed": True, "msg": "org: no App installation"}}
    )
    assert failed["msg"].endswith(": org: no App installation")


@pytest.mark.parametrize(
    "args, message",
    [
        ({"part": "review"}, "missing required arguments: pass_var"),
        ({"pass_var": "p", "part": "grants"}, "value of part must be one of: review, hygiene, got: grants"),
        ({"pass_var": "p", "part": "review", "count_api": "sometimes"}, "count_api"),
        ({"pass_var": "p", "part": "review", "org": "acme"}, "Unsupported parameters"),
    ],
)
def test_bad_options_fail_naming_the_option_and_the_rule(args, message):
    failed = run_action(args, {"p": {}})
    assert failed["failed"] is True and message in failed["msg"]
