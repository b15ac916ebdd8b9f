"""The pure parts of the policy pass: progress lines, the plan table, planned writes."""

from __future__ import annotations

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
