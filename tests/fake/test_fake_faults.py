"""Fault injection: seeded, filtered by method, every kind behaves like the real thing."""

from __future__ import annotations

import pytest
import requests

from fake_github.testing import installation_token, session

GRANTS = "/orgs/acme/personal-access-tokens"


def _statuses(fake, gh, count=40):
    out = []
    for _index in range(count):
        try:
            out.append(gh.get(fake.base_url + GRANTS, params={"per_page": 1}, timeout=10).status_code)
        except requests.ConnectionError:
            out.append("drop")
    return out


def test_same_seed_same_faults(fake_github):
    fake = fake_github(grants=5, requests=0)
    gh = session(installation_token(fake))
    settings = {"rate": 0.5, "kinds": ["500", "502", "504", "secondary", "drop"], "seed": 42}
    fake.configure_faults(**settings)
    first = _statuses(fake, gh)
    logged = [e["fault"] for e in fake.request_log[-40:]]
    assert [fault is None for fault in logged] == [status == 200 for status in first]
    fake.configure_faults(**settings)
    assert _statuses(fake, gh) == first
    assert {200, 500, 502, 504, 403, "drop"} <= set(first)
    fake.configure_faults(**{**settings, "seed": 43})
    assert _statuses(fake, gh) != first


def test_fault_shapes(fake_github):
    fake = fake_github(grants=5, requests=0)
    gh = session(installation_token(fake))
    url = fake.base_url + GRANTS

    fake.configure_faults(rate=1, kinds=["502"])
    bad_gateway = gh.get(url, timeout=10)
    assert bad_gateway.status_code == 502 and bad_gateway.headers["Content-Type"].startswith("text/html")

    fake.configure_faults(rate=1, kinds=["secondary"], retry_after=7)
    secondary = gh.get(url, timeout=10)
    assert secondary.status_code == 403 and secondary.headers["Retry-After"] == "7"
    assert "secondary rate limit" in secondary.json()["message"]

    fake.configure_faults(rate=1, kinds=["primary"], retry_after=5)
    primary = gh.get(url, timeout=10)
    assert primary.status_code == 403 and primary.headers["x-ratelimit-remaining"] == "0"
    assert primary.json()["message"].startswith(f"API rate limit exceeded for installation ID {fake.installation_id}")

    fake.configure_faults(rate=1, kinds=["drop"])
    with pytest.raises(requests.ConnectionError):
        gh.get(url, timeout=10)

    fake.configure_faults(rate=1, kinds=["slow"], slow_ms=300)
    slow = gh.get(url, timeout=10)
    assert slow.status_code == 200 and slow.elapsed.total_seconds() >= 0.3
    with pytest.raises(requests.Timeout):
        gh.get(url, timeout=0.1)

    fake.configure_faults(rate=0, latency_ms=200)
    assert gh.get(url, timeout=10).elapsed.total_seconds() >= 0.2


def test_applied_then_drop_changes_state_without_answering(demo):
    gh = session(installation_token(demo))
    grant = next(iter(demo.state.org("acme").grants.by_id.values()))
    demo.configure_faults(rate=1, kinds=["applied_then_drop"], methods=["POST"])
    with pytest.raises(requests.ConnectionError):
        gh.post(f"{demo.base_url}{GRANTS}/{grant.id}", json={"action": "revoke"}, timeout=10)
    assert grant.id not in demo.state.org("acme").grants.by_id
    assert gh.get(demo.base_url + GRANTS, timeout=10).status_code == 200  # GETs are not faulted


def test_max_faults_and_control_endpoint(fake_github):
    fake = fake_github(grants=5, requests=0)
    gh = session(installation_token(fake))
    configured = session().post(
        fake.base_url + "/_fake/faults", json={"rate": 1, "kinds": "500", "max_faults": 2}, timeout=10
    )
    assert configured.json()["kinds"] == ["500"]
    assert _statuses(fake, gh, 4) == [500, 500, 200, 200]
    assert session().post(fake.base_url + "/_fake/faults", json={"kinds": ["teapot"]}, timeout=10).status_code == 422


def test_faults_given_at_start(fake_github):
    fake = fake_github(grants=2, requests=0, faults={"rate": 1, "kinds": ["504"], "methods": ["DELETE"]})
    token = installation_token(fake)  # GET/POST are not faulted
    assert session(token).delete(fake.base_url + "/installation/token", timeout=10).status_code == 504
