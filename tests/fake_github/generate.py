"""Generate a realistic organization as fixture data (the format ``fixture.py`` reads).

The mix is chosen to exercise a PAT policy: some tokens never expire, some have expired,
lifetimes run from 7 to 400 days, selections are none/all/subset (1..30 repositories),
permissions are drawn from the shared catalogue at every level they accept, reasons range
from missing to very long, and last use is never/old/recent. About 50 owners, a few of
them org admins. Deterministic for a given ``seed`` and ``now``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .permissions import CATALOG
from .state import UTC, iso

FIRST = [
    "ada",
    "alan",
    "barbara",
    "brian",
    "carla",
    "dennis",
    "edsger",
    "frances",
    "grace",
    "guido",
    "hedy",
    "ivan",
    "jean",
    "ken",
    "linus",
    "margaret",
    "niklaus",
    "olga",
    "peter",
    "radia",
    "rob",
    "sophie",
    "tim",
    "ursula",
    "vint",
    "wendy",
    "xavier",
    "yukihiro",
    "zoe",
    "anita",
]
LAST = [
    "lovelace",
    "turing",
    "liskov",
    "kernighan",
    "hopper",
    "ritchie",
    "dijkstra",
    "allen",
    "hamilton",
    "wirth",
    "perlman",
    "pike",
    "wilson",
    "berners-lee",
    "borg",
]
REPO_WORDS = [
    "api",
    "web",
    "billing",
    "auth",
    "search",
    "infra",
    "payments",
    "mobile",
    "docs",
    "ledger",
    "gateway",
    "notifications",
    "reports",
    "scheduler",
    "analytics",
    "catalog",
    "inventory",
    "ml",
]
REPO_SUFFIXES = ["", "-service", "-ui", "-worker", "-config", "-terraform", "-sdk", "-cli"]
TOKEN_PURPOSES = [
    "deploy",
    "ci",
    "release",
    "backup",
    "migration",
    "dashboard",
    "triage",
    "sync",
    "audit",
    "renovate",
    "docs-publish",
    "local-dev",
    "terraform",
    "metrics",
    "oncall",
]
REASON_PARTS = [
    "Needed for the nightly release pipeline.",
    "Used by the internal dashboard to read issue metrics.",
    "Temporary access while migrating repositories to the new layout.",
    "Automation that labels and triages incoming issues.",
    "Read-only access for the quarterly security audit.",
    "Syncs CODEOWNERS across our service repositories.",
    "Our deployment bot pushes tags and creates releases.",
    "Required by the on-call tooling to open incident issues.",
]


#: Installation permissions of organizations where the App lacks one PAT permission
#: (``lacking_pat_permission``), alternating between the two.
WITHOUT_PAT_PERMISSION = (
    {"organization_personal_access_token_requests": "write", "members": "write", "metadata": "read"},
    {"organization_personal_access_tokens": "write", "members": "write", "metadata": "read"},
)


def org_logins(org: str, orgs: int) -> list[str]:
    """Logins of ``orgs`` generated organizations: ``org`` itself, then ``org-02``, ``org-03``…"""
    return [org] + [f"{org}-{i:02d}" for i in range(2, orgs + 1)]


def generate(
    grants: int = 250,
    requests: int = 40,
    seed: int = 1,
    org: str = "acme",
    now: datetime | None = None,
    owners: int = 50,
    admins: int = 3,
    repositories: int = 120,
    *,
    orgs: int = 1,
    lacking_pat_permission: int = 0,
    user_installation: str | None = None,
    emu_members: int = 0,
    upgrade_requests: int = 0,
) -> dict:
    """Fixture data for ``orgs`` organizations, each with ``grants`` active grants and ``requests``
    pending ones (per organization).

    Times are absolute, computed from ``now`` (default: the current time), so the data stays
    reproducible when ``now`` is given. A small organization ``<org>-labs`` without the App
    installed is added, for "not installed"/"other organization" cases. With ``orgs`` > 1 the
    organizations are :func:`org_logins`, each with its own installation, members (partly
    shared, as in an enterprise), repositories, requests and grants; the last
    ``lacking_pat_permission`` of them have an installation without one of the two PAT
    permissions. ``user_installation`` (a login) adds an installation on a user account.
    ``emu_members``: that many of each organization's last members get an Enterprise Managed
    User login ``<handle>_<shortcode>``. ``upgrade_requests``: that many extra pending
    requests ask to widen a granted token (same ``token_id``, more permissions/repositories).
    One organization and no options give exactly the single-organization data of before.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if not 1 <= orgs <= 500 or not 0 <= lacking_pat_permission <= orgs:
        raise ValueError("orgs must be 1..500 and lacking_pat_permission 0..orgs")
    logins_of_orgs = org_logins(org, orgs)
    data: dict = {"organizations": []}
    for index, login in enumerate(logins_of_orgs):
        spec = _organization(
            grants,
            requests,
            seed if index == 0 else seed * 1000 + index,
            login,
            now,
            owners,
            admins,
            repositories,
            shift=index,
            token_base=10_000_000 + index * 100_000_000,
        )
        if emu_members:
            _make_emu(spec, emu_members, emu_shortcode(org))
        if upgrade_requests:
            _add_upgrades(spec, upgrade_requests, random.Random(seed * 7919 + index), now)
        if index >= orgs - lacking_pat_permission:
            spec["installation_permissions"] = dict(WITHOUT_PAT_PERMISSION[(index - orgs + lacking_pat_permission) % 2])
        data["organizations"].append(spec)
    first = data["organizations"][0]
    data["organizations"].append(
        {
            "login": f"{org}-labs",
            "installed": False,
            "members": [{"login": first["members"][0]["login"], "role": "admin"}],
            "repositories": ["sandbox"],
        }
    )
    if user_installation:
        data["user_installations"] = [user_installation]
    return data


def emu_shortcode(org: str) -> str:
    """The enterprise short code of generated EMU logins (letters and digits of the first org)."""
    return "".join(c for c in org.lower() if c.isalnum())[:8] or "emu"


def _make_emu(spec: dict, count: int, shortcode: str) -> None:
    """Rename the last ``count`` non-admin members to EMU logins, everywhere they appear."""
    members = [m for m in spec["members"] if m.get("role") != "admin"][-count:]
    renamed = {m["login"]: f"{m['login']}_{shortcode}" for m in members}
    for member in members:
        member["login"] = renamed[member["login"]]
    for item in spec["grants"] + spec["requests"]:
        item["owner"] = renamed.get(item["owner"], item["owner"])
    for team in spec["teams"]:
        for key in ("members", "maintainers"):
            team[key] = [renamed.get(login, login) for login in team[key]]


def _add_upgrades(spec: dict, count: int, rng: random.Random, now: datetime) -> None:
    """Pending requests to widen granted tokens of non-admins (kept apart from the main rng)."""
    admins = {m["login"] for m in spec["members"] if m.get("role") == "admin"}
    candidates = [g for g in spec["grants"] if g["owner"] not in admins]
    for grant in rng.sample(candidates, min(count, len(candidates))):
        permissions = {section: dict(values) for section, values in grant["permissions"].items()}
        permissions.setdefault("repository", {})["metadata"] = "read"
        permissions["repository"]["issues"] = "write"
        spec["requests"].append(
            {
                "owner": grant["owner"],
                "token_id": grant["token_id"],
                "token_name": grant["token_name"],
                "created_at": iso(now - timedelta(hours=rng.randint(1, 48))),
                "token_expires_at": grant["token_expires_at"],
                "token_last_used_at": grant["token_last_used_at"],
                "repositories": grant["repositories"] if grant["repositories"] != "none" else "all",
                "permissions": permissions,
                "reason": "Needs to write issues too (permission upgrade).",
            }
        )


def _organization(
    grants: int,
    requests: int,
    seed: int,
    org: str,
    now: datetime,
    owners: int,
    admins: int,
    repositories: int,
    shift: int,
    token_base: int,
) -> dict:
    rng = random.Random(seed)
    # Each further organization shifts the member list a little: members overlap, admins differ.
    logins = _logins(owners + 7 * shift)[7 * shift :]
    members = [
        {"login": login, "role": "admin" if i < admins else "member", "name": login.replace("-", " ").title()}
        for i, login in enumerate(logins)
    ]
    # One member's own token expires soon, so /user shows GitHub-Authentication-Token-Expiration.
    members[admins]["token_expires_at"] = iso(now + timedelta(days=25))
    repo_names = _repo_names(rng, repositories)
    non_admins = logins[admins:]
    # A fine-grained PAT has one resource owner, so token ids never repeat across organizations.
    token_ids = iter(rng.sample(range(token_base, token_base + 89_999_999), grants + requests))
    grant_items = [_token(rng, now, logins, repo_names, next(token_ids), granted=True) for _index in range(grants)]
    request_items = [
        _token(rng, now, non_admins, repo_names, next(token_ids), granted=False) for _index in range(requests)
    ]
    teams = [
        {"slug": "platform", "members": non_admins[:8], "maintainers": logins[:1]},
        {"slug": "security", "members": non_admins[8:12], "maintainers": logins[1:2]},
        {"slug": "developers", "members": non_admins[12:], "maintainers": logins[2:3]},
    ]
    return {
        "login": org,
        "members": members,
        "repositories": repo_names,
        "teams": teams,
        "grants": grant_items,
        "requests": request_items,
    }


def _logins(count: int) -> list[str]:
    logins: list[str] = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST) + i) % len(LAST)]
        login = f"{first}-{last}" if i >= len(FIRST) else first
        logins.append(f"{login}{i}" if login in logins else login)
    return logins


def _repo_names(rng: random.Random, count: int) -> list[str]:
    names = [f"{w}{s}" for w in REPO_WORDS for s in REPO_SUFFIXES]
    rng.shuffle(names)
    return names[:count]


def _token(
    rng: random.Random, now: datetime, owners: list[str], repos: list[str], token_id: int, granted: bool
) -> dict:
    created = now - timedelta(
        days=rng.uniform(0, 420) if granted else rng.uniform(0, 20), seconds=rng.randint(0, 86_399)
    )
    roll = rng.random()
    if roll < 0.10:
        expires = None  # never expires
    else:
        lifetime = rng.choice([7, 30, 60, 90, 90, 180, 366, 400]) if roll < 0.9 else rng.randint(7, 400)
        expires = created + timedelta(days=lifetime)
    usable_until = min(now, expires) if expires else now
    use = rng.random()
    if use < 0.2 or usable_until <= created:
        last_used = None
    elif use < 0.4:  # old use: long ago (or as old as the token allows)
        last_used = created + (usable_until - created) * rng.uniform(0, 0.3)
    else:
        last_used = usable_until - timedelta(hours=rng.uniform(0, 72))
        last_used = max(last_used, created)
    selection_roll = rng.random()
    if selection_roll < 0.15:
        selection = "none"
    elif selection_roll < 0.35:
        selection = "all"
    else:
        selection = rng.sample(repos, rng.randint(1, min(30, len(repos))))
    item = {
        "owner": rng.choice(owners),
        "token_id": token_id,
        "token_name": f"{rng.choice(TOKEN_PURPOSES)}-{rng.randint(1, 99)}",
        "created_at": iso(created),
        "token_expires_at": iso(expires),
        "token_last_used_at": iso(last_used),
        "repositories": selection,
        "permissions": _permissions(rng, selection != "none"),
    }
    if granted:
        item["access_granted_at"] = iso(min(created + timedelta(minutes=rng.randint(1, 4000)), now))
    else:
        item["reason"] = _reason(rng)
    return item


_BY_SECTION = {
    section: [p for p in CATALOG.values() if p.section == section]
    for section in ("repository", "organization", "other")
}


def _permissions(rng: random.Random, repository_access: bool) -> dict:
    perms: dict[str, dict[str, str]] = {}
    if repository_access:
        chosen = rng.sample(_BY_SECTION["repository"], rng.randint(1, 6))
        perms["repository"] = {p.name: rng.choice(p.levels) for p in chosen}
        perms["repository"]["metadata"] = "read"  # GitHub adds it to every repository selection
    if rng.random() < 0.3 or not repository_access:
        chosen = rng.sample(_BY_SECTION["organization"], rng.randint(1, 3))
        perms["organization"] = {p.name: rng.choice(p.levels) for p in chosen}
    if rng.random() < 0.2:
        chosen = rng.sample(_BY_SECTION["other"], rng.randint(1, 2))
        perms["other"] = {p.name: rng.choice(p.levels) for p in chosen}
    return perms


def _reason(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.12:
        return None
    if roll < 0.2:
        return ""
    if roll < 0.3:
        return rng.choice(["ci", "deploy", "needed", "pls"])
    if roll < 0.9:
        return " ".join(rng.sample(REASON_PARTS, rng.randint(1, 3)))
    return " ".join(rng.choice(REASON_PARTS) for _index in range(rng.randint(12, 18)))[:1000]
