"""The one login / organization name rule, and every plugin that checks a login uses it."""

from __future__ import annotations

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _names, _pat, _template, _token_check
from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError

GOOD_LOGINS = ["octocat", "a", "A-b-C", "x" * 39, "42", "octocat_acme", "mona-lisa_acme", "a_b"]
BAD_LOGINS = [
    "",
    "-dash",
    "dash-",
    "dou--ble",
    "has space",
    "not a login!",
    "x" * 40,
    "_acme",
    "octocat_",
    "octo_cat_acme",
    "octocat_ac-me",
    "ümlaut",
    None,
    42,
    ["a"],
]


@pytest.mark.parametrize("login", GOOD_LOGINS)
def test_logins_accepted_emu_included(login):
    assert _names.is_login(login)


@pytest.mark.parametrize("login", BAD_LOGINS)
def test_logins_refused(login):
    assert not _names.is_login(login)


def test_emu_login_is_counted_whole_against_39():
    assert _names.is_login("a" * 34 + "_acme")  # 39
    assert not _names.is_login("a" * 35 + "_acme")  # 40


@pytest.mark.parametrize(
    "org,ok",
    [
        ("acme", True),
        ("acme-corp", True),
        ("x" * 39, True),
        ("x" * 40, False),
        ("acme_emu", False),
        ("-acme", False),
        ("acme-", False),
        ("a--b", False),
        ("bad org!", False),
        (None, False),
    ],
)
def test_org_names(org, ok):
    assert _names.is_org(org) is ok


def test_repo_names():
    assert _names.is_repo_name("infra.tools_v2-x")
    for bad in ("", ".", "..", "a/b", "x" * 101, None):
        assert not _names.is_repo_name(bad)


# -- every place that checks a login applies the same rule (issue 12.1) ---------------------------


def test_owner_filters_accept_emu_logins():
    """pat_grant_info / pat_grant / pat_request_info / offboarding filter on owners=... ."""
    filters = _pat.check_filters(owners=["octocat_acme", "mona-lisa_acme", "alice"])
    assert filters["owners"] == ["octocat_acme", "mona-lisa_acme", "alice"]
    assert _pat.filter_queries(filters)[0]["owner"] == ["octocat_acme", "mona-lisa_acme", "alice"]


@pytest.mark.parametrize("owner", ["-dash", "not a login", "octocat_", "x" * 40])
def test_owner_filters_refuse_bad_logins_naming_field_and_rule(owner):
    with pytest.raises(ConfigError) as info:
        _pat.check_filters(owners=[owner])
    message = info.value.message
    assert message.startswith("owners: %r is not a valid GitHub login" % (owner,))
    assert "single hyphens" in message and "at most 39 characters" in message and "octocat_acme" in message


def test_org_check_names_field_and_rule():
    assert _pat.check_org("acme-corp") == "acme-corp"
    with pytest.raises(ConfigError) as info:
        _pat.check_org("acme_emu")
    assert info.value.message.startswith("org: 'acme_emu' is not a valid GitHub organization login")
    assert "single hyphens" in info.value.message


def test_template_owner_and_token_info_repositories_use_the_same_rule():
    assert "target_name=octocat_acme" in _template.build_template_url("t", owner="octocat_acme")
    assert _token_check.check_repository_names(["octocat_acme/dotfiles"]) == ["octocat_acme/dotfiles"]
    for owner in ("dou--ble", "octocat_", "x" * 40):
        with pytest.raises(_template.TemplateError, match="login"):
            _template.build_template_url("t", owner=owner)
        with pytest.raises(ConfigError, match=r"repositories\[0\]: must be owner/name"):
            _token_check.check_repository_names(["%s/repo" % owner])
