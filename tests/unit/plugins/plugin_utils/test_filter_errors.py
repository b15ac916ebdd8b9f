"""One error root and one filter error decorator (issue 14.5)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.module_utils._catalog import CatalogError, validate_permission
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import PolicyError, validate_policy
from ansible_collections.patguard.github.plugins.module_utils._template import TemplateError, build_template_url
from ansible_collections.patguard.github.plugins.plugin_utils._filter import filter_errors
from ansible_collections.patguard.github.plugins.plugin_utils._report_model import ReportError

TOKEN = "ghp_" + "a" * 36


@pytest.mark.parametrize("error", [PolicyError, CatalogError, TemplateError, ReportError])
def test_every_error_class_has_one_root(error):
    assert issubclass(error, PatguardError)


def test_errors_keep_their_fields_and_one_message():
    with pytest.raises(PatguardError) as info:
        validate_policy({"max_lifetime_days": 0})
    assert info.value.key == "max_lifetime_days" and info.value.rule == "range"
    assert info.value.fail_kwargs()["msg"].startswith("patguard_policy.max_lifetime_days: ")
    with pytest.raises(PatguardError) as info:
        build_template_url("")
    assert info.value.fail_kwargs()["msg"] == "name: must be a non-empty string"
    with pytest.raises(PatguardError) as info:
        validate_permission("contents", "admin")
    assert info.value.problem == "level"


def test_decorator_prefixes_the_filter_name_unless_the_message_names_its_variable():
    @filter_errors("my_filter")
    def raises(exc):
        raise exc

    with pytest.raises(AnsibleFilterError, match=r"^my_filter: name: must be a non-empty string$"):
        raises(TemplateError("name", "must be a non-empty string"))
    with pytest.raises(AnsibleFilterError, match=r"^patguard_policy\.x: bad$"):
        raises(PolicyError("x", "type", "bad"))
    with pytest.raises(AnsibleFilterError, match=r"^my_filter: odd input$"):
        raises(ValueError("odd input"))


def test_decorator_never_repeats_a_token():
    @filter_errors("my_filter")
    def leaks(value):
        raise ValueError("cannot use %s" % value)

    with pytest.raises(AnsibleFilterError) as info:
        leaks(TOKEN)
    assert TOKEN not in str(info.value) and "<redacted>" in str(info.value)
