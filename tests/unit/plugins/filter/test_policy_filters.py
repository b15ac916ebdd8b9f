# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.filter.policy import FilterModule

FILTERS = FilterModule().filters()
NAMES = (
    "policy_validate",
    "policy_plan",
    "policy_needs_repositories",
    "policy_merge_records",
    "pat_template_url",
    "token_fingerprint",
)
FILTER_DIR = Path(__file__).resolve().parents[4] / "plugins" / "filter"
ACT = {"compliant_request": "approve", "violating_request": "deny", "violating_grant": "revoke"}


def test_filter_names():
    assert sorted(FILTERS) == sorted(NAMES)


def test_policy_validate():
    norm = FILTERS["policy_validate"]({"max_lifetime_days": 30, "allowed_permissions": {"account": {"emails": "read"}}})
    assert norm["max_lifetime_days"] == 30 and norm["allowed_permissions"]["other"] == {"emails": "read"}
    json.dumps(norm)
    with pytest.raises(
        AnsibleFilterError,
        match=r"^patguard_policy\.max_lifetime_days: must be an integer from 1 to "
        r"366, got 0$",
    ):
        FILTERS["policy_validate"]({"max_lifetime_days": 0})


def test_policy_plan():
    reqs = [{"id": 1, "owner": "a", "token_id": 3, "created_at": "2024-01-01T00:00:00Z", "token_expires_at": None}]
    grants = [{"id": 9, "owner": "b", "token_id": 4, "token_expired": True}]
    result = FILTERS["policy_plan"](
        reqs, grants, {"max_lifetime_days": 30, "revoke_expired": True, "actions": ACT}, now="2024-02-01T00:00:00Z"
    )
    assert result["deny"] == [
        {"ids": [1], "action": "deny", "reason": "Denied by policy: lifetime over the 30-day maximum"}
    ]
    assert result["revoke"] == [9]
    assert result["evaluated_at"] == "2024-02-01T00:00:00Z"
    json.dumps(result)
    assert FILTERS["policy_plan"](None, None, {})["decisions"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        (([], [], {"bogus": 1}), "patguard_policy.bogus: unknown key"),
        (("x", [], {}), "requests must be a list"),
        (([], {}, {}), "grants must be a list"),
        (([], [], {}, "not a time"), "now must be an ISO 8601 timestamp"),
    ],
)
def test_policy_plan_errors(args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        FILTERS["policy_plan"](*args)


def test_policy_needs_repositories():
    assert FILTERS["policy_needs_repositories"]({"max_repositories": 4}) is True
    assert FILTERS["policy_needs_repositories"]({}) is False
    with pytest.raises(AnsibleFilterError, match="patguard_policy.max_repositories"):
        FILTERS["policy_needs_repositories"]({"max_repositories": True})


def test_pat_template_url():
    url = FILTERS["pat_template_url"](
        "ci token", owner="acme", owner_type="organization", expires_in=30, permissions={"contents": "read"}
    )
    assert url == (
        "https://github.com/settings/personal-access-tokens/new?name=ci%20token&target_name=acme"
        "&expires_in=30&contents=read"
    )
    with pytest.raises(AnsibleFilterError, match="^pat_template_url: web_url: must be an https:// URL"):
        FILTERS["pat_template_url"]("x", web_url="http://github.com")


def test_token_fingerprint():
    assert FILTERS["token_fingerprint"]("ghp_x").startswith("sha256:")
    with pytest.raises(AnsibleFilterError) as info:
        FILTERS["token_fingerprint"](["ghp_secretsecret"])
    assert "secret" not in str(info.value)


@pytest.mark.parametrize("name", NAMES)
def test_doc_files(name):
    doc = yaml.safe_load((FILTER_DIR / ("%s.yml" % name)).read_text())
    assert set(doc) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert doc["DOCUMENTATION"]["name"] == name
    assert doc["DOCUMENTATION"]["short_description"]
    assert "_input" in doc["DOCUMENTATION"]["options"]
    assert "_value" in doc["RETURN"]
    assert "patguard.github.%s" % name in doc["EXAMPLES"]


@pytest.mark.parametrize("name", NAMES)
def test_ansible_doc_renders(name):
    ansible_doc = Path(sys.executable).with_name("ansible-doc")
    if not ansible_doc.exists():
        pytest.skip("ansible-doc not installed next to the interpreter")
    proc = subprocess.run(
        [str(ansible_doc), "-t", "filter", "--json", "patguard.github.%s" % name],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)["patguard.github.%s" % name]
    assert data["doc"]["name"] == name
