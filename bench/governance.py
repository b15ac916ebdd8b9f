"""Benchmark of role patguard.github.pat_governance on a large fake organization.

    bash bench/run.sh                       # the documented command (both latencies + a validated run)
    .venv/bin/python bench/governance.py [--grants 10000] [--requests 2000] [--latency-ms 0]
                                         [--validate] [--uri-tokens 1000] [--skip-uri] [--pairs 3]
                                         [--json OUT]

Not part of the test suite. For each run it starts tests/fake_github (127.0.0.1 only,
stopped by its PID) seeded with N grants and M pending requests, and measures in that one
run:

1. the HTTP requests the role made (the fake's request log) against the minimal plan the
   benchmark computes itself from the fake's state: list pages at 100 a page, one
   repository listing per ``subset`` record only when the policy needs repositories, one
   bulk call per (action, reason) and 100 ids, one App token exchange; plus duplicate GETs;
2. the role's wall time, ansible-playbook start included, against bench/bare_minimal.py
   (requests + PyJWT, the minimal plan) on the same data: ``--pairs`` runs of the role, each
   followed by one of the bare script, every run on freshly reset data and without memory
   sampling; the ratio is the median of the pairs' (this machine's speed drifts by tens of
   percent within a minute). Items 1 and 4 come from a first role run, sampled;
3. the wall time per token of bench/uri_loop.yml (uri + a loop, single-item revocations)
   on 1,000 grants, against the role per token;
4. the peak memory of the role's run: the largest sum of RSS over ansible-playbook and all
   its descendants (sampled from /proc every 50 ms) and ``RUSAGE_CHILDREN.ru_maxrss``;
5. the pacing cost real GitHub would add (writes x the default 1 s write interval) and the
   rate-limit budget the pass uses.

The policy is the demo's policy file docs/examples/policy.yml (docs/policy.md's example tuned to the
generated data), in enforce mode. ``PATGUARD_WRITE_INTERVAL=0``.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
COLLECTIONS = ROOT / "build" / "collections"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(COLLECTIONS))

from bare_minimal import load_policy_engine  # noqa: E402
from fake_process import FakeProcess, ansible_env  # noqa: E402  (the set-up multi_org.py shares)

PER_PAGE = 100
BULK = 100
GITHUB_BUDGETS = {"App installation (GitHub.com)": 5000, "App installation (Enterprise Cloud)": 15000}
SECONDARY_WRITES_PER_MINUTE = 80
DEFAULT_WRITE_INTERVAL = 1.0


# -- the fake ---------------------------------------------------------------------------------
class Fake(FakeProcess):
    """One organization, ``org``, seeded with ``grants`` grants and ``requests_`` requests."""

    def __init__(self, workdir, grants, requests_, seed, latency_ms, validate, org="acme"):
        self.org = org
        serve = ["--grants", str(grants), "--requests", str(requests_), "--seed", str(seed), "--org", org]
        serve += ["--latency-ms", str(latency_ms)] + ([] if validate else ["--no-validate"])
        super().__init__(workdir, serve)
        self.key_path = self.env["GITHUB_APP_PRIVATE_KEY_PATH"]
        self.app_id = self.env["GITHUB_APP_ID"]

    def snapshot(self):
        return self.state()["organizations"][self.org]


# -- the minimal plan -------------------------------------------------------------------------
def pages(count):
    return max(1, math.ceil(count / PER_PAGE))


def minimal_plan(state, policy, now):
    """Requests the governance pass cannot do without, computed from the fake's state.

    Each kind listed once (100 a page); a request is judged by the grant it becomes, so the
    approved ones are not listed again. Repository lists only for the records whose decision
    waits on them (requests first: an approved upgrade decides its grant). One bulk call per
    (action, set of violated rules) and 100 ids: deny reasons name the broken rules, so the
    deny groups are the distinct sets of rules; approvals share one reason; a revoke carries
    none (100 a call).
    """
    engine = load_policy_engine()
    needs_repos = engine.needs_repositories(policy)

    def blind(records):
        return [dict(r, repositories=None) if r.get("repository_selection") == "subset" else dict(r) for r in records]

    def repo_pages(records):
        return sum(pages(len(r.get("repositories") or [])) for r in records)

    truth_r = dict((r["id"], r) for r in state["requests"])
    truth_g = dict((g["id"], g) for g in state["grants"])
    requests_, grants = blind(state["requests"]), blind(state["grants"])
    listings = 0
    the_plan = engine.plan(requests_, grants, policy, now)
    if needs_repos:
        wanted = set(the_plan["request_repositories_needed"])
        for record in requests_:
            if record["id"] in wanted:
                record["repositories"] = truth_r[record["id"]]["repositories"]
        listings += repo_pages([truth_r[i] for i in wanted])
        the_plan = engine.plan(requests_, grants, policy, now)
        tokens = set(the_plan["repositories_needed"])
        for record in grants:
            if record.get("token_id") in tokens and record.get("repositories") is None:
                record["repositories"] = truth_g[record["id"]]["repositories"]
                listings += pages(len(record["repositories"]))
        the_plan = engine.plan(requests_, grants, policy, now)
    rule_sets = collections.Counter()
    seen = dict((r["id"], r) for r in requests_)  # as the pass sees them (repositories where read)
    for decision in the_plan["decisions"]:
        if decision["kind"] == "request" and decision["decision"] == "deny":
            found = engine.evaluate(seen[decision["id"]], "request", policy, now).violations
            rule_sets[frozenset((v.code, getattr(v, "rule", None) or v.detail) for v in found)] += 1
    approved = sum(1 for d in the_plan["decisions"] if d["decision"] == "approve")
    upgrades = len(the_plan["upgrades"])
    result = {
        "auth": 2,  # GET /orgs/{org}/installation + POST /app/installations/{id}/access_tokens
        "list_pages": pages(len(requests_)) + pages(len(grants)),
        "repository_listings": listings,
        "bulk_calls": math.ceil(approved / BULK)
        + sum(math.ceil(n / BULK) for n in rule_sets.values())
        + math.ceil(len(the_plan["revoke"]) / BULK),
        "deny_rule_sets": len(rule_sets),
        "revoke": len(the_plan["revoke"]),
        "grants_after": len(grants) - len(the_plan["revoke"]) + approved - upgrades,
        "left_pending": sum(
            1 for d in the_plan["decisions"] if d["kind"] == "request" and d["decision"] not in ("approve", "deny")
        ),
    }
    result["total"] = result["auth"] + result["list_pages"] + result["repository_listings"] + result["bulk_calls"]
    return result


# -- the request log --------------------------------------------------------------------------
def classify(entry):
    method, path = entry["method"], entry["path"].split("?")[0]
    if path.endswith("/installation") or path.endswith("/access_tokens"):
        return "auth"
    if path.endswith("/repositories"):
        return "repository_listings"
    if method == "GET" and (
        path.endswith("/personal-access-token-requests") or path.endswith("/personal-access-tokens")
    ):
        return "list_pages"
    if method == "POST" and (
        path.endswith("/personal-access-token-requests") or path.endswith("/personal-access-tokens")
    ):
        return "bulk_calls"
    if method == "POST" and "/personal-access-token" in path:
        return "single_writes"
    return "other"


def analyze_log(entries):
    counts = collections.Counter(classify(e) for e in entries)
    gets = collections.Counter()
    for entry in entries:
        if entry["method"] == "GET" and classify(entry) != "auth":
            query = tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in (entry.get("query") or {}).items()))
            gets[(entry["path"].split("?")[0], query)] += 1
    duplicates = {"%s?%s" % (path, urlencode(list(query))): n for (path, query), n in gets.items() if n > 1}
    writes = sum(1 for e in entries if e["method"] != "GET")
    return {
        "total": len(entries),
        "by_kind": dict(sorted(counts.items())),
        "duplicates": duplicates,
        "writes": writes,
        "bulk_writes": counts.get("bulk_calls", 0) + counts.get("single_writes", 0),
        "statuses": dict(collections.Counter(str(e["status"]) for e in entries)),
    }


# -- measuring a subprocess -------------------------------------------------------------------
def _tree_memory_kb(root_pid, breakdown=None):
    """(RSS, PSS) summed over ``root_pid`` and its descendants, in kB.

    RSS counts the pages a forked worker shares with ansible-playbook twice; PSS splits
    shared pages between the processes, so its sum is the memory the run really holds.
    ``breakdown`` (a list) receives (depth, pid, rss, pss) per process: depth 1 is
    ansible-playbook, 2 its forks (workers), 3 and more the module processes.
    """
    rss = pss = 0
    stack = [(root_pid, 0)]
    while stack:
        pid, depth = stack.pop()
        try:
            mine = [0, 0]
            with open("/proc/%d/smaps_rollup" % pid) as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        mine[0] = int(line.split()[1])
                    elif line.startswith("Pss:"):
                        mine[1] = int(line.split()[1])
            rss, pss = rss + mine[0], pss + mine[1]
            if breakdown is not None:
                breakdown.append((depth, pid, mine[0], mine[1]))
            for tid in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/children" % (pid, tid)) as handle:
                    stack.extend((int(child), depth + 1) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return rss, pss


_DEPTHS = {0: "bench wrapper", 1: "ansible-playbook", 2: "worker"}


def measured(cmd, env, cwd=ROOT, out_path=None, sample_memory=True):
    """Run ``cmd``; return (rc, seconds, {peak tree RSS, peak tree PSS, ru_maxrss} in MB).

    Sampling reads /proc/PID/smaps_rollup of every process of the tree 20 times a second
    (about 2.5 ms per 100 MB process): timed runs turn it off, so that it slows neither side.
    """
    # A fresh Python parent per measurement, so RUSAGE_CHILDREN covers this command only.
    wrapper = (
        "import resource, subprocess, sys, json;"
        "rc = subprocess.call(sys.argv[1:]);"
        "print(json.dumps([rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]), file=sys.stderr)"
    )
    out = open(out_path, "w") if out_path else subprocess.DEVNULL
    err_path = str(out_path) + ".err" if out_path else os.devnull
    err = open(err_path, "w")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", wrapper] + cmd, env=env, cwd=str(cwd), stdout=out, stderr=err, stdin=subprocess.DEVNULL
    )
    peak = [0, 0]
    at_peak = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            breakdown = []
            rss, pss = _tree_memory_kb(proc.pid, breakdown)
            if pss > peak[1]:
                # Which process holds the memory at the peak (PSS, MB), and when.
                at_peak[:] = [round(time.monotonic() - started, 1)] + [
                    (_DEPTHS.get(depth, "module"), round(p / 1024.0, 1)) for depth, _pid, _r, p in sorted(breakdown)
                ]
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    proc.wait()
    seconds = time.monotonic() - started
    done.set()
    if sample_memory:
        sampler.join()
    err.close()
    if out_path:
        out.close()
    rc, maxrss = None, 0
    if out_path:
        last = [line for line in Path(err_path).read_text().splitlines() if line.startswith("[")]
        if last:
            rc, maxrss = json.loads(last[-1])
    memory = {
        "tree_rss": peak[0] / 1024.0,
        "tree_pss": peak[1] / 1024.0,
        "ru_maxrss": maxrss / 1024.0,
        "peak_at_seconds": at_peak[0] if at_peak else None,
        "peak_pss_by_process": at_peak[1:],
    }
    return rc if rc is not None else proc.returncode, seconds, memory


# -- the phases -------------------------------------------------------------------------------
def demo_policy():
    # The one policy file the demo, the README and the tests share (playbooks/demo.yml loads it).
    return yaml.safe_load((ROOT / "docs" / "examples" / "policy.yml").read_text())["patguard_policy"]


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_role(fake, workdir, policy, now, sample_memory=True):
    state = fake.snapshot()
    plan = minimal_plan(state, policy, now)
    extra = {
        "patguard_org": fake.org,
        "patguard_policy": policy,
        "patguard_mode": "enforce",
        "patguard_now": now,
    }
    extra_path = Path(workdir) / "role-vars.json"
    extra_path.write_text(json.dumps(extra))
    fake.clear_log()
    cmd = [
        str(VENV_BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        str(BENCH / "governance.yml"),
        "-e",
        "@%s" % extra_path,
    ]
    env = ansible_env(fake, workdir, ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    rc, seconds, memory = measured(cmd, env, out_path=Path(workdir) / "role.out", sample_memory=sample_memory)
    if rc != 0:
        raise SystemExit("the role failed (rc %s): see %s" % (rc, Path(workdir) / "role.out"))
    log = analyze_log(fake.log())
    after = fake.snapshot()
    summary = printed_summary((Path(workdir) / "role.out").read_text())
    correct = len(after["grants"]) == plan["grants_after"] and len(after["requests"]) == plan["left_pending"]
    return {
        "seconds": seconds,
        "memory": memory,
        "log": log,
        "minimal": plan,
        "summary": summary,
        "state_correct": correct,
        "records": len(state["requests"]) + len(state["grants"]),
    }


def printed_summary(output):
    """The summary bench/governance.yml's last task prints: ``"msg": "BENCH_SUMMARY {json}"``."""
    for line in output.splitlines():
        key, _sep, value = line.strip().partition(": ")
        if key == '"msg"' and value.startswith('"BENCH_SUMMARY '):
            return json.loads(json.loads(value.rstrip(","))[len("BENCH_SUMMARY ") :])
    raise SystemExit("the role's output has no BENCH_SUMMARY line")


def run_bare(fake, workdir, policy, now, args, sample_memory=True):
    fake.post("/_fake/reset", {"grants": args.grants, "requests": args.requests, "seed": args.seed})
    state = fake.snapshot()
    plan = minimal_plan(state, policy, now)
    policy_path = Path(workdir) / "policy.json"
    policy_path.write_text(json.dumps(policy))
    fake.clear_log()
    cmd = [
        sys.executable,
        str(BENCH / "bare_minimal.py"),
        "--api-url",
        fake.base_url,
        "--app-id",
        fake.app_id,
        "--key-file",
        fake.key_path,
        "--org",
        fake.org,
        "--policy-json",
        str(policy_path),
        "--now",
        now,
    ]
    rc, seconds, memory = measured(
        cmd, dict(os.environ), out_path=Path(workdir) / "bare.out", sample_memory=sample_memory
    )
    if rc != 0:
        raise SystemExit("the bare script failed: see %s" % (Path(workdir) / "bare.out.err"))
    return {"seconds": seconds, "log": analyze_log(fake.log()), "minimal": plan, "memory": memory}


def wall_pairs(fake, workdir, policy, now, args):
    """``args.pairs`` timed (role, bare script) runs, each on freshly reset data, without memory sampling.

    Returns the pairs and the first bare run (its requests are reported).
    """
    pairs, first_bare = [], None
    while len(pairs) < args.pairs:
        fake.post("/_fake/reset", {"grants": args.grants, "requests": args.requests, "seed": args.seed})
        role = run_role(fake, workdir, policy, now, sample_memory=False)
        if not role["state_correct"]:
            raise SystemExit("a timed role run did not end in the plan's state")
        bare = run_bare(fake, workdir, policy, now, args, sample_memory=False)
        first_bare = first_bare or bare
        pairs.append({"role": role["seconds"], "bare": bare["seconds"], "ratio": role["seconds"] / bare["seconds"]})
    return pairs, first_bare


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0


def installation_token(fake):
    import jwt

    now = int(time.time())
    app_jwt = jwt.encode(
        {"iat": now - 60, "exp": now + 540, "iss": fake.app_id}, Path(fake.key_path).read_text(), algorithm="RS256"
    )
    headers = {"Authorization": "Bearer %s" % app_jwt, "Accept": "application/vnd.github+json"}
    installation = requests.get("%s/orgs/%s/installation" % (fake.base_url, fake.org), headers=headers).json()
    return requests.post(
        "%s/app/installations/%s/access_tokens" % (fake.base_url, installation["id"]), headers=headers
    ).json()["token"]


def run_uri(fake, workdir, tokens, policy, now, args):
    fake.post("/_fake/reset", {"grants": tokens, "requests": 0, "seed": args.seed})
    env = ansible_env(fake, workdir)
    env["BENCH_INSTALLATION_TOKEN"] = installation_token(fake)
    fake.clear_log()
    cmd = [
        str(VENV_BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        str(BENCH / "uri_loop.yml"),
        "-e",
        "bench_uri_pages=%d" % pages(tokens),
    ]
    rc, seconds, _memory = measured(cmd, env, out_path=Path(workdir) / "uri.out", sample_memory=False)
    if rc != 0:
        raise SystemExit("the uri playbook failed: see %s" % (Path(workdir) / "uri.out"))
    left = len(fake.snapshot()["grants"])
    result = {"seconds": seconds, "tokens": tokens, "left": left, "log": analyze_log(fake.log())}
    # The role on the same 1,000 grants (same task size), for a like-for-like figure too.
    fake.post("/_fake/reset", {"grants": tokens, "requests": 0, "seed": args.seed})
    small = run_role(fake, workdir, policy, now, sample_memory=False)
    result["role_same_org"] = {
        "seconds": small["seconds"],
        "records": small["records"],
        "requests": small["log"]["total"],
    }
    return result


# -- report -----------------------------------------------------------------------------------
def report(run, args):
    role, bare = run["role"], run.get("bare")
    minimal = role["minimal"]
    lines = []
    add = lines.append
    add("")
    add("=" * 78)
    add(
        "patguard.github pat_governance benchmark: %d grants, %d pending requests, latency %d ms, "
        "contract validation %s" % (args.grants, args.requests, args.latency_ms, "on" if args.validate else "off")
    )
    add("=" * 78)
    log = role["log"]
    ratio = log["total"] / float(minimal["total"])
    add(
        "1. HTTP requests: role %d vs minimal plan %d = %.3fx (goal <= 1.05x) %s"
        % (log["total"], minimal["total"], ratio, "OK" if ratio <= 1.05 else "MISSED")
    )
    add("   role by kind:    %s" % ", ".join("%s %d" % kv for kv in log["by_kind"].items()))
    add(
        "   minimal by kind: auth %(auth)d, list_pages %(list_pages)d, repository_listings "
        "%(repository_listings)d, bulk_calls %(bulk_calls)d" % minimal
    )
    add(
        "   auth overhead: %d requests (minimal 2): every module process finds the installation and "
        "exchanges a JWT for a token" % log["by_kind"].get("auth", 0)
    )
    add(
        "   duplicate GETs of API data (same URL twice in the run): %d%s"
        % (
            sum(n - 1 for n in log["duplicates"].values()),
            "" if not log["duplicates"] else "  " + json.dumps(log["duplicates"])[:400],
        )
    )
    add("   statuses: %s; end state matches the plan: %s" % (log["statuses"], role["state_correct"]))
    add(
        "   bulk writes: role %d vs minimal %d (%d sets of broken rules among the denials) = %.3fx (goal <= 1.05x)"
        % (
            log["by_kind"].get("bulk_calls", 0),
            minimal["bulk_calls"],
            minimal["deny_rule_sets"],
            log["by_kind"].get("bulk_calls", 0) / float(max(minimal["bulk_calls"], 1)),
        )
    )
    add(
        "   real GitHub estimate: %d requests x 0.25 s + %d writes x 1 s = %.0f s"
        % (log["total"], log["bulk_writes"], log["total"] * 0.25 + log["bulk_writes"] * 1.0)
    )
    if bare:
        wall_goal = 1.5 if args.latency_ms == 0 else 1.1
        pairs = run["pairs"]
        ratio_t = median(p["ratio"] for p in pairs)
        add(
            "2. Wall time, role (ansible-playbook start included) / bare script (%d requests), %d pair(s) "
            "on fresh data: median %.2fx (goal <= %.1fx) %s"
            % (bare["log"]["total"], len(pairs), ratio_t, wall_goal, "OK" if ratio_t <= wall_goal else "MISSED")
        )
        add("   pairs: %s" % ", ".join("%.2f s / %.2f s = %.2fx" % (p["role"], p["bare"], p["ratio"]) for p in pairs))
    uri = run.get("uri")
    if uri:
        per_uri = uri["seconds"] / uri["tokens"]
        # The timed runs' median when there are any (the sampled run is slowed by its sampling).
        role_seconds = median(p["role"] for p in run["pairs"]) if run.get("pairs") else role["seconds"]
        per_role = role_seconds / role["records"]
        same = uri["role_same_org"]
        per_same = same["seconds"] / same["records"]
        add(
            "3. Per token: uri loop %.2f ms (%d tokens, %.2f s, %d requests, %d left) vs role %.3f ms "
            "(%d records in %.2f s) = %.0fx (goal >= 100x) %s"
            % (
                per_uri * 1000,
                uri["tokens"],
                uri["seconds"],
                uri["log"]["total"],
                uri["left"],
                per_role * 1000,
                role["records"],
                role_seconds,
                per_uri / per_role,
                "OK" if per_uri / per_role >= 100 else "MISSED",
            )
        )
        add(
            "   same org size (%d grants): role %.2f s = %.2f ms per token, %d requests -> %.0fx"
            % (same["records"], same["seconds"], per_same * 1000, same["requests"], per_uri / per_same)
        )
    memory = role["memory"]
    add(
        "4. Peak memory of the role's run (ansible-playbook + forks + modules, sampled every 50 ms): "
        "%.0f MB PSS (%.0f MB RSS summed, shared pages counted per process); largest single process "
        "%.0f MB (ru_maxrss) (goal <= 150 MB) %s"
        % (memory["tree_pss"], memory["tree_rss"], memory["ru_maxrss"], "OK" if memory["tree_pss"] <= 150 else "MISSED")
    )
    add(
        "   at the peak (%s s into the run), PSS by process: %s"
        % (
            memory.get("peak_at_seconds"),
            ", ".join("%s %.0f MB" % (name, mb) for name, mb in memory.get("peak_pss_by_process") or []),
        )
    )
    writes = log["writes"]
    add("5. Pacing and budget:")
    add(
        "   writes: %d (%d bulk review/revoke POSTs + %d token exchanges); at GitHub's default 1 s "
        "write interval they add ~%.0f s; spaced 1 s apart they stay under %d writes/min"
        % (
            writes,
            log["bulk_writes"],
            writes - log["bulk_writes"],
            writes * DEFAULT_WRITE_INTERVAL,
            SECONDARY_WRITES_PER_MINUTE,
        )
    )
    for name, budget in GITHUB_BUDGETS.items():
        add(
            "   rate limit, %s %d/h: this pass uses %d requests = %.0f%% of the hour's budget"
            % (name, budget, log["total"], 100.0 * log["total"] / budget)
        )
    totals = role["summary"].get("api") or {}
    if totals:
        add("   role summary (from the modules' api stats): %s" % json.dumps(totals, sort_keys=True))
    for line in role["summary"].get("lines", []):
        add("   | " + line)
    print("\n".join(lines))
    sys.stdout.flush()


def machine():
    mem = ""
    try:
        mem = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.splitlines()[1]
    except (OSError, IndexError):
        pass
    ansible_version = subprocess.run(
        [str(VENV_BIN / "ansible"), "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[0]
    return "nproc %d; %s; python %s; %s" % (
        os.cpu_count(),
        " ".join(mem.split()),
        platform.python_version(),
        ansible_version,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--grants", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--validate", action="store_true", help="contract validation on (correctness run)")
    parser.add_argument("--uri-tokens", type=int, default=1000)
    parser.add_argument("--skip-uri", action="store_true")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--pairs", type=int, default=3, help="(role, bare script) wall-time pairs; the median ratio")
    parser.add_argument("--json", help="also write the raw figures here")
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error("--pairs: at least 1 (got %d)" % args.pairs)
    policy = demo_policy()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="patguard-bench-") as workdir:
        fake = Fake(workdir, args.grants, args.requests, args.seed, args.latency_ms, args.validate)
        try:
            now = now_iso()
            run = {"role": run_role(fake, workdir, policy, now)}
            if not args.skip_bare:
                run["pairs"], run["bare"] = wall_pairs(fake, workdir, policy, now, args)
            if not args.skip_uri:
                run["uri"] = run_uri(fake, workdir, args.uri_tokens, policy, now, args)
            errors = fake.contract_errors() if args.validate else []
        finally:
            fake.stop()
    report(run, args)
    if args.validate:
        print("   contract mismatches recorded by the fake: %d" % len(errors))
    if args.json:
        Path(args.json).write_text(json.dumps(run, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
