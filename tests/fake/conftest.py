"""Fixtures for the tests of the fake GitHub API itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from fake_github.testing import installation_token, session


@pytest.fixture
def fake(fake_github):  # noqa: F811
    """A small generated organization, contract validation on."""
    return fake_github(grants=60, requests=20, seed=7)


@pytest.fixture
def demo(fake_github):  # noqa: F811
    """The readable demo organization (tests/fake_github/fixtures/demo_org.yml)."""
    return fake_github(fixture=Path(__file__).parent.parent / "fake_github" / "fixtures" / "demo_org.yml")


@pytest.fixture
def app_session():
    """``app_session(fake)``: a session authenticated with a fresh installation token."""
    return lambda fake, **body: session(installation_token(fake, **body))
