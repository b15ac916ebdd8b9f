"""The benchmarks still run and still measure the right thing (bench/, not timed here).

``bench/governance.py`` and ``bench/multi_org.py`` are run by hand on a quiet machine for the
figures of docs/performance.md. This runs both on a small data set so that a change elsewhere
(a moved policy file, a renamed result) cannot break them unnoticed, and checks the
properties they report that do not depend on the machine: the role's requests equal the
minimal plan, the fake's end state is the plan's, no organization is looked up, every
organization ends as a single-organization run leaves it. No wall time is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from harness import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.bench]


def run_bench(tmp_path, script, *args):
    out = tmp_path / ("%s.json" % script)
    env = dict(os.environ, PATGUARD_WRITE_INTERVAL="0")
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / script), *args, "--json", str(out)],
        cwd=str(REPO_ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def test_governance_bench_measures_the_role_against_the_minimal_plan(tmp_path):
    figures, printed = run_bench(
        tmp_path, "governance.py", "--grants", "150", "--requests", "30", "--skip-uri", "--pairs", "2"
    )
    role = figures["role"]
    assert role["state_correct"] is True
    assert role["log"]["total"] == role["minimal"]["total"]
    assert role["log"]["bulk_writes"] == role["minimal"]["bulk_calls"]
    assert role["log"]["duplicates"] == {}
    assert figures["bare"]["log"]["total"] == figures["bare"]["minimal"]["total"]
    assert role["memory"]["tree_pss"] > 0
    assert "Peak memory" in printed and "Wall time" in printed
    # Two (role, bare) pairs on fresh data, the ratio printed is their median.
    assert len(figures["pairs"]) == 2 and all(p["role"] > 0 and p["bare"] > 0 for p in figures["pairs"])
    assert "2 pair(s) on fresh data: median" in printed


def test_multi_org_bench_governs_every_organization_like_a_single_run(tmp_path):
    figures, printed = run_bench(
        tmp_path,
        "multi_org.py",
        "--orgs",
        "3",
        "--grants",
        "40",
        "--requests",
        "8",
        "--latency-ms",
        "0",
        "--forks",
        "1",
        "2",
    )
    for forks in ("1", "2"):
        run = figures["runs"][forks]
        assert run["discovery_calls"] == 0
        assert run["end_state_equal"] == 3
        assert run["requests_equal"] == 3
        assert run["other_requests"] == {"/app/installations": 1}
    assert "forks 2 / forks 1 wall time" in printed
