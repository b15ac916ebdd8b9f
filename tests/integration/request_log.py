"""Reading the fake's request log in the query-plan tests (test_policy_pass.py, test_query_plan.py).

``POLICY`` is the demo policy of playbooks/demo.yml in enforce form: its ``max_repositories``
needs the repository lists, so a pass reads them where a decision depends on them.
"""

from __future__ import annotations

import re

REPOSITORIES = re.compile(
    r"^/(?:orgs|organizations)/[^/]+/(personal-access-token-requests|personal-access-tokens)"
    r"/(\d+)/repositories$"
)
# App authentication, which every module process does once.
AUTH = re.compile(r"^/(orgs/[^/]+/installation|app/installations/\d+/access_tokens)$")

POLICY = {
    "max_lifetime_days": 90,
    "repository_selection": ["none", "subset"],
    "max_repositories": 10,
    "forbidden_permissions": ["administration:write", "organization_administration:write"],
    "min_reason_length": 10,
    "max_inactive_days": 90,
    "revoke_expired": True,
    "actions": {"compliant_request": "approve", "violating_request": "deny", "violating_grant": "revoke"},
}


def path_of(entry):
    return entry["path"].split("?")[0]
