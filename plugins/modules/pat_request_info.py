#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_request_info
short_description: List pending fine-grained personal access token requests of an organization
version_added: 0.1.0
description:
  - Lists the requests of organization members for fine-grained personal access tokens (PATs) that
    wait for an owner's approval, with GitHub's server-side filters (O(last_used_before) and
    O(last_used_after) are decided by the collection, see O(never_used)).
  - GitHub serves this endpoint to GitHub App installation tokens only; give O(app_id) and
    O(private_key) or O(private_key_path).
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.org
  - patguard.github.pat_filters
  - patguard.github.pat_filters.INCLUDE_REPOSITORIES
  - patguard.github.attributes
  - patguard.github.attributes.INFO_MODULE
seealso:
  - module: patguard.github.pat_request
  - module: patguard.github.pat_grant_info
  - name: GitHub REST API for fine-grained PAT requests
    description: List requests to access organization resources with fine-grained personal access tokens.
    link: https://docs.github.com/en/rest/orgs/personal-access-tokens
"""

EXAMPLES = r"""
- name: List every pending request of the organization
  patguard.github.pat_request_info:
    org: acme
    app_id: "{{ github_app_id }}"
    private_key_path: /etc/patguard/app.pem
  register: pending

- name: List the pending requests of two users, with their repositories
  patguard.github.pat_request_info:
    org: acme
    owners: [alice, bob]
    include_repositories: true
  register: pending

- name: Requests that ask for write access to repository contents
  patguard.github.pat_request_info:
    org: acme
    permission: contents_write
  register: writers
"""

RETURN = r"""
requests:
  description: The pending requests, in GitHub's order (newest first).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: ID of the request (the C(pat_request_id) used to review it).
      type: int
      sample: 25381
    owner:
      description: Login of the user who asks for the token.
      type: str
      sample: octocat
    token_id:
      description: ID of the token (as in the audit log).
      type: int
      sample: 98716
    token_name:
      description: Name the user gave the token.
      type: str
      sample: deploy-bot
    reason:
      description: The user's justification, or null.
      type: str
      sample: Deploy the docs site from CI
    repository_selection:
      description: Which repositories the token asks for (C(none), C(all) or C(subset)).
      type: str
      sample: subset
    repositories:
      description: Names of the repositories of a C(subset) token when O(include_repositories=true), else null.
      type: list
      elements: str
      sample: [docs, website]
    permissions:
      description: Requested permissions by kind (C(organization), C(repository), C(other) for account permissions).
      type: dict
      sample: {"organization": {}, "repository": {"contents": "write", "metadata": "read"}, "other": {}}
    created_at:
      description: When the request was made.
      type: str
      sample: "2026-11-01T10:00:00Z"
    token_expires_at:
      description: When the token expires, or null if it never does.
      type: str
      sample: "2027-01-30T10:00:00Z"
    token_expired:
      description: Whether the token has expired.
      type: bool
      sample: false
    token_last_used_at:
      description: When the token was last used, or null.
      type: str
      sample: null
    lifetime_days:
      description: Days from the request to the token's expiry (one decimal); null when the token never expires.
      type: float
      sample: 90.0
count:
  description: Number of requests returned.
  returned: success
  type: int
  sample: 12
gone:
  description:
    - Records that were listed but vanished before their repositories could be read (with
      O(include_repositories=true)), for example cancelled by its owner or reviewed by someone else meanwhile. They are left out of the list above.
  returned: success
  type: list
  elements: dict
  sample: [{"id": 25390, "kind": "request", "token_id": 98720, "step": "repositories"}]
  contains:
    id:
      description: ID of the request.
      type: int
    kind:
      description: Always V(request) here.
      type: str
    token_id:
      description: ID of its token.
      type: int
    step:
      description: The call that found it gone (V(repositories)).
      type: str
api:
  description: What the task cost in API calls (requests, writes, retries, rate-limit budget left, seconds waited by reason).
  returned: always
  type: dict
  sample: {"requests": 2, "writes": 0, "retries": 0, "rate_limit_remaining": 4990, "rate_limit_limit": 5000,
           "rate_limit_reset": 1767225600, "waited_seconds": {"write_interval": 0.0, "retry_after": 0.0,
           "backoff": 0.0, "primary_reset": 0.0}}
"""

from ansible_collections.patguard.github.plugins.module_utils._module import run_listing


def main():
    run_listing("request", "requests")


if __name__ == "__main__":
    main()
