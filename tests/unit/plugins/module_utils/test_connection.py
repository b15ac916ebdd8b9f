"""Unit tests of the connection options: precedence of task values over the environment, pairs included."""

from __future__ import annotations

import pytest

from ansible_collections.patguard.github.plugins.module_utils._connection import (
    TASK_SOURCE,
    ConnectionOptions,
    auth_argument_spec,
    resolve_environment,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError

PEM = "-----BEGIN PRIVATE KEY-----\nTASK\n-----END PRIVATE KEY-----"
AWX_ENV = {
    "GITHUB_APP_ID": "42",
    "GITHUB_APP_PRIVATE_KEY_PATH": "/runner/env/tmp_private_key",
    "GITHUB_APP_INSTALLATION_ID": "",
    "GITHUB_API_URL": "https://api.github.com",
}


def options(params, environ):
    return ConnectionOptions.from_params(dict(params), environ=environ)


def test_private_key_on_the_task_beats_a_key_path_in_the_environment():
    # The collection's own AWX credential type injects GITHUB_APP_PRIVATE_KEY_PATH (issue 13.1).
    opts = options({"app_id": "42", "private_key": PEM}, AWX_ENV)
    assert opts.private_key == PEM and opts.private_key_path is None
    assert opts.sources["private_key"] == TASK_SOURCE and "private_key_path" not in opts.sources


def test_key_path_on_the_task_beats_a_private_key_in_the_environment():
    opts = options({"app_id": "42", "private_key_path": "/task/app.pem"}, {"GITHUB_APP_PRIVATE_KEY": PEM})
    assert opts.private_key_path == "/task/app.pem" and opts.private_key is None


def test_the_environment_fills_the_pair_when_the_task_sets_neither():
    opts = options({}, AWX_ENV)
    assert opts.app_id == "42" and opts.private_key_path == AWX_ENV["GITHUB_APP_PRIVATE_KEY_PATH"]
    assert opts.installation_id is None  # an empty variable counts as unset
    assert opts.sources["private_key_path"] == "GITHUB_APP_PRIVATE_KEY_PATH"


def test_both_keys_on_the_task_is_a_conflict_that_names_the_sources():
    with pytest.raises(ConfigError) as info:
        options({"app_id": "1", "private_key": PEM, "private_key_path": "/x.pem"}, {})
    assert "parameters are mutually exclusive: private_key|private_key_path" in info.value.message
    assert "private_key is set by the task (or module_defaults), private_key_path by the task" in info.value.message
    assert "TASK" not in info.value.message


def test_both_keys_in_the_environment_is_a_conflict_that_names_the_variables():
    with pytest.raises(ConfigError) as info:
        options({"app_id": "1"}, {"GITHUB_APP_PRIVATE_KEY": PEM, "GITHUB_APP_PRIVATE_KEY_PATH": "/x.pem"})
    assert (
        "private_key is set by GITHUB_APP_PRIVATE_KEY, private_key_path by GITHUB_APP_PRIVATE_KEY_PATH"
        in info.value.message
    )


def test_task_values_beat_the_environment_for_single_options():
    values, sources = resolve_environment(
        {"api_url": "https://ghe.example.com/api/v3", "token": None},
        {"GITHUB_API_URL": "https://api.github.com", "GH_TOKEN": "ghp_x"},
    )
    assert values["api_url"] == "https://ghe.example.com/api/v3" and values["token"] == "ghp_x"
    assert sources == {"api_url": TASK_SOURCE, "token": "GH_TOKEN"}


def test_token_only_ignores_app_options_from_task_and_environment():
    opts = ConnectionOptions.from_params(
        {"app_id": "1", "private_key": PEM}, token_only="ghu_" + "u" * 36, environ=AWX_ENV
    )
    assert not opts.has_app and opts.private_key_path is None and opts.token == "ghu_" + "u" * 36


def test_the_module_spec_has_no_env_fallback_for_the_pair():
    # An AnsibleModule fallback would fill both options and fail its mutually_exclusive check.
    spec = auth_argument_spec()
    assert "fallback" not in spec["private_key"] and "fallback" not in spec["private_key_path"]
    assert spec["private_key"]["no_log"] is True
