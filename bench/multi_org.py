"""Benchmark of the multi-organization pass (patguard.github.enforce_policy_all over the inventory).

    nice .venv/bin/python bench/multi_org.py [--orgs 20] [--grants 500] [--requests 100] [--latency-ms 20]
                                             [--forks 1 5] [--json OUT]

Not part of the test suite. One fake GitHub (tests/fake_github, 127.0.0.1, stopped by its PID)
serves ``--orgs`` organizations, each with its own installation, ``--grants`` grants and
``--requests`` requests, at ``--latency-ms`` per request. For each forks value the state is
reset to the same data and the playbook runs over the inventory (plugin
patguard.github.installations); the benchmark prints the wall time (ansible-playbook start and
the inventory listing included), the peak memory (PSS and RSS summed over ansible-playbook and
its workers, sampled every 50 ms), the requests per organization, and the end state of every
organization. The reference is the single-organization pass (playbook
patguard.github.enforce_policy, one ``ansible-playbook`` per organization, installation id given
as an AWX credential does) on the same data: requests per organization and end state.
``PATGUARD_WRITE_INTERVAL=0`` (the fake asks no spacing); contract validation off for timing.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))

import yaml  # noqa: E402
from fake_process import FakeProcess, ansible_env  # noqa: E402
from governance import measured  # noqa: E402  (same measuring as the single-org bench)

# The example policy the demo, README and tests share.
POLICY_FILE = ROOT / "docs" / "examples" / "policy.yml"

ORG_PATH = re.compile(r"^/(?:orgs|organizations)/([^/]+)/")
TOKEN_PATH = re.compile(r"^/app/installations/(\d+)/access_tokens$")


class Fake(FakeProcess):
    """tests/fake_github in many-organization mode."""

    def __init__(self, workdir, args):
        self.spec = {"orgs": args.orgs, "grants": args.grants, "requests": args.requests, "seed": args.seed}
        serve = ["--orgs", str(args.orgs), "--grants", str(args.grants), "--requests", str(args.requests)]
        serve += ["--seed", str(args.seed), "--lacking-pat-permission", "0", "--latency-ms", str(args.latency_ms)]
        super().__init__(workdir, serve + ["--no-validate"])
        self.env.pop("FAKE_GITHUB_ORG", None)

    def reset(self):
        self.post("/_fake/reset", self.spec)
        self.clear_log()


def env_for(fake, workdir, **extra):
    return ansible_env(fake, workdir, ANSIBLE_PYTHON_INTERPRETER=sys.executable, **extra)


def per_org(entries, state):
    """Requests per organization (its endpoints, token exchanges, discovery) and the rest by path."""
    by_id = dict((str(o["id"]), login) for login, o in state["organizations"].items())
    by_installation = dict((str(i["id"]), login) for login, i in state["installations"].items())
    counts, discovery, other = collections.Counter(), collections.Counter(), collections.Counter()
    for entry in entries:
        path = entry["path"].split("?")[0]
        match, token = ORG_PATH.match(path), TOKEN_PATH.match(path)
        if match:
            org = by_id.get(match.group(1), match.group(1))
            counts[org] += 1
            if path.endswith("/installation"):
                discovery[org] += 1
        elif token:
            counts[by_installation[token.group(1)]] += 1
        else:
            other[path] += 1
    return counts, discovery, other


def end_state(state, org):
    snap = state["organizations"][org]
    return {
        "pending": sorted(r["id"] for r in snap["requests"]),
        "grant_tokens": sorted(g["token_id"] for g in snap["grants"]),
        "reviews": sorted([r["pat_request_id"], r["action"]] for r in snap["reviews"]),
        "revoked_tokens": sorted(r["token_id"] for r in snap["revocations"]),
    }


def extra_vars(workdir, name, **values):
    path = Path(workdir) / ("%s.json" % name)
    path.write_text(json.dumps(values))
    return "@%s" % path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--grants", type=int, default=500)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--forks", type=int, nargs="+", default=[1, 5])
    parser.add_argument(
        "--single-orgs",
        type=int,
        default=None,
        help="organizations given a single-organization reference run (default: all)",
    )
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    policy = yaml.safe_load(POLICY_FILE.read_text())["patguard_policy"]
    common = {"patguard_mode": "enforce", "patguard_policy": policy, "patguard_now": now}
    figures = {
        "orgs": args.orgs,
        "grants": args.grants,
        "requests": args.requests,
        "latency_ms": args.latency_ms,
        "cpus": os.cpu_count(),
        "runs": {},
    }
    with tempfile.TemporaryDirectory(prefix="patguard-bench-multi-") as workdir:
        fake = Fake(workdir, args)
        try:
            state = fake.state()
            orgs = sorted(login for login, o in state["organizations"].items() if o["installation_id"])
            installations = dict((login, i["id"]) for login, i in state["installations"].items())
            # The reference: the single-organization pass, one ansible-playbook per organization.
            single_orgs = orgs[: args.single_orgs] if args.single_orgs else orgs
            fake.reset()
            reference, single_seconds = {}, []
            for org in single_orgs:
                before = len(fake.log())
                env = env_for(fake, workdir, GITHUB_APP_INSTALLATION_ID=str(installations[org]))
                rc, seconds, _memory = measured(
                    [
                        str(VENV_BIN / "ansible-playbook"),
                        "-i",
                        "localhost,",
                        "patguard.github.enforce_policy",
                        "-e",
                        extra_vars(workdir, "single-" + org, patguard_org=org, **common),
                    ],
                    env,
                    out_path=Path(workdir) / ("single-%s.out" % org),
                )
                if rc != 0:
                    raise SystemExit(
                        "single-organization pass of %s failed: %s" % (org, Path(workdir) / ("single-%s.out" % org))
                    )
                single_seconds.append(seconds)
                counts, discovery, _other = per_org(fake.log()[before:], state)
                reference[org] = {"requests": counts[org], "discovery": discovery[org]}
            after = fake.state()
            for org in single_orgs:
                reference[org]["end_state"] = end_state(after, org)
            figures["single"] = {
                "orgs": len(single_orgs),
                "seconds_each": [round(s, 1) for s in single_seconds],
                "seconds_total": round(sum(single_seconds), 1),
                "requests": dict((o, r["requests"]) for o, r in reference.items()),
            }
            inventory = Path(workdir) / "github.patguard.yml"
            inventory.write_text("plugin: patguard.github.installations\n")
            for forks in args.forks:
                fake.reset()
                rc, seconds, memory = measured(
                    [
                        str(VENV_BIN / "ansible-playbook"),
                        "-i",
                        str(inventory),
                        "--forks",
                        str(forks),
                        "patguard.github.enforce_policy_all",
                        "-e",
                        extra_vars(workdir, "multi-%d" % forks, **common),
                    ],
                    env_for(fake, workdir),
                    out_path=Path(workdir) / ("multi-%d.out" % forks),
                )
                if rc != 0:
                    raise SystemExit(
                        "the multi-organization pass failed (forks %d): %s"
                        % (forks, (Path(workdir) / ("multi-%d.out" % forks)).read_text()[-3000:])
                    )
                entries = fake.log()
                counts, discovery, other = per_org(entries, state)
                after = fake.state()
                same = [org for org in single_orgs if end_state(after, org) == reference[org]["end_state"]]
                same_requests = [org for org in single_orgs if counts[org] == reference[org]["requests"]]
                figures["runs"][forks] = {
                    "seconds": round(seconds, 1),
                    "memory_mb": dict((k, round(memory[k])) for k in ("tree_pss", "tree_rss", "ru_maxrss")),
                    "requests_total": len(entries),
                    "requests_per_org": dict(counts),
                    "discovery_calls": sum(discovery.values()),
                    "other_requests": dict(other),
                    "end_state_equal": len(same),
                    "requests_equal": len(same_requests),
                    "end_states": dict((org, end_state(after, org)) for org in orgs),
                }
        finally:
            fake.stop()
    runs = figures["runs"]
    print(
        "## multi-organization pass: %d organizations x %d grants x %d requests, %d ms latency, %s CPUs"
        % (args.orgs, args.grants, args.requests, args.latency_ms, figures["cpus"])
    )
    ref = figures["single"]
    print(
        "single-organization pass (reference): %d runs, %.1f s in total; requests per organization %s"
        % (ref["orgs"], ref["seconds_total"], sorted(set(ref["requests"].values())))
    )
    for forks, run in runs.items():
        values = sorted(set(run["requests_per_org"].values()))
        print(
            "forks %d: %.1f s wall; peak memory %d MB PSS (%d MB RSS, ru_maxrss %d MB); %d requests, per "
            "organization %s; discovery calls %d; other requests %s; end state = single-org run for %d/%d, "
            "requests = single-org pass for %d/%d"
            % (
                forks,
                run["seconds"],
                run["memory_mb"]["tree_pss"],
                run["memory_mb"]["tree_rss"],
                run["memory_mb"]["ru_maxrss"],
                run["requests_total"],
                values,
                run["discovery_calls"],
                run["other_requests"],
                run["end_state_equal"],
                ref["orgs"],
                run["requests_equal"],
                ref["orgs"],
            )
        )
    if len(args.forks) >= 2:
        first, last = runs[args.forks[0]], runs[args.forks[-1]]
        ratio = last["seconds"] / first["seconds"]
        same_end = first["end_states"] == last["end_states"]
        figures["ratio"] = round(ratio, 3)
        print(
            "forks %d / forks %d wall time: %.2f (goal <= 0.4); end states identical across forks: %s"
            % (args.forks[-1], args.forks[0], ratio, same_end)
        )
    if args.json:
        for run in runs.values():
            run.pop("end_states", None)
        Path(args.json).write_text(json.dumps(figures, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
