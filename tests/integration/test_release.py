"""The release: version numbers agree, the changelog tooling accepts the fragments, and the
tarball that ``ansible-galaxy collection build`` makes installs into a fresh virtual environment
(ansible-core + requirements.txt only) and runs a module from there against the fake GitHub.

See docs/releasing.md for the procedure these tests guard.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from platform_venv import (
    REPO_ROOT,
    adhoc,
    adhoc_result,
    build_tarball,
    copy_ignore,
    fresh_venv,
    run_tool,
    tools_venv,
    venv_env,
)

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from harness import GITHUB_CREDENTIAL_ENV

pytestmark = pytest.mark.platform

COPY_IGNORE = copy_ignore("tests/output", "CHANGELOG.rst")


def _version_tuple(text):
    return tuple(int(part) for part in re.match(r"(\d+)\.(\d+)\.(\d+)", text).groups())


def galaxy_version():
    return yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]


def client_version():
    text = (REPO_ROOT / "plugins" / "module_utils" / "_client.py").read_text()
    return re.search(r'^COLLECTION_VERSION = "([^"]+)"$', text, re.M).group(1)


def test_versions_agree():
    """galaxy.yml == COLLECTION_VERSION, and it is the changelog's latest release or the one being prepared."""
    version = galaxy_version()
    assert client_version() == version, "bump COLLECTION_VERSION in plugins/module_utils/_client.py with galaxy.yml"
    releases = yaml.safe_load((REPO_ROOT / "changelogs" / "changelog.yaml").read_text()).get("releases") or {}
    if releases:
        latest = max(releases, key=_version_tuple)
        assert _version_tuple(version) >= _version_tuple(latest), (
            "galaxy.yml says %s but the changelog already released %s" % (version, latest)
        )
    if not releases or _version_tuple(version) > _version_tuple(max(releases, key=_version_tuple)):
        # Not released yet: the fragments must carry what the next release will say.
        fragments = sorted((REPO_ROOT / "changelogs" / "fragments").glob("*.yml"))
        assert fragments, "an unreleased version needs changelog fragments"
        assert any("release_summary" in (yaml.safe_load(f.read_text()) or {}) for f in fragments), (
            "the version being prepared (%s) needs a release_summary fragment" % version
        )


@pytest.mark.slow
def test_changelog_release_generates_the_notes(tmp_path):
    """`antsibull-changelog lint` + `release` on a copy of the tree: the notes list every module and role."""
    tools = tools_venv()
    tree = tmp_path / "collection"
    shutil.copytree(REPO_ROOT, tree, ignore=COPY_IGNORE)
    env = venv_env(tools, {"ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "none")})
    lint = run_tool(["antsibull-changelog", "lint"], env, cwd=tree, timeout=120)
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    version = galaxy_version()
    release = run_tool(["antsibull-changelog", "release", "--version", version, "--date", "2026-01-01"], env, cwd=tree)
    assert release.returncode == 0, release.stdout + release.stderr
    notes = (tree / "CHANGELOG.rst").read_text()
    assert "v%s" % version in notes
    modules = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    roles = sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if (p / "tasks").is_dir())
    for name in modules + roles:
        assert "patguard.github.%s" % name in notes, "the release notes do not mention %s" % name
    changes = yaml.safe_load((tree / "changelogs" / "changelog.yaml").read_text())
    assert version in changes["releases"]
    assert not list((tree / "changelogs" / "fragments").glob("*.yml")), "fragments are removed on release"


@pytest.mark.slow
def test_built_tarball_installs_in_a_fresh_venv_and_runs_a_module(tmp_path, fake_github):  # noqa: F811
    version = galaxy_version()
    out = tmp_path / "dist"
    build = build_tarball(out)
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = out / ("patguard-github-%s.tar.gz" % version)
    assert tarball.is_file(), list(out.iterdir())

    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    shipped = {
        "MANIFEST.json",
        "FILES.json",
        "meta/runtime.yml",
        "requirements.txt",
        "bindep.txt",
        "execution-environment.yml",
        "extensions/awx/credential_type_github_app.yml",
        "extensions/eda/rulebooks/pat_request_review.yml",
        "playbooks/review_one_request.yml",
        "playbooks/awx_register.yml",
        "docs/docsite/links.yml",
        "docs/docsite/extra-docs.yml",
    }
    assert shipped <= names, "missing from the tarball: %s" % sorted(shipped - names)
    leaked = sorted(n for n in names if re.match(r"(\./)?(\.venvs?|build|\.git|tests/output)(/|$)", n))
    assert not leaked, leaked[:5]

    venv = fresh_venv(tmp_path / "venv")
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Nothing but the fresh venv: no ANSIBLE_COLLECTIONS_PATH pointing at the source tree.
    empty = tmp_path / "no-collections"
    empty.mkdir()
    env = venv_env(
        venv,
        {
            "ANSIBLE_COLLECTIONS_PATH": str(empty),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
            "HOME": str(tmp_path),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        },
    )
    for key in GITHUB_CREDENTIAL_ENV + ("ANSIBLE_CONFIG",):
        env.pop(key, None)
    install = run_tool(
        [venv / "bin" / "ansible-galaxy", "collection", "install", "--offline", "-p", site, tarball], env, cwd=tmp_path
    )
    assert install.returncode == 0, install.stdout + install.stderr
    installed = Path(site) / "ansible_collections" / "patguard" / "github"
    assert json.loads((installed / "MANIFEST.json").read_text())["collection_info"]["version"] == version

    fake = fake_github(grants=7, requests=3, seed=11)
    env.update(
        {
            "GITHUB_API_URL": fake.base_url,
            "GITHUB_APP_ID": str(fake.app_id),
            "GITHUB_APP_PRIVATE_KEY_PATH": str(fake.private_key_path),
            "PATGUARD_WRITE_INTERVAL": "0",
        }
    )
    run = adhoc(venv / "bin" / "ansible", python, "patguard.github.pat_grant_info", "org=%s" % fake.org, env, tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = adhoc_result(run.stdout)
    assert not result.get("failed"), result
    assert result["count"] == len(result["grants"]) == len(fake.state.snapshot()["organizations"][fake.org]["grants"])
    assert result["changed"] is False
    # The report action renders its page from the template and asset files in the tarball.
    report_dir = tmp_path / "adhoc-report"
    report_args = json.dumps({"dest": str(report_dir), "org": fake.org, "grants": result["grants"]})
    report = adhoc(venv / "bin" / "ansible", python, "patguard.github.pat_report", report_args, env, tmp_path)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    page = (report_dir / "report.html").read_text()
    assert "Content-Security-Policy" in page and 'id="report-data"' in page and "sortableTables" in page
    assert len(json.loads((report_dir / "report.json").read_text())["tokens"]) == len(result["grants"])
    # Loaded from the fresh venv, not from the source tree.
    listing = run_tool(
        [venv / "bin" / "ansible-galaxy", "collection", "list", "patguard.github", "--format", "json"],
        env,
        cwd=tmp_path,
        timeout=120,
    )
    assert listing.returncode == 0, listing.stderr
    assert list(json.loads(listing.stdout)) == [str(Path(site) / "ansible_collections")]
    assert os.path.realpath(str(installed)) != os.path.realpath(str(REPO_ROOT))
