"""GitHub ``personal_access_token_request`` webhook deliveries for the event-driven tests.

The fake GitHub does not send webhooks, so the body GitHub would send for a request of the
fake's state is built here and checked against the contract's ``x-webhooks`` schema
(``webhook-personal-access-token-request-created``), as GitHub documents it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from fake_github.render import node_id, org_account, simple_user
from fake_github.state import iso

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "github-openapi" / "api.github.com.pat-subset.json"
EVENT_SCHEMA = "webhook-personal-access-token-request-created"


def contract():
    return json.loads(CONTRACT.read_text())


def validate_created_event(payload):
    """Raise if ``payload`` is not a valid `personal_access_token_request` `created` body."""
    from openapi_schema_validator import OAS30Validator

    spec = contract()
    webhook = spec["x-webhooks"]["personal-access-token-request-created"]["post"]
    ref = webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/" + EVENT_SCHEMA, ref
    schema = dict(spec["components"]["schemas"][EVENT_SCHEMA], components=spec["components"])
    OAS30Validator(schema).validate(payload)


def created_event(fake, request_id, org=None):
    """The body of the `created` delivery for pending request ``request_id`` of the fake."""
    org_state = fake.state.org(org or fake.org)
    record = org_state.requests.by_id[request_id]
    token = record.token
    base = "https://api.github.com"
    now = fake.state.clock.now()
    account = org_account(org_state, base)
    keys = ("login", "id", "node_id", "url", "repos_url", "events_url", "avatar_url")
    organization = {key: account[key] for key in keys}
    api = "%s/orgs/%s" % (base, org_state.login)
    organization.update(
        {
            "hooks_url": api + "/hooks",
            "issues_url": api + "/issues",
            "members_url": api + "/members{/member}",
            "public_members_url": api + "/public_members{/member}",
            "description": None,
        }
    )
    permissions = {
        section: dict(token.permissions.get(section, {})) for section in ("organization", "repository", "other")
    }
    repositories = None
    if token.repository_selection == "subset":
        repositories = [
            {
                "id": repo_id,
                "node_id": node_id("010:Repository", repo_id),
                "name": org_state.repositories[repo_id].name,
                "full_name": "%s/%s" % (org_state.login, org_state.repositories[repo_id].name),
                "private": org_state.repositories[repo_id].private,
            }
            for repo_id in token.repository_ids
        ]
    return {
        "action": "created",
        "personal_access_token_request": {
            "id": record.id,
            "owner": simple_user(token.owner, base),
            "permissions_added": permissions,
            "permissions_upgraded": {"organization": {}, "repository": {}, "other": {}},
            "permissions_result": permissions,
            "repository_selection": token.repository_selection,
            "repository_count": len(repositories) if repositories is not None else None,
            "repositories": repositories,
            "created_at": iso(record.created_at),
            "token_id": token.token_id,
            "token_name": token.token_name,
            "token_expired": token.expires_at is not None and token.expires_at <= now,
            "token_expires_at": iso(token.expires_at),
            "token_last_used_at": iso(token.last_used_at),
        },
        "organization": organization,
        "sender": simple_user(token.owner, base),
        "installation": {
            "id": org_state.installation.id,
            "node_id": node_id("023:Installation", org_state.installation.id),
        },
    }


def sign(secret, body):
    """GitHub's X-Hub-Signature-256 value for ``body`` (bytes)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
