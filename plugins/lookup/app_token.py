# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_token
short_description: A GitHub App installation token narrowed to some repositories and permissions
version_added: 0.1.0
description:
  - Returns a new installation token of the GitHub App (valid one hour), narrowed to O(repositories) and
    O(permissions), as M(patguard.github.app_token) does, but without a task result that could show it.
  - Runs on the controller. Tokens are cached per App, installation, repositories and permissions in the
    controller process that templates the task, and reused while more than five minutes of their life remain,
    so a loop or several references within one task share one token. Ansible templates each task in a new
    worker process, so separate tasks get separate tokens; to share one, store it once with
    M(ansible.builtin.set_fact).
  - Connection options are the same as the modules'; each falls back to the same environment variable
    (for example E(GITHUB_APP_ID), E(GITHUB_APP_PRIVATE_KEY_PATH), E(GITHUB_API_URL)).
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
options:
  _terms:
    description: Not used; give the options as keywords.
    required: false
  org:
    description:
      - Login of the organization the App is installed on (its installation is found unless O(installation_id)
        is given).
    type: str
  repositories:
    description:
      - Names of the repositories the token may reach (C(name) or C(org/name)); at most 500. All of the
        installation's when not set.
    type: list
    elements: str
  permissions:
    description:
      - "GitHub App permissions as C({name: level}), named as in GitHub's C(app-permissions) schema. All of the
        installation's when not set."
    type: dict
  cache:
    description:
      - Reuse a token issued earlier in the same controller process (the same task) for the same App,
        installation, repositories and permissions.
    type: bool
    default: true
notes:
  - The O(token) connection option is not used by this lookup.
seealso:
  - module: patguard.github.app_token
"""

EXAMPLES = r"""
- name: Clone with a token that can only read the infra repository
  ansible.builtin.git:
    repo: "https://x-access-token:{{ infra_token }}@github.com/acme/infra.git"
    dest: /srv/infra
  vars:
    infra_token: "{{ lookup('patguard.github.app_token', org='acme', repositories=['infra'],
                     permissions={'contents': 'read'}) }}"
  no_log: true

- name: Credentials from the environment (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_PATH)
  ansible.builtin.set_fact:
    issues_token: "{{ lookup('patguard.github.app_token', org='acme', permissions={'issues': 'write'}) }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: One element, the installation token.
  type: list
  elements: str
"""

import threading
import time

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient
from ansible_collections.patguard.github.plugins.module_utils._connection import ENV_FALLBACKS, ConnectionOptions
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError, redact
from ansible_collections.patguard.github.plugins.module_utils._installation_token import (
    check_app_permissions,
    check_installation_repositories,
    create_scoped_token,
)
from ansible_collections.patguard.github.plugins.module_utils._time import to_epoch

RENEW_MARGIN = 300
_CACHE = {}
_LOCK = threading.Lock()


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        # The shared doc fragment declares defaults (api_url, write_interval, ...) but no ``env:``
        # entries (module docs cannot carry them), so get_option() would hand back the default and
        # hide the environment. Options not given to the lookup are left to from_options(), which
        # applies the same precedence as the modules: option > environment > default.
        options = dict(
            (key, self.get_option(key) if key in kwargs or key not in ENV_FALLBACKS else None)
            for key in ConnectionOptions.OPTIONS
        )
        try:
            connection = ConnectionOptions.from_options(options)
            org = self.get_option("org")
            if not connection.has_app:
                raise PatguardError(
                    "app_id: the app_token lookup needs GitHub App credentials (app_id with "
                    "private_key or private_key_path, or GITHUB_APP_ID and "
                    "GITHUB_APP_PRIVATE_KEY_PATH)"
                )
            if not org and not connection.installation_id:
                raise PatguardError("org: give the organization the App is installed on, or installation_id")
            repositories = check_installation_repositories(self.get_option("repositories"), org=org)
            permissions = check_app_permissions(self.get_option("permissions"))
            key = (
                connection.api_url,
                connection.app_id,
                connection.installation_id,
                (org or "").lower(),
                tuple(sorted(r.lower() for r in repositories or ())),
                tuple(sorted((permissions or {}).items())),
            )
            if self.get_option("cache"):
                with _LOCK:
                    cached = _CACHE.get(key)
                if cached and cached[1] - time.time() > RENEW_MARGIN:
                    return [cached[0]]
            client = GitHubClient(connection, org=org)
            token, info = create_scoped_token(client, repositories, permissions)
        except PatguardError as exc:
            raise AnsibleLookupError("patguard.github.app_token: %s" % exc.message) from None
        except Exception as exc:  # never let a secret ride out on an unexpected error
            raise AnsibleLookupError(
                redact("patguard.github.app_token: unexpected error (%s): %s" % (type(exc).__name__, exc))
            ) from None
        expires = to_epoch(info.get("expires_at"), default=time.time() + 3600)
        with _LOCK:
            _CACHE[key] = (token, expires)
        return [token]
