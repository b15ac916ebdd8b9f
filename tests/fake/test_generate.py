"""The generator: fast, deterministic and varied enough to exercise a PAT policy."""

from __future__ import annotations

from datetime import datetime, timezone

from fake_github import generate
from fake_github.fixture import build_state
from fake_github.permissions import CATALOG
from fake_github.state import Clock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def _parse(value):
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_large_organization_generates_and_loads():
    # How fast is a figure for docs/fake-github.md, not an assertion (the machine is shared).
    data = generate(grants=10_000, requests=2_000, seed=5, now=NOW)
    state = build_state(data, clock=Clock(), private_key_pem=b"", public_key=None)
    org = state.org("acme")
    assert len(org.grants) == 10_000 and len(org.requests) == 2_000


def test_same_seed_same_data_other_seed_other_data():
    assert generate(grants=50, requests=10, seed=3, now=NOW) == generate(grants=50, requests=10, seed=3, now=NOW)
    assert generate(grants=50, requests=10, seed=3, now=NOW) != generate(grants=50, requests=10, seed=4, now=NOW)


def test_data_covers_what_a_policy_looks_at():
    org = generate(grants=1500, requests=300, seed=11, now=NOW)["organizations"][0]
    grants, requests = org["grants"], org["requests"]
    tokens = grants + requests
    expiries = [_parse(t["token_expires_at"]) for t in tokens]
    assert any(e is None for e in expiries), "some tokens never expire"
    assert any(e is not None and e < NOW for e in expiries), "some tokens have expired"
    lifetimes = [
        (_parse(t["token_expires_at"]) - _parse(t["created_at"])).days for t in tokens if t["token_expires_at"]
    ]
    assert min(lifetimes) >= 7 and max(lifetimes) <= 400 and max(lifetimes) > 366
    selections = [t["repositories"] if isinstance(t["repositories"], str) else "subset" for t in tokens]
    assert {"none", "all", "subset"} <= set(selections)
    sizes = [len(t["repositories"]) for t in tokens if isinstance(t["repositories"], list)]
    assert min(sizes) >= 1 and max(sizes) <= 30
    reasons = [r["reason"] for r in requests]
    assert None in reasons and "" in reasons and max(len(r or "") for r in reasons) > 500
    assert all(len(r or "") <= 1024 for r in reasons)
    last_used = [_parse(t["token_last_used_at"]) for t in tokens]
    assert None in last_used
    assert any(u is not None and (NOW - u).days > 90 for u in last_used)
    assert any(u is not None and (NOW - u).days < 3 for u in last_used)
    sections = {section for t in tokens for section in t["permissions"]}
    assert sections == {"organization", "repository", "other"}
    for token in tokens:
        for section, values in token["permissions"].items():
            for name, level in values.items():
                assert CATALOG[name].section == section and level in CATALOG[name].levels
    owners = {t["owner"] for t in tokens}
    assert 40 <= len(owners) <= 50
    admins = {m["login"] for m in org["members"] if m["role"] == "admin"}
    assert 1 <= len(admins) <= 5
    assert not admins & {r["owner"] for r in requests}, "admins' requests are approved on creation"
