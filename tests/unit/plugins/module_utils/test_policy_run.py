"""The policy pass: progress lines, the plan table, planned writes, bulk outcomes merged."""

from __future__ import annotations

import weakref

import pytest
from policy_pass import PARAMS, record, scripted_org

from ansible_collections.patguard.github.plugins.module_utils import _policy_run
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.module_utils._policy_run import (
    Progress,
    plan_table,
    planned_writes,
)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_is_a_few_lines_never_one_per_page_or_write():
    lines, clock = [], Clock()
    progress = Progress(emit=lines.append, interval=5.0, clock=clock)
    for page in range(1, 101):
        clock.now += 0.1
        progress.page("grants", page, 100)
    assert lines[0] == "listing grants: page 1 of 100" and lines[-1] == "listing grants: page 100 of 100"
    assert len(lines) <= 4
    del lines[:]
    progress.writes_planned = 120
    for _write in range(120):
        progress.wait(1.0, "write_interval")
        clock.now += 1.0
        progress.write()
    assert lines[0].startswith("waiting 1.0 s before each write")
    assert lines[1] == "writes: 1 sent, 119 to send; 1 s of write spacing so far"
    assert lines[-1] == "writes: 120 sent, 0 to send; 120 s of write spacing so far"
    assert len(lines) < 30
    progress.wait(12, "retry_after")
    assert lines[-1] == "waiting 12.0 s (retry after)"


def decision(i, kind, verdict, reason=None, codes=()):
    return {
        "id": i,
        "kind": kind,
        "owner": "u%d" % i,
        "token_id": 100 + i,
        "token_name": "t%d" % i,
        "decision": verdict,
        "reason": reason,
        "violations": [{"code": c, "detail": "x"} for c in codes],
    }


def test_plan_table_lists_acting_decisions_first_then_summarises():
    decisions = [
        decision(1, "grant", "keep"),
        decision(2, "request", "deny", "Denied by policy: token has expired", ["expired"]),
        decision(3, "grant", "revoke", "Revoked by policy: unused for more than 90 days", ["inactive"]),
        decision(4, "request", "approve", "Approved by policy: compliant"),
    ]
    lines = plan_table(decisions, {}, rows=3)
    assert lines[0].split() == ["owner", "token", "kind", "decision", "reasons"]
    assert [line.split()[4] for line in lines[1:4]] == ["deny", "approve", "revoke"]
    assert lines[1].endswith("token has expired") and lines[3].endswith("unused for more than 90 days")
    assert lines[4] == "... and 1 more records (keep 1); raise plan_rows to list them"
    assert plan_table(decisions, {}, rows=0) == [
        "... and 4 more records (deny 1, approve 1, revoke 1, keep 1); raise plan_rows to list them"
    ]


def test_planned_writes_counts_reason_groups_and_revokes_by_100():
    plan = {"approve": [{"ids": [1]}], "deny": [{"ids": [2]}, {"ids": [3]}], "revoke": list(range(201))}
    assert planned_writes(plan) == 6


# -- bulk outcomes merged into the pass result: "unconfirmed" is sent, neither done nor left --------
@pytest.fixture
def org(monkeypatch):
    """Requests 1, 2 and grants 10-13 to deny/revoke; the bulk outcomes are scripted per kind."""
    return scripted_org(monkeypatch)


def test_unconfirmed_ids_are_reported_as_sent_and_count_as_a_change(org):
    org["request"] = {"approved": [], "denied": [1], "unconfirmed": [2], "gone": [], "unchanged": []}
    org["grant"] = {"revoked": [10, 11], "unconfirmed": [12, 13], "gone": [], "unchanged": []}
    result = _policy_run.run_pass(object(), PARAMS)
    assert result["applied"]["unconfirmed"] == [2, 12, 13] and result["not_processed"] == []
    assert result["applied"]["denied"] == [1] and result["applied"]["revoked"] == [10, 11]
    assert result["review"]["unconfirmed"] == [2] and result["hygiene"]["unconfirmed"] == [12, 13]
    assert result["changed"] is True
    org["request"] = {"approved": [], "denied": [], "unconfirmed": [1, 2], "gone": [], "unchanged": []}
    org["grant"] = {"revoked": [], "unconfirmed": [10, 11, 12, 13], "gone": [], "unchanged": []}
    assert _policy_run.run_pass(object(), PARAMS)["changed"] is True  # GitHub accepted every write


def test_a_failed_revoke_leaves_only_the_unsent_ids_in_not_processed(org):
    org["request"] = {"approved": [], "denied": [1, 2], "unconfirmed": [], "gone": [], "unchanged": []}
    gone = {"id": 12, "kind": "grant", "token_id": 112, "step": "revoke"}
    org["grant"] = PatguardError("HTTP 500", revoked=[10], unconfirmed=[11], gone=[gone], not_processed=[13])
    with pytest.raises(PatguardError) as failed:
        _policy_run.run_pass(object(), PARAMS)
    details = failed.value.details
    # 11 was accepted (listing late) and 12 vanished: neither is work left to do.
    assert details["not_processed"] == [13]
    assert details["applied"]["unconfirmed"] == [11] and details["applied"]["revoked"] == [10]
    assert details["applied"]["denied"] == [1, 2] and details["applied"]["gone"] == [gone]


def test_owners_are_checked_before_a_policy_built_from_them():
    params = {"org": "acme", "owners": ["a[b"], "policy": {"denied_owners": ["a[b"]}}
    with pytest.raises(PatguardError) as failed:
        _policy_run.check_inputs(params)
    assert failed.value.message.startswith("owners: 'a[b' is not a valid GitHub login")


def test_the_result_holds_each_decision_once_requests_first(org):
    # Ansible copies a registered result per reference: the halves carry no second list, and the
    # roles take theirs as slices of ``decisions`` (the first summary.requests are the requests').
    org["request"] = {"approved": [], "denied": [1, 2], "unconfirmed": [], "gone": [], "unchanged": []}
    org["grant"] = {"revoked": [10, 11, 12, 13], "unconfirmed": [], "gone": [], "unchanged": []}
    result = _policy_run.run_pass(object(), PARAMS)
    assert "decisions" not in result["review"] and "decisions" not in result["hygiene"]
    split = result["review"]["summary"]["requests"]
    assert split == 2 and result["hygiene"]["summary"]["grants"] == 4
    assert [d["kind"] for d in result["decisions"][:split]] == ["request"] * 2
    assert [d["kind"] for d in result["decisions"][split:]] == ["grant"] * 4
    only_grants = _policy_run.run_pass(object(), dict(PARAMS, scope=["grants"]))
    assert only_grants["review"]["summary"]["requests"] == 0 and len(only_grants["decisions"]) == 4


def test_a_replan_after_reading_repository_lists_never_holds_two_plans(monkeypatch):
    # 12,000 decisions a plan: the one replaced is let go before the next is made.
    records = {"request": [record(1, "request")], "grant": [record(10, "grant")]}
    for kind in records:
        records[kind][0]["repositories"] = None  # waits on its list (max_repositories)
    monkeypatch.setattr(_policy_run, "list_records", lambda client, org, kind, filters=None: records[kind])

    def add_repositories(client, org, kind, chosen, gone=None):
        for item in chosen:
            item["repositories"] = ["app-web"]

    monkeypatch.setattr(_policy_run, "add_repositories", add_repositories)
    real_plan, alive, made = _policy_run.plan, [], []

    class Plan(dict):
        pass

    def plan(*args, **kwargs):
        assert all(ref() is None for ref in alive), "the previous plan is still held"
        made.append(1)
        result = Plan(real_plan(*args, **kwargs))
        alive.append(weakref.ref(result))
        return result

    monkeypatch.setattr(_policy_run, "plan", plan)
    params = dict(PARAMS, mode="report", policy={"max_repositories": 5, "actions": {"compliant_request": "approve"}})
    result = _policy_run.run_pass(object(), params)
    assert len(made) == 3 and result["plan"]["repository_lists"] == 2


@pytest.mark.parametrize(
    "hide, diff, hidden",
    [(True, False, True), (True, True, False), (False, False, False), (None, False, False)],
)
def test_hide_result_marks_the_result_for_ansible_to_censor_except_in_diff_mode(hide, diff, hidden):
    result = {"decisions": [], "diff": {"prepared": "owner ..."}} if diff else {"decisions": []}
    _policy_run.hide_from_callbacks(result, {"hide_result": hide}, diff)
    assert result.get("_ansible_no_log", False) is hidden
