#!/usr/bin/python
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pat_template
short_description: Build a pre-filled link that creates a fine-grained personal access token
version_added: 0.1.0
description:
  - GitHub has no API that creates a fine-grained personal access token (PAT). It documents a template URL
    that pre-fills the token creation page; this module builds that link, checked against the permission
    catalogue, and lists what the person creating the token still has to do by hand.
  - Given the organization's O(policy), it refuses a template whose token the organization would deny, and
    names the rule.
  - When O(owner) is set without O(owner_type) and the task has credentials (O(token), or GitHub App
    credentials of an App installed on O(owner)), sends one C(GET /users/{username}) to learn whether the owner
    is a user or an organization. Otherwise it sends no request to GitHub; the connection options are still
    accepted, so that C(module_defaults) for C(group/patguard.github.github) apply.
  - For an organization owner, RV(manual_steps) asks the person to check that C(Resource owner) shows the
    organization before generating the token, because the page can fall back to the person's own account, and a
    token owned by a user never reaches the organization.
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - patguard.github.attributes
attributes:
  check_mode:
    support: full
    details: Builds the same link; the owner lookup (a read) is sent in check mode too.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the token, 1 to 40 characters.
    type: str
    required: true
  description:
    description:
      - Description of the token, at most 1024 characters.
    type: str
  owner:
    description:
      - Login of the resource owner (the link's C(target_name)), an organization or the user.
      - When not set, the page uses the signed-in user, and O(owner_type) is V(user).
    type: str
  owner_type:
    description:
      - Whether O(owner) is a V(user) or an V(organization).
      - Account permissions apply only to a user owner and organization permissions only to an organization
        owner, so either kind is refused for the other owner type.
      - When not set, and O(owner) is set and the task has credentials, the module looks the owner up with
        C(GET /users/{username}) (its C(type), C(User) or C(Organization)). Set it to work offline, or to
        override the lookup.
      - Without credentials, required when O(owner) is set and O(permissions) include account or organization
        permissions.
    type: str
    choices: [user, organization]
  expires_in:
    description:
      - Lifetime of the token in whole days, V(1) to V(366), or V(none) for a token that never expires.
      - When not set, the page offers its own default and the user chooses.
    type: raw
  permissions:
    description:
      - "Permissions as C({name: level}), for example C({contents: write, issues: read}), or grouped by resource
        C({repository: {...}, organization: {...}, account: {...}})."
      - Names and levels are checked against the fine-grained PAT permission catalogue (for example
        C(contents) accepts C(read) or C(write), never C(admin)).
    type: dict
  repositories:
    description:
      - Repositories the token should reach (C(name) or C(owner/name)). The link cannot pre-select them, so
        they are listed in RV(manual_steps); with O(policy), the repository rules are checked against them.
    type: list
    elements: str
  requires_approval:
    description:
      - The organization requires approval of fine-grained PATs, so the person must type a justification
        (added to RV(manual_steps)). Implied when O(policy) requires a reason.
    type: bool
    default: false
  policy:
    description:
      - The organization's token policy, in the schema of the P(patguard.github.policy_validate#filter) filter.
      - The template is judged as a PAT request would be. Lifetime and permission rules are checked; owner and
        reason rules are not (whoever follows the link is the owner and types the reason; a required reason
        becomes a manual step); repository rules only when O(repositories) is given.
      - A template the policy would deny fails the task and names each violated rule.
    type: dict
  web_url:
    description:
      - Web address of GitHub, V(https://github.com), or the address of a GitHub Enterprise Cloud host.
      - The template URL is not documented for GitHub Enterprise Server.
    type: str
    default: https://github.com
seealso:
  - plugin: patguard.github.pat_template_url
    plugin_type: filter
    description: The same link from a Jinja expression, without the policy check.
  - module: patguard.github.token_info
  - name: Pre-filling fine-grained PAT details with URL parameters
    description: GitHub's documentation of the template URL.
    link: https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens
"""

EXAMPLES = r"""
- name: Link for a deploy token in the acme organization, within the organization's policy
  patguard.github.pat_template:
    name: deploy-reader
    description: Reads release artifacts
    owner: acme
    owner_type: organization
    expires_in: 90
    permissions:
      contents: read
      metadata: read
    repositories: [acme/releases]
    policy:
      max_lifetime_days: 90
      forbidden_permissions: [administration:write]
  register: link

- name: Send the link and the steps it cannot pre-fill
  ansible.builtin.debug:
    msg: "{{ [link.url] + link.manual_steps }}"

- name: Personal token reading the user's own email addresses
  patguard.github.pat_template:
    name: mail-audit
    owner_type: user
    expires_in: 30
    permissions:
      account:
        emails: read
"""

RETURN = r"""
url:
  description: The pre-filled token creation link (query order fixed, so the same input gives the same URL).
  returned: success
  type: str
  sample: https://github.com/settings/personal-access-tokens/new?name=deploy-reader&target_name=acme&expires_in=90&contents=read
manual_steps:
  description: What the link cannot pre-fill (repository selection, justification), as instructions.
  returned: success
  type: list
  elements: str
  sample:
    - 'Under "Repository access", choose "Only select repositories" and select: acme/releases (the link cannot pre-select repositories).'
    - Copy the token when it is shown; GitHub shows it only once.
owner_type:
  description: The owner type the link was checked for (V(user) when O(owner) is not set; looked up on GitHub
    when O(owner_type) was not given and the task has credentials).
  returned: success
  type: str
  sample: organization
permissions:
  description: "The validated permissions, flattened to C({name: level})."
  returned: success
  type: dict
  sample: {"contents": "read", "metadata": "read"}
violations:
  description: On a policy refusal, each violated rule as C(code) and C(detail).
  returned: failure
  type: list
  elements: dict
  sample: [{"code": "lifetime", "detail": "never expires (max 90 days)"}]
changed:
  description: Always V(false); nothing is changed on GitHub.
  returned: always
  type: bool
  sample: false
api:
  description: What the task cost in API calls; one request when the owner was looked up, else none.
  returned: success
  type: dict
  sample: {"requests": 0, "writes": 0, "retries": 0, "rate_limit_remaining": null, "rate_limit_limit": null,
           "rate_limit_reset": null, "waited_seconds": {"write_interval": 0.0, "retry_after": 0.0,
           "backoff": 0.0, "primary_reset": 0.0}}
"""

from ansible_collections.patguard.github.plugins.module_utils._client import ApiStats
from ansible_collections.patguard.github.plugins.module_utils._module import (
    build_module,
    connection_options,
    fail_on_input,
    run,
)
from ansible_collections.patguard.github.plugins.module_utils._template import (
    build_template,
    build_template_url,
    lookup_owner_type,
)


def main():
    module = build_module(
        dict(
            name=dict(type="str", required=True),
            description=dict(type="str"),
            owner=dict(type="str"),
            owner_type=dict(type="str", choices=["user", "organization"]),
            expires_in=dict(type="raw"),
            permissions=dict(type="dict"),
            repositories=dict(type="list", elements="str"),
            requires_approval=dict(type="bool", default=False),
            policy=dict(type="dict"),
            web_url=dict(type="str", default="https://github.com"),
        )
    )
    p = module.params

    def template(owner_type):
        return build_template(
            p["name"],
            description=p["description"],
            owner=p["owner"],
            owner_type=owner_type,
            expires_in=p["expires_in"],
            permissions=p["permissions"],
            web_url=p["web_url"],
            policy=p["policy"],
            repositories=p["repositories"],
            requires_approval=p["requires_approval"],
        )

    lookup = p["owner"] is not None and p["owner_type"] is None and _has_credentials(module)
    if not lookup:  # offline: owner_type given (an override), or nothing to look up with
        result = fail_on_input(module, lambda: template(p["owner_type"]))
        result["changed"] = False
        result["api"] = ApiStats().as_dict()
        module.exit_json(**result)
    # The name, description, owner login and web_url are checked before the lookup is sent.
    fail_on_input(
        module,
        lambda: build_template_url(p["name"], description=p["description"], owner=p["owner"], web_url=p["web_url"]),
    )

    def task(client):
        result = template(lookup_owner_type(client, p["owner"]))
        result["changed"] = False
        return result

    run(module, task, org=p["owner"])


def _has_credentials(module):
    options = fail_on_input(module, lambda: connection_options(module))
    return bool(options.token or options.has_app)


if __name__ == "__main__":
    main()
