#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_token
short_description: Issue or revoke a GitHub App installation token narrowed to some repositories and permissions
version_added: 0.1.0
description:
  - With O(state=present), signs a JSON Web Token with the GitHub App's private key and exchanges it for a new
    installation token (C(POST /app/installations/{installation_id}/access_tokens)), narrowed to
    O(repositories) and O(permissions). The token lasts one hour.
  - With O(state=absent), revokes the installation token given in O(token) (C(DELETE /installation/token),
    authenticated with that token).
  - The result of O(state=present) holds the new token in RV(token). Set C(no_log) on the task (as in the
    examples) so that it is not displayed; the P(patguard.github.app_token#lookup) lookup returns the token
    without a task result.
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.attributes
attributes:
  check_mode:
    support: full
    details: >-
      With O(state=present), checks the options and finds the installation, but issues no token (RV(token) is
      null). With O(state=absent), checks whether the token still works (C(GET /rate_limit)) and revokes nothing.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details: Every O(state=present) run issues a new token. O(state=absent) on a token that no longer works reports no change.
options:
  state:
    description:
      - V(present) issues a new installation token; V(absent) revokes the one given in O(token).
    type: str
    choices: [present, absent]
    default: present
  org:
    description:
      - Login of the organization the App is installed on; its installation is found with
        C(GET /orgs/{org}/installation) unless O(installation_id) is given.
      - With O(repositories), names given as C(org/name) must belong to this organization.
    type: str
  repositories:
    description:
      - Names of the repositories the token may reach (C(name), or C(org/name)); at most 500.
      - When not set, the token reaches every repository of the installation.
    type: list
    elements: str
  permissions:
    description:
      - "GitHub App permissions the token keeps, as C({name: level}), for example C({contents: read, issues: write})."
      - Names and levels are those of GitHub's C(app-permissions) schema (for example C(email_addresses), not the
        fine-grained PAT name C(emails)); each must be granted to the installation.
      - When not set, the token has every permission of the installation.
    type: dict
notes:
  - With O(state=absent) the token to revoke is O(token). To avoid revoking a workflow's own token by accident,
    the module refuses when O(token) equals the E(GITHUB_TOKEN) or E(GH_TOKEN) environment variable.
seealso:
  - plugin: patguard.github.app_token
    plugin_type: lookup
    description: The same token as a lookup, for a template or a variable.
  - name: Create an installation access token for an app
    description: GitHub's REST API documentation.
    link: https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app
"""

EXAMPLES = r"""
- name: A token that can only read the infra repository, for the next step
  patguard.github.app_token:
    app_id: "{{ github_app_id }}"
    private_key_path: /etc/patguard/app.pem
    org: acme
    repositories: [infra]
    permissions:
      contents: read
  register: infra_token
  no_log: true

- name: Use it
  ansible.builtin.git:
    repo: "https://x-access-token:{{ infra_token.token }}@github.com/acme/infra.git"
    dest: /srv/infra
  no_log: true

- name: Revoke it when done
  patguard.github.app_token:
    state: absent
    token: "{{ infra_token.token }}"
  no_log: true
"""

RETURN = r"""
token:
  description:
    - The new installation token (null in check mode). A secret; set C(no_log) on the task.
    - Either C(ghs_) and 36 characters, or a stateless C(ghs_<APPID>_<JWT>) token of about 520 characters
      (see RV(token_format)).
  returned: state=present
  type: str
  sample: ghs_16C7e42F292c6912E7710c838347Ae178B4a
expires_at:
  description: Expiry of the new token (ISO 8601), one hour after it was issued.
  returned: state=present and not check mode
  type: str
  sample: "2026-11-25T13:00:00Z"
fingerprint:
  description: C(sha256:) and the first 12 hex digits of the token's SHA-256.
  returned: success
  type: str
  sample: sha256:3f1c9a0b77de
token_format:
  description:
    - V(opaque) for a C(ghs_) token of 40 characters, V(stateless) for the newer C(ghs_<APPID>_<JWT>) form
      (about 520 characters, with dots) that github.com and GHE Cloud issue. Both are used and revoked alike;
      store and pass the token whole, without assuming its length.
  returned: state=present and not check mode
  type: str
  sample: stateless
permissions:
  description: Permissions the new token holds, as GitHub reports them.
  returned: state=present and not check mode
  type: dict
  sample: {"contents": "read", "metadata": "read"}
repository_selection:
  description: V(selected) when the token is narrowed to repositories, V(all) otherwise.
  returned: state=present and not check mode
  type: str
  sample: selected
repositories:
  description: Names of the repositories the token can reach (null when it reaches all of the installation's).
  returned: state=present
  type: list
  elements: str
  sample: ["infra"]
installation_id:
  description: The installation the token was issued for.
  returned: state=present
  type: int
  sample: 58000001
revoked:
  description: Whether the token was revoked (would be, in check mode); V(false) when it no longer worked.
  returned: state=absent
  type: bool
  sample: true
api:
  description: What the task cost in API calls (requests, writes, retries, rate-limit budget left, seconds waited by reason).
  returned: always
  type: dict
  sample: {"requests": 2, "writes": 0, "retries": 0, "rate_limit_remaining": 4998, "rate_limit_limit": 5000,
           "rate_limit_reset": 1767225600, "waited_seconds": {"write_interval": 0.0, "retry_after": 0.0,
           "backoff": 0.0, "primary_reset": 0.0}}
"""

import os

from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError
from ansible_collections.patguard.github.plugins.module_utils._installation_token import (
    check_app_permissions,
    check_installation_repositories,
    create_scoped_token,
    env_token_guard,
    revoke_installation_token,
)
from ansible_collections.patguard.github.plugins.module_utils._module import build_module, fail_on_input, run
from ansible_collections.patguard.github.plugins.module_utils._tokens import fingerprint

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    org=dict(type="str"),
    repositories=dict(type="list", elements="str"),
    permissions=dict(type="dict"),
)


def _check_absent(params):
    if params["repositories"] is not None or params["permissions"] is not None:
        raise ConfigError("repositories, permissions: apply to state=present only")
    token = params["token"]
    if not token:
        raise ConfigError("token: state=absent revokes the installation token given in token; it is missing")
    source = env_token_guard(token, os.environ)
    if source:
        raise ConfigError(
            "token: its value comes from (or equals) the %s environment variable; state=absent "
            "would revoke that token. Give the installation token to revoke explicitly, and "
            "unset %s for this task if it really is the one" % (source, source)
        )
    return None, None


def _check_present(params):
    """``(repositories, permissions)`` of the token to create (ConfigError before any request)."""
    if not params["app_id"]:
        raise ConfigError(
            "app_id: an installation token needs GitHub App credentials (app_id with private_key "
            "or private_key_path, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH)"
        )
    if not params["org"] and not params["installation_id"]:
        raise ConfigError("org: give the organization the App is installed on, or installation_id")
    return (
        check_installation_repositories(params["repositories"], org=params["org"]),
        check_app_permissions(params["permissions"]),
    )


def main():
    module = build_module(ARGUMENT_SPEC)
    params = module.params
    state = params["state"]
    check = _check_absent if state == "absent" else _check_present
    repositories, permissions = fail_on_input(module, lambda: check(params))

    def task(client):
        if state == "absent":
            revoked = revoke_installation_token(client, check_mode=module.check_mode)
            return {"changed": revoked, "revoked": revoked, "fingerprint": fingerprint(params["token"])}
        if module.check_mode:
            installation_id = client.app_auth.resolve_installation_id(client)
            return {
                "changed": True,
                "token": None,
                "fingerprint": None,
                "installation_id": installation_id,
                "repositories": repositories,
            }
        token, info = create_scoped_token(client, repositories, permissions)
        info["token"] = token
        info["changed"] = True
        return info

    # state=absent: only the token under revocation authenticates; App credentials are not needed.
    run(module, task, org=params["org"], token_only=params["token"] if state == "absent" else None)


if __name__ == "__main__":
    main()
