#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: credential_authorization_info
short_description: List the SAML SSO credential authorizations of an organization (classic PATs, SSH keys, OAuth)
version_added: 0.1.0
description:
  - Lists every credential that members authorized for an organization that uses SAML single sign-on on GitHub
    Enterprise Cloud, that is personal access tokens (classic), SSH keys, OAuth app tokens and GitHub App user tokens.
    This is the only organization-side view of classic PATs.
  - Reads every page. GitHub filters by one O(logins) entry per call; every other filter is applied locally.
  - Each record is normalised (type, login, IDs, the last eight characters GitHub gives, scopes, SSH fingerprint or
    title, note, authorized, last accessed and expiry times). GitHub never returns more of a credential than its last
    eight characters, and neither does this module.
  - GitHub Enterprise Server and github.com without Enterprise Cloud have no such endpoint; see O(when_unavailable).
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.credential_filters
  - patguard.github.attributes
  - patguard.github.attributes.INFO_MODULE
seealso:
  - module: patguard.github.credential_authorization
  - module: patguard.github.audit_log_info
  - name: GitHub REST API, SAML SSO authorizations
    description: List SAML SSO authorizations for an organization.
    link: https://docs.github.com/en/enterprise-cloud@latest/rest/orgs/orgs#list-saml-sso-authorizations-for-an-organization
"""

EXAMPLES = r"""
- name: Every credential authorized for the organization
  patguard.github.credential_authorization_info:
    org: acme
    token: "{{ vault_org_owner_classic_pat }}"
  register: creds

- name: Classic PATs that never expire
  patguard.github.credential_authorization_info:
    org: acme
    credential_types: [personal_access_token]
    without_expiry: true
  register: forever

- name: What alice and bob have authorized, on an organization that may not use SAML SSO
  patguard.github.credential_authorization_info:
    org: acme
    logins: [alice, bob]
    when_unavailable: warn
  register: leaver_creds
"""

RETURN = r"""
credential_authorizations:
  description: The matching authorizations, in GitHub's order.
  returned: always
  type: list
  elements: dict
  contains:
    credential_id:
      description: ID of the authorization; give it to M(patguard.github.credential_authorization) to remove it.
      type: int
    authorized_credential_id:
      description: ID of the underlying token or key; stays the same when it is authorized again.
      type: int
    login:
      description: Member who owns the credential.
      type: str
    credential_type:
      description: V(personal_access_token), V(ssh_key), V(oauth_app_token) or V(github_app_token).
      type: str
    token_last_eight:
      description: The last eight characters of a token, as GitHub gives them (null for SSH keys).
      type: str
    scopes:
      description: OAuth scopes of a token, sorted (empty for SSH keys).
      type: list
      elements: str
    fingerprint:
      description: SSH key fingerprint (SSH keys only).
      type: str
    title:
      description: Title of an SSH key.
      type: str
    note:
      description: Note of a token.
      type: str
    authorized_at:
      description: When the credential was authorized for the organization (ISO 8601 UTC).
      type: str
    accessed_at:
      description: When it was last used (null if never).
      type: str
    expires_at:
      description: When the token expires (null if it never does, and for SSH keys).
      type: str
    is_token:
      description: Whether the credential is a token (not an SSH key).
      type: bool
  sample:
    - credential_id: 161195
      authorized_credential_id: 12345678
      login: octocat
      credential_type: personal_access_token
      token_last_eight: 71c3fc11
      scopes: [repo, user]
      fingerprint: null
      title: null
      note: ci
      authorized_at: "2026-01-26T19:06:43Z"
      accessed_at: "2026-11-20T08:00:00Z"
      expires_at: null
      is_token: true
count:
  description: Number of authorizations returned.
  returned: always
  type: int
summary:
  description: Counts by type, scopes held, tokens without expiry, credentials never accessed.
  returned: always
  type: dict
  sample: {"total": 3, "by_type": {"personal_access_token": 2, "ssh_key": 1}, "scopes": {"repo": 2},
           "without_expiry": 1, "never_accessed": 0}
available:
  description: False when GitHub has no credential authorizations for the organization and O(when_unavailable=warn).
  returned: always
  type: bool
unavailable_reason:
  description: Why the list is unavailable (when RV(available) is false).
  returned: when not available
  type: str
api:
  description: What the task cost in API calls.
  returned: always
  type: dict
"""

from ansible_collections.patguard.github.plugins.module_utils._credential_authorizations import (
    UnavailableError,
    filter_argument_spec,
    filters_from_params,
    list_authorizations,
    summary,
)
from ansible_collections.patguard.github.plugins.module_utils._module import (
    build_module,
    fail_on_input,
    run,
    unavailable_result,
)


def main():
    module = build_module(filter_argument_spec(), mutually_exclusive=[("expires_before", "without_expiry")])
    params = module.params
    filters = fail_on_input(module, lambda: filters_from_params(params))

    def task(client):
        try:
            records = list_authorizations(client, params["org"], filters)
        except UnavailableError as exc:
            return unavailable_result(module, exc, credential_authorizations=[], count=0, summary=summary([]))
        return {
            "changed": False,
            "credential_authorizations": records,
            "count": len(records),
            "summary": summary(records),
            "available": True,
        }

    run(module, task, org=params["org"])


if __name__ == "__main__":
    main()
