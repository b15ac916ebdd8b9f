# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the credential authorization policy and the audit log (pure, no I/O).

Documentation for each filter lives next to this file (``<filter name>.yml``).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.module_utils._audit_log import history
from ansible_collections.patguard.github.plugins.module_utils._credential_policy import plan
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import PolicyError


def credential_policy_plan(records, policy, now=None):
    """Judge credential authorizations against the policy's credential_authorizations section."""
    if records is not None and not isinstance(records, (list, tuple)):
        raise AnsibleFilterError("credential_policy_plan: records must be a list, got %s" % type(records).__name__)
    try:
        return plan(records, policy, now)
    except PolicyError as exc:
        raise AnsibleFilterError(exc.message) from None
    except ValueError as exc:
        raise AnsibleFilterError("credential_policy_plan: %s" % exc) from None


def audit_history(events, days=None, now=None):
    """Review decisions among audit-log events over the last ``days``."""
    if not isinstance(events, (list, tuple)):
        raise AnsibleFilterError("audit_history: events must be a list, got %s" % type(events).__name__)
    try:
        return history(events, days, now)
    except Exception as exc:  # ConfigError for a bad ``now``
        raise AnsibleFilterError("audit_history: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {
            "credential_policy_plan": credential_policy_plan,
            "audit_history": audit_history,
        }
