#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: token_info
short_description: Check a GitHub token that a user or a vault holds
version_added: 0.1.0
description:
  - Tells whether a token still works, what kind it is, whose it is, when it expires and what it can reach,
    by calling GitHub with that token. Returns a fingerprint of the token, never the token.
  - Sends C(GET /user) with the token (login, the C(GitHub-Authentication-Token-Expiration) header, and the
    C(X-OAuth-Scopes) header of classic tokens); when the token works, C(GET /user/emails) (whether the primary
    email address is verified, when the token may read it); and for each of O(repositories),
    C(GET /repos/{owner}/{repo}).
  - A token GitHub refuses (C(401)) is reported with RV(valid=false); the task fails only with
    O(fail_if_invalid).
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.attributes
  - patguard.github.attributes.INFO_MODULE
options:
  check_token:
    description:
      - The token to check (fine-grained or classic PAT, OAuth, user-to-server or installation token).
      - Named C(check_token) because O(token) is the connection option. When not set, the connection's own
        token is checked (O(token), or E(GITHUB_TOKEN) / E(GH_TOKEN)). GitHub App credentials are never used
        by this module.
    type: str
  repositories:
    description:
      - Repositories (C(owner/name)) to test the token against; each costs one request.
      - "Outside the tested contract: C(GET /repos/{owner}/{repo}) is a documented GitHub endpoint but not part of
        the OpenAPI subset this collection is tested against. A C(200) answer means reachable; C(403) and C(404)
        (GitHub hides repositories a token cannot see) mean not reachable; any other error fails the task."
    type: list
    elements: str
  min_days_remaining:
    description:
      - Fail the task when the token expires in fewer than this many whole days. A token without expiry passes.
    type: int
  fail_if_invalid:
    description:
      - Fail the task when GitHub refuses the token (C(401)), instead of returning RV(valid=false).
    type: bool
    default: false
  fail_if_unreachable:
    description:
      - Fail the task when the token cannot reach one of O(repositories).
    type: bool
    default: false
notes:
  - An installation token (C(ghs_)) cannot read C(GET /user); GitHub answers C(403), so it is reported as valid
    with RV(login) null.
  - GitHub sends the expiration header only for tokens that expire; RV(expires_at) is null for the others.
seealso:
  - module: patguard.github.credential_revoke
    description: Revoke a token that leaked.
  - module: patguard.github.pat_template
    description: A link that recreates a token before it expires.
  - name: The patguard.github.pat_rotation role
    description: Checks many tokens and lists those due for rotation, with the links that recreate them.
    link: https://github.com/patguard/patguard.github/tree/main/roles/pat_rotation
"""

EXAMPLES = r"""
- name: Check the deploy token kept in the vault
  patguard.github.token_info:
    check_token: "{{ vault_deploy_token }}"
    repositories: [acme/infra, acme/web]
    min_days_remaining: 14
  register: deploy_token

- name: Report it
  ansible.builtin.debug:
    msg: "{{ deploy_token.login }}'s token {{ deploy_token.fingerprint }} expires {{ deploy_token.expires_at }}"

- name: Check the token Ansible itself runs with (GITHUB_TOKEN)
  patguard.github.token_info:
    fail_if_invalid: true
"""

RETURN = r"""
valid:
  description: GitHub accepts the token (it did not answer C(401)).
  returned: always
  type: bool
  sample: true
type:
  description:
    - Kind of token, from its prefix. One of V(fine_grained_pat), V(classic_pat), V(oauth), V(user_to_server),
      V(installation), V(refresh), V(unknown).
  returned: always
  type: str
  sample: fine_grained_pat
token_format:
  description:
    - V(stateless) for a stateless installation token (C(ghs_<APPID>_<JWT>), about 520 characters with dots),
      V(opaque) for every other token.
  returned: always
  type: str
  sample: opaque
fingerprint:
  description: C(sha256:) and the first 12 hex digits of the token's SHA-256, to tell tokens apart in logs.
  returned: always
  type: str
  sample: sha256:3f1c9a0b77de
login:
  description: Login of the token's user, or null when the token is invalid or cannot read C(/user).
  returned: always
  type: str
  sample: ada
expires_at:
  description: Expiry of the token (ISO 8601, UTC) from GitHub's expiration header; null when it never expires.
  returned: always
  type: str
  sample: "2026-12-20T00:00:00Z"
days_remaining:
  description: Whole days until RV(expires_at) (rounded down); null when the token does not expire.
  returned: always
  type: int
  sample: 25
scopes:
  description: OAuth scopes of a classic or OAuth token (C(X-OAuth-Scopes)); null for fine-grained tokens.
  returned: always
  type: list
  elements: str
  sample: ["repo", "read:org"]
email_verified:
  description: Whether the user's primary email address is verified; null when the token cannot read email addresses.
  returned: always
  type: bool
  sample: true
repositories:
  description: For each of O(repositories), whether the token can reach it.
  returned: always
  type: dict
  sample: {"acme/infra": true, "acme/web": false}
unreachable_repositories:
  description:
    - The repositories of O(repositories) the token cannot reach. Not named C(unreachable), which Ansible
      reads as "the host is unreachable".
  returned: always
  type: list
  elements: str
  sample: ["acme/web"]
api:
  description: What the task cost in API calls (requests, writes, retries, rate-limit budget left, seconds waited by reason).
  returned: always
  type: dict
  sample: {"requests": 2, "writes": 0, "retries": 0, "rate_limit_remaining": 4998, "rate_limit_limit": 5000,
           "rate_limit_reset": 1767225600, "waited_seconds": {"write_interval": 0.0, "retry_after": 0.0,
           "backoff": 0.0, "primary_reset": 0.0}}
"""

from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError
from ansible_collections.patguard.github.plugins.module_utils._module import build_module, fail_on_input, run
from ansible_collections.patguard.github.plugins.module_utils._token_check import (
    check_repository_names,
    inspect_token,
    judge_token,
)


def main():
    module = build_module(
        dict(
            check_token=dict(type="str", no_log=True),
            repositories=dict(type="list", elements="str"),
            min_days_remaining=dict(type="int"),
            fail_if_invalid=dict(type="bool", default=False),
            fail_if_unreachable=dict(type="bool", default=False),
        )
    )
    params = module.params

    def check():
        token = params["check_token"] or params["token"]
        if not token or not token.strip():
            raise ConfigError(
                "check_token: give the token to check (or set token, GITHUB_TOKEN or GH_TOKEN to "
                "check the connection's own token)"
            )
        if params["min_days_remaining"] is not None and params["min_days_remaining"] < 0:
            raise ConfigError("min_days_remaining: must be 0 or more, got %d" % params["min_days_remaining"])
        return token.strip(), check_repository_names(params["repositories"])

    token, repositories = fail_on_input(module, check)

    def task(client):
        info = inspect_token(client, token, repositories)
        judge_token(
            info,
            min_days_remaining=params["min_days_remaining"],
            fail_if_invalid=params["fail_if_invalid"],
            fail_if_unreachable=params["fail_if_unreachable"],
        )
        info["changed"] = False
        return info

    # The client of this task authenticates with the token under check only: never with the App.
    run(module, task, token_only=token)


if __name__ == "__main__":
    main()
