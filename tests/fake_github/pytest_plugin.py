"""pytest fixture ``fake_github``: a factory of started fakes, stopped and checked after the test.

Use it from a conftest with ``pytest_plugins = ["fake_github.pytest_plugin"]``::

    def test_lists(fake_github):
        fake = fake_github(grants=30, requests=5, seed=2)   # any FakeGitHub argument
        ...

At teardown every fake is stopped, then the test fails if any of them recorded a contract
mismatch (a test that provokes one on purpose clears ``fake.contract_errors`` itself).
"""

from __future__ import annotations

import json

import pytest

from .server import FakeGitHub


@pytest.fixture
def fake_github():
    started: list[FakeGitHub] = []

    def factory(**kwargs) -> FakeGitHub:
        fake = FakeGitHub(**kwargs).start()
        started.append(fake)
        return fake

    yield factory
    errors = []
    for fake in started:
        errors.extend(fake.contract_errors)
        fake.stop()
    assert errors == [], "fake GitHub saw contract mismatches:\n" + json.dumps(errors, indent=2)
