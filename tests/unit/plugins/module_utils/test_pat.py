"""Unit tests of request/grant logic: filter splitting, bulk grouping, idempotency, reconciliation."""
from __future__ import annotations

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _pat
from ansible_collections.patguard.github.plugins.module_utils._errors import (
    AmbiguousWriteError,
    ConfigError,
    GitHubAPIError,
    PatguardError,
    RateLimitError,
)


class StubClient:
    """In-memory organization: pending requests and grants, with scriptable write failures."""

    def __init__(self, requests=(), grants=(), failures=None):
        self.pending = {r["id"]: r for r in requests}
        self.grants = {g["id"]: g for g in grants}
        self.calls = []
        self.failures = list(failures or [])  # per write: None | "lost-applied" | "lost" | exception

    def paginate(self, path, params=None):
        self.calls.append(("GET", path, dict(params or {})))
        items = self.pending if "token-requests" in path else self.grants
        wanted_tokens = set(int(t) for t in (params or {}).get("token_id", []))
        owners = set((params or {}).get("owner", []))
        for item in list(items.values()):
            if wanted_tokens and item["token_id"] not in wanted_tokens:
                continue
            if owners and item["owner"]["login"] not in owners:
                continue
            yield item

    def request(self, method, path, json=None, **kwargs):
        self.calls.append((method, path, json))
        failure = self.failures.pop(0) if self.failures else None
        if isinstance(failure, Exception):
            raise failure  # pylint: disable=raising-bad-type
        ids = json.get("pat_request_ids") or json.get("pat_ids")
        store = self.pending if "token-requests" in path else self.grants
        missing = [i for i in ids if i not in store]
        if missing and failure is None:
            raise GitHubAPIError("422", status=422)
        if failure == "lost":
            raise AmbiguousWriteError("lost")
        for i in ids:
            store.pop(i, None)
        if failure == "lost-applied":
            raise AmbiguousWriteError("lost after applying")

    def writes(self):
        return [c for c in self.calls if c[0] == "POST"]


def rec(i, owner="alice", token=None):
    return {"id": i, "owner": {"login": owner}, "token_id": token or 1000 + i, "token_name": "t%d" % i,
            "repository_selection": "all", "permissions": {"repository": {"contents": "read"}},
            "created_at": "2026-01-01T00:00:00Z", "token_expires_at": "2026-03-02T00:00:00Z",
            "token_expired": False, "token_last_used_at": None, "reason": "r"}


# -- filters ------------------------------------------------------------------------------------
def test_owner_and_token_filters_split_into_github_limits():
    filters = _pat.check_filters(owners=["u%d" % i for i in range(23)], token_ids=list(range(1, 121)))
    queries = _pat.filter_queries(filters)
    assert len(queries) == 3 * 3  # ceil(23/10) owner chunks x ceil(120/50) token chunks
    assert max(len(q["owner"]) for q in queries) == 10 and max(len(q["token_id"]) for q in queries) == 50


def test_no_filters_is_one_query():
    assert _pat.filter_queries(_pat.check_filters()) == [{}]


def test_filters_are_normalized():
    filters = _pat.check_filters(owners=["a", "a"], last_used_before="2026-01-31", permission="issues_read")
    assert filters["owners"] == ["a"] and filters["last_used_before"] == "2026-01-31T00:00:00Z"


@pytest.mark.parametrize("kwargs,message", [
    ({"owners": ["bad login!"]}, "owners: 'bad login!' is not a valid GitHub login"),
    ({"token_ids": ["x"]}, "token_ids: 'x' is not a positive integer id"),
    ({"token_ids": [True]}, "token_ids: True is not a positive integer id"),
    ({"repository": "acme/infra"}, "repository: 'acme/infra' is not a repository name"),
    ({"permission": "issues"}, "permission: 'issues' must be a permission name and level"),
    ({"last_used_before": "yesterday"}, "last_used_before: 'yesterday' is not an ISO 8601 timestamp"),
    ({"last_used_before": "2026-01-01T00:00:00Z", "last_used_after": "2026-02-01T00:00:00Z"},
     "last_used_after (2026-02-01T00:00:00Z) must be earlier than last_used_before"),
])
def test_bad_filters_are_refused_before_any_call(kwargs, message):
    with pytest.raises(ConfigError) as info:
        _pat.check_filters(**kwargs)
    assert message in info.value.message


def test_lifetime_days():
    assert _pat.lifetime_days("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z") == 90.0
    assert _pat.lifetime_days("2026-01-01T00:00:00Z", None) is None


def test_normalize_request_reads_github_shape():
    record = _pat.normalize_request(rec(7))
    assert record["owner"] == "alice" and record["lifetime_days"] == 60.0
    assert record["permissions"] == {"organization": {}, "repository": {"contents": "read"}, "other": {}}


# -- decisions and grouping ---------------------------------------------------------------------
def test_decisions_group_by_action_and_reason_in_chunks_of_100():
    decisions = [{"id": i, "action": "approve", "reason": "ok"} for i in range(1, 251)]
    decisions += [{"id": i, "action": "deny", "reason": "no"} for i in range(251, 261)]
    decisions += [{"id": 300, "action": "deny", "reason": "other"}]
    calls = _pat.group_decisions(_pat.normalize_decisions(decisions=decisions))
    assert [(c["action"], c["reason"], len(c["ids"])) for c in calls] == [
        ("approve", "ok", 100), ("approve", "ok", 100), ("approve", "ok", 50), ("deny", "no", 10),
        ("deny", "other", 1)]


@pytest.mark.parametrize("kwargs,message", [
    ({"ids": [1], "action": "maybe"}, "action: must be one of approve, deny; got 'maybe'"),
    ({"ids": ["one"], "action": "approve"}, "ids: 'one' is not a positive integer id"),
    ({"ids": [], "action": "approve"}, "ids: must not be empty"),
    ({"decisions": []}, "decisions: must be a non-empty list"),
    ({"decisions": [{"id": 1, "action": "approve", "color": "red"}]}, "decisions[0]: unknown keys color"),
    ({"decisions": [{"id": 1, "action": "approve", "reason": "x" * 1025}]},
     "decisions[0].reason: is 1025 characters long; GitHub accepts at most 1024"),
    ({"ids": [1], "action": "deny", "reason": "y" * 2000}, "reason: is 2000 characters long"),
    ({"decisions": [{"id": 1, "action": "approve"}, {"id": 1, "action": "deny"}]},
     "request 1 is given twice with different actions"),
])
def test_bad_decisions_are_refused(kwargs, message):
    with pytest.raises(ConfigError) as info:
        _pat.normalize_decisions(**kwargs)
    assert message in info.value.message


# -- idempotent review --------------------------------------------------------------------------
def test_review_acts_only_on_pending_and_second_run_is_a_no_op():
    client = StubClient(requests=[rec(i) for i in range(1, 6)])
    decisions = _pat.normalize_decisions(ids=[1, 2, 3, 99], action="approve", reason="ok")
    result = _pat.review_requests(client, "acme", decisions)
    assert result["approved"] == [1, 2, 3] and result["skipped"] == [99] and len(client.writes()) == 1
    again = _pat.review_requests(StubClient(requests=[rec(4), rec(5)]), "acme", decisions)
    assert again["approved"] == [] and again["skipped"] == [1, 2, 3, 99]


def test_check_mode_sends_no_write():
    client = StubClient(requests=[rec(1), rec(2)])
    result = _pat.review_requests(client, "acme", _pat.normalize_decisions(ids=[1, 2], action="deny"),
                                  check_mode=True)
    assert result["denied"] == [1, 2] and client.writes() == [] and set(client.pending) == {1, 2}


def test_fail_on_missing_sends_nothing():
    client = StubClient(requests=[rec(1)])
    with pytest.raises(ConfigError) as info:
        _pat.review_requests(client, "acme", _pat.normalize_decisions(ids=[1, 2], action="deny"),
                             fail_on_missing=True)
    assert "not pending" in info.value.message and client.writes() == []


def test_token_ids_make_the_pending_check_a_filtered_listing():
    client = StubClient(requests=[rec(1), rec(2)])
    decisions = _pat.normalize_decisions(decisions=[{"id": 1, "action": "approve", "token_id": 1001}])
    _pat.review_requests(client, "acme", decisions)
    assert client.calls[0][2] == {"token_id": ["1001"]}


def test_lost_answer_after_applying_is_reconciled_without_resending():
    client = StubClient(requests=[rec(i) for i in range(1, 4)], failures=["lost-applied"])
    result = _pat.review_requests(client, "acme", _pat.normalize_decisions(ids=[1, 2, 3], action="approve"))
    assert result["approved"] == [1, 2, 3] and len(client.writes()) == 1


def test_lost_answer_before_applying_is_resent_once():
    client = StubClient(requests=[rec(i) for i in range(1, 4)], failures=["lost"])
    result = _pat.review_requests(client, "acme", _pat.normalize_decisions(ids=[1, 2, 3], action="approve"))
    assert result["approved"] == [1, 2, 3] and len(client.writes()) == 2 and client.pending == {}


def test_ids_reviewed_by_someone_else_meanwhile_are_not_an_error():
    client = StubClient(requests=[rec(1), rec(2)])
    decisions = _pat.normalize_decisions(ids=[1, 2], action="deny")
    del client.pending[2]  # handled by a human between our listing and our write
    result = _pat.review_requests(client, "acme", decisions, refresh=False)
    assert result["denied"] == [1, 2] and client.writes()[-1][2]["pat_request_ids"] == [1]


def test_partial_failure_reports_what_was_and_was_not_done():
    client = StubClient(requests=[rec(i) for i in range(1, 251)],
                        failures=[None, RateLimitError("rate limit spent, run again after X", status=403)])
    decisions = _pat.normalize_decisions(ids=list(range(1, 251)), action="approve")
    with pytest.raises(PatguardError) as info:
        _pat.review_requests(client, "acme", decisions)
    details = info.value.details
    assert details["approved"] == list(range(1, 101))
    assert details["not_processed"] == list(range(101, 251))
    assert "run again after X" in info.value.message and "Running the task again finishes the job" in info.value.message


# -- revoke -------------------------------------------------------------------------------------
def test_revoke_in_chunks_and_idempotent():
    client = StubClient(grants=[rec(i) for i in range(1, 251)])
    result = _pat.revoke_grants(client, "acme", list(range(1, 251)) + [999])
    assert len(result["revoked"]) == 250 and result["skipped"] == [999] and len(client.writes()) == 3
    again = _pat.revoke_grants(client, "acme", list(range(1, 251)))
    assert again["revoked"] == [] and len(client.writes()) == 3
