"""Unit tests of request/grant logic: filter splitting, bulk grouping, idempotency, reconciliation."""

from __future__ import annotations

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _pat, _pat_writes
from ansible_collections.patguard.github.plugins.module_utils._errors import (
    AmbiguousWriteError,
    ConfigError,
    GitHubAPIError,
    PatguardError,
    RateLimitError,
)


class StubClient:
    """In-memory organization: pending requests and grants, with scriptable write failures.

    Like GitHub (and the fake), a bulk write is all or nothing: one id that is not pending or
    active refuses the whole call (``refusal`` status, 422 by default). ``lag`` is how many
    listings still show a record after a write removed it (a 202 is not "visible now").
    """

    def __init__(self, requests=(), grants=(), failures=None, lag=0, refusal=422, members=(), gone_repos=()):
        self.pending = {r["id"]: r for r in requests}
        self.grants = {g["id"]: g for g in grants}
        self.calls = []
        self.failures = list(failures or [])  # per write: None | "lost-applied" | "lost" | exception
        self.lag = lag
        self.ghosts = {}  # (store name, id) -> [record, listings it still shows in]
        self.refusal = refusal
        self.members = set(members)
        self.gone_repos = set(gone_repos)
        self.held = []

    def _hold(self, seconds, reason):
        self.held.append((seconds, reason))

    def paginate(self, path, params=None):
        self.calls.append(("GET", path, dict(params or {})))
        if path.endswith("/repositories"):
            record_id = int(path.split("/")[-2])
            if record_id in self.gone_repos:
                raise GitHubAPIError("404", status=404)
            return iter([{"name": "docs"}])
        name = "pending" if "token-requests" in path else "grants"
        items = list(getattr(self, name).values())
        for key, ghost in list(self.ghosts.items()):
            if key[0] == name and ghost[1] > 0:
                ghost[1] -= 1
                items.append(ghost[0])
        return self._select(items, params or {})

    @staticmethod
    def _select(items, params):
        wanted_tokens = set(int(t) for t in params.get("token_id", []))
        owners = set(params.get("owner", []))
        for item in items:
            if wanted_tokens and item["token_id"] not in wanted_tokens:
                continue
            if owners and item["owner"]["login"] not in owners:
                continue
            yield item

    def request(self, method, path, json=None, **kwargs):
        self.calls.append((method, path, json))
        if method == "GET":  # membership check
            login = path.rsplit("/", 1)[-1]
            if login not in self.members:
                raise GitHubAPIError("404", status=404)
            return None
        failure = self.failures.pop(0) if self.failures else None
        if isinstance(failure, Exception):
            raise failure  # pylint: disable=raising-bad-type
        ids = json.get("pat_request_ids") or json.get("pat_ids")
        name = "pending" if "token-requests" in path else "grants"
        store = getattr(self, name)
        missing = [i for i in ids if i not in store]
        if missing and failure != "lost":
            raise GitHubAPIError(str(self.refusal), status=self.refusal)
        if failure == "lost":
            raise AmbiguousWriteError("lost")
        for i in ids:
            self.ghosts[(name, i)] = [store.pop(i), self.lag]
        if failure == "lost-applied":
            raise AmbiguousWriteError("lost after applying")

    def writes(self):
        return [c for c in self.calls if c[0] == "POST"]

    def listings(self):
        return [
            c for c in self.calls if c[0] == "GET" and not c[1].endswith("/repositories") and "/members/" not in c[1]
        ]


def rec(i, owner="alice", token=None, last_used=None, selection="all"):
    return {
        "id": i,
        "owner": {"login": owner},
        "token_id": token or 1000 + i,
        "token_name": "t%d" % i,
        "repository_selection": selection,
        "permissions": {"repository": {"contents": "read"}},
        "created_at": "2026-01-01T00:00:00Z",
        "token_expires_at": "2026-03-02T00:00:00Z",
        "token_expired": False,
        "token_last_used_at": last_used,
        "reason": "r",
    }


def each_id_once(result, *keys):
    """Every id under exactly one result key; returns them all."""
    ids = []
    for key in keys + ("unchanged", "unconfirmed"):
        ids.extend(result.get(key) or [])
    ids.extend(g["id"] for g in result.get("gone") or [])
    assert len(ids) == len(set(ids)), result
    return sorted(ids)


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


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"owners": ["bad login!"]}, "owners: 'bad login!' is not a valid GitHub login"),
        ({"token_ids": ["x"]}, "token_ids: 'x' is not a positive integer id"),
        ({"token_ids": [True]}, "token_ids: True is not a positive integer id"),
        ({"repository": "acme/infra"}, "repository: 'acme/infra' is not a repository name"),
        ({"permission": "issues"}, "permission: 'issues' must be a permission name and level"),
        ({"last_used_before": "yesterday"}, "last_used_before: 'yesterday' is not an ISO 8601 timestamp"),
        (
            {"last_used_before": "2026-01-01T00:00:00Z", "last_used_after": "2026-02-01T00:00:00Z"},
            "last_used_after (2026-02-01T00:00:00Z) must be earlier than last_used_before",
        ),
    ],
)
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
    calls = _pat_writes.group_decisions(_pat.normalize_decisions(decisions=decisions))
    assert [(c["action"], c["reason"], len(c["ids"])) for c in calls] == [
        ("approve", "ok", 100),
        ("approve", "ok", 100),
        ("approve", "ok", 50),
        ("deny", "no", 10),
        ("deny", "other", 1),
    ]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"ids": [1], "action": "maybe"}, "action: must be one of approve, deny; got 'maybe'"),
        ({"ids": ["one"], "action": "approve"}, "ids: 'one' is not a positive integer id"),
        ({"ids": [], "action": "approve"}, "ids: must not be empty"),
        ({"decisions": []}, "decisions: must be a non-empty list"),
        ({"decisions": [{"id": 1, "action": "approve", "color": "red"}]}, "decisions[0]: unknown keys color"),
        (
            {"decisions": [{"id": 1, "action": "approve", "reason": "x" * 1025}]},
            "decisions[0].reason: is 1025 characters long; GitHub accepts at most 1024",
        ),
        ({"ids": [1], "action": "deny", "reason": "y" * 2000}, "reason: is 2000 characters long"),
        (
            {"decisions": [{"id": 1, "action": "approve"}, {"id": 1, "action": "deny"}]},
            "request 1 is given twice with different actions",
        ),
    ],
)
def test_bad_decisions_are_refused(kwargs, message):
    with pytest.raises(ConfigError) as info:
        _pat.normalize_decisions(**kwargs)
    assert message in info.value.message


# -- idempotent review --------------------------------------------------------------------------
def test_review_acts_only_on_pending_and_second_run_is_a_no_op():
    client = StubClient(requests=[rec(i) for i in range(1, 6)])
    decisions = _pat.normalize_decisions(ids=[1, 2, 3, 99], action="approve", reason="ok")
    result = _pat_writes.review_requests(client, "acme", decisions)
    assert result["approved"] == [1, 2, 3] and result["unchanged"] == [99] and len(client.writes()) == 1
    again = _pat_writes.review_requests(StubClient(requests=[rec(4), rec(5)]), "acme", decisions)
    assert again["approved"] == [] and again["unchanged"] == [1, 2, 3, 99]


def test_check_mode_sends_no_write():
    client = StubClient(requests=[rec(1), rec(2)])
    result = _pat_writes.review_requests(
        client, "acme", _pat.normalize_decisions(ids=[1, 2], action="deny"), check_mode=True
    )
    assert result["denied"] == [1, 2] and client.writes() == [] and set(client.pending) == {1, 2}


def test_fail_on_missing_sends_nothing():
    client = StubClient(requests=[rec(1)])
    with pytest.raises(ConfigError) as info:
        _pat_writes.review_requests(
            client, "acme", _pat.normalize_decisions(ids=[1, 2], action="deny"), fail_on_missing=True
        )
    assert "not pending" in info.value.message and client.writes() == []


def test_token_ids_make_the_pending_check_a_filtered_listing():
    client = StubClient(requests=[rec(1), rec(2)])
    decisions = _pat.normalize_decisions(decisions=[{"id": 1, "action": "approve", "token_id": 1001}])
    _pat_writes.review_requests(client, "acme", decisions)
    assert client.calls[0][2] == {"token_id": ["1001"]}


def test_lost_answer_after_applying_is_reconciled_without_resending():
    client = StubClient(requests=[rec(i) for i in range(1, 4)], failures=["lost-applied"])
    result = _pat_writes.review_requests(client, "acme", _pat.normalize_decisions(ids=[1, 2, 3], action="approve"))
    assert result["approved"] == [1, 2, 3] and len(client.writes()) == 1


def test_lost_answer_before_applying_is_resent_once():
    client = StubClient(requests=[rec(i) for i in range(1, 4)], failures=["lost"])
    result = _pat_writes.review_requests(client, "acme", _pat.normalize_decisions(ids=[1, 2, 3], action="approve"))
    assert result["approved"] == [1, 2, 3] and len(client.writes()) == 2 and client.pending == {}


def test_ids_reviewed_by_someone_else_meanwhile_are_gone_not_an_error_nor_ours():
    client = StubClient(requests=[rec(1), rec(2)])
    decisions = _pat.normalize_decisions(ids=[1, 2], action="deny")
    del client.pending[2]  # handled by a human between our listing and our write
    result = _pat_writes.review_requests(client, "acme", decisions, refresh=False)
    # Request 2 was not denied by this task: it is reported as gone, and never counted twice.
    assert result["denied"] == [1] and client.writes()[-1][2]["pat_request_ids"] == [1]
    assert result["gone"] == [{"id": 2, "kind": "request", "token_id": None, "step": "review"}]


def test_partial_failure_reports_what_was_and_was_not_done():
    client = StubClient(
        requests=[rec(i) for i in range(1, 251)],
        failures=[None, RateLimitError("rate limit spent, run again after X", status=403)],
    )
    decisions = _pat.normalize_decisions(ids=list(range(1, 251)), action="approve")
    with pytest.raises(PatguardError) as info:
        _pat_writes.review_requests(client, "acme", decisions)
    details = info.value.details
    assert details["approved"] == list(range(1, 101))
    assert details["not_processed"] == list(range(101, 251))
    assert "run again after X" in info.value.message and "Running the task again finishes the job" in info.value.message


# -- revoke -------------------------------------------------------------------------------------
def test_revoke_in_chunks_and_idempotent():
    client = StubClient(grants=[rec(i) for i in range(1, 251)])
    result = _pat_writes.revoke_grants(client, "acme", list(range(1, 251)) + [999])
    assert len(result["revoked"]) == 250 and result["unchanged"] == [999] and len(client.writes()) == 3
    again = _pat_writes.revoke_grants(client, "acme", list(range(1, 251)))
    assert again["revoked"] == [] and len(client.writes()) == 3


# -- issue 12.5: 202 is not "visible now"; a resend of a handled id may be refused ---------------
@pytest.mark.parametrize("status", [422, 404])
def test_resend_refused_after_a_lost_answer_is_done_not_a_failure(status):
    # The write was applied but its answer lost; the listing still shows the requests (it lags),
    # so they are sent again, and GitHub refuses what it has already handled.
    client = StubClient(requests=[rec(i) for i in range(1, 4)], failures=["lost-applied"], lag=1, refusal=status)
    result = _pat_writes.review_requests(client, "acme", _pat.normalize_decisions(ids=[1, 2, 3], action="approve"))
    assert result["approved"] == [1, 2, 3] and result["unconfirmed"] == [] and result["gone"] == []
    assert each_id_once(result, "approved", "denied") == [1, 2, 3]
    assert len(client.writes()) == 2  # the write, and one resend answered "already handled"


def test_a_listing_that_keeps_lagging_ends_in_unconfirmed_after_bounded_rounds():
    client = StubClient(grants=[rec(i) for i in range(1, 4)], failures=["lost-applied"], lag=99)
    result = _pat_writes.revoke_grants(client, "acme", [1, 2, 3], active={1, 2, 3})
    # GitHub said "already handled"; its listing never caught up: reported, not failed, not looped.
    assert result["unconfirmed"] == [1, 2, 3] and result["revoked"] == []
    assert each_id_once(result, "revoked") == [1, 2, 3]
    assert len(client.writes()) == 2 and len(client.listings()) == _pat_writes.RECONCILE_ROUNDS
    # The listings after the first one wait for the listing to catch up; the wait is counted.
    assert client.held == [(1, "reconcile"), (3, "reconcile")]


def test_a_listing_that_catches_up_confirms_without_another_write():
    client = StubClient(grants=[rec(i) for i in range(1, 4)], failures=["lost-applied"], lag=2)
    result = _pat_writes.revoke_grants(client, "acme", [1, 2, 3], active={1, 2, 3})
    assert result["revoked"] == [1, 2, 3] and result["unconfirmed"] == []
    assert len(client.writes()) == 2 and len(client.listings()) == 3


def test_accepted_write_counts_once_even_when_the_listing_lags():
    client = StubClient(requests=[rec(i) for i in range(1, 4)], lag=5)
    decisions = _pat.normalize_decisions(ids=[1, 2, 3], action="deny")
    result = _pat_writes.review_requests(client, "acme", decisions, refresh=False)
    assert result["denied"] == [1, 2, 3] and len(client.writes()) == 1 and client.listings() == []


def test_writes_lost_every_time_still_fail_with_an_honest_report():
    client = StubClient(grants=[rec(i) for i in range(1, 4)], failures=["lost"] * 9)
    with pytest.raises(PatguardError) as info:
        _pat_writes.revoke_grants(client, "acme", [1, 2, 3], active={1, 2, 3})
    assert info.value.details["not_processed"] == [1, 2, 3] and info.value.details["revoked"] == []
    assert len(client.writes()) == _pat_writes.RECONCILE_ROUNDS + 1


# -- issue 12.6: records that vanish mid-pass ---------------------------------------------------
def test_repositories_of_a_record_gone_meanwhile_are_reported_not_fatal():
    client = StubClient(requests=[rec(1, selection="subset"), rec(2, selection="subset"), rec(3)], gone_repos={2})
    gone = []
    records = _pat.list_records(client, "acme", "request", {}, include_repositories=True, gone=gone)
    assert [r["id"] for r in records] == [1, 3] and records[0]["repositories"] == ["docs"]
    assert gone == [{"id": 2, "kind": "request", "token_id": 1002, "step": "repositories"}]


def test_add_repositories_drops_gone_records_in_place():
    client = StubClient(gone_repos={5})
    records = [_pat.normalize_grant(rec(5, selection="subset")), _pat.normalize_grant(rec(6, selection="subset"))]
    gone = []
    assert _pat.add_repositories(client, "acme", "grant", records, gone=gone) is records
    assert [r["id"] for r in records] == [6] and gone[0]["id"] == 5 and gone[0]["kind"] == "grant"


def test_grants_revoked_elsewhere_are_gone_and_the_rest_is_revoked():
    client = StubClient(grants=[rec(i) for i in range(1, 6)])
    del client.grants[2], client.grants[4]  # revoked in the web UI after the role's listing
    token_of = dict((i, 1000 + i) for i in range(1, 6))
    result = _pat_writes.revoke_grants(client, "acme", [1, 2, 3, 4, 5], active={1, 2, 3, 4, 5}, token_of=token_of)
    assert result["revoked"] == [1, 3, 5]
    assert [(g["id"], g["kind"], g["token_id"], g["step"]) for g in result["gone"]] == [
        (2, "grant", 1002, "revoke"),
        (4, "grant", 1004, "revoke"),
    ]
    assert each_id_once(result, "revoked") == [1, 2, 3, 4, 5]
    # The refused call, one filtered listing, the resend without the gone ones.
    assert [w[2]["pat_ids"] for w in client.writes()] == [[1, 2, 3, 4, 5], [1, 3, 5]]
    assert client.listings()[0][2] == {"token_id": ["1001", "1002", "1003", "1004", "1005"]}


def test_ids_github_refuses_while_still_listing_them_fail_after_bounded_rounds():
    client = StubClient(grants=[rec(1), rec(2)], failures=[GitHubAPIError("422 validation failed", status=422)] * 9)
    with pytest.raises(PatguardError) as info:
        _pat_writes.revoke_grants(client, "acme", [1, 2], active={1, 2})
    assert info.value.details["status"] == 422 and info.value.details["not_processed"] == [1, 2]
    assert (
        "422 validation failed" in info.value.message
        and len(client.writes()) == 1
        and len(client.listings()) == _pat_writes.RECONCILE_ROUNDS
    )


def test_partial_failure_report_carries_gone_and_each_id_once():
    client = StubClient(
        grants=[rec(i) for i in range(1, 151)], failures=[None, None, RateLimitError("rate limit spent", status=403)]
    )
    del client.grants[120]
    with pytest.raises(PatguardError) as info:
        _pat_writes.revoke_grants(client, "acme", list(range(1, 151)), active=set(range(1, 151)))
    details = info.value.details
    # Chunk 1 revoked; chunk 2 refused for grant 120 (gone), its resend stopped by the rate limit.
    assert details["revoked"] == list(range(1, 101)) and [g["id"] for g in details["gone"]] == [120]
    assert details["not_processed"] == [i for i in range(101, 151) if i != 120]
    assert "revoked 100, gone 1" in info.value.message


# -- issue 12.4: an upgrade request and the grant of the same token are two records -------------
def test_upgrade_request_and_grant_of_one_token_are_reconciled_each_by_its_own_listing():
    # Request 7 asks to widen token 900, which grant 7 already holds: same token id, same number.
    client = StubClient(requests=[rec(7, token=900)], grants=[rec(7, token=900)], failures=["lost-applied"])
    decisions = _pat.normalize_decisions(decisions=[{"id": 7, "action": "approve", "token_id": 900}])
    result = _pat_writes.review_requests(client, "acme", decisions)
    assert result["approved"] == [7] and 7 in client.grants  # the grant is untouched
    assert all("token-requests" in c[1] for c in client.listings())  # never "a grant exists" as proof
    revoked = _pat_writes.revoke_grants(client, "acme", [7], token_of={7: 900})
    assert revoked["revoked"] == [7] and revoked["unchanged"] == []


def test_approving_an_upgrade_lost_before_it_arrived_is_resent_although_the_grant_exists():
    client = StubClient(requests=[rec(7, token=900)], grants=[rec(8, token=900)], failures=["lost"])
    decisions = _pat.normalize_decisions(decisions=[{"id": 7, "action": "approve", "token_id": 900}])
    result = _pat_writes.review_requests(client, "acme", decisions, refresh=False)
    assert result["approved"] == [7] and len(client.writes()) == 2 and client.pending == {}


def test_denying_a_request_gone_is_not_confused_with_its_tokens_grant():
    client = StubClient(requests=[rec(7, token=900)], grants=[rec(8, token=900)])
    del client.pending[7]  # the owner cancelled the upgrade request
    decisions = _pat.normalize_decisions(decisions=[{"id": 7, "action": "deny", "token_id": 900}])
    result = _pat_writes.review_requests(client, "acme", decisions, refresh=False)
    gone = [{"id": 7, "kind": "request", "token_id": 900, "step": "review"}]
    assert result["denied"] == [] and result["gone"] == gone
    assert 8 in client.grants


# -- issue 12.7: last_used filters decided on token_last_used_at ---------------------------------
USED = {1: "2026-01-10T00:00:00Z", 2: "2026-03-01T00:00:00Z", 3: None}


@pytest.mark.parametrize("never_used,expected", [("exclude", [1]), ("include", [1, 3]), (None, [1])])
def test_last_used_before_is_decided_on_our_side_with_explicit_never_used(never_used, expected):
    client = StubClient(grants=[rec(i, last_used=used) for i, used in USED.items()])  # a server that ignores it
    filters = _pat.check_filters(last_used_before="2026-02-01T00:00:00Z", never_used=never_used)
    records = _pat.list_records(client, "acme", "grant", filters)
    assert [r["id"] for r in records] == expected
    assert client.listings()[0][2] == {}  # never sent: GitHub's matching of never-used is undocumented


@pytest.mark.parametrize("never_used,expected", [("exclude", [2]), ("include", [2, 3])])
def test_last_used_after_with_never_used(never_used, expected):
    client = StubClient(grants=[rec(i, last_used=used) for i, used in USED.items()])
    filters = _pat.check_filters(last_used_after="2026-02-01T00:00:00Z", never_used=never_used)
    assert [r["id"] for r in _pat.list_records(client, "acme", "grant", filters)] == expected


def test_last_used_bounds_are_strict_and_other_filters_still_go_to_github():
    client = StubClient(grants=[rec(1, last_used="2026-02-01T00:00:00Z")])
    filters = _pat.check_filters(last_used_before="2026-02-01T00:00:00Z", repository="docs")
    assert _pat.list_records(client, "acme", "grant", filters) == []
    assert client.listings()[0][2] == {"repository": "docs"}


def test_never_used_must_be_a_known_choice():
    with pytest.raises(ConfigError) as info:
        _pat.check_filters(last_used_before="2026-02-01", never_used="maybe")
    assert "never_used: must be one of exclude, include" in info.value.message


# -- issue 13.7: owners that match no member warn -----------------------------------------------
def test_owners_without_records_that_are_not_members_warn_with_minimal_calls():
    client = StubClient(grants=[rec(1, owner="alice")], members={"alice", "bob"})
    warnings = []
    result = _pat.listing_result(
        client, "acme", "grant", _pat.check_filters(owners=["alice", "bob", "zed"]), warn=warnings.append
    )
    assert result["count"] == 1 and result["gone"] == []
    assert len(warnings) == 1 and "owners: zed is not a member of acme" in warnings[0]
    # alice has records: no membership call; bob is a member without tokens; zed is not a member.
    checked = [c[1] for c in client.calls if "/members/" in c[1]]
    assert checked == ["/orgs/acme/members/bob", "/orgs/acme/members/zed"]


def test_membership_that_cannot_be_read_is_said_as_such():
    client = StubClient()

    def refuse(method, path, json=None, **kwargs):
        raise GitHubAPIError("403", status=403)

    client.request = refuse
    warnings = _pat.owners_not_members(client, "acme", ["zed"], [])
    assert len(warnings) == 1 and "could not be checked (GitHub answered 403" in warnings[0]
