"""pat_report with the SAML SSO credential authorizations section and the audit history: every
file shows them, drift compares with the previous report, no token fragment beyond the last eight."""

from __future__ import annotations

import json

from credential_records import credential_record

from ansible_collections.patguard.github.plugins.action import pat_report as action
from ansible_collections.patguard.github.plugins.module_utils._credential_policy import plan

NOW = "2026-12-01T00:00:00Z"
SECRET = "ghp_" + "Zx8Cv7Bn6M" * 3 + "Lk5Jh4"
POLICY = {"credential_authorizations": {"require_expiry": True, "action": "remove"}}


def cred(cid, login, **fields):
    return credential_record(cid, login, SECRET[-8:], **fields)


def report_args(dest, records, **extra):
    args = {
        "dest": str(dest),
        "org": "acme",
        "now": NOW,
        "grants": [{"id": 1, "owner": "bob", "token_id": 9}],
        "credential_authorizations": records,
        "credential_decisions": plan(records, POLICY, now=NOW)["decisions"],
    }
    args.update(extra)
    return args


def test_credential_and_history_sections_in_every_file(tmp_path):
    records = [cred(1, "alice"), cred(2, "bob", expires="2027-01-01T00:00:00Z"), cred(3, "bob", kind="SSH key")]
    events = [
        {
            "_document_id": "x",
            "action": "org_credential_authorization.revoke",
            "actor": "ada",
            "user": "alice",
            "token_id": 501,
            "@timestamp": 1796083200000,
        }
    ]  # 2026-12-01T00:00:00Z
    result = action.run_action(
        report_args(
            tmp_path,
            records,
            credential_removed=[1],
            audit_events=events,
            expect_writes=[{"kind": "remove_authorization", "token_id": 501, "at": "2026-11-30T23:59:00Z"}],
        )
    )
    assert not result.get("failed"), result
    report = json.loads((tmp_path / "report.json").read_text())
    summary = report["credentials"]["summary"]
    assert (
        summary["present"] == 2
        and summary["removed"] == 1
        and summary["by_type"] == {"personal_access_token": 1, "ssh_key": 1}
    )
    assert summary["scopes"] == {"admin:org": 1, "repo": 1} and summary["without_expiry"] == 0
    assert report["history"]["by_decision"] == {"authorization_removed": 1}
    assert report["history"]["confirmation"]["all_confirmed"] is True
    html = (tmp_path / "report.html").read_text()
    assert 'id="credentials"' in html and 'id="history"' in html and "svg-credential-types" in html
    markdown = (tmp_path / "summary.md").read_text()
    assert "### SAML SSO credential authorizations" in markdown and "| Removed by this run | 1 |" in markdown
    assert "confirmed, 0 not yet" in markdown
    for name in ("report.json", "report.html", "summary.md", "report.csv"):
        text = (tmp_path / name).read_text()
        assert all(SECRET[i : i + 9] not in text for i in range(len(SECRET) - 8)), name


def test_credential_drift_against_the_previous_report(tmp_path):
    first = action.run_action(report_args(tmp_path, [cred(1, "alice"), cred(2, "bob")]))
    assert first["changed"] is True
    second = action.run_action(report_args(tmp_path, [cred(2, "bob"), cred(4, "carol")]))
    assert second["changed"] is True
    drift = json.loads((tmp_path / "report.json").read_text())["credentials"]["drift"]
    assert drift["added"] == [4] and drift["gone"] == [1]
    assert "1 new, 1 gone" in (tmp_path / "summary.md").read_text()


def test_without_credential_inputs_the_report_is_unchanged(tmp_path):
    result = action.run_action({"dest": str(tmp_path), "grants": [{"id": 1}], "now": NOW})
    report = json.loads((tmp_path / "report.json").read_text())
    assert not result.get("failed") and report["credentials"] is None and report["history"] is None
    assert "credential" not in (tmp_path / "summary.md").read_text().lower()
