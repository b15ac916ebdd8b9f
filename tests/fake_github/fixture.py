"""Build a :class:`FakeState` from fixture data (a YAML/JSON file or ``generate()`` output).

Format (see ``fixtures/demo_org.yml`` and docs/fake-github.md)::

    app: {id: 424242, client_id: Iv23liFAKE, slug: patguard-fake, name: patguard (fake)}   # optional
    organizations:
      - login: acme
        installed: true                 # is the App installed here (default true)
        installation_permissions: {...} # what the installation holds (default: all the App's)
        members: [{login: ada, role: admin, token: ..., token_expires_at: +20d}, {login: bob}]
                                        # token_repositories: [api] limits GET /repos for the token
        repositories: [api, web]        # or [{name: api, private: false}]
        teams: [{slug: platform, members: [bob], maintainers: [ada]}]
        requests: [{owner: bob, token_name: ci, reason: ..., created_at: -2d, token_expires_at: +30d,
                    upgrade_of: <token_name of one of bob's grants>  # optional: widen that token
                    token_last_used_at: null, repositories: [api] | all | none,
                    permissions: {repository: {contents: read}}}]
        grants:   [{... same without reason, with access_granted_at}]
    user_installations: [octo-solo]     # the App installed on user accounts (login or {login, permissions})

Times are ISO 8601, ``now``, relative to now (``-3d``, ``+90d``, ``-6h``) or ``never``/null.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from . import extensions
from .state import App, Clock, FakeState, StateError, parse_time

DEFAULT_APP = {"id": 424242, "client_id": "Iv23liPatguardFake01", "slug": "patguard-fake", "name": "patguard (fake)"}

#: What the patguard App is granted; tokens can be narrowed to a subset of these.
DEFAULT_APP_PERMISSIONS = {
    "organization_personal_access_token_requests": "write",
    "organization_personal_access_tokens": "write",
    "members": "write",
    "metadata": "read",
}

_ALNUM = string.ascii_letters + string.digits


def read_fixture(path: str | Path) -> dict:
    """Load a fixture file (``.json`` or YAML)."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".json"):
        return json.loads(text)
    import yaml  # only needed for YAML fixtures

    return yaml.safe_load(text)


def user_token(rng: random.Random, kind: str = "fine-grained") -> str:
    """A token shaped like GitHub's: ``github_pat_<22>_<59>`` or classic ``ghp_<36>``."""
    if kind == "classic":
        return "ghp_" + "".join(rng.choices(_ALNUM, k=36))
    return "github_pat_" + "".join(rng.choices(_ALNUM, k=22)) + "_" + "".join(rng.choices(_ALNUM, k=59))


def build_state(
    data: dict, *, clock: Clock, private_key_pem: bytes, public_key, token_lifetime: int = 3600, seed: int = 0
) -> FakeState:
    """Create the state described by ``data``; member tokens not given are derived from ``seed``."""
    state = FakeState(clock, token_lifetime=token_lifetime)
    now = clock.now()
    app = {**DEFAULT_APP, **(data.get("app") or {})}
    state.app = App(
        id=int(app["id"]),
        client_id=str(app["client_id"]),
        slug=app["slug"],
        name=app["name"],
        private_key_pem=private_key_pem,
        public_key=public_key,
        permissions=dict(app.get("permissions") or DEFAULT_APP_PERMISSIONS),
        created_at=now,
    )
    rng = random.Random(seed)
    for spec in data.get("organizations") or []:
        _build_org(state, spec, now, rng)
    for entry in data.get("user_installations") or []:
        entry = {"login": entry} if isinstance(entry, str) else entry
        user = state.user(entry["login"]) or state.add_user(entry["login"], token=user_token(rng))
        state.install_app(user, entry.get("permissions") or {"metadata": "read"})
    extensions.setup(state, data)
    return state


def _build_org(state: FakeState, spec: dict, now, rng: random.Random) -> None:
    org = state.add_org(spec["login"], org_id=spec.get("id"), name=spec.get("name"))
    for member in spec.get("members") or []:
        member = {"login": member} if isinstance(member, str) else member
        user = state.user(member["login"])
        if user is None:
            token = member.get("token") or user_token(rng, member.get("token_kind", "fine-grained"))
            user = state.add_user(
                member["login"],
                name=member.get("name"),
                email=member.get("email"),
                token=token,
                token_expires_at=parse_time(member.get("token_expires_at"), now),
            )
            reach = member.get("token_repositories")
            if reach is not None:
                user.token_repositories = frozenset(str(name).lower() for name in reach)
        state.add_member(org, user, member.get("role", "member"))
    for repo in spec.get("repositories") or []:
        repo = {"name": repo} if isinstance(repo, str) else repo
        state.add_repository(org, repo["name"], private=repo.get("private", True), description=repo.get("description"))
    for team in spec.get("teams") or []:
        roles = {login: "member" for login in team.get("members") or []}
        roles.update({login: "maintainer" for login in team.get("maintainers") or []})
        state.add_team(org, team["slug"], roles, name=team.get("name"))
    if spec.get("installed", True):
        state.install_app(org, spec.get("installation_permissions"))
    for item in spec.get("grants") or []:
        state.add_grant(
            org,
            item["owner"],
            **_token_args(item, now),
            access_granted_at=parse_time(item.get("access_granted_at", "now"), now),
        )
    for item in spec.get("requests") or []:
        args = _token_args(item, now)
        if item.get("upgrade_of"):  # a request to widen the token of that grant (same token_id)
            match = [
                g
                for g in org.grants.by_id.values()
                if g.token.token_name == item["upgrade_of"] and g.token.owner.login.lower() == item["owner"].lower()
            ]
            if len(match) != 1:
                raise StateError(f"upgrade_of {item['upgrade_of']!r}: no single grant of {item['owner']} named so")
            args["token_id"] = match[0].token.token_id
        state.create_request(org, item["owner"], **args, reason=item.get("reason"))


def _token_args(item: dict, now) -> dict:
    try:
        return {
            "token_name": item.get("token_name") or item["upgrade_of"],
            "token_id": item.get("token_id"),
            "permissions": item.get("permissions") or {},
            "repositories": item.get("repositories", "none"),
            "created_at": parse_time(item.get("created_at"), now),
            "expires_at": parse_time(item.get("token_expires_at"), now),
            "last_used_at": parse_time(item.get("token_last_used_at"), now),
        }
    except KeyError as exc:
        raise StateError(f"fixture entry {item!r} lacks {exc}") from None
