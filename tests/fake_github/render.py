"""Wire representations (the contract's schemas) of the state objects.

``base`` is the scheme and host the client used (``http://127.0.0.1:PORT``), so every URL
the fake hands out leads back to it, as GitHub's point to api.github.com.
"""

from __future__ import annotations

import base64
from datetime import datetime

from .state import App, Installation, Organization, PatGrant, PatRequest, Repository, User, iso

HTML_ROOT = "https://github.com"


def node_id(prefix: str, number: int) -> str:
    return base64.b64encode(f"{prefix}{number}".encode()).decode()


def _account(base: str, login: str, number: int, kind: str) -> dict:
    api = f"{base}/users/{login}"
    return {
        "login": login,
        "id": number,
        "node_id": node_id("04:User" if kind == "User" else "012:Organization", number),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{HTML_ROOT}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def public_user(user: User, base: str) -> dict:
    """``GET /users/{username}`` (the ``public-user`` schema)."""
    return _public_account(simple_user(user, base), user.name, user.created_at)


def public_org_account(org: Organization, base: str) -> dict:
    """``GET /users/{org}``: GitHub answers an organization's login with ``type: Organization``."""
    return _public_account(org_account(org, base), org.name, org.created_at)


def _public_account(account: dict, name: str | None, created_at: datetime) -> dict:
    """The ``public-user`` fields past the simple account: an empty profile, no activity."""
    return {
        **account,
        "name": name,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": iso(created_at),
        "updated_at": iso(created_at),
    }


def simple_user(user: User, base: str) -> dict:
    return _account(base, user.login, user.id, "User")


def org_account(org: Organization, base: str) -> dict:
    return _account(base, org.login, org.id, "Organization")


def minimal_repository(repo: Repository, org: Organization, base: str) -> dict:
    api = f"{base}/repos/{org.login}/{repo.name}"
    html = f"{HTML_ROOT}/{org.login}/{repo.name}"
    return {
        "id": repo.id,
        "node_id": node_id("010:Repository", repo.id),
        "name": repo.name,
        "full_name": f"{org.login}/{repo.name}",
        "owner": org_account(org, base),
        "private": repo.private,
        "html_url": html,
        "description": repo.description,
        "fork": False,
        "url": api,
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{api}/assignees{{/user}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "comments_url": f"{api}/comments{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "contributors_url": f"{api}/contributors",
        "deployments_url": f"{api}/deployments",
        "downloads_url": f"{api}/downloads",
        "events_url": f"{api}/events",
        "forks_url": f"{api}/forks",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_url": f"git://github.com/{org.login}/{repo.name}.git",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "issues_url": f"{api}/issues{{/number}}",
        "keys_url": f"{api}/keys{{/key_id}}",
        "labels_url": f"{api}/labels{{/name}}",
        "languages_url": f"{api}/languages",
        "merges_url": f"{api}/merges",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "releases_url": f"{api}/releases{{/id}}",
        "ssh_url": f"git@github.com:{org.login}/{repo.name}.git",
        "stargazers_url": f"{api}/stargazers",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "tags_url": f"{api}/tags",
        "teams_url": f"{api}/teams",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "hooks_url": f"{api}/hooks",
        "clone_url": f"{html}.git",
        "mirror_url": None,
        "svn_url": html,
        "homepage": None,
        "language": None,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "size": 0,
        "default_branch": "main",
        "open_issues_count": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if repo.private else "public",
        "pushed_at": iso(repo.created_at),
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.created_at),
        "forks": 0,
        "open_issues": 0,
        "watchers": 0,
    }


def repository(repo: Repository, org: Organization, base: str) -> dict:
    """The full ``repository`` schema (installation tokens narrowed to repositories list them)."""
    return {
        **minimal_repository(repo, org, base),
        "license": None,
        "allow_forking": False,
        "web_commit_signoff_required": False,
    }


def full_repository(repo: Repository, org: Organization, base: str) -> dict:
    """``GET /repos/{owner}/{repo}`` (the ``full-repository`` schema)."""
    return {
        **repository(repo, org, base),
        "network_count": 0,
        "subscribers_count": 0,
        "organization": org_account(org, base),
    }


def _pat_common(record: PatRequest | PatGrant, org: Organization, base: str, now: datetime, path: str) -> dict:
    token = record.token
    return {
        "id": record.id,
        "owner": simple_user(token.owner, base),
        "repository_selection": token.repository_selection,
        # GitHub builds these with the organization id, not its login.
        "repositories_url": f"{base}/organizations/{org.id}/{path}/{record.id}/repositories",
        "permissions": {section: dict(values) for section, values in token.permissions.items() if values},
        "token_id": token.token_id,
        "token_name": token.token_name,
        "token_expired": token.expires_at is not None and token.expires_at <= now,
        "token_expires_at": iso(token.expires_at),
        "token_last_used_at": iso(token.last_used_at),
    }


def pat_request(record: PatRequest, org: Organization, base: str, now: datetime) -> dict:
    return {
        **_pat_common(record, org, base, now, "personal-access-token-requests"),
        "reason": record.reason,
        "created_at": iso(record.created_at),
    }


def pat_grant(record: PatGrant, org: Organization, base: str, now: datetime) -> dict:
    return {
        **_pat_common(record, org, base, now, "personal-access-tokens"),
        "access_granted_at": iso(record.access_granted_at),
    }


def installation(inst: Installation, base: str) -> dict:
    # The contract's list-installations schema combines Simple User and Enterprise with
    # allOf, so the account also carries the Enterprise fields (harmless for anyOf readers).
    owner = inst.account
    is_org = isinstance(owner, Organization)
    account = {
        **(org_account(owner, base) if is_org else simple_user(owner, base)),
        "name": owner.name,
        "slug": owner.login,
        "created_at": iso(owner.created_at),
        "updated_at": iso(owner.created_at),
    }
    html = (
        f"{HTML_ROOT}/organizations/{owner.login}/settings/installations/{inst.id}"
        if is_org
        else f"{HTML_ROOT}/settings/installations/{inst.id}"
    )
    return {
        "id": inst.id,
        "account": account,
        "repository_selection": "all",
        "access_tokens_url": f"{base}/app/installations/{inst.id}/access_tokens",
        "repositories_url": f"{base}/installation/repositories",
        "html_url": html,
        "app_id": inst.app.id,
        "client_id": inst.app.client_id,
        "app_slug": inst.app.slug,
        "target_id": inst.account.id,
        "target_type": "Organization" if is_org else "User",
        "permissions": dict(inst.permissions),
        "events": ["personal_access_token_request"],
        "created_at": iso(inst.created_at),
        "updated_at": iso(inst.created_at),
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": None,
    }


def integration(app: App, owner: Organization | None, base: str) -> dict:
    return {
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("03:Integration", app.id),
        "client_id": app.client_id,
        "owner": org_account(owner, base) if owner else None,
        "name": app.name,
        "description": "Governs fine-grained personal access tokens (fake).",
        "external_url": "https://example.com/patguard",
        "html_url": f"{HTML_ROOT}/apps/{app.slug}",
        "created_at": iso(app.created_at),
        "updated_at": iso(app.created_at),
        "permissions": dict(app.permissions),
        "events": ["personal_access_token_request"],
        "installations_count": 0,
    }


def private_user(user: User, base: str) -> dict:
    return {
        **_public_account(simple_user(user, base), user.name, user.created_at),
        "user_view_type": "private",
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
        **user.profile,
    }
