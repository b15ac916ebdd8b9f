# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Catalogue of the permissions a fine-grained personal access token can hold.

A Python copy of ``tests/contract/github-facts/fine-grained-pat-permissions.tsv`` (a unit
test fails if the two differ). Pure data and helpers: no I/O.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable

from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError

# Ordered weakest first: ``write`` implies ``read`` and ``admin`` implies ``write``.
LEVELS = ("read", "write", "admin")
LEVEL_RANK = {"read": 1, "write": 2, "admin": 3}
# A level GitHub may report for a permission the token does not hold (ranks 0).
NOT_HELD = (None, "", "none", "no_access")
# Rank of a level this catalogue does not know: treated as stronger than admin, never weaker.
UNKNOWN_LEVEL_RANK = 99

# GitHub's limits (github-facts README and the OpenAPI descriptions), one name each.
MAX_LOGIN_LENGTH = 39  # user and organization logins
MAX_REASON_LENGTH = 1024  # reason of a bulk review
MAX_IDS_PER_BULK = 100  # pat_request_ids / pat_ids per bulk review or revoke
MAX_OWNERS_PER_FILTER = 10  # owner[] per listing call
MAX_TOKEN_IDS_PER_FILTER = 50  # token_id[] per listing call
MAX_TOKENS_PER_USER = 50  # fine-grained PATs one user can hold
MAX_INSTALLATION_REPOSITORIES = 500  # repositories an installation token can be narrowed to
MAX_CREDENTIALS_PER_REVOKE = 1000  # credentials per POST /credentials/revoke
REVOKE_CALLS_PER_HOUR = 60  # documented budget of POST /credentials/revoke
MAX_TOKEN_NAME_LENGTH = 40  # template link ``name``
MAX_DESCRIPTION_LENGTH = 1024  # template link ``description``
MAX_LIFETIME_DAYS = 366  # template ``expires_in`` and the default organization maximum lifetime

# Resource names as the token-creation page (and this collection's policy) spells them.
RESOURCES = ("account", "repository", "organization")

# GitHub's REST API reports account permissions under ``permissions.other``.
API_BUCKET = {"account": "other", "repository": "repository", "organization": "organization"}
RESOURCE_OF_BUCKET = {"other": "account", "repository": "repository", "organization": "organization"}

# (resource, permission, levels) in the order of the facts file.
CATALOG = (
    ("account", "blocking", ("read", "write")),
    ("account", "codespaces_user_secrets", ("read", "write")),
    ("account", "copilot_messages", ("read",)),
    ("account", "copilot_editor_context", ("read",)),
    ("account", "copilot_requests", ("write",)),
    ("account", "emails", ("read", "write")),
    ("account", "user_events", ("read",)),
    ("account", "followers", ("read", "write")),
    ("account", "gpg_keys", ("read", "write")),
    ("account", "gists", ("write",)),
    ("account", "keys", ("read", "write")),
    ("account", "interaction_limits", ("read", "write")),
    ("account", "knowledge_bases", ("read", "write")),
    ("account", "user_models", ("read",)),
    ("account", "plan", ("read",)),
    ("account", "private_repository_invitations", ("read",)),
    ("account", "profile", ("write",)),
    ("account", "git_signing_ssh_public_keys", ("read", "write")),
    ("account", "starring", ("read", "write")),
    ("account", "watching", ("read", "write")),
    ("repository", "actions", ("read", "write")),
    ("repository", "administration", ("read", "write")),
    ("repository", "artifact_metadata", ("read", "write")),
    ("repository", "attestations", ("read", "write")),
    ("repository", "code_quality", ("read", "write")),
    ("repository", "security_events", ("read", "write")),
    ("repository", "codespaces", ("read", "write")),
    ("repository", "codespaces_lifecycle_admin", ("read", "write")),
    ("repository", "codespaces_metadata", ("read",)),
    ("repository", "codespaces_secrets", ("write",)),
    ("repository", "statuses", ("read", "write")),
    ("repository", "contents", ("read", "write")),
    ("repository", "repository_custom_properties", ("read", "write")),
    ("repository", "vulnerability_alerts", ("read", "write")),
    ("repository", "dependabot_secrets", ("read", "write")),
    ("repository", "deployments", ("read", "write")),
    ("repository", "discussions", ("read", "write")),
    ("repository", "environments", ("read", "write")),
    ("repository", "issues", ("read", "write")),
    ("repository", "merge_queues", ("read", "write")),
    ("repository", "metadata", ("read",)),
    ("repository", "pages", ("read", "write")),
    ("repository", "pull_requests", ("read", "write")),
    ("repository", "repository_advisories", ("read", "write")),
    ("repository", "secret_scanning_alerts", ("read", "write")),
    ("repository", "secrets", ("read", "write")),
    ("repository", "actions_variables", ("read", "write")),
    ("repository", "repository_hooks", ("read", "write")),
    ("repository", "workflows", ("write",)),
    ("organization", "organization_api_insights", ("read",)),
    ("organization", "organization_administration", ("read", "write")),
    ("organization", "organization_user_blocking", ("read", "write")),
    ("organization", "organization_campaigns", ("read", "write")),
    ("organization", "organization_custom_org_roles", ("read", "write")),
    ("organization", "organization_custom_properties", ("read", "write", "admin")),
    ("organization", "organization_custom_roles", ("read", "write")),
    ("organization", "organization_events", ("read",)),
    ("organization", "organization_copilot_seat_management", ("read", "write")),
    ("organization", "issue_types", ("read", "write")),
    ("organization", "organization_knowledge_bases", ("read", "write")),
    ("organization", "members", ("read", "write")),
    ("organization", "organization_models", ("read",)),
    ("organization", "organization_network_configurations", ("read", "write")),
    ("organization", "organization_announcement_banners", ("read", "write")),
    ("organization", "organization_codespaces", ("read", "write")),
    ("organization", "organization_codespaces_secrets", ("read", "write")),
    ("organization", "organization_codespaces_settings", ("read", "write")),
    ("organization", "organization_dependabot_secrets", ("read", "write")),
    ("organization", "organization_code_scanning_dismissal_requests", ("read", "write")),
    ("organization", "organization_private_registries", ("read", "write")),
    ("organization", "organization_plan", ("read",)),
    ("organization", "organization_projects", ("read", "write", "admin")),
    ("organization", "organization_secrets", ("read", "write")),
    ("organization", "organization_self_hosted_runners", ("read", "write")),
    ("organization", "team_discussions", ("read", "write")),
    ("organization", "organization_actions_variables", ("read", "write")),
    ("organization", "organization_hooks", ("read", "write")),
)

# permission name -> (resource, levels); names are unique across resources.
PERMISSIONS = dict((name, (resource, levels)) for resource, name, levels in CATALOG)

# resource -> {permission name: levels}
BY_RESOURCE = dict(
    (resource, dict((name, levels) for res, name, levels in CATALOG if res == resource)) for resource in RESOURCES
)


class CatalogError(PatguardError, ValueError):
    """A permission name, level or resource that the catalogue does not allow.

    ``permission`` is the offending name, ``problem`` one of ``unknown_permission``,
    ``unknown_resource``, ``resource`` (permission of another resource) or ``level``.
    """

    def __init__(self, permission: str, problem: str, message: str) -> None:
        super().__init__(message)
        self.permission = permission
        self.problem = problem
        self.message = message


def suggest(word: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a close match among candidates, else ''."""
    if not isinstance(word, str):
        return ""
    candidates = list(candidates)
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not matches and len(word) >= 3:
        # Abbreviations ('repo', 'org') are too short for difflib's ratio.
        matches = [c for c in candidates if c.startswith(word)][:1]
    return " (did you mean '%s'?)" % matches[0] if matches else ""


def level_rank(level: Any) -> int:
    """Rank of a level: read=1, write=2, admin=3. Raises CatalogError for anything else."""
    rank = LEVEL_RANK.get(level) if isinstance(level, str) else None
    if rank is None:
        raise CatalogError(None, "level", "unknown level %r; expected one of %s" % (level, ", ".join(LEVELS)))
    return rank


def resource_of(name: Any) -> str | None:
    """Resource ('account', 'repository', 'organization') of a permission, or None if unknown."""
    entry = PERMISSIONS.get(name) if isinstance(name, str) else None
    return entry[0] if entry else None


def levels_of(name: Any) -> tuple[str, ...] | None:
    """Levels a permission accepts (tuple, weakest first), or None if unknown."""
    entry = PERMISSIONS.get(name) if isinstance(name, str) else None
    return entry[1] if entry else None


def normalize_resource(resource: Any) -> Any:
    """Map a resource name or GitHub API bucket ('other') to the catalogue resource name."""
    if resource in RESOURCE_OF_BUCKET:
        return RESOURCE_OF_BUCKET[resource]
    if resource in RESOURCES:
        return resource
    raise CatalogError(
        None,
        "unknown_resource",
        "unknown resource %r%s; expected one of %s"
        % (resource, suggest(resource, RESOURCES + ("other",)), ", ".join(RESOURCES)),
    )


def _article(word):
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _or_list(items):
    items = list(items)
    if len(items) == 1:
        return items[0]
    return "%s or %s" % (", ".join(items[:-1]), items[-1])


def validate_permission(name: Any, level: Any, resource: str | None = None) -> str:
    """Check that ``name`` accepts ``level`` (and belongs to ``resource`` when given).

    ``resource`` may be a catalogue name or GitHub's API bucket name (``other`` is
    ``account``). Returns the permission's resource. Raises CatalogError naming the
    permission and the levels it accepts, with a "did you mean" hint for typos.
    """
    if not isinstance(name, str) or name not in PERMISSIONS:
        hint = suggest(name, BY_RESOURCE[normalize_resource(resource)] if resource is not None else PERMISSIONS)
        if not hint and resource is not None:
            hint = suggest(name, PERMISSIONS)
        raise CatalogError(name, "unknown_permission", "unknown permission %r%s" % (name, hint))
    own_resource, levels = PERMISSIONS[name]
    if resource is not None:
        wanted = normalize_resource(resource)
        if wanted != own_resource:
            raise CatalogError(
                name,
                "resource",
                "permission '%s' is %s permission, not %s permission"
                % (name, _article(own_resource), _article(wanted)),
            )
    if level not in levels:
        raise CatalogError(name, "level", "permission '%s' accepts %s, got %r" % (name, _or_list(levels), level))
    return own_resource


# GitHub App permission names and levels: the property names and enums of the contract's
# ``app-permissions`` schema (a unit test fails if the two differ). Not the PAT catalogue:
# App names differ (``email_addresses`` here, ``emails`` for fine-grained PATs).
APP_PERMISSIONS = {
    "actions": ("read", "write"),
    "administration": ("read", "write"),
    "artifact_metadata": ("read", "write"),
    "attestations": ("read", "write"),
    "checks": ("read", "write"),
    "code_quality": ("read", "write"),
    "codespaces": ("read", "write"),
    "contents": ("read", "write"),
    "dependabot_secrets": ("read", "write"),
    "deployments": ("read", "write"),
    "discussions": ("read", "write"),
    "environments": ("read", "write"),
    "issues": ("read", "write"),
    "merge_queues": ("read", "write"),
    "metadata": ("read", "write"),
    "packages": ("read", "write"),
    "pages": ("read", "write"),
    "pull_requests": ("read", "write"),
    "repository_custom_properties": ("read", "write"),
    "repository_hooks": ("read", "write"),
    "repository_projects": ("read", "write", "admin"),
    "secret_scanning_alerts": ("read", "write"),
    "secrets": ("read", "write"),
    "security_events": ("read", "write"),
    "single_file": ("read", "write"),
    "statuses": ("read", "write"),
    "vulnerability_alerts": ("read", "write"),
    "workflows": ("write",),
    "custom_properties_for_organizations": ("read", "write"),
    "members": ("read", "write"),
    "organization_administration": ("read", "write"),
    "organization_custom_roles": ("read", "write"),
    "organization_custom_org_roles": ("read", "write"),
    "organization_custom_properties": ("read", "write", "admin"),
    "organization_copilot_seat_management": ("read", "write"),
    "organization_copilot_agent_settings": ("read", "write"),
    "organization_announcement_banners": ("read", "write"),
    "organization_events": ("read",),
    "organization_hooks": ("read", "write"),
    "organization_personal_access_tokens": ("read", "write"),
    "organization_personal_access_token_requests": ("read", "write"),
    "organization_plan": ("read",),
    "organization_projects": ("read", "write", "admin"),
    "organization_packages": ("read", "write"),
    "organization_secrets": ("read", "write"),
    "organization_self_hosted_runners": ("read", "write"),
    "organization_user_blocking": ("read", "write"),
    "email_addresses": ("read", "write"),
    "followers": ("read", "write"),
    "git_ssh_keys": ("read", "write"),
    "gpg_keys": ("read", "write"),
    "interaction_limits": ("read", "write"),
    "profile": ("write",),
    "starring": ("read", "write"),
    "enterprise_custom_properties_for_organizations": ("read", "write", "admin"),
}
