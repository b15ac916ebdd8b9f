"""The documentation site: antsibull-docs builds it from the plugins' own documentation and the
guides in docs/docsite/, and fails on broken references.

* ``antsibull-docs lint-collection-docs --plugin-docs``: every plugin's and role's documentation
  parses and validates, its markup references (O(), RV(), M(), P()) resolve, and
  docs/docsite/links.yml, extra-docs.yml and the guides' labels are valid.
* ``antsibull-docs sphinx-init`` + ``antsibull-docs collection`` + ``sphinx-build``: the site
  builds; any Sphinx warning fails the test, except references to the Ansible documentation
  itself (``common_return_values``, ``ansible.builtin`` pages, ...), which Sphinx would resolve
  through intersphinx inventories downloaded from docs.ansible.com - not reachable offline.
"""

from __future__ import annotations

import re
import shutil

import pytest
from platform_venv import REPO_ROOT, copy_ignore, run_tool, tools_venv, venv_env

pytestmark = pytest.mark.platform

COPY_IGNORE = copy_ignore("tests", ".cache", "bench")
GUIDES = ("getting_started", "policy", "awx", "security")


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """A copy of the collection at ansible_collections/patguard/github (what antsibull-docs expects)."""
    root = tmp_path_factory.mktemp("docsite") / "collections"
    tree = root / "ansible_collections" / "patguard" / "github"
    shutil.copytree(REPO_ROOT, tree, ignore=COPY_IGNORE)
    return root, tree


def docs_env(tools, root, tmp_path):
    return venv_env(
        tools,
        {
            "ANSIBLE_COLLECTIONS_PATH": str(root),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "HOME": str(tmp_path),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "TMPDIR": str(tmp_path),
        },
    )


@pytest.mark.slow
def test_lint_collection_docs(collection, tmp_path):
    tools = tools_venv()
    root, tree = collection
    lint = run_tool(
        [tools / "bin" / "antsibull-docs", "lint-collection-docs", "--plugin-docs", "."],
        docs_env(tools, root, tmp_path),
        cwd=tree,
    )
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr


# Labels of the Ansible documentation proper (resolved through intersphinx when online).
EXTERNAL_LABEL = re.compile(
    r"undefined label: '(common_return_values|ansible_configuration_settings"
    r"|ansible_collections\.ansible\.builtin\.[a-z_]+)'"
)


@pytest.mark.slow
def test_sphinx_site_builds_without_broken_references(collection, tmp_path):
    tools = tools_venv()
    root = collection[0]
    env = docs_env(tools, root, tmp_path)
    site = tmp_path / "site"
    site.mkdir(mode=0o755)
    site.chmod(0o755)  # antsibull-docs wants it writable by its owner only
    bin_dir = tools / "bin"
    init = run_tool(
        [
            bin_dir / "antsibull-docs",
            "sphinx-init",
            "--use-current",
            "--fail-on-error",
            "--squash-hierarchy",
            "--dest-dir",
            str(site),
            "patguard.github",
        ],
        env,
        timeout=120,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    # Offline: no intersphinx inventories to download.
    with open(site / "conf.py", "a", encoding="utf-8") as conf:
        conf.write("\nintersphinx_mapping = {}\n")
        # ansible-core's own settings (the inventory cache options) and its page on action plugins are
        # in ansible-core's docs, reached through intersphinx on a real site; ours are still checked.
        conf.write("nitpick_ignore_regex = [('envvar', r'ANSIBLE_.*'), ('ref', r'action_plugins')]\n")
    rst = site / "rst"
    rst.mkdir(exist_ok=True)
    rst.chmod(0o755)
    collect = run_tool(
        [
            bin_dir / "antsibull-docs",
            "--config-file",
            "antsibull-docs.cfg",
            "collection",
            "--cleanup",
            "everything",
            "--fail-on-error",
            "--use-current",
            "--squash-hierarchy",
            "--dest-dir",
            "rst",
            "patguard.github",
        ],
        env,
        cwd=site,
    )
    assert collect.returncode == 0, collect.stdout[-3000:] + collect.stderr[-3000:]
    for guide in GUIDES:
        assert (rst / "docsite" / ("%s.rst" % guide)).is_file(), sorted(p.name for p in rst.rglob("*.rst"))

    warnings_file = tmp_path / "sphinx-warnings.txt"
    build = run_tool(
        [
            bin_dir / "sphinx-build",
            "-M",
            "html",
            "rst",
            "build",
            "-c",
            ".",
            "-q",
            "-w",
            str(warnings_file),
            "--keep-going",
        ],
        env,
        cwd=site,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    warnings = [line for line in warnings_file.read_text().splitlines() if "WARNING" in line or "ERROR" in line]
    unexpected = [line for line in warnings if not EXTERNAL_LABEL.search(line)]
    assert not unexpected, "\n".join(unexpected)

    html = site / "build" / "html"
    for guide in GUIDES:
        assert (html / "docsite" / ("%s.html" % guide)).is_file()
    modules = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py"))
    for module in modules:
        assert (html / ("%s_module.html" % module)).is_file(), module
    getting_started = (html / "docsite" / "getting_started.html").read_text()
    assert "pat_template_module.html" in getting_started and "pat_request_review_role.html" in getting_started
