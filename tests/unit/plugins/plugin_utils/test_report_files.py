"""The report directory (plugin_utils/_report_files.py): idempotence, rotation, atomic writes, warnings."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.patguard.github.plugins.plugin_utils import _report_files as r_files
from ansible_collections.patguard.github.plugins.plugin_utils._report_model import ReportError

NOW = "2026-01-01T00:00:00Z"


def grant(gid, perms="read", **extra):
    record = {
        "id": gid,
        "owner": "ada",
        "token_id": gid * 10,
        "token_name": "ci",
        "repository_selection": "subset",
        "repositories": ["api"],
        "permissions": {"repository": {"contents": perms}},
        "access_granted_at": "2025-12-01T00:00:00Z",
        "token_expires_at": "2026-02-01T00:00:00Z",
        "token_expired": False,
        "token_last_used_at": "2025-12-30T00:00:00Z",
    }
    record.update(extra)
    return record


def params(dest, grants=(), requests=(), **extra):
    values = {
        "dest": str(dest),
        "org": "acme",
        "requests": list(requests),
        "grants": list(grants),
        "decisions": None,
        "policy": {},
        "applied": {},
        "mode": "report",
        "now": NOW,
        "previous": None,
        "page_size": 100,
    }
    values.update(extra)
    return values


def files_of(dest):
    return dict((name, (dest / name).read_bytes()) for name in sorted(os.listdir(dest)) if not name.startswith("."))


def test_first_run_writes_every_file_then_nothing_changes(tmp_path):
    dest = tmp_path / "reports" / "acme"
    result, warnings = r_files.run_report(params(dest, [grant(1)]))
    assert warnings == [] and result["changed"] is True
    assert result["written"] == list(r_files.FILES) and result["previous"] is None and result["drift"] is None
    assert sorted(os.listdir(dest)) == sorted(r_files.FILES)
    before = files_of(dest)
    again, _warnings = r_files.run_report(params(dest, [grant(1)]))
    assert again["changed"] is False and again["written"] == [] and files_of(dest) == before
    assert not (dest / r_files.PREVIOUS_FILE).exists()


def test_a_changed_inventory_rotates_report_json_once(tmp_path):
    dest = tmp_path / "acme"
    r_files.run_report(params(dest, [grant(1)]))
    first = (dest / "report.json").read_bytes()
    result, _warnings = r_files.run_report(params(dest, [grant(1, perms="write")]))
    assert result["changed"] is True and "report.json" in result["written"]
    assert (dest / r_files.PREVIOUS_FILE).read_bytes() == first
    assert result["previous"] == str(dest / r_files.PREVIOUS_FILE)
    assert result["drift"]["permission_upgrades"] == 1
    second = (dest / "report.json").read_bytes()
    # The same inventory again: report.previous.json is not rotated a second time.
    same, _warnings = r_files.run_report(params(dest, [grant(1, perms="write")]))
    assert same["changed"] is False and (dest / r_files.PREVIOUS_FILE).read_bytes() == first
    assert (dest / "report.json").read_bytes() == second and same["previous"] == str(dest / r_files.PREVIOUS_FILE)


def test_check_mode_writes_nothing_and_predicts(tmp_path):
    dest = tmp_path / "acme"
    r_files.run_report(params(dest, [grant(1)]))
    before = files_of(dest)
    result, _warnings = r_files.run_report(params(dest, [grant(1), grant(2)]), check_mode=True, diff=True)
    assert result["changed"] is True and "report.json" in result["written"]
    assert files_of(dest) == before
    assert "Active grants | 1 |" in result["diff"]["before"] and "Active grants | 2 |" in result["diff"]["after"]


def test_an_interrupted_write_keeps_the_old_report_json(tmp_path, monkeypatch):
    dest = tmp_path / "acme"
    r_files.run_report(params(dest, [grant(1)]))
    old = (dest / "report.json").read_bytes()
    real = r_files.write_atomic

    def failing(directory, name, data):
        if name == "report.json":
            raise OSError(28, "No space left on device")
        real(directory, name, data)

    monkeypatch.setattr(r_files, "write_atomic", failing)
    with pytest.raises(ReportError) as info:
        r_files.run_report(params(dest, [grant(1), grant(2)]))
    assert "No space left on device" in str(info.value)
    assert info.value.details["written"] == [r_files.PREVIOUS_FILE, "report.csv", "report.html", "summary.md"]
    assert (dest / "report.json").read_bytes() == old
    assert not [name for name in os.listdir(dest) if name.startswith(".")]  # no temporary file left
    # The next run finds the same baseline and completes.
    monkeypatch.setattr(r_files, "write_atomic", real)
    result, _warnings = r_files.run_report(params(dest, [grant(1), grant(2)]))
    assert result["drift"]["new"] == 1 and json.loads((dest / "report.json").read_text())["drift"]["counts"]["new"] == 1


def test_replaced_files_keep_their_mode(tmp_path):
    dest = tmp_path / "acme"
    r_files.run_report(params(dest, [grant(1)]))
    os.chmod(dest / "report.html", 0o640)
    r_files.run_report(params(dest, [grant(2)]))
    assert stat.S_IMODE(os.stat(dest / "report.html").st_mode) == 0o640


def test_baselines_explicit_bad_and_ignored(tmp_path):
    r_files.run_report(params(tmp_path / "a", [grant(1)]))
    result, _warnings = r_files.run_report(
        params(tmp_path / "b", [grant(1, perms="write")], previous=str(tmp_path / "a" / "report.json"))
    )
    assert result["drift"]["permission_upgrades"] == 1 and result["previous"] == str(tmp_path / "a" / "report.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ReportError, match="previous: .*not valid JSON"):
        r_files.run_report(params(tmp_path / "c", [grant(1)], previous=str(tmp_path / "bad.json")))
    with pytest.raises(ReportError, match="previous: cannot read"):
        r_files.run_report(params(tmp_path / "c", [grant(1)], previous=str(tmp_path / "missing.json")))
    assert not (tmp_path / "c").exists()
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "report.json").write_text(json.dumps({"tokens": [], "schema_version": 99}))
    result, warnings = r_files.run_report(params(tmp_path / "d", [grant(1)]))
    assert result["drift"] is None and warnings == [
        "ignoring the existing report: the previous report has schema_version 99; this collection reads 1 to 2"
    ]
    with pytest.raises(ReportError, match="page_size must be at least 1"):
        r_files.run_report(params(tmp_path / "e", [grant(1)], page_size=0))


def test_no_records_warns(tmp_path):
    result, warnings = r_files.run_report(params(tmp_path / "empty"))
    assert warnings == [r_files.NO_RECORDS_WARNING] and "no request and no grant" in warnings[0]
    assert result["summary"]["tokens"] == 0 and result["changed"] is True
