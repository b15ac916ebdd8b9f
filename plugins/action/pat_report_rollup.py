# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of patguard.github.pat_report_rollup (documented in plugins/modules/pat_report_rollup.py).

Runs on the controller: it reads the organizations' report.json files under ``dest`` and
writes the enterprise page there, whatever host the task runs for.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from typing import Callable

from ansible_collections.patguard.github.plugins.plugin_utils._action import ControllerAction, validate
from ansible_collections.patguard.github.plugins.plugin_utils._rollup import (
    ROLLUP_FILES,
    RollupError,
    build_rollup,
    org_row,
    read_report,
    render_html,
    render_json,
    render_markdown,
    report_path,
)

# The options of DOCUMENTATION in plugins/modules/pat_report_rollup.py.
ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    orgs=dict(type="list", elements="str", required=True),
    completed=dict(type="list", elements="str"),
    title=dict(type="str", default="Fine-grained tokens across organizations"),
)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _existing(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _write(path, content):
    directory = os.path.dirname(path)
    handle, tmp = tempfile.mkstemp(prefix=".rollup-", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _rows(params, dest):
    """One row per organization of ``orgs``; raises RollupError for an org that is not a login."""
    completed = set(params["orgs"] if params["completed"] is None else params["completed"])
    rows = []
    for org in params["orgs"]:
        report, problem = read_report(report_path(dest, org))
        rows.append(org_row(org, report, completed=org in completed, problem=problem))
    return rows


def _rollup(rows, dest, now):
    rollup = build_rollup(rows, generated_at=now())
    previous = _existing(os.path.join(dest, "rollup.json"))
    if previous and dict(previous, generated_at=None) == dict(rollup, generated_at=None):
        rollup["generated_at"] = previous.get("generated_at")  # same content: same bytes, nothing written
    return rollup


def _differing(dest, contents):
    """The names of ROLLUP_FILES whose file on disk is not ``contents[name]``."""
    written = []
    for name in ROLLUP_FILES:
        path = os.path.join(dest, name)
        try:
            with open(path, encoding="utf-8") as handle:
                same = handle.read() == contents[name]
        except OSError:
            same = False
        if not same:
            written.append(name)
    return written


def _lines(rollup, dest):
    t = rollup["totals"]
    figures = (
        t["organizations"],
        t["with_violations"],
        t["present"],
        t["violating"],
        t["approved"],
        t["denied"],
        t["revoked"],
    )
    lines = [
        "Organizations: %d (%d with violations); tokens present %d, violating %d; this run approved %d, "
        "denied %d, revoked %d" % figures
    ]
    lines += ["%s: %s" % (p["org"], p["problem"] or p["status"]) for p in rollup["problems"]]
    lines.append("Enterprise page: %s" % os.path.join(dest, "index.html"))
    return lines


def _result(rollup, dest, written):
    result = {
        "changed": bool(written),
        "dest": dest,
        "written": written,
        "totals": rollup["totals"],
        "organizations": [r["org"] for r in rollup["organizations"]],
        "problems": rollup["problems"],
        "files": dict((name, os.path.join(dest, name)) for name in ROLLUP_FILES),
        "lines": _lines(rollup, dest),
    }
    if rollup["problems"]:
        result["warnings"] = [
            "%d organization(s) without a current report: %s"
            % (
                len(rollup["problems"]),
                ", ".join("%s (%s)" % (p["org"], p["problem"] or p["status"]) for p in rollup["problems"]),
            )
        ]
    return result


def run_action(args: dict, check_mode: bool = False, diff: bool = False, now: Callable[[], str] = _now) -> dict:
    """The task result for ``args`` (no Ansible objects needed: unit-testable). No diff to show."""
    params, failure = validate(ARGUMENT_SPEC, args)
    if failure:
        return failure
    dest = os.path.abspath(os.path.expanduser(params["dest"]))
    try:
        rows = _rows(params, dest)
    except RollupError as exc:
        return {"failed": True, "changed": False, "msg": str(exc)}
    rollup = _rollup(rows, dest, now)
    contents = {
        "rollup.json": render_json(rollup),
        "summary.md": render_markdown(rollup),
        "index.html": render_html(rollup, title=params["title"]),
    }
    written = _differing(dest, contents)
    if written and not check_mode:
        os.makedirs(dest, exist_ok=True)
        for name in written:
            _write(os.path.join(dest, name), contents[name])
    return _result(rollup, dest, written)


class ActionModule(ControllerAction):
    run_action = staticmethod(run_action)
