"""Every organization at once (issue 16): the installations inventory and the multi-organization pass.

Against the fake's many-organization mode (one installation, data set and rate-limit budget per
organization, some lacking a PAT permission, one user-account installation):

* ``ansible-inventory --list`` builds hosts, groups and host variables from one listing, and warns
  about the organizations that cannot govern;
* ``patguard.github.enforce_policy_all`` over ``pat_ready`` with forks governs each organization
  with its own installation (no ``/orgs/{org}/installation`` call), leaves each organization in the
  state a single-organization run of ``enforce_policy`` leaves, with the same requests minus the
  discovery, and rolls the reports up into one page;
* forks really run organizations at once while the write spacing stays per organization.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from harness import BIN, DEMO_POLICY, REPO_ROOT, ansible_env

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
ESTATE = dict(orgs=5, grants=18, requests=6, seed=11, lacking_pat_permission=1, user_installation="octo-solo", now=NOW)
READY = ["acme", "acme-02", "acme-03", "acme-04"]
ORG_PATH = re.compile(r"^/(?:orgs|organizations)/([^/]+)/")
TOKEN_PATH = re.compile(r"^/app/installations/(\d+)/access_tokens$")


def unwrap(value):
    """ansible-inventory's JSON without the marker of untrusted (never templated) text."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def app_env(fake, **extra):
    env = {
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_APP_ID": str(fake.app_id),
        "GITHUB_APP_PRIVATE_KEY_PATH": str(fake.private_key_path),
        "PATGUARD_WRITE_INTERVAL": "0",
    }
    env.update(extra)
    return env


def inventory_file(tmp_path, **options):
    path = tmp_path / "github.patguard.yml"
    path.write_text(json.dumps(dict({"plugin": "patguard.github.installations"}, **options)))
    return path


def run(cmd, env, tmp_path, timeout=900):
    proc = subprocess.run(
        cmd,
        env=ansible_env(env, tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=str(REPO_ROOT),
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def extra_vars_file(tmp_path, **values):
    path = tmp_path / ("vars-%d.json" % time.monotonic_ns())
    path.write_text(
        json.dumps(
            dict(
                {
                    "patguard_mode": "enforce",
                    "patguard_policy": DEMO_POLICY,
                    "patguard_now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                **values,
            )
        )
    )
    return "@%s" % path


def enforce_all(tmp_path, env, **extra_vars):
    """Playbook patguard.github.enforce_policy_all over the installations inventory, 4 forks."""
    cmd = [str(BIN / "ansible-playbook"), "-i", str(inventory_file(tmp_path)), "--forks", "4"]
    return run(
        cmd + ["patguard.github.enforce_policy_all", "-e", extra_vars_file(tmp_path, **extra_vars)], env, tmp_path
    )


def org_state(fake, org):
    """What a pass changes in an organization, independent of id counters shared across organizations."""
    snap = fake.state.snapshot()["organizations"][org]
    return {
        "pending": sorted(r["id"] for r in snap["requests"]),
        "grant_tokens": sorted(g["token_id"] for g in snap["grants"]),
        "reviews": sorted((r["pat_request_id"], r["action"]) for r in snap["reviews"]),
        # Grants created by an approval get ids from a counter shared by organizations: compare tokens.
        "revoked": sorted(r["token_id"] for r in snap["revocations"]),
    }


def org_of(fake):
    """entry -> organization login, for organization paths (/orgs/LOGIN, and /organizations/ID that
    GitHub's Link headers use) and the token exchanges of its installation; None for the rest."""
    orgs = fake.state.snapshot()["organizations"]
    by_id = {str(o["id"]): login for login, o in orgs.items()}
    by_installation = {str(i): login for login, i in fake.installation_ids.items()}

    def find(entry):
        match = ORG_PATH.match(entry["path"])
        if match:
            return by_id.get(match.group(1), match.group(1))
        match = TOKEN_PATH.match(entry["path"])
        return by_installation.get(match.group(1)) if match else None

    return find


def requests_by_org(log, fake):
    """Every request an organization's pass cost: its endpoints, its token exchanges, its discovery."""
    find = org_of(fake)
    return Counter(org for org in map(find, log) if org)


def test_inventory_lists_every_installation_once_with_groups_vars_and_a_warning(tmp_path, fake_github):  # noqa: F811
    fake = fake_github(**ESTATE)
    proc = run([str(BIN / "ansible-inventory"), "-i", str(inventory_file(tmp_path)), "--list"], app_env(fake), tmp_path)
    data = unwrap(json.loads(proc.stdout))
    assert sorted(data["pat_ready"]["hosts"]) == READY
    assert sorted(data["organizations"]["hosts"]) == READY + ["acme-05"]
    assert data["users"]["hosts"] == ["octo-solo"]
    hostvars = data["_meta"]["hostvars"]
    for org in READY:
        assert hostvars[org]["patguard_installation_id"] == fake.installation_ids[org]
        assert hostvars[org]["patguard_org"] == org and hostvars[org]["patguard_pat_ready"] is True
    assert hostvars["acme-05"]["patguard_pat_ready"] is False
    # Warnings are wrapped to the terminal, and ansible-core 2.17 breaks lines after hyphens too.
    warning = re.sub(r"- (?=[a-z])", "-", " ".join(proc.stderr.split()))
    assert "1 organization(s) cannot govern fine-grained tokens" in warning and "acme-05 (" in warning
    assert "octo-solo" not in warning
    assert {(e["method"], e["path"]) for e in fake.request_log} == {("GET", "/app/installations")}
    assert all(e["auth"] == "jwt" for e in fake.request_log)
    assert fake.private_key_pem.splitlines()[1] not in proc.stdout + proc.stderr


def test_a_play_that_just_includes_pat_governance_makes_no_installation_lookup(tmp_path, fake_github):  # noqa: F811
    """Issue 16: the roles take installation_id from the host vars the inventory sets, without
    any module_defaults in the play."""
    fake = fake_github(**ESTATE)
    playbook = tmp_path / "governance.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "hosts": "pat_ready",
                    "connection": "local",
                    "gather_facts": False,
                    "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                    "tasks": [{"ansible.builtin.include_role": {"name": "patguard.github.pat_governance"}}],
                }
            ]
        )
    )
    reports = tmp_path / "reports"
    run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory_file(tmp_path)),
            "--forks",
            "2",
            str(playbook),
            "-e",
            extra_vars_file(tmp_path, patguard_report_dir=str(reports)),
        ],
        app_env(fake),
        tmp_path,
    )
    log = fake.request_log
    assert not [e for e in log if e["path"].endswith("/installation")], "installation lookups"
    exchanges = Counter(org_of(fake)(e) for e in log if TOKEN_PATH.match(e["path"]))
    assert exchanges == Counter({org: 1 for org in READY})  # one pass, one App token per organization
    assert any(org_state(fake, org)["reviews"] or org_state(fake, org)["revoked"] for org in READY)
    for org in READY:
        assert (reports / org / "report.json").is_file()


@pytest.mark.slow
def test_forked_pass_over_pat_ready_equals_single_org_runs_without_discovery(tmp_path, fake_github):  # noqa: F811
    # The reference: each organization alone, with today's single-organization playbook.
    single = fake_github(**ESTATE)
    single_requests = {}
    for org in READY:
        before = len(single.request_log)
        run(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                "localhost,",
                "patguard.github.enforce_policy",
                "-e",
                extra_vars_file(tmp_path, patguard_org=org),
            ],
            app_env(single),
            tmp_path,
        )
        single_requests[org] = requests_by_org(single.request_log[before:], single)[org]
    expected = {org: org_state(single, org) for org in READY}
    assert any(expected[org]["reviews"] or expected[org]["revoked"] for org in READY)  # the pass does something

    multi = fake_github(**ESTATE)
    reports = tmp_path / "reports"
    # A wrong installation in the environment (as a single-organization AWX credential would set):
    # each host's own patguard_installation_id must win.
    env = app_env(multi, GITHUB_APP_INSTALLATION_ID=str(multi.installation_ids["acme-05"]))
    proc = enforce_all(tmp_path, env, patguard_report_dir=str(reports))
    for org in READY:
        assert org_state(multi, org) == expected[org], org
    untouched = fake_github(**ESTATE)
    assert org_state(multi, "acme-05") == org_state(untouched, "acme-05")

    log = multi.request_log
    assert not [e for e in log if e["path"].endswith("/installation")], "per-host discovery calls"
    assert [e["path"] for e in log].count("/app/installations") == 1
    per_org = requests_by_org(log, multi)
    # The single-organization pass found its installation once per module task: the same requests minus those.
    single_discovery = dict(
        (org, sum(1 for e in single.request_log if e["path"] == "/orgs/%s/installation" % org)) for org in READY
    )
    for org in READY:
        assert per_org[org] == single_requests[org] - single_discovery[org], (org, per_org, single_requests)
    # Every organization-scoped request used an installation token of that organization.
    token_org, find = {}, org_of(multi)
    for entry in log:
        if ORG_PATH.match(entry["path"]):
            assert entry["auth"] == "installation", entry
            assert token_org.setdefault(entry["fingerprint"], find(entry)) == find(entry)
    assert multi.contract_errors == []

    # One report per organization, rolled up into one page that links to each.
    for org in READY:
        assert (reports / org / "report.json").is_file()
    index = (reports / "index.html").read_text()
    for org in READY:
        assert 'href="%s/report.html"' % org in index
    rollup = json.loads((reports / "rollup.json").read_text())
    assert [r["org"] for r in rollup["organizations"]] == READY
    assert all(r["status"] == "ok" for r in rollup["organizations"])
    violating = sum(json.loads((reports / o / "report.json").read_text())["summary"]["violating"] for o in READY)
    assert rollup["totals"]["violating"] == violating
    assert "acme-04" in proc.stdout


@pytest.mark.slow
def test_forks_run_organizations_at_once_and_write_spacing_stays_per_organization(tmp_path, fake_github):  # noqa: F811
    fake = fake_github(**ESTATE)
    stamps = []
    real_add = fake.api.log.add

    def add(entry):  # the fake's log, stamped with a monotonic clock (test instrumentation only)
        entry["t"] = time.monotonic()
        stamps.append(entry)
        real_add(entry)

    fake.api.log.add = add
    interval = 3.0
    enforce_all(tmp_path, app_env(fake, PATGUARD_WRITE_INTERVAL=str(interval)))
    find = org_of(fake)
    writes = [(e["t"], find(e)) for e in stamps if e["method"] == "POST" and ORG_PATH.match(e["path"])]
    by_org = defaultdict(list)
    for moment, org in writes:
        by_org[org].append(moment)
    assert sorted(by_org) == READY and all(len(times) >= 2 for times in by_org.values()), by_org
    # Within an organization: never two writes closer than write_interval (its own client spaces them) ...
    for org, times in by_org.items():
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert min(gaps) >= interval * 0.95, (org, gaps)
    # ... while organizations write at the same time: spacing is not shared across installations.
    writes.sort()
    cross = [b[0] - a[0] for a, b in zip(writes, writes[1:]) if a[1] != b[1]]
    assert min(cross) < interval / 2, cross
    # Each installation's budget was charged with its own organization's requests only.
    per_org = Counter(find(e) for e in stamps if ORG_PATH.match(e["path"]))  # with the installation token
    for org in READY:
        used = [
            b.used
            for key, b in fake.api.limiter._budgets.items()  # pylint: disable=protected-access
            if key == ("installation", fake.installation_ids[org])
        ]
        assert used == [per_org[org]], (org, used, per_org[org])
    assert Path(fake.private_key_path).is_file()
