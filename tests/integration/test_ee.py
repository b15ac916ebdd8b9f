"""The execution environment definition: `ansible-builder create` makes its build context offline
(no container engine needed), with the collection's own requirements.txt and bindep.txt, the
built collection tarball, and a Containerfile that installs them.

Building the image itself needs podman or docker and a registry, which this machine has not.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from platform_venv import REPO_ROOT, build_tarball, run_tool

pytestmark = pytest.mark.platform

BIN = Path(sys.executable).parent


def load_ee():
    return yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())


def test_ee_definition_uses_the_collection_requirement_files():
    ee = load_ee()
    assert ee["version"] == 3
    deps = ee["dependencies"]
    assert deps["python"] == "requirements.txt"
    assert deps["system"] == "bindep.txt"
    # The runtime stays minimal: requests and PyJWT with cryptography, each bounded.
    reqs = [
        line.strip()
        for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    names = sorted(r.split(">")[0].split("<")[0].split("=")[0].split("[")[0].lower() for r in reqs)
    assert names == ["cryptography", "pyjwt", "requests"], reqs
    for req in reqs:
        assert ">=" in req, "%s needs a lower bound" % req


def test_bindep_compile_packages_stay_out_of_the_runtime():
    lines = [
        line
        for line in (REPO_ROOT / "bindep.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    runtime = [line.split()[0] for line in lines if "compile" not in line]
    assert runtime == ["ca-certificates"], runtime


def test_package_manager_matches_the_base_image_and_the_comment():
    ee = load_ee()
    image = ee["images"]["base_image"]["name"]
    # ee-minimal (AAP) images ship microdnf only; CentOS Stream and UBI images have dnf.
    expected = "/usr/bin/microdnf" if "ee-minimal" in image else "/usr/bin/dnf"
    assert ee["options"]["package_manager_path"] == expected
    comments = " ".join(
        line.lstrip("# ")
        for line in (REPO_ROOT / "execution-environment.yml").read_text().splitlines()
        if line.startswith("#")
    )
    assert "keep package_manager_path" not in comments
    assert "set package_manager_path to /usr/bin/microdnf" in comments


@pytest.mark.slow
def test_ansible_builder_creates_the_build_context_offline(tmp_path):
    project = tmp_path / "project"
    (project / "build").mkdir(parents=True)
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copy(REPO_ROOT / name, project / name)
    version = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]
    build = build_tarball(project / "build")
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = "patguard-github-%s.tar.gz" % version

    context = tmp_path / "context"
    create = run_tool(
        [
            BIN / "ansible-builder",
            "create",
            "--file",
            "execution-environment.yml",
            "--context",
            str(context),
            "--output-filename",
            "Containerfile",
            "-v3",
        ],
        None,
        cwd=project,
    )
    assert create.returncode == 0, create.stdout + create.stderr
    assert "No matches" not in create.stdout + create.stderr, create.stdout + create.stderr

    built = context / "_build"
    assert (built / "requirements.txt").read_text() == (REPO_ROOT / "requirements.txt").read_text()
    assert (built / "bindep.txt").read_text() == (REPO_ROOT / "bindep.txt").read_text()
    assert (built / "collections" / tarball).is_file()
    containerfile = (context / "Containerfile").read_text()
    ee = load_ee()
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert 'ARG EE_BASE_IMAGE="%s"' % ee["images"]["base_image"]["name"] in containerfile
    assert "COPY _build/requirements.txt requirements.txt" in containerfile
    assert "COPY _build/bindep.txt bindep.txt" in containerfile
    assert "--user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert ee["dependencies"]["ansible_core"]["package_pip"] in containerfile
    # The collection goes into the final image from the tarball, and must load there.
    final = containerfile.split("AS final", 1)[1]
    assert "ansible-galaxy collection install --offline" in final
    assert "/tmp/patguard-collections/patguard-github-*.tar.gz" in final
    assert "ansible-doc -t module patguard.github.pat_request_info" in final
