"""GHEC SAML SSO credential authorizations (route module, see ``extensions.py``).

``GET /orgs/{org}/credential-authorizations`` and ``DELETE …/{credential_id}``, served only
when the fake runs as GHEC (the other descriptions lack them, so they answer 404 there).
Each organization holds a mix of classic PATs, SSH keys, OAuth app tokens and GitHub App user
tokens for its members, with varied scopes, expiries and access times. The full token values
exist only here (so tests can check that nothing beyond GitHub's last eight characters leaks);
the wire carries ``token_last_eight`` only.

Fixture keys, per organization::

    saml_sso: false               # an organization without SAML SSO: both endpoints answer 404
    credential_authorizations:    # omit to generate a mix for the members (seeded by the org login)
      - {login: bob, type: personal_access_token, scopes: [repo], authorized_at: -40d,
         accessed_at: -2d | never, expires_at: +30d | never, note: ci}
      - {login: bob, type: ssh_key, title: laptop}

Removing an authorization records an ``org_credential_authorization.revoke`` event for the
audit log (``audit_log.py``).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import string
from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.wrappers import Response

from .app import OWNER, Route
from .errors import not_found
from .state import iso, parse_time

NAME = "credential_authorizations"
LABELS = {
    "personal_access_token": "personal access token",
    "ssh_key": "SSH key",
    "oauth_app_token": "OAuth app token",
    "github_app_token": "GitHub app token",
}
PREFIXES = {"personal_access_token": "ghp_", "oauth_app_token": "gho_", "github_app_token": "ghu_"}
SCOPE_SETS = (
    ["repo"],
    ["repo", "admin:org"],
    ["read:org"],
    ["repo", "delete_repo", "workflow"],
    ["gist"],
    ["admin:org", "admin:repo_hook", "user"],
    [],
)
_ALNUM = string.ascii_letters + string.digits


@dataclass(eq=False)
class Credential:
    credential_id: int
    authorized_credential_id: int
    login: str
    kind: str
    secret: str | None  # the whole token (never served); None for SSH keys
    scopes: list[str]
    authorized_at: datetime
    accessed_at: datetime | None
    expires_at: datetime | None
    note: str | None = None
    title: str | None = None
    fingerprint: str | None = None


@dataclass
class OrgCredentials:
    saml_sso: bool = True
    items: dict[int, Credential] = field(default_factory=dict)
    removed: list[dict] = field(default_factory=list)
    removed_secrets: list[str] = field(default_factory=list)


def store(state) -> dict[str, OrgCredentials]:
    return state.extras.setdefault(NAME, {})


def org_credentials(state, login: str) -> OrgCredentials:
    return store(state).setdefault(login.lower(), OrgCredentials())


# -- building ------------------------------------------------------------------------------
def setup(state, data: dict) -> None:
    now = state.clock.now()
    ids = itertools.count(161_001)
    underlying = itertools.count(12_345_001)
    for spec in data.get("organizations") or []:
        org = state.org(spec["login"])
        holder = org_credentials(state, org.login)
        holder.saml_sso = spec.get("saml_sso", True) is not False
        rng = random.Random("credentials:" + org.login.lower())
        entries = spec.get("credential_authorizations")
        if entries is None and holder.saml_sso:
            entries = _generated(sorted(u.login for u, _role in org.members.values()), rng)
        for entry in entries or []:
            credential = _credential(entry, next(ids), next(underlying), now, rng)
            holder.items[credential.credential_id] = credential


def _generated(logins: list[str], rng: random.Random) -> list[dict]:
    """Every member gets one to three credentials; the cycle guarantees each kind of case appears."""
    kinds = itertools.cycle(
        ["personal_access_token", "ssh_key", "oauth_app_token", "github_app_token", "personal_access_token"]
    )
    expiries = itertools.cycle(["never", "+30d", "-5d", "+400d", "+80d"])
    accesses = itertools.cycle(["-1d", "never", "-200d", "-20d"])
    result = []
    for login in logins:
        for _index in range(rng.randint(1, 3)):
            kind = next(kinds)
            entry = {
                "login": login,
                "type": kind,
                "authorized_at": "-%dd" % rng.randint(3, 500),
                "accessed_at": next(accesses),
            }
            if kind == "ssh_key":
                entry["title"] = rng.choice(["laptop", "ci runner", "yubikey"])
            else:
                entry.update(
                    scopes=rng.choice(SCOPE_SETS),
                    expires_at=next(expiries),
                    note=rng.choice(["deploy", "ci", "local dev", None]),
                )
            result.append(entry)
    return result


def _credential(entry: dict, credential_id: int, underlying: int, now: datetime, rng: random.Random) -> Credential:
    kind = entry.get("type", "personal_access_token")
    if kind not in LABELS:
        raise ValueError(f"credential_authorizations: unknown type {kind!r}; use {', '.join(LABELS)}")
    authorized = parse_time(entry.get("authorized_at", "-30d"), now)
    secret = None
    fingerprint = None
    if kind == "ssh_key":
        fingerprint = "SHA256:" + hashlib.sha256(b"%d" % underlying).hexdigest()[:43]
    else:
        secret = PREFIXES[kind] + "".join(rng.choices(_ALNUM, k=36))
    return Credential(
        credential_id=credential_id,
        authorized_credential_id=underlying,
        login=entry["login"],
        kind=kind,
        secret=secret,
        scopes=list(entry.get("scopes") or []) if kind != "ssh_key" else [],
        authorized_at=authorized,
        accessed_at=parse_time(entry.get("accessed_at"), now),
        expires_at=parse_time(entry.get("expires_at"), now) if kind != "ssh_key" else None,
        note=entry.get("note"),
        title=entry.get("title") if kind == "ssh_key" else None,
        fingerprint=fingerprint,
    )


# -- wire ----------------------------------------------------------------------------------
def render(credential: Credential) -> dict:
    body = {
        "login": credential.login,
        "credential_id": credential.credential_id,
        "credential_type": LABELS[credential.kind],
        "credential_authorized_at": iso(credential.authorized_at),
        "credential_accessed_at": iso(credential.accessed_at),
        "authorized_credential_id": credential.authorized_credential_id,
    }
    if credential.kind == "ssh_key":
        body.update(fingerprint=credential.fingerprint, authorized_credential_title=credential.title)
    else:
        body.update(
            token_last_eight=credential.secret[-8:],
            scopes=list(credential.scopes),
            authorized_credential_note=credential.note,
            authorized_credential_expires_at=iso(credential.expires_at),
        )
    return body


def _holder(api, org: str) -> tuple[object, OrgCredentials]:
    found = api._org(org)
    holder = org_credentials(api.state, found.login)
    if not holder.saml_sso:
        raise not_found()  # an organization without SAML SSO has no credential authorizations
    return found, holder


def list_authorizations(api, ctx, org: str) -> Response:
    _found, holder = _holder(api, org)
    login = ctx.query.get("login")
    with api.state.lock:
        items = sorted(holder.items.values(), key=lambda c: c.credential_id)
    if login:
        items = [c for c in items if c.login.lower() == login.lower()]
    return api._page(ctx, items, render)


def remove_authorization(api, ctx, org: str, credential_id: int) -> Response:
    found, holder = _holder(api, org)
    with api.state.lock:
        credential = holder.items.pop(credential_id, None)
        if credential is None:
            raise not_found()
        now = api.state.clock.now()
        if credential.secret:
            holder.removed_secrets.append(credential.secret)
        holder.removed.append(
            {
                "credential_id": credential_id,
                "login": credential.login,
                "type": credential.kind,
                "by": ctx.caller.user.login,
                "at": iso(now),
            }
        )
    from .audit_log import record  # the audit log reads these writes back

    record(
        api.state,
        found,
        "org_credential_authorization.revoke",
        now,
        actor=ctx.caller.user.login,
        user=credential.login,
        token_id=credential.authorized_credential_id,
        token_scopes=",".join(credential.scopes) or None,
    )
    return Response(status=204)


def snapshot(state) -> dict:
    return {
        login: {
            "saml_sso": holder.saml_sso,
            "credentials": [
                dict(render(c), secret_fingerprint=hashlib.sha256((c.secret or "").encode()).hexdigest()[:12])
                for c in holder.items.values()
            ],
            "removed": list(holder.removed),
        }
        for login, holder in store(state).items()
    }


def secrets_of(state) -> list[str]:
    """Every full token value the fake knows (tests check none of their fragments leaks)."""
    return [c.secret for holder in store(state).values() for c in holder.items.values() if c.secret] + [
        secret for holder in store(state).values() for secret in holder.removed_secrets
    ]


ROUTES = [
    Route(
        "/orgs/<org>/credential-authorizations",
        "GET",
        "list_credential_authorizations",
        OWNER,
        func=list_authorizations,
    ),
    Route(
        "/orgs/<org>/credential-authorizations/<int:credential_id>",
        "DELETE",
        "remove_credential_authorization",
        OWNER,
        func=remove_authorization,
    ),
]
