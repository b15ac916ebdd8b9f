# -*- coding: utf-8 -*-
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters exposing the pure policy engine, template builder and token fingerprint.

Documentation for each filter lives next to this file (``<filter name>.yml``), which is
how ansible-doc renders several filters provided by one FilterModule.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.module_utils._policy import (
    PolicyError,
    merge_records,
    needs_repositories,
    plan,
    validate_policy,
)
from ansible_collections.patguard.github.plugins.module_utils._template import (
    TemplateError,
    build_template_url,
)
from ansible_collections.patguard.github.plugins.module_utils._tokens import fingerprint


def _plain(value):
    # Hand Ansible plain containers whatever the engine returns (tuples become lists).
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def policy_validate(policy):
    """Return the normalized policy or fail with the PolicyError message."""
    try:
        return _plain(validate_policy(policy))
    except PolicyError as exc:
        raise AnsibleFilterError(exc.message)


def policy_plan(requests, grants, policy, now=None):
    """Evaluate requests and grants; return the plan dict (see policy_plan.yml)."""
    if requests is not None and not isinstance(requests, (list, tuple)):
        raise AnsibleFilterError('policy_plan: requests must be a list, got %s' % type(requests).__name__)
    if grants is not None and not isinstance(grants, (list, tuple)):
        raise AnsibleFilterError('policy_plan: grants must be a list, got %s' % type(grants).__name__)
    try:
        return _plain(plan(requests, grants, policy, now))
    except PolicyError as exc:
        raise AnsibleFilterError(exc.message)
    except ValueError as exc:
        raise AnsibleFilterError('policy_plan: %s' % exc)


def policy_needs_repositories(policy):
    """True when the policy needs repository lists of subset records."""
    try:
        return needs_repositories(policy)
    except PolicyError as exc:
        raise AnsibleFilterError(exc.message)


def pat_template_url(name, description=None, owner=None, expires_in=None, permissions=None,
                     owner_type=None, web_url='https://github.com'):
    """Pre-filled fine-grained PAT creation link."""
    try:
        return build_template_url(name, description=description, owner=owner, expires_in=expires_in,
                                  permissions=permissions, owner_type=owner_type, web_url=web_url)
    except TemplateError as exc:
        raise AnsibleFilterError('pat_template_url: %s' % exc)


def token_fingerprint(token):
    """``sha256:`` + 12 hex digits; the error never repeats the token."""
    try:
        return fingerprint(token)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError('token_fingerprint: %s' % exc)


def policy_merge_records(records, updates):
    """Replace records by id with their updated copies (for example with repository lists)."""
    if not isinstance(records, list) or not isinstance(updates, list):
        raise AnsibleFilterError('policy_merge_records: expects two lists of records')
    return merge_records(records, updates)


class FilterModule(object):
    def filters(self):
        return {
            'policy_validate': policy_validate,
            'policy_plan': policy_plan,
            'policy_needs_repositories': policy_needs_repositories,
            'policy_merge_records': policy_merge_records,
            'pat_template_url': pat_template_url,
            'token_fingerprint': token_fingerprint,
        }
