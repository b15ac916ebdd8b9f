# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters exposing the pure policy engine, template builder and token fingerprint.

Documentation for each filter lives next to this file (``<filter name>.yml``), which is
how ansible-doc renders several filters provided by one FilterModule.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.module_utils._policy import merge_records, needs_repositories, plan
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import validate_policy
from ansible_collections.patguard.github.plugins.module_utils._template import build_template_url
from ansible_collections.patguard.github.plugins.module_utils._tokens import fingerprint
from ansible_collections.patguard.github.plugins.plugin_utils._filter import filter_errors


def _plain(value):
    # Hand Ansible plain containers whatever the engine returns (tuples become lists).
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@filter_errors("policy_validate")
def policy_validate(policy):
    """Return the normalized policy or fail with the PolicyError message."""
    return _plain(validate_policy(policy))


@filter_errors("policy_plan")
def policy_plan(requests, grants, policy, now=None):
    """Evaluate requests and grants; return the plan dict (see policy_plan.yml)."""
    if requests is not None and not isinstance(requests, (list, tuple)):
        raise AnsibleFilterError("policy_plan: requests must be a list, got %s" % type(requests).__name__)
    if grants is not None and not isinstance(grants, (list, tuple)):
        raise AnsibleFilterError("policy_plan: grants must be a list, got %s" % type(grants).__name__)
    return _plain(plan(requests, grants, policy, now))


@filter_errors("policy_needs_repositories")
def policy_needs_repositories(policy):
    """True when the policy needs repository lists of subset records."""
    return needs_repositories(policy)


# Pre-filled fine-grained PAT creation link: the filter takes build_template_url's arguments as they are.
pat_template_url = filter_errors("pat_template_url")(build_template_url)


@filter_errors("token_fingerprint")
def token_fingerprint(token):
    """``sha256:`` + 12 hex digits; the error never repeats the token."""
    return fingerprint(token)


@filter_errors("policy_merge_records")
def policy_merge_records(records, updates):
    """Replace records by id with their updated copies (for example with repository lists)."""
    if not isinstance(records, list) or not isinstance(updates, list):
        raise AnsibleFilterError("policy_merge_records: expects two lists of records")
    return merge_records(records, updates)


class FilterModule:
    def filters(self):
        return {
            "policy_validate": policy_validate,
            "policy_plan": policy_plan,
            "policy_needs_repositories": policy_needs_repositories,
            "policy_merge_records": policy_merge_records,
            "pat_template_url": pat_template_url,
            "token_fingerprint": token_fingerprint,
        }
