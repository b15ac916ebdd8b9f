"""Shape helpers shared by _pat, _policy, _report and the credential code (_records.py)."""

from __future__ import annotations

import pytest

from ansible_collections.patguard.github.plugins.module_utils import _records


def test_is_int_refuses_bools_and_strings():
    assert _records.is_int(3) and _records.is_int(0)
    assert not any(_records.is_int(v) for v in (True, False, "3", 3.0, None))


def test_owner_login_reads_raw_and_normalized_records():
    assert _records.owner_login({"owner": {"login": "octocat_acme", "id": 1}}) == "octocat_acme"
    assert _records.owner_login({"owner": "alice"}) == "alice"
    assert _records.owner_login({"owner": {"id": 1}}) is None
    assert _records.owner_login({"owner": 7}) is None
    assert _records.owner_login("not a record") is None


def test_chunks():
    assert _records.chunks(range(5), 2) == [[0, 1], [2, 3], [4]]
    assert _records.chunks([], 10) == []
    with pytest.raises(ValueError):
        _records.chunks([1], 0)


def test_grouped_chunks_first_seen_order_each_value_once():
    pairs = [("a", 1), ("b", 2), ("a", 3), ("a", 1), ("b", 4), ("a", 5), ("c", 2)]
    assert _records.grouped_chunks(pairs, 2) == [("a", [1, 3]), ("a", [5]), ("b", [2, 4])]
