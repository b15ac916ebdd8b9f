# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _catalog
from ansible_collections.patguard.github.plugins.module_utils._catalog import (
    API_BUCKET,
    CATALOG,
    LEVELS,
    PERMISSIONS,
    CatalogError,
    level_rank,
    levels_of,
    normalize_resource,
    resource_of,
    validate_permission,
)

TSV = Path(__file__).resolve().parents[3] / "contract" / "github-facts" / "fine-grained-pat-permissions.tsv"


def test_catalog_equals_facts_tsv():
    with TSV.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    expected = tuple((r["resource"], r["permission"], tuple(r["levels"].split(","))) for r in rows)
    assert CATALOG == expected


def test_permission_names_are_unique_across_resources():
    assert len(PERMISSIONS) == len(CATALOG)


def test_every_level_is_known_and_ordered():
    for _resource, _name, levels in CATALOG:
        assert levels and all(level in LEVELS for level in levels)
        assert list(levels) == sorted(levels, key=LEVELS.index)


def test_levels_order():
    assert LEVELS == ("read", "write", "admin")
    assert level_rank("read") < level_rank("write") < level_rank("admin")


@pytest.mark.parametrize("bad", ["none", "Read", "", None, 1, True])
def test_level_rank_rejects_unknown(bad):
    with pytest.raises(CatalogError):
        level_rank(bad)


def test_resource_of():
    assert resource_of("contents") == "repository"
    assert resource_of("members") == "organization"
    assert resource_of("emails") == "account"
    assert resource_of("email_addresses") is None  # GitHub App name, not a PAT name
    assert resource_of(None) is None
    assert levels_of("organization_projects") == ("read", "write", "admin")
    assert levels_of("nope") is None


def test_api_bucket_for_account_is_other():
    assert API_BUCKET == {"account": "other", "repository": "repository", "organization": "organization"}
    assert normalize_resource("other") == "account"
    with pytest.raises(CatalogError, match="unknown resource 'repo' \\(did you mean 'repository'\\?\\)"):
        normalize_resource("repo")


def test_validate_permission_ok():
    assert validate_permission("contents", "write") == "repository"
    assert validate_permission("emails", "read", "other") == "account"
    assert validate_permission("emails", "read", "account") == "account"
    assert validate_permission("organization_projects", "admin", "organization") == "organization"


@pytest.mark.parametrize(
    "args, message, problem",
    [
        (("content", "read"), "unknown permission 'content' (did you mean 'contents'?)", "unknown_permission"),
        (("contents", "admin"), "permission 'contents' accepts read or write, got 'admin'", "level"),
        (("metadata", "write"), "permission 'metadata' accepts read, got 'write'", "level"),
        (("workflows", "read"), "permission 'workflows' accepts write, got 'read'", "level"),
        (
            ("organization_projects", "owner"),
            "permission 'organization_projects' accepts read, write or admin, got 'owner'",
            "level",
        ),
        (
            ("members", "read", "repository"),
            "permission 'members' is an organization permission, not a repository permission",
            "resource",
        ),
        (
            ("emails", "read", "organization"),
            "permission 'emails' is an account permission, not an organization permission",
            "resource",
        ),
        (("xyzzy", "read"), "unknown permission 'xyzzy'", "unknown_permission"),
        ((None, "read"), "unknown permission None", "unknown_permission"),
    ],
)
def test_validate_permission_errors(args, message, problem):
    with pytest.raises(CatalogError) as info:
        validate_permission(*args)
    assert str(info.value) == message
    assert info.value.problem == problem


def test_suggestion_prefers_the_given_resource():
    with pytest.raises(CatalogError, match="did you mean 'pull_requests'"):
        validate_permission("pull_request", "read", "repository")


def test_module_is_python38_syntax():
    import ast

    source = Path(_catalog.__file__).read_text()
    ast.parse(source, feature_version=(3, 8))
