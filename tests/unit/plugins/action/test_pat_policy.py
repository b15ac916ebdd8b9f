"""pat_policy's action plugin: the result it hands to ansible-playbook."""

from __future__ import annotations

import pickle

from ansible_collections.patguard.github.plugins.action.pat_policy import _share_strings


def decisions(count):
    # Equal texts built one by one, as the policy engine builds them per record.
    return [
        {
            "id": i,
            "kind": "grant",
            "owner": "".join(["octo", "cat"]),
            "decision": "revoke",
            "reason": " ".join(["Revoked by policy:", "token has expired"]),
            "violations": [{"code": "expired", "detail": "token expired on %s" % "2025-12-18"}],
        }
        for i in range(count)
    ]


def test_equal_strings_are_pickled_once_and_the_decisions_stay_equal():
    built = decisions(1000)
    before = len(pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
    shared = decisions(1000)
    _share_strings(shared)
    assert shared == built
    assert shared[0]["reason"] is shared[999]["reason"]
    assert shared[0]["violations"][0]["detail"] is shared[999]["violations"][0]["detail"]
    # ansible-playbook unpickles the result: one object per distinct text, not one per record.
    assert len(pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)) < before / 2
