# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``rotation_due``: which checked tokens need replacing, with the link that recreates each.

Documentation: ``rotation_due.yml`` next to this file.
"""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.module_utils._template import build_template
from ansible_collections.patguard.github.plugins.module_utils._time import parse_time, resolve_now
from ansible_collections.patguard.github.plugins.plugin_utils._filter import filter_errors

TEMPLATE_FIELDS = (
    "description",
    "owner",
    "owner_type",
    "expires_in",
    "permissions",
    "repositories",
    "requires_approval",
)
FIELD = "patguard_rotation_tokens"


def _now(now):
    try:
        return resolve_now(now)
    except ValueError:
        raise AnsibleFilterError("rotation_due: now must be an ISO 8601 time, got %r" % (now,)) from None


def _expiry(check):
    value = check.get("expires_at")
    # token_info writes ISO 8601; the expiration header's "... UTC" form is read as well.
    return parse_time(value.strip() if isinstance(value, str) else value) if value else None


@filter_errors("rotation_due")
def rotation_due(checks, days=14, tokens=None, web_url="https://github.com", now=None):
    """From ``token_info`` results (a looped ``register``'s ``results``), the tokens that are
    invalid or expire within ``days`` days, each with the template link that recreates it.

    Each result's ``item`` (or the same index of ``tokens``) gives the token's ``name`` and its
    template fields. The token value itself is never read into the output.
    """
    if isinstance(checks, dict) and "results" in checks:
        checks = checks["results"]
    if not isinstance(checks, (list, tuple)):
        raise AnsibleFilterError("rotation_due: expects the list of token_info results, got %s" % type(checks).__name__)
    if tokens is not None and (not isinstance(tokens, (list, tuple)) or len(tokens) != len(checks)):
        raise AnsibleFilterError("rotation_due: tokens must be a list as long as the results (%d)" % len(checks))
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise AnsibleFilterError("rotation_due: days must be a whole number, got %r" % (days,)) from None
    if days < 0:
        raise AnsibleFilterError("rotation_due: days must be 0 or more, got %d" % days)
    moment = _now(now)
    horizon = moment + datetime.timedelta(days=days)
    due = []
    for index, check in enumerate(checks):
        if not isinstance(check, dict):
            raise AnsibleFilterError("rotation_due: result %d is not a token_info result" % index)
        entry = tokens[index] if tokens is not None else check.get("item")
        if not isinstance(entry, dict) or not entry.get("name"):
            raise AnsibleFilterError("rotation_due: %s[%d] has no name (and the result no item)" % (FIELD, index))
        name = entry["name"]
        if check.get("failed") or check.get("skipped"):
            raise AnsibleFilterError(
                "rotation_due: the check of %s[%d] (%s) did not run or failed: %s"
                % (FIELD, index, name, check.get("msg") or "no result")
            )
        expires = _expiry(check)
        if not check.get("valid"):
            reason = "invalid"
        elif expires is not None and expires <= horizon:
            reason = "expires_soon"
        else:
            continue
        fields = dict((k, entry.get(k)) for k in TEMPLATE_FIELDS if entry.get(k) is not None)
        try:
            template = build_template(name, web_url=entry.get("web_url") or web_url, **fields)
        except PatguardError as exc:  # names the entry, which the shared decorator cannot know
            raise AnsibleFilterError("rotation_due: %s[%d] (%s): %s" % (FIELD, index, name, exc.message)) from None
        due.append(
            {
                "name": name,
                "reason": reason,
                "fingerprint": check.get("fingerprint"),
                "login": check.get("login"),
                "expires_at": check.get("expires_at"),
                "days_remaining": check.get("days_remaining"),
                "url": template["url"],
                "manual_steps": template["manual_steps"],
            }
        )
    return due


class FilterModule:
    def filters(self):
        return {"rotation_due": rotation_due}
