"""Small helpers for tests that talk to a :class:`FakeGitHub` directly (not through patguard).

They do what a GitHub App client does, in the plainest way, so a test can reach the org
PAT endpoints in two lines; the collection's own client is tested separately against the fake.
"""

from __future__ import annotations

import time

import jwt
import requests

from .server import FakeGitHub


def app_jwt(fake: FakeGitHub, *, key_pem: str | None = None, **claims) -> str:
    """An App JWT as GitHub's docs build it (``iat`` 60 s back, ``exp`` 9 min ahead); ``claims`` override."""
    now = int(time.time())
    payload = {"iat": now - 60, "exp": now + 540, "iss": str(fake.app_id), **claims}
    return jwt.encode(payload, key_pem or fake.private_key, algorithm="RS256")


def installation_token(fake: FakeGitHub, org: str | None = None, **body) -> str:
    """Find the installation of ``org`` and exchange a JWT for one of its tokens."""
    headers = {"Authorization": f"Bearer {app_jwt(fake)}", "Accept": "application/vnd.github+json"}
    found = requests.get(f"{fake.base_url}/orgs/{org or fake.org}/installation", headers=headers, timeout=10)
    found.raise_for_status()
    created = requests.post(
        f"{fake.base_url}/app/installations/{found.json()['id']}/access_tokens",
        headers=headers,
        json=body or None,
        timeout=10,
    )
    created.raise_for_status()
    return created.json()["token"]


def session(token: str | None = None) -> requests.Session:
    """A ``requests`` session sending ``token`` the way GitHub clients do."""
    s = requests.Session()
    s.headers["Accept"] = "application/vnd.github+json"
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s
