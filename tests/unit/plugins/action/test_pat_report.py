"""The pat_report action: its options are the module's documented ones; results and failures."""

from __future__ import annotations

import yaml

from ansible_collections.patguard.github.plugins.action import pat_report as action
from ansible_collections.patguard.github.plugins.modules import pat_report as docs


def test_argument_spec_is_the_documented_options():
    documented = yaml.safe_load(docs.DOCUMENTATION)["options"]
    assert set(documented) == set(action.ARGUMENT_SPEC)
    for name, spec in action.ARGUMENT_SPEC.items():
        doc = documented[name]
        assert doc.get("type", "str") == spec.get("type", "str"), name
        assert doc.get("required", False) == spec.get("required", False), name
        assert doc.get("default") == spec.get("default"), name
        assert doc.get("choices") == spec.get("choices"), name
        assert doc.get("elements") == spec.get("elements"), name


def test_results_warnings_and_failures(tmp_path):
    empty = action.run_action({"dest": str(tmp_path / "a")})
    assert empty["changed"] is True and not empty.get("failed")
    assert empty["warnings"] and "no request and no grant" in empty["warnings"][0]
    unknown = action.run_action({"dest": str(tmp_path / "b"), "grant": []})
    assert unknown["failed"] is True and "grant" in unknown["msg"] and not (tmp_path / "b").exists()
    missing = action.run_action({})
    assert missing["failed"] is True and "dest" in missing["msg"]
    policy = action.run_action({"dest": str(tmp_path / "c"), "policy": {"max_lifetime_days": 0}})
    assert policy["failed"] is True and "max_lifetime_days" in policy["msg"]
    zero = action.run_action({"dest": str(tmp_path / "d"), "page_size": 0})
    assert zero["failed"] is True and zero["msg"] == "page_size must be at least 1, got 0"
    checked = action.run_action({"dest": str(tmp_path / "e"), "grants": [{"id": 1}]}, check_mode=True)
    assert checked["changed"] is True and "warnings" not in checked and not (tmp_path / "e").exists()
