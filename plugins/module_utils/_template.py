# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Build GitHub's fine-grained PAT *template URL* (pure, no I/O).

No API can create a fine-grained PAT; GitHub documents a link that pre-fills the creation
page instead. Rules from tests/contract/github-facts/README.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote, urlencode, urlsplit

from ansible_collections.patguard.github.plugins.module_utils._catalog import (
    API_BUCKET,
    MAX_DESCRIPTION_LENGTH,
    MAX_LIFETIME_DAYS,
    MAX_TOKEN_NAME_LENGTH,
    RESOURCE_OF_BUCKET,
    RESOURCES,
    CatalogError,
    validate_permission,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import (
    ConfigError,
    GitHubAPIError,
    PatguardError,
    redact,
)
from ansible_collections.patguard.github.plugins.module_utils._names import LOGIN_RULE, is_login
from ansible_collections.patguard.github.plugins.module_utils._policy import evaluate
from ansible_collections.patguard.github.plugins.module_utils._policy_schema import PolicyError, validate_policy
from ansible_collections.patguard.github.plugins.module_utils._records import is_int
from ansible_collections.patguard.github.plugins.module_utils._time import iso_z, now_utc

TEMPLATE_PATH = "/settings/personal-access-tokens/new"
MAX_NAME = MAX_TOKEN_NAME_LENGTH
MAX_DESCRIPTION = MAX_DESCRIPTION_LENGTH
MAX_EXPIRES_IN = MAX_LIFETIME_DAYS
OWNER_TYPES = ("user", "organization")
# A template link for an organization can still create a token owned by the person who
# opens it (reported for links whose target_name the page does not apply), and such a token
# never reaches the organization.
RESOURCE_OWNER_STEP = (
    'Before you click "Generate token", check that "Resource owner" shows the organization %s; '
    "if it shows your own account, select %s there: a token owned by you never reaches "
    "the organization."
)


class TemplateError(PatguardError, ValueError):
    """An invalid template parameter; ``field`` names the option, ``message`` the rule alone
    and ``str()`` both (``field: rule``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__("%s: %s" % (field, message), field=field)
        self.field = field
        self.message = redact(message)

    def fail_kwargs(self) -> Dict[str, Any]:
        result = super().fail_kwargs()
        result["msg"] = str(self)
        return result


def _web_url(web_url):
    if not isinstance(web_url, str) or not web_url:
        raise TemplateError("web_url", "must be an https:// URL, got %r" % (web_url,))
    parts = urlsplit(web_url)
    if parts.scheme != "https" or not parts.netloc:
        raise TemplateError("web_url", "must be an https:// URL, got %r" % web_url)
    if parts.query or parts.fragment:
        raise TemplateError("web_url", "must not carry a query or fragment, got %r" % web_url)
    return web_url.rstrip("/")


def _expires_in(expires_in):
    if expires_in is None:
        return None
    if expires_in == "none" and isinstance(expires_in, str):
        return "none"
    if not is_int(expires_in) or not 1 <= expires_in <= MAX_EXPIRES_IN:
        raise TemplateError(
            "expires_in", "must be whole days from 1 to %d or 'none', got %r" % (MAX_EXPIRES_IN, expires_in)
        )
    return str(int(expires_in))


def _flatten_permissions(permissions):
    """Accept ``{name: level}`` or ``{resource: {name: level}}`` (resource may be GitHub's
    ``other``); return ``[(name, level, resource)]``, validated against the catalogue."""
    if permissions is None:
        return []
    if not isinstance(permissions, Mapping):
        raise TemplateError(
            "permissions", "must be a mapping of permission to level, got %s" % type(permissions).__name__
        )
    result = {}
    for key, value in permissions.items():
        if key in RESOURCES or key in RESOURCE_OF_BUCKET:
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise TemplateError("permissions.%s" % key, "must be a mapping of permission to level")
            items = [(name, level, key) for name, level in value.items()]
        else:
            items = [(key, value, None)]
        for name, level, resource in items:
            try:
                own = validate_permission(name, level, resource)
            except CatalogError as exc:
                raise TemplateError("permissions.%s" % name, exc.message) from None
            if name in result and result[name][0] != level:
                raise TemplateError("permissions.%s" % name, "given twice with different levels")
            result[name] = (level, own)
    return sorted((name, level, own) for name, (level, own) in result.items())


def template_permissions(permissions: Any, owner_type: Optional[str] = None) -> List[Tuple[str, str, str]]:
    """Validated ``[(name, level, resource)]`` for the link, sorted by name.

    Account permissions only apply when the owner is a user, organization permissions only
    when it is an organization; mixing both can never be right.
    """
    if owner_type is not None and owner_type not in OWNER_TYPES:
        raise TemplateError("owner_type", "must be user or organization, got %r" % (owner_type,))
    flat = _flatten_permissions(permissions)
    resources = set(resource for _name, _level, resource in flat)
    for name, _level, resource in flat:
        if resource == "account" and owner_type == "organization":
            raise TemplateError(
                "permissions.%s" % name,
                "is an account permission; it applies only when the owner is a user, not an organization",
            )
        if resource == "organization" and owner_type == "user":
            raise TemplateError(
                "permissions.%s" % name,
                "is an organization permission; it applies only when the owner is an organization, not a user",
            )
    if owner_type is None and "account" in resources and "organization" in resources:
        raise TemplateError(
            "permissions",
            "cannot combine account permissions (user owner only) with "
            "organization permissions (organization owner only)",
        )
    return flat


def build_template_url(
    name: Any,
    description: Optional[str] = None,
    owner: Optional[str] = None,
    expires_in: Any = None,
    permissions: Any = None,
    owner_type: Optional[str] = None,
    web_url: str = "https://github.com",
) -> str:
    """Return the pre-filled token-creation link.

    Query order is fixed: name, description, target_name, expires_in, then permissions
    sorted by name, so the same input always yields the same URL.
    """
    base = _web_url(web_url)
    if not isinstance(name, str) or not name.strip():
        raise TemplateError("name", "must be a non-empty string")
    if len(name) > MAX_NAME:
        raise TemplateError("name", "must be at most %d characters, got %d" % (MAX_NAME, len(name)))
    if description is not None:
        if not isinstance(description, str):
            raise TemplateError("description", "must be a string")
        if len(description) > MAX_DESCRIPTION:
            raise TemplateError(
                "description", "must be at most %d characters, got %d" % (MAX_DESCRIPTION, len(description))
            )
    if owner is not None and not is_login(owner):
        raise TemplateError("owner", "must be a GitHub user or organization login (%s), got %r" % (LOGIN_RULE, owner))
    expires = _expires_in(expires_in)
    flat = template_permissions(permissions, owner_type)

    query = [("name", name)]
    if description:
        query.append(("description", description))
    if owner is not None:
        query.append(("target_name", owner))
    if expires is not None:
        query.append(("expires_in", expires))
    query.extend((perm, level) for perm, level, _resource in flat)
    return "%s%s?%s" % (base, TEMPLATE_PATH, urlencode(query, quote_via=quote))


def manual_steps(
    owner_type: Optional[str] = None,
    repositories: Optional[Sequence[str]] = None,
    requires_approval: bool = False,
    permissions: Any = None,
    owner: Optional[str] = None,
) -> List[str]:
    """What the link cannot pre-fill, as a list of instructions for the person creating
    the token. With an organization ``owner``, a last check of "Resource owner" before
    generating: the page can fall back to the person's own account."""
    steps = []
    has_repository_permissions = any(
        resource == "repository" for _name, _level, resource in _flatten_permissions(permissions)
    )
    if repositories:
        steps.append(
            'Under "Repository access", choose "Only select repositories" and select: %s '
            "(the link cannot pre-select repositories)." % ", ".join(str(r) for r in repositories)
        )
    elif has_repository_permissions or permissions is None:
        steps.append(
            'Under "Repository access", choose the repositories the token needs '
            "(the link cannot pre-select repositories)."
        )
    if requires_approval and owner_type != "user":
        steps.append(
            "Enter a justification: the organization requires approval, and the token cannot "
            "access its resources until an organization owner approves the request."
        )
    if owner and owner_type == "organization":
        steps.append(RESOURCE_OWNER_STEP % (owner, owner))
    steps.append("Copy the token when it is shown; GitHub shows it only once.")
    return steps


# --------------------------------------------------------------------------------------
# pat_template: the link, checked against the organization's policy


def needs_owner_type(owner: Optional[str], flat_permissions: Sequence[Tuple[str, str, str]]) -> bool:
    """True when the template's permissions depend on the owner's kind and it is not known."""
    return owner is not None and any(res in ("account", "organization") for _n, _l, res in flat_permissions)


def template_record(
    flat_permissions: Sequence[Tuple[str, str, str]],
    expires_in: Any,
    repositories: Optional[Sequence[str]] = None,
    now: Optional[datetime.datetime] = None,
) -> Dict[str, Any]:
    """A synthetic PAT request record for the policy engine, built from the template."""
    now = now or now_utc()
    perms = {}
    for name, level, resource in flat_permissions:
        perms.setdefault(API_BUCKET[resource], {})[name] = level
    record = {"id": None, "token_name": None, "permissions": perms, "created_at": iso_z(now)}
    if expires_in == "none":
        record["token_expires_at"] = None
    elif expires_in is not None:
        record["token_expires_at"] = iso_z(now + datetime.timedelta(days=int(expires_in)))
    if repositories:
        record["repository_selection"] = "subset"
        record["repositories"] = [{"name": r.rsplit("/", 1)[-1]} for r in repositories]
    return record


def template_policy(policy: Any, repositories: Optional[Sequence[str]] = None) -> Tuple[dict, dict]:
    """The policy as it can be judged from a template: rules on what the link cannot set are
    dropped (owner: whoever clicks; reason: typed on the page; repository rules unless the
    repositories are given), returned as ``(policy_for_template, normalized_policy)``."""
    norm = validate_policy(policy)
    judged = dict(norm)
    judged.update(
        allowed_owners=[],
        denied_owners=[],
        exempt_owners=[],
        exempt_token_ids=[],
        require_reason=False,
        min_reason_length=0,
    )
    if not repositories:
        judged.update(repository_selection=None, max_repositories=None, allowed_repositories=[])
    return judged, norm


def check_template_policy(
    policy: Any,
    flat_permissions: Sequence[Tuple[str, str, str]],
    expires_in: Any,
    repositories: Optional[Sequence[str]] = None,
    now: Optional[datetime.datetime] = None,
) -> dict:
    """Refuse a template the organization's policy would deny; return the normalized policy."""
    try:
        judged, norm = template_policy(policy, repositories)
    except PolicyError as exc:
        raise ConfigError("policy: %s" % exc.message) from None
    if expires_in is None and norm.get("max_lifetime_days"):
        raise ConfigError(
            "expires_in: the policy allows tokens of at most %d days (max_lifetime_days); set "
            "expires_in so the link pre-fills a compliant lifetime" % norm["max_lifetime_days"]
        )
    record = template_record(flat_permissions, expires_in, repositories, now)
    decision = evaluate(record, "request", judged, now)
    real = [v for v in decision.violations if v.code != "unverifiable"]
    if real:
        raise ConfigError(
            "policy: the organization's policy would deny a token made from this template: %s"
            % "; ".join("%s: %s" % (v.code, v.detail) for v in real),
            violations=[{"code": v.code, "detail": v.detail} for v in real],
        )
    return norm


def _require_owner_type(owner: Optional[str], owner_type: Optional[str], flat: Sequence[Tuple[str, str, str]]) -> None:
    """ConfigError when the permissions apply to one kind of owner only and none is known."""
    if owner_type is None and needs_owner_type(owner, flat):
        kinds = sorted(set(res for _n, _l, res in flat if res != "repository"))
        raise ConfigError(
            "owner_type: required when permissions include %s permissions (%s applies only to %s "
            "owners): set owner_type to user or organization, or give credentials so that pat_template "
            "looks the owner up (GET /users/{username})"
            % (" and ".join(kinds), kinds[0], "user" if kinds[0] == "account" else "organization")
        )


def _add_reason_step(steps: list, norm: Optional[Dict[str, Any]], owner_type: Optional[str]) -> None:
    """The policy's minimum justification length, as the step before the last (organizations only)."""
    minimum = (norm or {}).get("min_reason_length") or 0
    if minimum and owner_type != "user":
        steps.insert(
            len(steps) - 1,
            "Make the justification at least %d characters long: the policy denies shorter ones." % minimum,
        )


def build_template(
    name: Any,
    description: Optional[str] = None,
    owner: Optional[str] = None,
    owner_type: Optional[str] = None,
    expires_in: Any = None,
    permissions: Any = None,
    web_url: str = "https://github.com",
    policy: Any = None,
    repositories: Optional[Sequence[str]] = None,
    requires_approval: bool = False,
    now: Optional[datetime.datetime] = None,
) -> Dict[str, Any]:
    """Everything pat_template returns: url, manual_steps, owner_type (ConfigError on bad input)."""
    if owner_type is None and owner is None:
        owner_type = "user"  # target_name defaults to the signed-in user
    if owner_type == "organization" and owner is None:
        raise ConfigError("owner: required when owner_type is organization (the link's target_name)")
    if isinstance(expires_in, str) and expires_in.strip().isdigit():
        expires_in = int(expires_in.strip())
    try:
        flat = template_permissions(permissions, owner_type)
        _require_owner_type(owner, owner_type, flat)
        url = build_template_url(
            name,
            description=description,
            owner=owner,
            expires_in=expires_in,
            permissions=permissions,
            owner_type=owner_type,
            web_url=web_url,
        )
        norm = None
        if policy is not None:
            norm = check_template_policy(policy, flat, expires_in, repositories, now)
        approval = bool(requires_approval or (norm and (norm.get("require_reason") or norm.get("min_reason_length"))))
        steps = manual_steps(
            owner_type=owner_type,
            repositories=repositories,
            requires_approval=approval,
            permissions=permissions,
            owner=owner,
        )
    except TemplateError as exc:
        raise ConfigError(str(exc), field=exc.field) from None
    _add_reason_step(steps, norm, owner_type)
    return {
        "url": url,
        "manual_steps": steps,
        "owner_type": owner_type,
        "permissions": dict((n, lvl) for n, lvl, _r in flat),
    }


OWNER_TYPE_OF_ACCOUNT = {"User": "user", "Organization": "organization"}


def lookup_owner_type(client: Any, owner: str) -> str:
    """``user`` or ``organization`` from ``GET /users/{username}`` (its ``type``).

    Used when the task has credentials and no ``owner_type``; refuses an unknown login and an
    account type a token cannot be owned by (a bot, an enterprise).
    """
    path = "/users/%s" % quote(owner, safe="")
    try:
        data = client.request("GET", path).data
    except GitHubAPIError as exc:
        if exc.status == 404:
            raise ConfigError(
                "owner: GitHub has no user or organization %r (GET %s answered 404)" % (owner, path), field="owner"
            ) from None
        raise
    account_type = data.get("type") if isinstance(data, dict) else None
    if account_type not in OWNER_TYPE_OF_ACCOUNT:
        raise ConfigError(
            "owner: %r is a GitHub account of type %r; a fine-grained token is owned by a user or "
            "an organization" % (owner, account_type),
            field="owner",
        )
    return OWNER_TYPE_OF_ACCOUNT[account_type]
