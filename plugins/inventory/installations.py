# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: installations
short_description: The organizations a GitHub App is installed on, as inventory hosts
version_added: 0.1.0
description:
  - Authenticates as the GitHub App (a JSON Web Token signed with its private key) and lists all of the App's
    installations with C(GET /app/installations), every page. Each installed account becomes a host named by
    its login (for example C(acme)).
  - Host variables are C(patguard_org) (the login, which the collection's roles take as their organization),
    C(patguard_installation_id) (so no task needs to look the installation up), C(patguard_account_login),
    C(patguard_account_type), C(patguard_account_id), C(patguard_permissions) (the App permissions the
    installation holds), C(patguard_pat_ready), C(patguard_pat_missing) (why it is not ready),
    C(patguard_repository_selection) and C(patguard_suspended). No token, key or JSON Web Token is ever put in
    host variables or in the cache.
  - Groups are V(organizations), V(users) and V(enterprises) by account type, and V(pat_ready) for organizations
    whose installation holds both C(organization_personal_access_token_requests) and
    C(organization_personal_access_tokens) at C(write) and is not suspended. A warning names every selected
    organization that is not ready, and why.
  - Connection options are the same as the modules' and fall back to the same environment variables
    (E(GITHUB_APP_ID), E(GITHUB_APP_PRIVATE_KEY_PATH), E(GITHUB_API_URL) for GitHub Enterprise Server...).
    The O(token) and O(installation_id) options are not used by this plugin.
  - The inventory file name must end in C(.patguard.yml) or C(.patguard.yaml).
author:
  - patguard maintainers (@patguard)
extends_documentation_fragment:
  - patguard.github.auth
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; it identifies the file as this plugin's inventory source.
    required: true
    type: str
    choices: [patguard.github.installations]
  include_logins:
    description:
      - Shell-style globs (V(acme-*), V(team-?)); only installations whose account login matches one of them
        become hosts. All installations when empty.
      - Matching ignores case, as GitHub logins do.
    type: list
    elements: str
    default: []
  exclude_logins:
    description:
      - Shell-style globs of account logins that never become hosts, even when O(include_logins) matches them.
    type: list
    elements: str
    default: []
  filters:
    description:
      - Include or exclude hosts by Jinja2 conditions on their host variables, after the login globs.
      - Each item has one key, V(include) or V(exclude), whose value is a condition. The first item whose
        condition is true decides; a host that no item matches is included.
    type: list
    elements: dict
    default: []
requirements:
  - requests
  - PyJWT and cryptography
notes:
  - One request per hundred installations, with the App's JSON Web Token (an App endpoint, outside every
    installation's rate limit budget). No installation token is requested.
  - "With O(cache) enabled the installations are read from Ansible's inventory cache until O(cache_timeout);
    C(ansible-inventory --flush-cache) or C(meta: refresh_inventory) reads them again. The cache holds the
    installation ids, logins, account types and ids, permission levels, repository selection and suspension,
    nothing else."

seealso:
  - module: patguard.github.pat_request_info
  - module: patguard.github.pat_grant_info
"""

EXAMPLES = r"""
---
# github.patguard.yml -- credentials from the environment (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_PATH)
plugin: patguard.github.installations

---
# acme.patguard.yml -- GitHub Enterprise Server, some organizations, a group per policy, a cache
plugin: patguard.github.installations
api_url: https://ghe.example.com/api/v3
app_id: "12345"
private_key_path: /etc/patguard/app.pem
include_logins: ["acme-*", "platform"]
exclude_logins: ["acme-sandbox*"]
filters:
  - exclude: patguard_repository_selection == 'selected' and not patguard_pat_ready
groups:
  strict_policy: patguard_account_login is match('acme-prod')
keyed_groups:
  - key: patguard_permissions.organization_personal_access_tokens | default('none')
    prefix: pat_tokens
compose:
  patguard_report_dir: "'/var/lib/patguard/reports/' ~ patguard_account_login"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /var/cache/patguard-inventory
cache_timeout: 3600

# A play over every organization that can govern tokens, one organization per fork:
#   ansible-playbook -i acme.patguard.yml patguard.github.enforce_policy_all --forks 5
"""

import hashlib

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient
from ansible_collections.patguard.github.plugins.module_utils._connection import ENV_FALLBACKS, ConnectionOptions
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError, redact
from ansible_collections.patguard.github.plugins.module_utils._installations import (
    check_globs,
    groups_of,
    host_vars,
    list_installations,
    login_selected,
)

FILE_SUFFIXES = (".patguard.yml", ".patguard.yaml")
# Connection options that mean nothing here: the listing is an App endpoint (JWT only).
UNUSED_OPTIONS = ("token", "installation_id")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "patguard.github.installations"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        try:
            connection = self._connection(config)
            include = check_globs("include_logins", self.get_option("include_logins"))
            exclude = check_globs("exclude_logins", self.get_option("exclude_logins"))
            filters = self._checked_filters(self.get_option("filters"))
        except (PatguardError, ValueError) as exc:
            raise AnsibleParserError("patguard.github.installations: %s" % _message(exc)) from None

        cache_key = self._cache_key(path, connection)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        records = None
        if use_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if records is None:
            records = self._fetch(connection)
        if update_cache:
            # Only the kept fields (ids, logins, permission levels): never a token.
            self._cache[cache_key] = records
        self._populate(records, include, exclude, filters)

    # -- options -------------------------------------------------------------------------
    def _connection(self, config):
        """The modules' precedence: an option in the file, else its environment variable, else the default.

        The shared doc fragment declares defaults but no ``env:`` entries (module docs cannot carry
        them), so options absent from the file are left to ``from_options``, which reads the environment.
        """
        options = {}
        for key in ConnectionOptions.OPTIONS:
            if key in UNUSED_OPTIONS:
                continue
            given = key in config or key not in ENV_FALLBACKS
            options[key] = self.get_option(key) if given else None
        connection = ConnectionOptions.from_options(options)
        if not connection.has_app:
            raise PatguardError(
                "app_id: the installations inventory needs GitHub App credentials (app_id with "
                "private_key or private_key_path in the file, or GITHUB_APP_ID and "
                "GITHUB_APP_PRIVATE_KEY_PATH in the environment)"
            )
        return connection

    @staticmethod
    def _checked_filters(filters):
        checked = []
        for index, item in enumerate(filters or []):
            if (
                not isinstance(item, dict)
                or len(item) != 1
                or list(item)[0] not in ("include", "exclude")
                or not isinstance(list(item.values())[0], str)
            ):
                raise ValueError(
                    "filters[%d]: must be one key, include or exclude, with a condition as its "
                    'value (for example {exclude: "patguard_suspended"}), got %r' % (index, item)
                )
            checked.append(list(item.items())[0])
        return checked

    def _cache_key(self, path, connection):
        # Another App or another GitHub must not read this App's installations from the cache.
        identity = "%s|%s" % (connection.api_url, connection.app_id)
        return "%s_%s" % (self.get_cache_key(path), hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12])

    # -- GitHub --------------------------------------------------------------------------
    @staticmethod
    def _fetch(connection):
        try:
            client = GitHubClient(connection)
            records = list_installations(client)
        except PatguardError as exc:
            raise AnsibleParserError("patguard.github.installations: %s" % exc.message) from None
        except ValueError as exc:
            raise AnsibleParserError(
                "patguard.github.installations: GitHub's installation list: %s" % _message(exc)
            ) from None
        except Exception as exc:  # never let a secret ride out on an unexpected error
            raise AnsibleParserError(
                redact("patguard.github.installations: unexpected error (%s): %s" % (type(exc).__name__, exc))
            ) from None
        return sorted(records, key=lambda r: r["login"].lower())

    # -- inventory -----------------------------------------------------------------------
    def _populate(self, records, include, exclude, filters):
        strict = self.get_option("strict")
        not_ready = []
        for record in records:
            if not login_selected(record["login"], include, exclude):
                continue
            variables = host_vars(record)
            if not self._passes(filters, variables, record["login"], strict):
                continue
            host = self.inventory.add_host(record["login"])
            for name, value in variables.items():
                self.inventory.set_variable(host, name, value)
            for group in groups_of(record, variables["patguard_pat_ready"]):
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            if not variables["patguard_pat_ready"] and record["account_type"] == "Organization":
                not_ready.append("%s (%s)" % (host, "; ".join(variables["patguard_pat_missing"])))
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
        if not_ready:
            self.display.warning(
                "patguard.github.installations: %d organization(s) cannot govern fine-grained tokens and are not "
                "in the pat_ready group: %s. Grant the App these permissions in its settings, then accept them "
                "in each organization." % (len(not_ready), ", ".join(not_ready))
            )

    def _passes(self, filters, variables, host, strict):
        for action, condition in filters:
            try:
                # The condition object itself (not a copy) keeps the trust the file gave it.
                matched = _truth(self._compose(condition, variables))
            except Exception as exc:
                if strict:
                    raise AnsibleParserError(
                        "patguard.github.installations: filters: cannot evaluate %r for %s: %s"
                        % (condition, host, to_native(exc))
                    ) from None
                continue
            if matched:
                return action == "include"
        return True


def _truth(value):
    # ansible-core 2.19 evaluates to a native bool; older cores render a string such as "False".
    return boolean(value, strict=False) if isinstance(value, str) else bool(value)


def _message(exc):
    return exc.message if isinstance(exc, PatguardError) else redact(str(exc))
