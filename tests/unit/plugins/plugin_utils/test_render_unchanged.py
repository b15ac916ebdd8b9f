"""Every rendered file of a rich report and of a roll-up, pinned by SHA-256.

Refactors of the renderers keep the output byte-identical; a change that means to alter a
page updates the pinned digest in the same commit (the failure message prints the
new digests).
"""

from __future__ import annotations

import hashlib
import json

from credential_records import credential_record

from ansible_collections.patguard.github.plugins.action.pat_report_rollup import run_action as rollup_action
from ansible_collections.patguard.github.plugins.module_utils._credential_policy import plan as credential_plan
from ansible_collections.patguard.github.plugins.plugin_utils import _report_credentials as credentials
from ansible_collections.patguard.github.plugins.plugin_utils._report_drift import compute_drift
from ansible_collections.patguard.github.plugins.plugin_utils._report_files import render_all
from ansible_collections.patguard.github.plugins.plugin_utils._report_model import build_report

NOW = "2026-12-01T00:00:00Z"
POLICY = {
    "max_lifetime_days": 90,
    "max_inactive_days": 60,
    "revoke_expired": True,
    "forbidden_permissions": ["administration:write"],
    "actions": {"violating_grant": "revoke", "violating_request": "deny", "compliant_request": "approve"},
    "credential_authorizations": {"require_expiry": True, "action": "remove"},
}
PINNED = {
    "first/report.csv": "255dc84cc3c16abb014bbb63d179cd594421a277e741e7304969c52414f4f78e",
    "first/report.html": "85764d54b4628770bc8f24ba76446edfa56d05cbacf1e4555b851247f8729762",
    "first/report.json": "dbb7e9cd6d37047d19de41f44dfba425b17f51ef807bed0f6223b533d8fa4826",
    "first/summary.md": "d67e0efeb4ec17240f14af4f9694e8cc26bbd857324195ff4121c7c4164bed81",
    "rollup/index.html": "31de4411f8e4e17e66977da209d680179f8e63821c073f53160bf4c86c675188",
    "rollup/result.json": "d5bd644b038df7085e2425864091416edb8cbe16cd6830753e72aeff9347d0be",
    "rollup/rollup.json": "787423d242deae2c5cde05a36959381e1f6472bf621e754d7b31a120cbd62ccf",
    "rollup/summary.md": "1ccc544f25c7504c4f2682e9aea57696e0ff60d420ddeb80814503d663da3573",
    "second/report.csv": "ac96432ef6f32eab2d3a73c4b68f9e600cd9d7e2a15b7276ccbb6914888a6def",
    "second/report.html": "115d61c6d5e71f5413e8dd9232d55034ec222715671a729f8bb334fd34062c74",
    "second/report.json": "2f893acbc9405aeb6d4fdde35e5e4ef7130125080120f1bee780aab6987139ed",
    "second/summary.md": "0f413df3e75df01629b2d15d65d44e9088ebfe06e470ed2a68297aab99c7af4c",
}


def _grant(gid, owner, perms, expires, last_used, selection="subset"):
    return {
        "id": gid,
        "owner": owner,
        "token_id": gid * 10,
        "token_name": "tok-%d <b>" % gid,
        "repository_selection": selection,
        "repositories": ["api"] if selection == "subset" else None,
        "permissions": {"repository": perms, "organization": {}, "other": {}},
        "access_granted_at": "2026-06-01T00:00:00Z",
        "token_expires_at": expires,
        "token_expired": False,
        "token_last_used_at": last_used,
    }


def _request(rid, owner, perms):
    return {
        "id": rid,
        "owner": owner,
        "token_id": rid * 10,
        "token_name": "req-%d" % rid,
        "reason": "Deploys the API service",
        "repository_selection": "subset",
        "repositories": None,
        "permissions": {"repository": perms},
        "created_at": "2026-11-30T00:00:00Z",
        "token_expires_at": "2026-12-30T00:00:00Z",
        "token_expired": False,
        "token_last_used_at": None,
    }


def _cred(cid, login, **fields):
    return credential_record(cid, login, "abcd1234", **fields)


def _params(creds):
    return {
        "credential_authorizations": creds,
        "credential_decisions": credential_plan(creds, POLICY, now=NOW)["decisions"],
        "credential_removed": [creds[0]["credential_id"]],
        "audit_events": [
            {
                "_document_id": "x",
                "action": "org_credential_authorization.revoke",
                "actor": "ada",
                "user": "alice",
                "token_id": 501,
                "@timestamp": 1796083200000,
            }
        ],
        "history_days": 30,
        "expect_writes": [{"kind": "remove_authorization", "token_id": 501, "at": "2026-11-30T23:59:00Z"}],
    }


def _report(grants, requests, creds, baseline=None):
    report = build_report(requests, grants, policy=POLICY, now=NOW, org="acme", generated_at=NOW, mode="enforce")
    credentials.add_sections(report, _params(creds), baseline)
    if baseline is not None:
        report["drift"] = compute_drift(baseline, report)
    return report


def rendered_files(tmp_path):
    """name -> bytes of every file a report (with drift, credentials, history) and a roll-up write."""
    grants = [
        _grant(1, "ada", {"contents": "read"}, "2027-01-01T00:00:00Z", "2026-11-30T00:00:00Z"),
        _grant(2, "bob", {"administration": "write"}, None, None, selection="all"),
        _grant(3, "carol", {"issues": "write", "metadata": "read"}, "2026-12-05T00:00:00Z", "2026-01-01T00:00:00Z"),
    ]
    requests = [_request(4, "dan", {"contents": "write"}), _request(5, "eve", {"administration": "write"})]
    creds = [_cred(1, "alice"), _cred(2, "bob", expires="2027-01-01T00:00:00Z"), _cred(3, "bob", kind="SSH key")]
    first = _report(grants[:2], requests[:1], creds[:2])
    second = _report(grants, requests, creds, baseline=json.loads(json.dumps(first)))
    files = {}
    for prefix, report in (("first/", first), ("second/", second)):
        files.update((prefix + name, value.encode("utf-8")) for name, value in render_all(report, page_size=2).items())
    for org, report in (("acme", second), ("beta", first)):
        (tmp_path / org).mkdir()
        (tmp_path / org / "report.json").write_bytes(
            files[("second/" if report is second else "first/") + "report.json"]
        )
    result = rollup_action(
        {"dest": str(tmp_path), "orgs": ["acme", "beta", "gone"], "completed": ["acme", "gone"]}, now=lambda: NOW
    )
    result = json.loads(json.dumps(result).replace(str(tmp_path), "DEST"))
    files["rollup/result.json"] = json.dumps(result, sort_keys=True).encode("utf-8")
    for name in ("index.html", "rollup.json", "summary.md"):
        files["rollup/" + name] = (tmp_path / name).read_bytes()
    return files


def test_rendered_files_are_byte_identical(tmp_path):
    digests = dict((name, hashlib.sha256(data).hexdigest()) for name, data in sorted(rendered_files(tmp_path).items()))
    assert digests == PINNED, "new digests:\n%s" % json.dumps(digests, indent=1)
