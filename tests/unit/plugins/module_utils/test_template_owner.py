"""pat_template's owner (issue 12.11): looked up with GET /users/{username}, and organization links
ask the person to check "Resource owner" before generating."""

from __future__ import annotations

import pytest
from http_doubles import API, Clock, ScriptedSession, make_response

from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient
from ansible_collections.patguard.github.plugins.module_utils._connection import ConnectionOptions
from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError
from ansible_collections.patguard.github.plugins.module_utils._template import build_template, lookup_owner_type


def client_with(script):
    session = ScriptedSession(script)
    clock = Clock()
    options = ConnectionOptions(api_url=API, token="ghp_" + "a" * 36, write_interval=0, max_retries=0)
    return GitHubClient(options, session=session, sleep=clock.sleep, clock=clock), session


@pytest.mark.parametrize("account_type, expected", [("User", "user"), ("Organization", "organization")])
def test_owner_type_from_users_endpoint(account_type, expected):
    client, session = client_with([make_response(200, {"login": "octocat_acme", "id": 1, "type": account_type})])
    assert lookup_owner_type(client, "octocat_acme") == expected
    assert [(s["method"], s["url"]) for s in session.sent] == [("GET", API + "/users/octocat_acme")]


def test_unknown_owner_and_other_account_types_are_refused():
    client, _session = client_with([make_response(404, {"message": "Not Found"})])
    with pytest.raises(ConfigError, match=r"owner: GitHub has no user or organization 'ghost' \(GET /users/ghost"):
        lookup_owner_type(client, "ghost")
    client, _session = client_with([make_response(200, {"login": "robot", "type": "Bot"})])
    with pytest.raises(ConfigError, match="owner: 'robot' is a GitHub account of type 'Bot'"):
        lookup_owner_type(client, "robot")


def test_organization_links_ask_to_check_the_resource_owner():
    org = build_template("deploy", owner="acme", owner_type="organization", permissions={"members": "read"})
    steps = org["manual_steps"]
    check = [s for s in steps if '"Resource owner"' in s]
    assert len(check) == 1 and "acme" in check[0] and "never reaches" in check[0]
    assert steps.index(check[0]) == len(steps) - 2  # just before generating and copying the token
    user = build_template("mail", owner="ada", owner_type="user", permissions={"emails": "read"})
    assert not any('"Resource owner"' in s for s in user["manual_steps"])
    assert not any('"Resource owner"' in s for s in build_template("mine")["manual_steps"])
