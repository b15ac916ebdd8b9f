"""A pat_policy pass over scripted records and bulk outcomes, for the unit tests.

One home for the records and the scripted organization that the pass's tests
(tests/unit/plugins/module_utils/test_policy_run.py) and the publishing action's
(tests/unit/plugins/action/test_pat_policy_result.py) both run on.
"""

from __future__ import annotations

from ansible_collections.patguard.github.plugins.module_utils import _policy_run


def record(i, kind):
    base = {
        "id": i,
        "owner": "octocat",
        "token_id": 100 + i,
        "token_name": "t%d" % i,
        "reason": "r" if kind == "request" else None,
        "repository_selection": "subset",
        "repositories": ["app-web"],
        "permissions": {"organization": {}, "repository": {"metadata": "read"}, "other": {}},
        "created_at": "2025-05-01T00:00:00Z",
        "token_expires_at": "2026-06-01T00:00:00Z",  # over the 30-day maximum: deny / revoke
        "token_expired": False,
        "token_last_used_at": None,
        "lifetime_days": None,
    }
    if kind == "grant":
        base["access_granted_at"] = base.pop("created_at")
    return base


PARAMS = {
    "org": "acme",
    "mode": "enforce",
    "now": "2025-06-01T12:00:00Z",
    "policy": {"max_lifetime_days": 30, "actions": {"violating_request": "deny", "violating_grant": "revoke"}},
}


def scripted_org(monkeypatch):
    """Requests 1, 2 and grants 10-13 to deny/revoke; the bulk outcomes are scripted per kind.

    Returns the dict of outcomes to fill: ``outcomes["request"]`` / ``outcomes["grant"]`` is
    what the bulk review / revoke answers (or an exception it raises).
    """
    records = {
        "request": [record(1, "request"), record(2, "request")],
        "grant": [record(i, "grant") for i in range(10, 14)],
    }
    outcomes = {}

    def list_records(client, org, kind, filters=None):
        return [dict(r) for r in records[kind]]

    def answer(kind, ids):
        outcome = outcomes[kind]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(_policy_run, "list_records", list_records)
    monkeypatch.setattr(_policy_run, "review_requests", lambda client, org, review, **kw: answer("request", review))
    monkeypatch.setattr(_policy_run, "revoke_grants", lambda client, org, ids, **kw: answer("grant", ids))
    return outcomes
