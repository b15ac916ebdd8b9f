# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options selecting SAML SSO credential authorizations of an organization."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  org:
    description:
      - Login of the organization (on GitHub Enterprise Cloud, with SAML single sign-on).
    type: str
    required: true
  logins:
    description:
      - Only credentials of these members (logins, case-insensitive).
      - Up to 10 logins are asked of GitHub one by one with its C(login) filter; more are read with one
        full listing filtered locally.
    type: list
    elements: str
  credential_types:
    description:
      - Only credentials of these types. GitHub's labels are C(personal access token) (classic PATs),
        C(SSH key), C(OAuth app token) and C(GitHub app token) (GitHub App user tokens, C(ghu_)).
    type: list
    elements: str
    choices: [personal_access_token, ssh_key, oauth_app_token, github_app_token]
  credential_ids:
    description:
      - Only these authorizations (C(credential_id), the ID GitHub uses to remove one).
    type: list
    elements: raw
  accessed_before:
    description:
      - Only credentials last used before this ISO 8601 time. A credential never used counts from the
        time it was authorized.
    type: str
  authorized_before:
    description:
      - Only credentials authorized for the organization before this ISO 8601 time.
    type: str
  authorized_after:
    description:
      - Only credentials authorized for the organization after this ISO 8601 time.
    type: str
  expires_before:
    description:
      - Only tokens whose expiry is before this ISO 8601 time (expired ones included). SSH keys have no expiry.
    type: str
  without_expiry:
    description:
      - Only tokens that never expire. Mutually exclusive with O(expires_before).
    type: bool
    default: false
  when_unavailable:
    description:
      - What to do when GitHub has no credential authorizations for the organization (it is not on GitHub
        Enterprise Cloud, does not use SAML single sign-on, or the token is not an owner's; GitHub answers 404).
      - V(fail) ends the task with a message saying so. V(warn) returns RV(available=false) with the reason
        and a warning, and changes nothing.
    type: str
    choices: [fail, warn]
    default: fail
notes:
  - "Authentication: GitHub serves these endpoints to an organization owner's B(user) token only: a personal access
    token (classic) with the C(read:org) scope (C(admin:org) to remove authorizations), or an owner's OAuth or GitHub
    App user token. Give it as O(token) (or E(GITHUB_TOKEN)). GitHub App installation tokens are refused; when both
    App credentials and a token are given, these modules use the token."
  - GitHub returns only the last eight characters of a token (C(token_last_eight)); nothing longer is ever returned.
"""
