# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _template
from ansible_collections.patguard.github.plugins.module_utils._template import (
    TemplateError,
    build_template_url,
    manual_steps,
    template_permissions,
)

BASE = "https://github.com/settings/personal-access-tokens/new"


def query(url):
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_minimal():
    assert build_template_url("ci") == BASE + "?name=ci"


def test_every_parameter_in_stable_order():
    url = build_template_url(
        "deploy",
        description="Reads releases",
        owner="acme",
        expires_in=90,
        permissions={"metadata": "read", "contents": "write", "members": "read"},
        owner_type="organization",
    )
    assert url == (
        BASE + "?name=deploy&description=Reads%20releases&target_name=acme&expires_in=90"
        "&contents=write&members=read&metadata=read"
    )


def test_same_input_same_url_regardless_of_dict_order():
    a = build_template_url("x", permissions={"metadata": "read", "contents": "read"})
    b = build_template_url("x", permissions={"contents": "read", "metadata": "read"})
    assert a == b


def test_percent_encoding():
    url = build_template_url("a b&c=d/é", description='100% "sure" + #1?')
    assert "+" not in urlsplit(url).query.replace("%2B", "")
    assert url == BASE + "?name=a%20b%26c%3Dd%2F%C3%A9&description=100%25%20%22sure%22%20%2B%20%231%3F"
    assert query(url) == [("name", "a b&c=d/é"), ("description", '100% "sure" + #1?')]


def test_expires_in_none_and_bounds():
    assert query(build_template_url("x", expires_in="none"))[-1] == ("expires_in", "none")
    assert query(build_template_url("x", expires_in=1))[-1] == ("expires_in", "1")
    assert query(build_template_url("x", expires_in=366))[-1] == ("expires_in", "366")


@pytest.mark.parametrize("value", [0, 367, -1, True, False, "30", "None", 1.0])
def test_expires_in_rejected(value):
    with pytest.raises(TemplateError) as info:
        build_template_url("x", expires_in=value)
    assert info.value.field == "expires_in"


def test_name_limits():
    assert query(build_template_url("n" * 40))[0] == ("name", "n" * 40)
    for bad in ("", "   ", None, "n" * 41, 5):
        with pytest.raises(TemplateError) as info:
            build_template_url(bad)
        assert info.value.field == "name"
    with pytest.raises(TemplateError, match="^name: must be at most 40 characters, got 41$"):
        build_template_url("n" * 41)


def test_description_limits():
    assert query(build_template_url("x", description="d" * 1024))[1] == ("description", "d" * 1024)
    with pytest.raises(TemplateError, match="^description: must be at most 1024 characters, got 1025$"):
        build_template_url("x", description="d" * 1025)
    with pytest.raises(TemplateError) as info:
        build_template_url("x", description=3)
    assert info.value.field == "description"
    assert build_template_url("x", description="") == BASE + "?name=x"


@pytest.mark.parametrize("owner", ["acme", "a", "Acme-Corp", "jdoe_acme", "a" * 39])
def test_owner_ok(owner):
    assert query(build_template_url("x", owner=owner))[1] == ("target_name", owner)


@pytest.mark.parametrize("owner", ["", "-acme", "acme corp", "acme/x", "a&b", 7])
def test_owner_rejected(owner):
    with pytest.raises(TemplateError) as info:
        build_template_url("x", owner=owner)
    assert info.value.field == "owner"


@pytest.mark.parametrize(
    "web_url, expected",
    [
        ("https://github.com/", BASE),
        ("https://acme.ghe.com", "https://acme.ghe.com/settings/personal-access-tokens/new"),
    ],
)
def test_web_url(web_url, expected):
    assert build_template_url("x", web_url=web_url).split("?")[0] == expected


@pytest.mark.parametrize(
    "web_url", ["http://github.com", "github.com", "", None, "https://", "https://x/?a=1", "ftp://github.com"]
)
def test_web_url_must_be_https(web_url):
    with pytest.raises(TemplateError) as info:
        build_template_url("x", web_url=web_url)
    assert info.value.field == "web_url"
    assert str(info.value).startswith("web_url: ")


def test_permissions_grouped_form_and_other_bucket():
    flat = template_permissions({"repository": {"contents": "read"}, "other": {"emails": "read"}}, "user")
    assert flat == [("contents", "read", "repository"), ("emails", "read", "account")]
    assert query(build_template_url("x", permissions={"account": {"gists": "write"}}, owner_type="user"))[1] == (
        "gists",
        "write",
    )


@pytest.mark.parametrize(
    "permissions, owner_type, field, message",
    [
        ({"content": "read"}, None, "permissions.content", "unknown permission 'content' (did you mean 'contents'?)"),
        (
            {"contents": "admin"},
            None,
            "permissions.contents",
            "permission 'contents' accepts read or write, got 'admin'",
        ),
        (
            {"repository": {"members": "read"}},
            None,
            "permissions.members",
            "permission 'members' is an organization permission, not a repository permission",
        ),
        (
            {"emails": "read"},
            "organization",
            "permissions.emails",
            "is an account permission; it applies only when the owner is a user, not an organization",
        ),
        (
            {"members": "read"},
            "user",
            "permissions.members",
            "is an organization permission; it applies only when the owner is an organization, not a user",
        ),
        (
            {"emails": "read", "members": "read"},
            None,
            "permissions",
            "cannot combine account permissions (user owner only) with organization permissions (organization owner only)",
        ),
        (
            {"contents": "read", "repository": {"contents": "write"}},
            None,
            "permissions.contents",
            "given twice with different levels",
        ),
        (["contents"], None, "permissions", "must be a mapping of permission to level, got list"),
        ({"repository": ["contents"]}, None, "permissions.repository", "must be a mapping of permission to level"),
        ({}, "team", "owner_type", "must be user or organization, got 'team'"),
    ],
)
def test_permission_errors(permissions, owner_type, field, message):
    with pytest.raises(TemplateError) as info:
        build_template_url("x", permissions=permissions, owner_type=owner_type)
    assert info.value.field == field
    assert info.value.message == message
    assert str(info.value) == "%s: %s" % (field, message)


def test_manual_steps():
    steps = manual_steps("organization", ["app", "infra"], True, {"contents": "read"})
    assert len(steps) == 3
    assert "select: app, infra" in steps[0] and "cannot pre-select" in steps[0]
    assert "justification" in steps[1]
    assert "only once" in steps[2]
    user_steps = manual_steps("user", None, True, {"emails": "read"})
    assert not any("justification" in s for s in user_steps)
    assert not any("Repository access" in s for s in user_steps)
    assert any("Repository access" in s for s in manual_steps())


def test_module_is_python38_syntax():
    ast.parse(Path(_template.__file__).read_text(), feature_version=(3, 8))
