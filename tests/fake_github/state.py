"""In-memory model of the GitHub objects the fake serves, with the indexes list filters need.

Everything that changes state goes through :class:`FakeState` methods under one lock, so a
threaded server sees consistent data, and every review or revocation is recorded (with its
reason) for tests to inspect. Representations for the wire live in ``render.py``.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TypedDict, Unpack

from . import extensions
from .permissions import CATALOG, holds

UTC = timezone.utc
_RELATIVE = re.compile(r"^([+-])(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class Clock:
    """Real UTC time plus an offset that tests can move forward (``POST /_fake/clock``).

    The offset affects data (token expiry flags, installation-token lifetime, rate-limit
    windows) but not App JWT checks, which compare against the client's real clock.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def iso(moment: datetime | None) -> str | None:
    """GitHub's timestamp format: ``YYYY-MM-DDTHH:MM:SSZ``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value, now: datetime) -> datetime | None:
    """Read a fixture/API time: ISO 8601, ``now``, relative (``-3d``, ``+90d``, ``-2h``) or ``never``/None."""
    if value is None or value in ("never", "null", ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    if text == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        sign, amount, unit = match.groups()
        delta = timedelta(**{_UNITS[unit]: int(amount)})
        return now + delta if sign == "+" else now - delta
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class StateError(ValueError):
    """Invalid data given to a state method (control endpoints answer it with 422)."""


class UnknownIds(KeyError):
    """Some ids of a review/revoke call are not (or no longer) in the pending/granted set."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(ids)
        self.ids = ids


@dataclass(eq=False)
class User:
    id: int
    login: str
    name: str
    email: str
    created_at: datetime
    token: str | None = None
    token_expires_at: datetime | None = None
    token_revoked: bool = False
    emails: list[dict] = field(default_factory=list)
    profile: dict = field(default_factory=dict)  # fields set with PATCH /user
    #: private repositories (lower-case names) the user's token reaches; None: all of their orgs'
    token_repositories: frozenset[str] | None = None
    installation: Installation | None = None  # the App installed on this user account


@dataclass(eq=False)
class Repository:
    id: int
    name: str
    private: bool
    description: str | None
    created_at: datetime


@dataclass(eq=False)
class PatToken:
    """A fine-grained PAT as the organization sees it (shared by its request and its grant)."""

    token_id: int
    token_name: str
    owner: User
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    permissions: dict[str, dict[str, str]]
    repository_selection: str  # none / all / subset
    repository_ids: tuple[int, ...] = ()


class TokenFields(TypedDict, total=False):
    """What a new request or seeded grant may say of its token beyond name and permissions
    (``create_request`` and ``add_grant`` take these as keywords; ``_token`` checks them)."""

    repositories: object  # "all", "none" (the default) or repository ids / names
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime | None
    token_id: int | None


@dataclass(eq=False)
class PatRequest:
    id: int
    token: PatToken
    reason: str | None
    created_at: datetime
    upgrade: bool = False  # asks to widen a token that already holds a grant (same token_id)

    @property
    def sort_time(self) -> datetime:
        return self.created_at


@dataclass(eq=False)
class PatGrant:
    id: int
    token: PatToken
    access_granted_at: datetime

    @property
    def sort_time(self) -> datetime:
        return self.access_granted_at


class PatIndex:
    """Requests or grants of one organization, indexed by id, owner and token id.

    The created_at-ordered list is cached and rebuilt only after a change, so paging
    through 10,000 grants costs one sort, not one per page.
    """

    def __init__(self) -> None:
        self.by_id: dict[int, PatRequest | PatGrant] = {}
        self.by_owner: dict[str, dict[int, PatRequest | PatGrant]] = defaultdict(dict)
        self.by_token: dict[int, PatRequest | PatGrant] = {}
        self._ordered: list | None = None

    def add(self, record) -> None:
        self.by_id[record.id] = record
        self.by_owner[record.token.owner.login.lower()][record.id] = record
        self.by_token[record.token.token_id] = record
        self._ordered = None

    def remove(self, record_id: int):
        record = self.by_id.pop(record_id)
        self.by_owner[record.token.owner.login.lower()].pop(record_id, None)
        self.by_token.pop(record.token.token_id, None)
        self._ordered = None
        return record

    def ordered(self) -> list:
        if self._ordered is None:
            self._ordered = sorted(self.by_id.values(), key=lambda r: (r.sort_time, r.id))
        return self._ordered

    def __len__(self) -> int:
        return len(self.by_id)


@dataclass(eq=False)
class Team:
    id: int
    slug: str
    name: str
    members: dict[str, str] = field(default_factory=dict)  # login (lower) -> member/maintainer


@dataclass(eq=False)
class App:
    id: int
    client_id: str
    slug: str
    name: str
    private_key_pem: bytes
    public_key: object
    permissions: dict[str, str]
    created_at: datetime


@dataclass(eq=False)
class Installation:
    id: int
    app: App
    account: Organization | User  # a user account installation has no repositories here
    permissions: dict[str, str]
    created_at: datetime


@dataclass(eq=False)
class InstallationToken:
    token: str
    installation: Installation
    expires_at: datetime
    permissions: dict[str, str]
    repository_ids: tuple[int, ...] | None  # None: every repository of the installation
    revoked: bool = False


@dataclass(eq=False)
class UserToServerToken:
    """A ``ghu_`` token: a user acting through the App (GitHub's user authorization flow)."""

    token: str
    user: User
    app: App
    expires_at: datetime
    revoked: bool = False


@dataclass(eq=False)
class Organization:
    id: int
    login: str
    name: str
    created_at: datetime
    members: dict[str, tuple[User, str]] = field(default_factory=dict)  # login (lower) -> (user, role)
    repositories: dict[int, Repository] = field(default_factory=dict)
    repos_by_name: dict[str, Repository] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    requests: PatIndex = field(default_factory=PatIndex)
    grants: PatIndex = field(default_factory=PatIndex)
    installation: Installation | None = None
    reviews: list[dict] = field(default_factory=list)
    revocations: list[dict] = field(default_factory=list)
    cancellations: list[dict] = field(default_factory=list)  # requests their owner withdrew
    handled_requests: set[int] = field(default_factory=set)  # ids reviewed or cancelled
    handled_grants: set[int] = field(default_factory=set)  # ids revoked

    def role_of(self, login: str) -> str | None:
        entry = self.members.get(login.lower())
        return entry[1] if entry else None

    def add_repository(self, repo: Repository) -> None:
        self.repositories[repo.id] = repo
        self.repos_by_name[repo.name.lower()] = repo


@dataclass(frozen=True)
class ListQuery:
    """The filters of the two org PAT list endpoints, already parsed and checked."""

    owners: frozenset[str] | None = None  # lower-case logins
    token_ids: frozenset[int] | None = None
    repository: str | None = None
    permission: tuple[str, str] | None = None
    last_used_before: datetime | None = None
    last_used_after: datetime | None = None
    direction: str = "desc"
    never_used: str = "none"  # which last_used_* bound a never-used token matches (behaviour.py)


class FakeState:
    """All organizations, users, the App and its installations, behind one lock."""

    def __init__(self, clock: Clock, token_lifetime: int = 3600) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.users: dict[str, User] = {}
        self.users_by_token: dict[str, User] = {}
        self.orgs: dict[str, Organization] = {}
        self.orgs_by_id: dict[int, Organization] = {}
        self.app: App | None = None
        self.installations: dict[int, Installation] = {}
        self.installation_tokens: dict[str, InstallationToken] = {}
        self.extras: dict[str, object] = {}  # state of route modules (extensions.py), by module name
        self.user_to_server_tokens: dict[str, UserToServerToken] = {}
        self._next_user = itertools.count(5_100_001)
        self._next_repo = itertools.count(610_000_001)
        self._next_token = itertools.count(8_400_001)
        self._next_request = itertools.count(31_001)
        self._next_grant = itertools.count(920_001)
        self._next_team = itertools.count(7_001)
        self._next_installation = itertools.count(58_000_001)

    # -- lookups -----------------------------------------------------------------------
    def org(self, login: str) -> Organization | None:
        return self.orgs.get(login.lower())

    def user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    def user_for_token(self, token: str) -> User | None:
        return self.users_by_token.get(token)

    # -- building ----------------------------------------------------------------------
    def add_user(
        self,
        login: str,
        *,
        name: str | None = None,
        email: str | None = None,
        token: str | None = None,
        token_expires_at: datetime | None = None,
    ) -> User:
        with self.lock:
            if login.lower() in self.users:
                raise StateError(f"user {login!r} exists")
            email = email or f"{login.lower()}@users.example.com"
            user = User(
                id=next(self._next_user),
                login=login,
                name=name or login,
                email=email,
                created_at=self.clock.now() - timedelta(days=900),
                token=token,
                token_expires_at=token_expires_at,
                emails=[{"email": email, "primary": True, "verified": True, "visibility": "private"}],
            )
            self.users[login.lower()] = user
            if token:
                self.users_by_token[token] = user
            return user

    def add_org(self, login: str, *, org_id: int | None = None, name: str | None = None) -> Organization:
        with self.lock:
            if login.lower() in self.orgs:
                raise StateError(f"organization {login!r} exists")
            org = Organization(
                id=org_id or 9_000_000 + len(self.orgs) + 1,
                login=login,
                name=name or login,
                created_at=self.clock.now() - timedelta(days=2000),
            )
            self.orgs[login.lower()] = org
            self.orgs_by_id[org.id] = org
            return org

    def installation_of(self, login: str) -> Installation | None:
        """The installation on the organization or user account ``login``."""
        account = self.org(login) or self.user(login)
        return account.installation if account is not None else None

    def add_member(self, org: Organization, user: User, role: str = "member") -> None:
        if role not in ("admin", "member"):
            raise StateError(f"role must be admin or member, not {role!r}")
        org.members[user.login.lower()] = (user, role)

    def add_repository(
        self, org: Organization, name: str, *, private: bool = True, description: str | None = None
    ) -> Repository:
        repo = Repository(
            id=next(self._next_repo),
            name=name,
            private=private,
            description=description,
            created_at=org.created_at + timedelta(days=len(org.repositories)),
        )
        org.add_repository(repo)
        return repo

    def add_team(self, org: Organization, slug: str, members: dict[str, str], name: str | None = None) -> Team:
        for login in members:
            if org.role_of(login) is None:
                raise StateError(f"team {slug}: {login!r} is not a member of {org.login}")
        team = Team(
            id=next(self._next_team),
            slug=slug,
            name=name or slug,
            members={login.lower(): role for login, role in members.items()},
        )
        org.teams[slug.lower()] = team
        return team

    def install_app(self, org: Organization | User, permissions: dict[str, str] | None = None) -> Installation:
        """Install the App on an organization or a user account (``permissions`` ⊆ the App's)."""
        assert self.app is not None, "set state.app before installing it"
        unknown = set(permissions or {}) - set(self.app.permissions)
        if unknown:
            raise StateError(f"installation permissions {sorted(unknown)} are not permissions of the App")
        inst = Installation(
            id=next(self._next_installation),
            app=self.app,
            account=org,
            permissions=dict(permissions or self.app.permissions),
            created_at=self.clock.now() - timedelta(days=30),
        )
        self.installations[inst.id] = inst
        org.installation = inst
        return inst

    def _token(
        self,
        org: Organization,
        owner_login: str,
        *,
        token_name: str,
        permissions: dict,
        created_at: datetime,
        repositories="none",
        expires_at: datetime | None = None,
        last_used_at: datetime | None = None,
        token_id: int | None = None,
    ) -> PatToken:
        entry = org.members.get(owner_login.lower())
        if entry is None:
            raise StateError(f"{owner_login!r} is not a member of {org.login}")
        perms = {"organization": {}, "repository": {}, "other": {}}
        for section, values in (permissions or {}).items():
            if section not in perms:
                raise StateError(f"unknown permission section {section!r}")
            for name, level in values.items():
                known = CATALOG.get(name)
                if known is None or known.section != section or level not in known.levels:
                    raise StateError(f"permission {section}.{name}={level} is not in the catalogue")
                perms[section][name] = level
        if repositories in ("all", "none"):
            selection, repo_ids = repositories, ()
        else:
            selection, ids = "subset", []
            for item in repositories or []:
                repo = org.repositories.get(item) if isinstance(item, int) else org.repos_by_name.get(str(item).lower())
                if repo is None:
                    raise StateError(f"repository {item!r} does not exist in {org.login}")
                ids.append(repo.id)
            if not ids:
                raise StateError("a subset selection needs at least one repository")
            repo_ids = tuple(dict.fromkeys(ids))
        return PatToken(
            token_id=token_id or next(self._next_token),
            token_name=token_name,
            owner=entry[0],
            created_at=created_at,
            expires_at=expires_at,
            last_used_at=last_used_at,
            permissions=perms,
            repository_selection=selection,
            repository_ids=repo_ids,
        )

    def create_request(
        self,
        org: Organization,
        owner: str,
        *,
        token_name: str,
        permissions: dict,
        reason: str | None = None,
        **given: Unpack[TokenFields],
    ) -> PatRequest | PatGrant:
        """A member asks for access with a new token. An org admin's request is approved at once
        (GitHub never asks admins for approval), so this then returns the grant.

        A ``token_id`` that already holds a grant makes an *upgrade* request: the owner asks to
        widen that token (permissions, repositories); it keeps the token's name, dates and owner."""
        with self.lock:
            created_at = given.get("created_at") or self.clock.now()
            token_id = given.get("token_id")
            granted = org.grants.by_token.get(token_id) if token_id is not None else None
            fields = dict(given, created_at=created_at)
            if granted is not None:
                old = granted.token
                if old.owner.login.lower() != owner.lower():
                    raise StateError(f"token_id {token_id} belongs to {old.owner.login}, not {owner}")
                token_name = old.token_name
                fields.update(expires_at=old.expires_at, last_used_at=old.last_used_at, created_at=old.created_at)
            token = self._token(org, owner, token_name=token_name, permissions=permissions, **fields)
            if granted is None:
                self._check_token_id_free(org, token.token_id)
            elif token.token_id in org.requests.by_token:
                raise StateError(f"token_id {token.token_id} already has a pending request in {org.login}")
            request = PatRequest(
                id=next(self._next_request),
                token=token,
                reason=reason,
                created_at=created_at,
                upgrade=granted is not None,
            )
            if org.role_of(owner) == "admin":
                return self._approve(org, request, reason=None, source="auto-admin", at=created_at)
            org.requests.add(request)
            return request

    def add_grant(
        self,
        org: Organization,
        owner: str,
        *,
        token_name: str,
        permissions: dict,
        access_granted_at: datetime | None = None,
        **given: Unpack[TokenFields],
    ) -> PatGrant:
        """Seed an already approved token (fixtures and the generator)."""
        with self.lock:
            granted = access_granted_at or self.clock.now()
            fields = dict(given, created_at=given.get("created_at") or granted)
            token = self._token(org, owner, token_name=token_name, permissions=permissions, **fields)
            self._check_token_id_free(org, token.token_id)
            grant = PatGrant(id=next(self._next_grant), token=token, access_granted_at=granted)
            org.grants.add(grant)
            return grant

    @staticmethod
    def _check_token_id_free(org: Organization, token_id: int) -> None:
        if token_id in org.requests.by_token or token_id in org.grants.by_token:
            raise StateError(f"token_id {token_id} is already used in {org.login}")

    # -- PAT writes ---------------------------------------------------------------------
    def review_requests(self, org: Organization, ids: list[int], action: str, reason: str | None, source: str) -> None:
        """Approve or deny pending requests, all or nothing: an unknown id changes nothing."""
        with self.lock:
            unique = list(dict.fromkeys(ids))
            missing = [i for i in unique if i not in org.requests.by_id]
            if missing:
                raise UnknownIds(missing)
            now = self.clock.now()
            for request_id in unique:
                request = org.requests.remove(request_id)
                org.handled_requests.add(request_id)
                if action == "approve":
                    self._approve(org, request, reason=reason, source=source, at=now)
                else:
                    # Denying an upgrade leaves the token's grant as it was.
                    org.reviews.append(self._review_record(request, "deny", reason, source, now, None))

    def cancel_request(self, org: Organization, request_id: int) -> None:
        """The owner withdraws a pending request (deletes the token, or the upgrade) in the web UI."""
        with self.lock:
            if request_id not in org.requests.by_id:
                raise UnknownIds([request_id])
            request = org.requests.remove(request_id)
            org.handled_requests.add(request_id)
            org.cancellations.append(
                {
                    "pat_request_id": request.id,
                    "token_id": request.token.token_id,
                    "token_name": request.token.token_name,
                    "owner": request.token.owner.login,
                    "at": iso(self.clock.now()),
                }
            )

    def _approve(
        self, org: Organization, request: PatRequest, *, reason: str | None, source: str, at: datetime
    ) -> PatGrant:
        grant = org.grants.by_token.get(request.token.token_id) if request.upgrade else None
        if grant is not None:
            # An approved upgrade changes the existing grant, under its own id (GitHub's webhook
            # calls it permissions_upgraded); when it was granted stays as it was.
            grant.token = request.token
        else:
            grant = PatGrant(id=next(self._next_grant), token=request.token, access_granted_at=at)
            org.grants.add(grant)
        record = self._review_record(request, "approve", reason, source, at, grant.id)
        if request.upgrade:
            record["upgrade"] = True
        org.reviews.append(record)
        return grant

    @staticmethod
    def _review_record(
        request: PatRequest, action: str, reason: str | None, source: str, at: datetime, grant_id: int | None
    ) -> dict:
        return {
            "pat_request_id": request.id,
            "token_id": request.token.token_id,
            "token_name": request.token.token_name,
            "owner": request.token.owner.login,
            "action": action,
            "reason": reason,
            "source": source,
            "at": iso(at),
            "grant_id": grant_id,
        }

    def revoke_grants(self, org: Organization, ids: list[int], source: str) -> None:
        """Revoke granted access, all or nothing like :meth:`review_requests`."""
        with self.lock:
            unique = list(dict.fromkeys(ids))
            missing = [i for i in unique if i not in org.grants.by_id]
            if missing:
                raise UnknownIds(missing)
            now = self.clock.now()
            for grant_id in unique:
                org.handled_grants.add(grant_id)
                self._revoke(org, org.grants.remove(grant_id), source, now)

    @staticmethod
    def _revoke(org: Organization, grant: PatGrant, source: str, at: datetime) -> None:
        org.revocations.append(
            {
                "pat_id": grant.id,
                "token_id": grant.token.token_id,
                "token_name": grant.token.token_name,
                "owner": grant.token.owner.login,
                "source": source,
                "at": iso(at),
            }
        )

    def remove_member(self, org: Organization, login: str) -> None:
        """Offboarding: the member leaves, so do their teams, pending requests and grants."""
        with self.lock:
            key = login.lower()
            org.members.pop(key, None)
            for team in org.teams.values():
                team.members.pop(key, None)
            now = self.clock.now()
            for request in list(org.requests.by_owner.get(key, {}).values()):
                org.requests.remove(request.id)
            for grant in list(org.grants.by_owner.get(key, {}).values()):
                self._revoke(org, org.grants.remove(grant.id), "member-removed", now)

    # -- listing ------------------------------------------------------------------------
    def select(self, org: Organization, kind: str, query: ListQuery) -> list:
        """Requests (``kind='requests'``) or grants matching the filters, sorted by creation time."""
        index: PatIndex = getattr(org, kind)
        with self.lock:
            if query.owners is not None or query.token_ids is not None:
                chosen: dict[int, object] | None = None
                if query.owners is not None:
                    chosen = {}
                    for owner in query.owners:
                        chosen.update(index.by_owner.get(owner, {}))
                if query.token_ids is not None:
                    by_token = {index.by_token[t].id: index.by_token[t] for t in query.token_ids if t in index.by_token}
                    chosen = by_token if chosen is None else {k: v for k, v in chosen.items() if k in by_token}
                records = sorted(chosen.values(), key=lambda r: (r.sort_time, r.id))
            else:
                records = index.ordered()
            repo = None
            if query.repository is not None:
                repo = org.repos_by_name.get(query.repository.lower())
                if repo is None:
                    return []
            result = [r for r in records if _matches(r.token, query, repo)]
        if query.direction == "desc":
            result.reverse()
        return result

    # -- users and installations ---------------------------------------------------------
    def revoke_credentials(self, values: list[str]) -> list[str]:
        """``POST /credentials/revoke``: invalidate the known user tokens among ``values``."""
        with self.lock:
            revoked = []
            for value in values:
                delegated = self.user_to_server_tokens.get(value)
                if delegated is not None and not delegated.revoked:
                    delegated.revoked = True
                    revoked.append(delegated.user.login)
                    continue
                user = self.users_by_token.get(value)
                if user is not None and not user.token_revoked:
                    user.token_revoked = True
                    revoked.append(user.login)
            return revoked

    def mint_user_to_server_token(self, login: str, token: str, lifetime: int = 8 * 3600) -> UserToServerToken:
        """What GitHub's user authorization flow of the App gives ``login``: a ``ghu_`` token
        (8 hours, GitHub's default with expiring user tokens)."""
        with self.lock:
            user = self.user(login)
            if user is None:
                raise StateError(f"no user {login!r}")
            record = UserToServerToken(
                token=token, user=user, app=self.app, expires_at=self.clock.now() + timedelta(seconds=lifetime)
            )
            self.user_to_server_tokens[token] = record
            return record

    def issue_installation_token(
        self, inst: Installation, permissions: dict[str, str], repository_ids: tuple[int, ...] | None, token: str
    ) -> InstallationToken:
        with self.lock:
            record = InstallationToken(
                token=token,
                installation=inst,
                permissions=permissions,
                repository_ids=repository_ids,
                expires_at=self.clock.now() + timedelta(seconds=self.token_lifetime),
            )
            self.installation_tokens[token] = record
            return record

    def delete_installation(self, inst: Installation) -> None:
        with self.lock:
            self.installations.pop(inst.id, None)
            inst.account.installation = None
            for record in self.installation_tokens.values():
                if record.installation is inst:
                    record.revoked = True

    # -- control view --------------------------------------------------------------------
    def snapshot(self) -> dict:
        """Compact JSON view for ``GET /_fake/state`` (not a GitHub representation)."""
        with self.lock:
            now = self.clock.now()
            return {
                "now": iso(now),
                "app": {"id": self.app.id, "client_id": self.app.client_id, "slug": self.app.slug}
                if self.app
                else None,
                "installations": {
                    inst.account.login: {
                        "id": inst.id,
                        "type": type(inst.account).__name__,
                        "permissions": dict(inst.permissions),
                    }
                    for inst in self.installations.values()
                },
                "organizations": {
                    org.login: {
                        "id": org.id,
                        "installation_id": org.installation.id if org.installation else None,
                        "installation_permissions": dict(org.installation.permissions) if org.installation else None,
                        "members": {u.login: role for u, role in org.members.values()},
                        "teams": {t.slug: t.members for t in org.teams.values()},
                        "repositories": [r.name for r in org.repositories.values()],
                        "requests": [
                            _summary(org, r, now)
                            | {"reason": r.reason, "created_at": iso(r.created_at), "upgrade": r.upgrade}
                            for r in org.requests.ordered()
                        ],
                        "grants": [
                            _summary(org, g, now) | {"access_granted_at": iso(g.access_granted_at)}
                            for g in org.grants.ordered()
                        ],
                        "reviews": list(org.reviews),
                        "revocations": list(org.revocations),
                        "cancellations": list(org.cancellations),
                    }
                    for org in self.orgs.values()
                },
                "extras": extensions.snapshot(self),
            }


def _matches(token: PatToken, query: ListQuery, repo: Repository | None) -> bool:
    if repo is not None:
        if token.repository_selection == "none":
            return False
        if token.repository_selection == "subset" and repo.id not in token.repository_ids:
            return False
    if query.permission is not None and not holds(token.permissions, *query.permission):
        return False
    # GitHub does not document whether a never-used token matches; ``never_used`` picks an answer.
    if query.last_used_before is not None:
        if token.last_used_at is None:
            if query.never_used not in ("before", "both"):
                return False
        elif token.last_used_at >= query.last_used_before:
            return False
    if query.last_used_after is not None:
        if token.last_used_at is None:
            if query.never_used not in ("after", "both"):
                return False
        elif token.last_used_at <= query.last_used_after:
            return False
    return True


def _summary(org: Organization, record, now: datetime) -> dict:
    token = record.token
    return {
        "id": record.id,
        "token_id": token.token_id,
        "token_name": token.token_name,
        "owner": token.owner.login,
        "repository_selection": token.repository_selection,
        "repositories": [org.repositories[i].name for i in token.repository_ids],
        "permissions": token.permissions,
        "token_expires_at": iso(token.expires_at),
        "token_expired": token.expires_at is not None and token.expires_at <= now,
        "token_last_used_at": iso(token.last_used_at),
    }
