"""The README's own playbook and policy file, run as a new user (and AWX) would run them.

The playbook is taken from README.md as written, so the README cannot drift from what works.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from harness import DEMO_FIXTURE, REPO_ROOT, run_playbook

README = REPO_ROOT / "README.md"
EXAMPLE_POLICY = REPO_ROOT / "docs" / "examples" / "policy.yml"
ENFORCE = REPO_ROOT / "playbooks" / "enforce_policy.yml"


def readme_playbook():
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.S)
    plays = [b for b in blocks if "patguard.github.pat_governance" in b and "hosts:" in b]
    assert plays, "README.md shows no playbook with the pat_governance role"
    return plays[0]


def example_policy(org):
    data = yaml.safe_load(EXAMPLE_POLICY.read_text())
    data["patguard_org"] = org
    return data


def awx_env(fake):
    """What the collection's AWX credential type injects (extensions/awx)."""
    return {
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_APP_ID": str(fake.app_id),
        "GITHUB_APP_PRIVATE_KEY_PATH": str(fake.private_key_path),
        "PATGUARD_WRITE_INTERVAL": "0",
    }


def test_readme_playbook_runs_under_the_awx_credential(fake_github, tmp_path):
    fake = fake_github(fixture=DEMO_FIXTURE)
    (tmp_path / "policy.yml").write_text(yaml.safe_dump(example_policy(fake.org)))
    playbook = tmp_path / "governance.yml"
    playbook.write_text(readme_playbook())
    secrets = {
        "vault_github_app_id": str(fake.app_id),
        "vault_github_app_private_key": Path(fake.private_key_path).read_text(),
    }
    run = run_playbook(playbook, env=awx_env(fake), extra_vars=secrets)
    assert run.rc == 0, run.output[-3000:]
    assert "mutually exclusive" not in run.output
    # The README's play enforces and writes its report where it says.
    assert 'patguard_report_dir: "{{ playbook_dir }}/reports"' in readme_playbook()
    assert (tmp_path / "reports" / "report.html").is_file()


def test_policy_file_layout_is_one_vars_file(fake_github, tmp_path):
    fake = fake_github(fixture=DEMO_FIXTURE)
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(yaml.safe_dump(example_policy(fake.org)))
    run = run_playbook(ENFORCE, env=awx_env(fake), extra_vars=yaml.safe_load(policy_file.read_text()))
    assert run.rc == 0, run.output[-3000:]


def test_bare_policy_file_fails_with_the_expected_shape(fake_github):
    fake = fake_github(fixture=DEMO_FIXTURE)
    bare = dict(example_policy(fake.org)["patguard_policy"], patguard_org=fake.org)
    run = run_playbook(ENFORCE, env=awx_env(fake), extra_vars=bare)
    assert run.rc != 0
    assert "patguard_policy is not set" in run.output
    assert '"patguard_policy: {max_lifetime_days: 90' in run.output.replace("\n", " ")


def test_readme_names_every_module_role_and_filter():
    text = README.read_text()
    plugins = REPO_ROOT / "plugins"
    names = [p.stem for p in (plugins / "modules").glob("*.py") if not p.stem.startswith("_")]
    names += [p.stem for p in (plugins / "filter").glob("*.yml")]
    names += [p.name for p in (REPO_ROOT / "roles").iterdir() if (p / "tasks").is_dir()]
    names += [p.stem for p in (plugins / "inventory").glob("*.py")] if (plugins / "inventory").is_dir() else []
    missing = sorted(n for n in names if "`%s`" % n not in text and "patguard.github.%s" % n not in text)
    assert not missing, "README.md does not mention: %s" % ", ".join(missing)
