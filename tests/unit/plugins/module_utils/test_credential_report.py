"""The report's credential authorizations section and audit history (pure)."""

from __future__ import annotations

import json

from ansible_collections.patguard.github.plugins.module_utils._credential_policy import plan
from ansible_collections.patguard.github.plugins.module_utils._credential_report import (
    credential_section,
    history_section,
)

NOW = "2026-12-01T00:00:00Z"
SECRET = "ghp_" + "k9Lm2Nq4Rs" * 3 + "Tu7Vw8"


def raw(
    cid,
    kind="personal access token",
    login="alice",
    authorized="2026-01-01T00:00:00Z",
    accessed=None,
    expires=None,
    scopes=("repo",),
    last_eight=None,
):
    record = {
        "credential_id": cid,
        "authorized_credential_id": cid + 100,
        "login": login,
        "credential_type": kind,
        "credential_authorized_at": authorized,
        "credential_accessed_at": accessed,
    }
    if kind != "SSH key":
        record.update(
            token_last_eight=last_eight or SECRET[-8:], scopes=list(scopes), authorized_credential_expires_at=expires
        )
    return record


RECORDS = [
    raw(1, accessed="2026-11-30T00:00:00Z", expires="2027-01-01T00:00:00Z"),  # used, expires
    raw(2, kind="OAuth app token", login="bob", scopes=("repo", "admin:org")),  # never used, never expires
    raw(3, kind="SSH key", login="bob", accessed="2026-08-01T00:00:00Z"),  # idle 122 days
    raw(4, accessed="2026-11-01T00:00:00Z", expires="2026-11-15T00:00:00Z", last_eight=SECRET[-12:]),  # expired
]


def test_counts_by_type_scopes_expiry_and_use():
    decisions = plan(RECORDS, {"credential_authorizations": {"require_expiry": True, "action": "remove"}}, now=NOW)[
        "decisions"
    ]
    section = credential_section(RECORDS, decisions, now=NOW, removed=[2])
    summary = section["summary"]
    assert summary["total"] == 4 and summary["present"] == 3 and summary["removed"] == 1
    assert summary["by_type"] == {"personal_access_token": 2, "ssh_key": 1}
    assert summary["scopes"] == {"repo": 2}
    assert summary["without_expiry"] == 0 and summary["expired"] == 1  # 2 was removed this run
    assert summary["unused_90d"] == 1 and summary["never_accessed"] == 0
    assert summary["decisions"] == {"keep": 3, "remove": 1} and summary["violations"] == {"no_expiry": 1}
    rows = dict((r["credential_id"], r) for r in section["rows"])
    assert rows[2]["state"] == "removed" and rows[2]["never_expires"] is True and rows[2]["violating"] is True
    assert rows[3]["days_idle"] == 122 and rows[3]["token_last_eight"] is None
    assert rows[4]["token_last_eight"] == SECRET[-8:]  # never more than GitHub's last eight
    assert section["charts"]["by_type"][0] == {"label": "personal_access_token", "count": 2}
    text = json.dumps(section)
    assert all(SECRET[i : i + 9] not in text for i in range(len(SECRET) - 8))


def test_drift_against_a_previous_section():
    previous = credential_section(RECORDS[:3], now="2026-11-01T00:00:00Z")
    current = credential_section(
        RECORDS[1:],
        plan(RECORDS[1:], {"credential_authorizations": {"max_inactive_days": 30}}, now=NOW)["decisions"],
        now=NOW,
    )
    drift = current["drift"] if current["drift"] else None
    assert drift is None  # no previous given
    drift = credential_section(RECORDS[1:], now=NOW, previous=previous)["drift"]
    assert drift["added"] == [4] and drift["gone"] == [1] and drift["decision_changed"] == []
    assert drift["previous_evaluated_at"] == "2026-11-01T00:00:00Z"


def test_history_section_counts_recent_decisions_and_confirms_writes():
    day = 86400 * 1000
    base = 1764547200000  # 2025-12-01T00:00:00Z
    events = [
        {
            "_document_id": "a",
            "action": "personal_access_token.access_granted",
            "actor": "bot",
            "user": "bob",
            "token_id": 5,
            "@timestamp": base - 2 * day,
        },
        {
            "_document_id": "b",
            "action": "personal_access_token.access_revoked",
            "actor": "bot",
            "user": "bob",
            "token_id": 6,
            "@timestamp": base - day,
        },
        {
            "_document_id": "c",
            "action": "personal_access_token.request_denied",
            "actor": "ada",
            "user": "eve",
            "token_id": 7,
            "@timestamp": base - 40 * day,
        },
        {"_document_id": "d", "action": "repo.create", "actor": "ada", "@timestamp": base - day},
    ]
    section = history_section(
        events,
        days=30,
        now="2025-12-01T00:00:00Z",
        expect=[
            {"kind": "revoke", "token_id": 6, "at": "2025-11-30T00:00:00Z"},
            {"kind": "revoke", "token_id": 5, "at": "2025-11-29T00:00:00Z"},
        ],
    )
    assert section["total"] == 2 and section["by_decision"] == {"approved": 1, "revoked": 1}
    assert section["by_actor"] == {"bot": {"approved": 1, "revoked": 1}}
    assert list(section["by_day"]) == ["2025-11-29", "2025-11-30"]
    assert [e["token_id"] for e in section["entries"]] == [5, 6]
    assert [w["token_id"] for w in section["confirmation"]["confirmed"]] == [6]
    assert [w["token_id"] for w in section["confirmation"]["missing"]] == [5]  # granted, not revoked
