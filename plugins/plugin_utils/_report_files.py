# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file is private to the patguard.github collection; its API may change at any time.
"""The report directory: baseline, idempotence, rotation of report.previous.json, atomic writes.

``run_report`` is the whole of the ``pat_report`` action apart from option checking, so it is
unit-tested on a temporary directory.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from typing import Any

from ansible_collections.patguard.github.plugins.plugin_utils import _report_credentials as credentials
from ansible_collections.patguard.github.plugins.plugin_utils._report_drift import (
    check_previous,
    compute_drift,
    same_inventory,
)
from ansible_collections.patguard.github.plugins.plugin_utils._report_html import render_html
from ansible_collections.patguard.github.plugins.plugin_utils._report_model import ReportError, build_report
from ansible_collections.patguard.github.plugins.plugin_utils._report_text import (
    render_csv,
    render_json,
    render_markdown,
    summary_lines,
)

FILES = ("report.json", "report.csv", "report.html", "summary.md")
CURRENT_FILE = "report.json"
PREVIOUS_FILE = "report.previous.json"
NO_RECORDS_WARNING = (
    "pat_report was given no request and no grant: the report lists no token. "
    "Check that the listings (requests, grants) are passed, and the organization."
)


def render_all(report: dict[str, Any], page_size: int = 100) -> dict[str, str]:
    """{file name: text} for every file of the report directory."""
    return {
        "report.json": render_json(report),
        "report.csv": render_csv(report),
        "report.html": render_html(report, page_size=page_size, extra_sections=credentials.html_sections(report)),
        "summary.md": render_markdown(report) + "".join(line + "\n" for line in credentials.markdown_lines(report)),
    }


def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def load_report(raw: bytes, path: str) -> Any:
    """A report document from bytes, checked (and re-keyed when older) by check_previous."""
    try:
        return check_previous(json.loads(raw.decode("utf-8")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError("%s is not valid JSON: %s" % (path, exc)) from None


def _default_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(dest: str, name: str, data: bytes) -> None:
    """Replace ``dest/name`` in one step, keeping the mode of the file it replaces."""
    target = os.path.join(dest, name)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % name, dir=dest)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            mode = _default_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _baseline(dest, previous, warnings):
    """(existing report or None, its bytes, baseline document, baseline path)."""
    current_path = os.path.join(dest, CURRENT_FILE)
    current_raw = read_bytes(current_path)
    existing = None
    if current_raw is not None:
        try:
            existing = load_report(current_raw, current_path)
        except ReportError as exc:
            warnings.append("ignoring the existing report: %s" % exc)
    baseline, baseline_path = existing, (current_path if existing is not None else None)
    if previous:
        raw = read_bytes(previous)
        if raw is None:
            raise ReportError("previous: cannot read %s" % previous)
        try:
            baseline, baseline_path = load_report(raw, previous), previous
        except ReportError as exc:
            raise ReportError("previous: %s" % exc) from None
    return existing, current_raw, baseline, baseline_path


def _report(params, dest, existing, baseline, baseline_path):
    """The report with its drift, and the baseline path to return."""
    report = build_report(
        requests=params["requests"],
        grants=params["grants"],
        decisions=params["decisions"],
        policy=params["policy"],
        org=params["org"],
        now=params["now"],
        applied=params["applied"],
        mode=params["mode"],
    )
    credentials.add_sections(report, params, baseline)  # SAML SSO credentials and audit history, if given
    unchanged = existing is not None and same_inventory(report, existing)
    if unchanged:
        # Same inventory as the report on disk: keep its times, and its drift unless a
        # baseline was named, so every file renders to the bytes already there.
        report["generated_at"] = existing.get("generated_at")
        report["evaluated_at"] = existing.get("evaluated_at")
        if params["previous"]:
            report["drift"] = compute_drift(baseline, report)
        else:
            report["drift"] = existing.get("drift")
            baseline_path = os.path.join(dest, PREVIOUS_FILE) if existing.get("drift") else None
    elif baseline is not None:
        report["drift"] = compute_drift(baseline, report)
    return report, unchanged, baseline_path


def _write_all(dest, data, written, rotate, current_raw):
    done = []
    try:
        if not os.path.isdir(dest):
            os.makedirs(dest)
        if rotate:
            write_atomic(dest, PREVIOUS_FILE, current_raw)
            done.append(PREVIOUS_FILE)
        # report.json last: an interrupted run leaves the old report.json, so the next run
        # still finds the same baseline.
        for name in sorted(written, key=lambda n: n == CURRENT_FILE):
            write_atomic(dest, name, data[name])
            done.append(name)
    except OSError as exc:
        raise ReportError(
            "cannot write the report to %s: %s (written before the failure: %s)"
            % (dest, exc, ", ".join(done) or "nothing"),
            written=done,
        ) from None


def run_report(
    params: dict[str, Any], check_mode: bool = False, diff: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Build, compare, render and (unless ``check_mode``) write the report of ``params`` (the
    action's validated options). Returns ``(result, warnings)``; raises ReportError or PolicyError."""
    dest = os.path.abspath(params["dest"])
    if params["page_size"] < 1:
        raise ReportError("page_size must be at least 1, got %d" % params["page_size"])
    warnings = [] if (params["requests"] or params["grants"]) else [NO_RECORDS_WARNING]
    existing, current_raw, baseline, baseline_path = _baseline(dest, params["previous"], warnings)
    report, unchanged, baseline_path = _report(params, dest, existing, baseline, baseline_path)
    rendered = render_all(report, page_size=params["page_size"])
    data = dict((name, value.encode("utf-8")) for name, value in rendered.items())
    written = [name for name in FILES if read_bytes(os.path.join(dest, name)) != data[name]]
    rotate = current_raw is not None and CURRENT_FILE in written and not unchanged
    result = {
        "changed": bool(written),
        "files": dict((name, os.path.join(dest, name)) for name in FILES),
        "written": written,
        "previous": os.path.join(dest, PREVIOUS_FILE) if rotate and not params["previous"] else baseline_path,
        "summary": report["summary"],
        "drift": report["drift"]["counts"] if report.get("drift") else None,
        "lines": summary_lines(report),
        "generated_at": report["generated_at"],
    }
    if diff:
        before = read_bytes(os.path.join(dest, "summary.md"))
        header = os.path.join(dest, "summary.md")
        result["diff"] = {
            "before": before.decode("utf-8", "replace") if before is not None else "",
            "after": rendered["summary.md"],
            "before_header": header,
            "after_header": header,
        }
    if written and not check_mode:
        _write_all(dest, data, written, rotate, current_raw)
    return result, warnings
