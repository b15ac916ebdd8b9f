# -*- coding: utf-8 -*-
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Build GitHub's fine-grained PAT *template URL* (pure, no I/O).

No API can create a fine-grained PAT; GitHub documents a link that pre-fills the creation
page instead. Rules from tests/contract/github-facts/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from urllib.parse import quote, urlencode, urlsplit

from ansible_collections.patguard.github.plugins.module_utils._catalog import (
    MAX_DESCRIPTION_LENGTH,
    MAX_LIFETIME_DAYS,
    MAX_TOKEN_NAME_LENGTH,
    RESOURCE_OF_BUCKET,
    RESOURCES,
    CatalogError,
    validate_permission,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError, redact
from ansible_collections.patguard.github.plugins.module_utils._names import LOGIN_RULE, is_login
from ansible_collections.patguard.github.plugins.module_utils._records import is_int

TEMPLATE_PATH = '/settings/personal-access-tokens/new'
MAX_NAME = MAX_TOKEN_NAME_LENGTH
MAX_DESCRIPTION = MAX_DESCRIPTION_LENGTH
MAX_EXPIRES_IN = MAX_LIFETIME_DAYS
OWNER_TYPES = ('user', 'organization')


class TemplateError(PatguardError, ValueError):
    """An invalid template parameter; ``field`` names the option, ``message`` the rule alone
    and ``str()`` both (``field: rule``)."""

    def __init__(self, field, message):
        super(TemplateError, self).__init__('%s: %s' % (field, message), field=field)
        self.field = field
        self.message = redact(message)

    def fail_kwargs(self):
        result = super(TemplateError, self).fail_kwargs()
        result['msg'] = str(self)
        return result


def _web_url(web_url):
    if not isinstance(web_url, str) or not web_url:
        raise TemplateError('web_url', 'must be an https:// URL, got %r' % (web_url,))
    parts = urlsplit(web_url)
    if parts.scheme != 'https' or not parts.netloc:
        raise TemplateError('web_url', 'must be an https:// URL, got %r' % web_url)
    if parts.query or parts.fragment:
        raise TemplateError('web_url', 'must not carry a query or fragment, got %r' % web_url)
    return web_url.rstrip('/')


def _expires_in(expires_in):
    if expires_in is None:
        return None
    if expires_in == 'none' and isinstance(expires_in, str):
        return 'none'
    if not is_int(expires_in) or not 1 <= expires_in <= MAX_EXPIRES_IN:
        raise TemplateError('expires_in', "must be whole days from 1 to %d or 'none', got %r"
                            % (MAX_EXPIRES_IN, expires_in))
    return str(int(expires_in))


def _flatten_permissions(permissions):
    """Accept ``{name: level}`` or ``{resource: {name: level}}`` (resource may be GitHub's
    ``other``); return ``[(name, level, resource)]``, validated against the catalogue."""
    if permissions is None:
        return []
    if not isinstance(permissions, Mapping):
        raise TemplateError('permissions', 'must be a mapping of permission to level, got %s'
                            % type(permissions).__name__)
    result = {}
    for key, value in permissions.items():
        if key in RESOURCES or key in RESOURCE_OF_BUCKET:
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise TemplateError('permissions.%s' % key, 'must be a mapping of permission to level')
            items = [(name, level, key) for name, level in value.items()]
        else:
            items = [(key, value, None)]
        for name, level, resource in items:
            try:
                own = validate_permission(name, level, resource)
            except CatalogError as exc:
                raise TemplateError('permissions.%s' % name, exc.message)
            if name in result and result[name][0] != level:
                raise TemplateError('permissions.%s' % name, 'given twice with different levels')
            result[name] = (level, own)
    return sorted((name, level, own) for name, (level, own) in result.items())


def template_permissions(permissions, owner_type=None):
    """Validated ``[(name, level, resource)]`` for the link, sorted by name.

    Account permissions only apply when the owner is a user, organization permissions only
    when it is an organization; mixing both can never be right.
    """
    if owner_type is not None and owner_type not in OWNER_TYPES:
        raise TemplateError('owner_type', 'must be user or organization, got %r' % (owner_type,))
    flat = _flatten_permissions(permissions)
    resources = set(resource for _name, _level, resource in flat)
    for name, _level, resource in flat:
        if resource == 'account' and owner_type == 'organization':
            raise TemplateError('permissions.%s' % name,
                                'is an account permission; it applies only when the owner is a user, '
                                'not an organization')
        if resource == 'organization' and owner_type == 'user':
            raise TemplateError('permissions.%s' % name,
                                'is an organization permission; it applies only when the owner is an '
                                'organization, not a user')
    if owner_type is None and 'account' in resources and 'organization' in resources:
        raise TemplateError('permissions', 'cannot combine account permissions (user owner only) with '
                            'organization permissions (organization owner only)')
    return flat


def build_template_url(name, description=None, owner=None, expires_in=None, permissions=None,
                       owner_type=None, web_url='https://github.com'):
    """Return the pre-filled token-creation link.

    Query order is fixed: name, description, target_name, expires_in, then permissions
    sorted by name, so the same input always yields the same URL.
    """
    base = _web_url(web_url)
    if not isinstance(name, str) or not name.strip():
        raise TemplateError('name', 'must be a non-empty string')
    if len(name) > MAX_NAME:
        raise TemplateError('name', 'must be at most %d characters, got %d' % (MAX_NAME, len(name)))
    if description is not None:
        if not isinstance(description, str):
            raise TemplateError('description', 'must be a string')
        if len(description) > MAX_DESCRIPTION:
            raise TemplateError('description', 'must be at most %d characters, got %d'
                                % (MAX_DESCRIPTION, len(description)))
    if owner is not None and not is_login(owner):
        raise TemplateError('owner', 'must be a GitHub user or organization login (%s), got %r'
                            % (LOGIN_RULE, owner))
    expires = _expires_in(expires_in)
    flat = template_permissions(permissions, owner_type)

    query = [('name', name)]
    if description:
        query.append(('description', description))
    if owner is not None:
        query.append(('target_name', owner))
    if expires is not None:
        query.append(('expires_in', expires))
    query.extend((perm, level) for perm, level, _resource in flat)
    return '%s%s?%s' % (base, TEMPLATE_PATH, urlencode(query, quote_via=quote))


def manual_steps(owner_type=None, repositories=None, requires_approval=False, permissions=None):
    """What the link cannot pre-fill, as a list of instructions for the person creating
    the token."""
    steps = []
    has_repository_permissions = any(
        resource == 'repository' for _name, _level, resource in _flatten_permissions(permissions))
    if repositories:
        steps.append('Under "Repository access", choose "Only select repositories" and select: %s '
                     '(the link cannot pre-select repositories).' % ', '.join(str(r) for r in repositories))
    elif has_repository_permissions or permissions is None:
        steps.append('Under "Repository access", choose the repositories the token needs '
                     '(the link cannot pre-select repositories).')
    if requires_approval and owner_type != 'user':
        steps.append('Enter a justification: the organization requires approval, and the token cannot '
                     'access its resources until an organization owner approves the request.')
    steps.append('Copy the token when it is shown; GitHub shows it only once.')
    return steps
