"""Unit tests of the rotation_due filter (plugins/filter/rotation.py)."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.filter.rotation import FilterModule, rotation_due

NOW = "2026-11-25T00:00:00Z"
SECRET = "github_pat_" + "7" * 22 + "_" + "S" * 59


def result(name, valid=True, expires_at=None, **item):
    entry = {"name": name, "token": SECRET}
    entry.update(item)
    return {
        "valid": valid,
        "expires_at": expires_at,
        "days_remaining": None,
        "fingerprint": "sha256:1",
        "login": "ada" if valid else None,
        "changed": False,
        "item": entry,
    }


def test_due_tokens_with_links_and_no_secret():
    checks = [
        result(
            "soon",
            expires_at="2026-12-05T00:00:00Z",
            owner="acme",
            owner_type="organization",
            expires_in=30,
            permissions={"contents": "read"},
        ),
        result("later", expires_at="2027-06-01T00:00:00Z"),
        result("forever"),
        result("dead", valid=False, permissions={"issues": "write"}),
    ]
    due = rotation_due(checks, days=14, now=NOW)
    assert [(d["name"], d["reason"]) for d in due] == [("soon", "expires_soon"), ("dead", "invalid")]
    assert due[0]["url"] == (
        "https://github.com/settings/personal-access-tokens/new?name=soon&target_name=acme&expires_in=30&contents=read"
    )
    assert due[0]["manual_steps"]
    assert SECRET not in json.dumps(due)


def test_boundary_and_registered_variable():
    checks = {"results": [result("edge", expires_at="2026-12-09T00:00:00Z")]}
    assert [d["name"] for d in rotation_due(checks, days=14, now=NOW)] == ["edge"]
    assert rotation_due(checks, days=13, now=NOW) == []


def test_tokens_given_separately():
    checks = [{"valid": False, "expires_at": None}]
    due = rotation_due(checks, tokens=[{"name": "x", "web_url": "https://acme.ghe.com"}], now=NOW)
    assert due[0]["url"].startswith("https://acme.ghe.com/settings/personal-access-tokens/new?name=x")


@pytest.mark.parametrize(
    "checks, kwargs, words",
    [
        ([result("x" * 41, valid=False)], {}, "patguard_rotation_tokens[0] (" + "x" * 41 + "): name:"),
        ([{"failed": True, "msg": "boom", "item": {"name": "a"}}], {}, "did not run or failed: boom"),
        ([{"valid": True}], {}, "has no name"),
        ("nope", {}, "expects the list"),
        ([], {"days": -1}, "days must be 0 or more"),
        ([result("a")], {"tokens": []}, "tokens must be a list as long"),
    ],
)
def test_errors(checks, kwargs, words):
    with pytest.raises(AnsibleFilterError) as err:
        rotation_due(checks, now=NOW, **kwargs)
    assert words in str(err.value)
    assert SECRET not in str(err.value)


def test_registered():
    assert FilterModule().filters()["rotation_due"] is rotation_due
