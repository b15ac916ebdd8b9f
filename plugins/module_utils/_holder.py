# -*- coding: utf-8 -*-
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""The token in hand: logic of pat_template, token_info, credential_revoke and app_token.

Pure checks (credential lists, repository names, GitHub App permissions, the expiry header,
template + policy) are plain functions, unit-tested without a server. The few functions that
talk to GitHub take a :class:`GitHubClient` and send only contract endpoints, except the
optional repository reachability check of ``token_info`` (``GET /repos/{owner}/{repo}``,
documented as outside the contract in docs/token-tools.md).

No function here returns or raises with a token in it: callers get fingerprints.
"""

from __future__ import annotations

import datetime
import re

from ._catalog import (
    APP_PERMISSIONS,
    MAX_CREDENTIALS_PER_REVOKE,
    MAX_INSTALLATION_REPOSITORIES,
    suggest as _suggest,
)
from ._errors import ConfigError, GitHubAPIError, PatguardError, register_secret
from ._names import LOGIN_RULE, is_login, is_repo_name
from ._records import chunks
from ._time import iso_z as iso_utc, now_utc, parse_time, whole_days
from ._tokens import PREFIXES, fingerprint, looks_like_github_token, token_type

# --------------------------------------------------------------------------------------
# Limits (tests/contract/github-facts/README.md and the OpenAPI description)
CREDENTIALS_PER_CALL = MAX_CREDENTIALS_PER_REVOKE
# GitHub documents that token lengths may grow, up to 255 characters.
MAX_TOKEN_LENGTH = 255
MIN_TOKEN_BODY = 30


_TOKEN_BODY_RE = re.compile(r"^[A-Za-z0-9_]+$")


class TokenCheckFailed(PatguardError):
    """token_info found the token unfit (invalid, expiring too soon); details hold the result."""


def _type_name(value):
    return type(value).__name__


# --------------------------------------------------------------------------------------
# Credentials (credential_revoke)

def is_revocable_credential(value):
    """True when ``value`` has the shape of a GitHub token the revocation API knows.

    :func:`_tokens.looks_like_github_token` checks today's exact lengths; GitHub documents
    that token lengths may grow (up to 255 characters) and refresh tokens (``ghr_``) are
    longer than 36 characters, so a known prefix followed by at least 30 characters of
    ``[A-Za-z0-9_]`` is accepted too.
    """
    if looks_like_github_token(value):
        return True
    if not isinstance(value, str) or len(value) > MAX_TOKEN_LENGTH:
        return False
    for prefix, _kind in PREFIXES:
        if value.startswith(prefix):
            body = value[len(prefix):]
            return len(body) >= MIN_TOKEN_BODY and bool(_TOKEN_BODY_RE.match(body))
    return False


def check_credentials(values, field="credentials"):
    """Validate and de-duplicate credentials; return ``(unique, duplicates)``.

    Refuses the whole list when one value is not a GitHub token, naming its index (never
    its value) so that nothing is sent when a list was assembled wrongly.
    """
    if values is None or (isinstance(values, (list, tuple)) and not values):
        raise ConfigError("%s: give at least one credential to revoke (the list is empty)" % field)
    if not isinstance(values, (list, tuple)):
        raise ConfigError("%s: must be a list of tokens, got %s" % (field, _type_name(values)))
    unique = []
    seen = set()
    bad = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            register_secret(value)
            value = value.strip()
        if not isinstance(value, str) or not is_revocable_credential(value):
            bad.append(index)
            continue
        if value in seen:
            continue
        seen.add(value)
        unique.append(value)
    if bad:
        shown = ", ".join("%s[%d]" % (field, i) for i in bad[:10])
        more = " and %d more" % (len(bad) - 10) if len(bad) > 10 else ""
        raise ConfigError(
            "%s%s: not a GitHub token (expected a github_pat_, ghp_, gho_, ghu_, ghs_ or ghr_ token); "
            "nothing was sent" % (shown, more), bad_indexes=bad)
    return unique, len(values) - len(unique)


def revoke_credentials(client, credentials, check_mode=False, size=CREDENTIALS_PER_CALL):
    """``POST /credentials/revoke`` without authentication, in chunks of at most 1000.

    Returns a result dict of counts and fingerprints. On a failure after some chunks were
    sent, raises the error with ``submitted`` and ``not_processed`` fingerprints attached.
    """
    groups = chunks(credentials, size)
    result = {
        "submitted": 0,
        "calls": len(groups),
        "fingerprints": [fingerprint(c) for c in credentials],
        "not_processed": [],
    }
    if check_mode:
        result["submitted"] = len(credentials)
        return result
    done = 0
    for group in groups:
        try:
            client.request("POST", "/credentials/revoke", json={"credentials": group}, auth="none")
        except PatguardError as exc:
            exc.details["submitted"] = done
            exc.details["submitted_fingerprints"] = [fingerprint(c) for c in credentials[:done]]
            exc.details["not_processed"] = [fingerprint(c) for c in credentials[done:]]
            if done:
                exc.message += ("; %d credential(s) were already submitted, %d not: run again with the "
                                "ones in not_processed" % (done, len(credentials) - done))
            raise
        done += len(group)
    result["submitted"] = done
    return result


# --------------------------------------------------------------------------------------
# GitHub App permissions and repositories (app_token)

def check_app_permissions(permissions, field="permissions"):
    """Validate ``{name: level}`` against the contract's ``app-permissions``; return a copy."""
    if permissions is None:
        return None
    if not isinstance(permissions, dict):
        raise ConfigError("%s: must be a mapping of GitHub App permission to level, got %s"
                          % (field, _type_name(permissions)))
    result = {}
    for name, level in permissions.items():
        if name not in APP_PERMISSIONS:
            raise ConfigError("%s.%s: unknown GitHub App permission%s (GitHub App names come from the "
                              "app-permissions schema, for example email_addresses, not emails)"
                              % (field, name, _suggest(name, APP_PERMISSIONS)))
        levels = APP_PERMISSIONS[name]
        if level not in levels:
            raise ConfigError("%s.%s: accepts %s, got %r" % (field, name, " or ".join(levels), level))
        result[name] = level
    return result


def check_installation_repositories(repositories, org=None, field="repositories"):
    """Repository names for an installation token: ``name`` or ``org/name``; at most 500."""
    if repositories is None:
        return None
    if not isinstance(repositories, (list, tuple)):
        raise ConfigError("%s: must be a list of repository names" % field)
    if not repositories:
        raise ConfigError("%s: is empty; omit it for every repository of the installation" % field)
    names = []
    seen = set()
    for index, entry in enumerate(repositories):
        if not isinstance(entry, str):
            raise ConfigError("%s[%d]: must be a repository name, got %s" % (field, index, _type_name(entry)))
        name = entry.strip()
        if "/" in name:
            owner, _sep, name = name.partition("/")
            if org and owner.lower() != org.lower():
                raise ConfigError("%s[%d]: %r belongs to %s, not to %s; an installation token reaches "
                                  "the repositories of one account only" % (field, index, entry, owner, org))
        if not is_repo_name(name):
            raise ConfigError("%s[%d]: %r is not a repository name" % (field, index, entry))
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        names.append(name)
    if len(names) > MAX_INSTALLATION_REPOSITORIES:
        raise ConfigError("%s: an installation token can be narrowed to at most %d repositories, got %d"
                          % (field, MAX_INSTALLATION_REPOSITORIES, len(names)))
    return names


def create_scoped_token(client, repositories=None, permissions=None):
    """A new installation token narrowed to ``repositories``/``permissions``.

    Returns ``(token, info)``; ``info`` has no secret: expires_at, permissions,
    repository_selection, repositories, installation_id, fingerprint.
    """
    app = client.app_auth
    if app is None:
        raise ConfigError("app_id: an installation token needs GitHub App credentials (app_id with "
                          "private_key or private_key_path, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH)")
    data = app.request_installation_token(client, repositories, permissions)
    token = data["token"]
    repos = data.get("repositories")
    info = {
        "installation_id": app.installation_id,
        "expires_at": data.get("expires_at"),
        "permissions": data.get("permissions") or {},
        "repository_selection": data.get("repository_selection"),
        "repositories": [r.get("name") for r in repos if isinstance(r, dict)] if isinstance(repos, list)
        else None,
        "fingerprint": fingerprint(token),
    }
    return token, info


def revoke_installation_token(client, check_mode=False):
    """Revoke the client's user-given token (``DELETE /installation/token``).

    Returns True when GitHub revoked it, False when it was already unusable (401). In check
    mode, ``GET /rate_limit`` (free of rate-limit cost) tells whether it still works.
    """
    if client.token_auth is None:
        raise ConfigError("token: state=absent revokes the installation token given in token; it is missing")
    try:
        if check_mode:
            client.request("GET", "/rate_limit", auth="token")
        else:
            client.request("DELETE", "/installation/token", auth="token")
    except GitHubAPIError as exc:
        if exc.status == 401:
            return False
        raise
    return True


# --------------------------------------------------------------------------------------
# token_info

def parse_token_expiration(value):
    """Aware UTC datetime from ``GitHub-Authentication-Token-Expiration``, or None.

    GitHub writes ``2026-12-20 00:00:00 UTC``; an offset (``+0200``) and ISO 8601 are read too.
    """
    return parse_time(value.strip()) if isinstance(value, str) and value else None


def days_remaining(expires_at, now):
    """Whole days left (floor) between ``now`` and ``expires_at`` (aware datetimes), or None."""
    return whole_days(now, expires_at) if expires_at is not None else None


def parse_scopes(value):
    """``X-OAuth-Scopes`` as a list (classic and OAuth tokens), or None when absent."""
    if value is None:
        return None
    return [s.strip() for s in value.split(",") if s.strip()]


def check_repository_names(repositories, field="repositories"):
    """``owner/name`` entries for token_info, de-duplicated (first spelling kept)."""
    if not repositories:
        return []
    names = []
    seen = set()
    for index, entry in enumerate(repositories):
        owner, sep, name = entry.partition("/") if isinstance(entry, str) else ("", "", "")
        if not sep or not is_login(owner) or not is_repo_name(name):
            raise ConfigError("%s[%d]: must be owner/name, for example acme/infra, got %r (the owner: %s)"
                              % (field, index, entry, LOGIN_RULE))
        key = entry.lower()
        if key not in seen:
            seen.add(key)
            names.append("%s/%s" % (owner, name))
    return names


def _status_of(call):
    """Run ``call`` and return (data, headers, status); API errors give (None, None, status)."""
    try:
        response = call()
    except GitHubAPIError as exc:
        if exc.status in (401, 403, 404):
            return None, None, exc.status
        raise
    return response.data, response.headers, response.status


def inspect_token(client, token, repositories=(), now=None):
    """What the token can tell about itself. ``client`` must authenticate with ``token``.

    Sends ``GET /user`` (login, expiry header, classic scopes), then when the token works
    ``GET /user/emails`` (null when unreadable) and ``GET /repos/{owner}/{repo}`` per given
    repository (200 reachable; 403 and 404 not).
    """
    now = now or now_utc()
    info = {
        "valid": False,
        "type": token_type(token),
        "fingerprint": fingerprint(token),
        "login": None,
        "expires_at": None,
        "days_remaining": None,
        "scopes": None,
        "email_verified": None,
        "repositories": {},
        "unreachable_repositories": [],
    }
    data, headers, status = _status_of(lambda: client.request("GET", "/user", auth="token"))
    if status == 401:
        return info
    info["valid"] = True  # 403: GitHub knows the token but refuses /user (an installation token, SSO)
    if headers is not None:
        expires = parse_token_expiration(headers.get("GitHub-Authentication-Token-Expiration"))
        info["expires_at"] = iso_utc(expires)
        info["days_remaining"] = days_remaining(expires, now)
        info["scopes"] = parse_scopes(headers.get("X-OAuth-Scopes"))
    if isinstance(data, dict):
        info["login"] = data.get("login")
        info["email_verified"] = _primary_verified(client)
    for full_name in repositories:
        _data, _headers, status = _status_of(
            lambda: client.request("GET", "/repos/%s" % full_name, auth="token"))
        if status == 401:
            raise GitHubAPIError("GET /repos/%s: the token stopped working during the check (401)" % full_name,
                                 status=401, method="GET", path="/repos/%s" % full_name)
        reachable = status < 300
        info["repositories"][full_name] = reachable
        if not reachable:
            info["unreachable_repositories"].append(full_name)
    return info


def _primary_verified(client):
    try:
        emails = client.list_all("/user/emails", auth="token")
    except GitHubAPIError as exc:
        if exc.status in (401, 403, 404):
            return None  # the token cannot read email addresses
        raise
    for entry in emails:
        if isinstance(entry, dict) and entry.get("primary"):
            return bool(entry.get("verified"))
    return None


def judge_token(info, min_days_remaining=None, fail_if_invalid=False, fail_if_unreachable=False):
    """Raise :class:`TokenCheckFailed` (with the result attached) when the token is unfit."""
    problems = []
    if not info["valid"]:
        if fail_if_invalid:
            problems.append("check_token: GitHub does not accept the token (401 Bad credentials): it is "
                            "revoked, expired or mistyped")
    else:
        left = info["days_remaining"]
        if min_days_remaining is not None and left is not None and left < min_days_remaining:
            problems.append("min_days_remaining: the token expires on %s, in %d day(s), sooner than %d"
                            % (info["expires_at"], left, min_days_remaining))
        if fail_if_unreachable and info["unreachable_repositories"]:
            problems.append("repositories: the token cannot reach %s" % ", ".join(info["unreachable_repositories"]))
    if problems:
        raise TokenCheckFailed("; ".join(problems) + " (token %s)" % info["fingerprint"], **info)


# --------------------------------------------------------------------------------------
# pat_template

def needs_owner_type(owner, flat_permissions):
    """True when the template's permissions depend on the owner's kind and it is not known."""
    return owner is not None and any(res in ("account", "organization") for _n, _l, res in flat_permissions)


def template_record(flat_permissions, expires_in, repositories=None, now=None):
    """A synthetic PAT request record for the policy engine, built from the template."""
    from ._catalog import API_BUCKET

    now = now or now_utc()
    perms = {}
    for name, level, resource in flat_permissions:
        perms.setdefault(API_BUCKET[resource], {})[name] = level
    record = {"id": None, "token_name": None, "permissions": perms, "created_at": iso_utc(now)}
    if expires_in == "none":
        record["token_expires_at"] = None
    elif expires_in is not None:
        record["token_expires_at"] = iso_utc(now + datetime.timedelta(days=int(expires_in)))
    if repositories:
        record["repository_selection"] = "subset"
        record["repositories"] = [{"name": r.rsplit("/", 1)[-1]} for r in repositories]
    return record


def template_policy(policy, repositories=None):
    """The policy as it can be judged from a template: rules on what the link cannot set are
    dropped (owner: whoever clicks; reason: typed on the page; repository rules unless the
    repositories are given), returned as ``(policy_for_template, normalized_policy)``."""
    from ._policy import validate_policy

    norm = validate_policy(policy)
    judged = dict(norm)
    judged.update(allowed_owners=[], denied_owners=[], exempt_owners=[], exempt_token_ids=[],
                  require_reason=False, min_reason_length=0)
    if not repositories:
        judged.update(repository_selection=None, max_repositories=None, allowed_repositories=[])
    return judged, norm


def check_template_policy(policy, flat_permissions, expires_in, repositories=None, now=None):
    """Refuse a template the organization's policy would deny; return the normalized policy."""
    from ._policy import PolicyError, evaluate

    try:
        judged, norm = template_policy(policy, repositories)
    except PolicyError as exc:
        raise ConfigError("policy: %s" % exc.message)
    if expires_in is None and norm.get("max_lifetime_days"):
        raise ConfigError("expires_in: the policy allows tokens of at most %d days (max_lifetime_days); set "
                          "expires_in so the link pre-fills a compliant lifetime" % norm["max_lifetime_days"])
    record = template_record(flat_permissions, expires_in, repositories, now)
    decision = evaluate(record, "request", judged, now)
    real = [v for v in decision.violations if v.code != "unverifiable"]
    if real:
        raise ConfigError("policy: the organization's policy would deny a token made from this template: %s"
                          % "; ".join("%s: %s" % (v.code, v.detail) for v in real),
                          violations=[{"code": v.code, "detail": v.detail} for v in real])
    return norm


def build_template(name, description=None, owner=None, owner_type=None, expires_in=None, permissions=None,
                   web_url="https://github.com", policy=None, repositories=None, requires_approval=False,
                   now=None):
    """Everything pat_template returns: url, manual_steps, owner_type (ConfigError on bad input)."""
    from ._template import TemplateError, build_template_url, manual_steps, template_permissions

    if owner_type is None and owner is None:
        owner_type = "user"  # target_name defaults to the signed-in user
    if owner_type == "organization" and owner is None:
        raise ConfigError("owner: required when owner_type is organization (the link's target_name)")
    if isinstance(expires_in, str) and expires_in.strip().isdigit():
        expires_in = int(expires_in.strip())
    try:
        flat = template_permissions(permissions, owner_type)
        if owner_type is None and needs_owner_type(owner, flat):
            kinds = sorted(set(res for _n, _l, res in flat if res != "repository"))
            raise ConfigError(
                "owner_type: required when permissions include %s permissions (%s applies only to %s "
                "owners): set owner_type to user or organization; no GitHub API in this collection's "
                "contract tells a user from an organization" % (
                    " and ".join(kinds), kinds[0], "user" if kinds[0] == "account" else "organization"))
        url = build_template_url(name, description=description, owner=owner, expires_in=expires_in,
                                 permissions=permissions, owner_type=owner_type, web_url=web_url)
        norm = None
        if policy is not None:
            norm = check_template_policy(policy, flat, expires_in, repositories, now)
        approval = bool(requires_approval or (norm and (norm.get("require_reason") or norm.get("min_reason_length"))))
        steps = manual_steps(owner_type=owner_type, repositories=repositories, requires_approval=approval,
                             permissions=permissions)
    except TemplateError as exc:
        raise ConfigError(str(exc), field=exc.field)
    minimum = (norm or {}).get("min_reason_length") or 0
    if minimum and owner_type != "user":
        steps.insert(len(steps) - 1, "Make the justification at least %d characters long: the policy denies "
                                     "shorter ones." % minimum)
    return {"url": url, "manual_steps": steps, "owner_type": owner_type,
            "permissions": dict((n, lvl) for n, lvl, _r in flat)}


def env_token_guard(token, environ):
    """Name the environment variable ``token`` came from when it equals GITHUB_TOKEN/GH_TOKEN."""
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        if token and environ.get(name) == token:
            return name
    return None
