#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: credential_authorization
short_description: Remove SAML SSO credential authorizations (classic PATs, SSH keys, OAuth tokens) from an organization
version_added: 0.1.0
description:
  - Removes credential authorizations of an organization that uses SAML single sign-on on GitHub Enterprise Cloud,
    chosen by O(credential_ids) or by the same filters as M(patguard.github.credential_authorization_info)
    (for example every classic PAT of some members, or every token that never expires). All given selectors must hold.
  - The credential itself is not deleted; its owner must authorize it again before it can reach the organization.
  - Idempotent. The matching authorizations are listed first; what is already gone is reported in
    RV(already_absent) and a second run reports no change and sends no write.
  - Authorizations are removed one C(DELETE) at a time, spaced by O(write_interval) like every other write of the
    collection. If the run stops half-way, the error lists what was removed and what was not (RV(not_processed));
    running the task again finishes the job.
  - At least one selector is required, so that no task removes every authorization by accident.
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.credential_filters
  - patguard.github.attributes
attributes:
  check_mode:
    support: full
    details: Lists the matching authorizations and reports what would be removed; sends no write.
  diff_mode:
    support: full
    details: Shows the matching authorization IDs before and after.
  idempotent:
    support: full
options:
  state:
    description:
      - V(absent) removes the matching authorizations.
    type: str
    choices: [absent]
    default: absent
seealso:
  - module: patguard.github.credential_authorization_info
  - module: patguard.github.credential_revoke
    description: Revokes a leaked token everywhere, whoever owns it.
  - name: GitHub REST API, remove a SAML SSO authorization
    description: Remove a SAML SSO authorization for an organization.
    link: https://docs.github.com/en/enterprise-cloud@latest/rest/orgs/orgs#remove-a-saml-sso-authorization-for-an-organization
"""

EXAMPLES = r"""
- name: Remove every credential a departing member authorized (check mode shows what would go)
  patguard.github.credential_authorization:
    org: acme
    logins: [alice]
    state: absent
    token: "{{ vault_org_owner_classic_pat }}"
  check_mode: true

- name: Remove classic PATs that never expire
  patguard.github.credential_authorization:
    org: acme
    credential_types: [personal_access_token]
    without_expiry: true
    state: absent

- name: Remove given authorizations
  patguard.github.credential_authorization:
    org: acme
    credential_ids: [161195, 161196]
"""

RETURN = r"""
removed:
  description: C(credential_id) of each authorization removed by this task (would be, in check mode).
  returned: always
  type: list
  elements: int
  sample: [161195]
removed_credentials:
  description: The removed authorizations with their owner, type and last eight characters.
  returned: always
  type: list
  elements: dict
  sample: [{"credential_id": 161195, "authorized_credential_id": 12345678, "login": "alice",
            "credential_type": "personal_access_token", "token_last_eight": "71c3fc11"}]
already_absent:
  description: Given O(credential_ids) that GitHub no longer lists, or that vanished between the listing and the
    removal; nothing was sent for the former.
  returned: always
  type: list
  elements: int
  sample: []
not_processed:
  description: On failure after a partial run, the IDs not yet removed (run again to finish).
  returned: failure
  type: list
  elements: int
available:
  description: False when GitHub has no credential authorizations for the organization and O(when_unavailable=warn).
  returned: always
  type: bool
unavailable_reason:
  description: Why nothing could be done (when RV(available) is false).
  returned: when not available
  type: str
api:
  description: What the task cost in API calls (requests, writes, retries, seconds waited by reason).
  returned: always
  type: dict
"""

from ansible_collections.patguard.github.plugins.module_utils._credential_authorizations import (
    UnavailableError,
    filter_argument_spec,
    filters_from_params,
    has_selector,
    list_authorizations,
    remove_authorizations,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError
from ansible_collections.patguard.github.plugins.module_utils._module import (
    build_module,
    fail_on_input,
    run,
    unavailable_result,
)

SHOWN = ("credential_id", "authorized_credential_id", "login", "credential_type", "token_last_eight")


def main():
    spec = filter_argument_spec()
    spec.update(state=dict(type="str", choices=["absent"], default="absent"))
    module = build_module(spec, mutually_exclusive=[("expires_before", "without_expiry")])
    params = module.params

    def check():
        filters = filters_from_params(params)
        if not has_selector(filters):
            raise ConfigError(
                "give credential_ids or at least one filter (logins, credential_types, accessed_before, "
                "authorized_before, authorized_after, expires_before, without_expiry); an empty "
                "selection would remove every authorization of the organization"
            )
        return filters

    filters = fail_on_input(module, check)

    def task(client):
        try:
            records = list_authorizations(client, params["org"], filters)
        except UnavailableError as exc:
            return unavailable_result(module, exc, removed=[], removed_credentials=[], already_absent=[])
        listed = set(r["credential_id"] for r in records)
        absent = [i for i in filters["credential_ids"] if i not in listed]
        result = remove_authorizations(client, params["org"], records, check_mode=module.check_mode)
        by_id = dict((r["credential_id"], r) for r in records)
        removed = result["removed"]
        out = {
            "changed": bool(removed),
            "removed": removed,
            "removed_credentials": [dict((k, by_id[i].get(k)) for k in SHOWN) for i in removed],
            "already_absent": absent + result["already_absent"],
            "available": True,
        }
        if module._diff:
            before = sorted(listed)
            out["diff"] = {
                "before": {"authorized": before},
                "after": {"authorized": sorted(set(before) - set(removed) - set(result["already_absent"]))},
            }
        return out

    run(module, task, org=params["org"])


if __name__ == "__main__":
    main()
