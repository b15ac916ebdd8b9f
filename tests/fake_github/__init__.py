"""A stateful, contract-validated fake of the GitHub REST API for patguard's tests.

See docs/fake-github.md. Entry points: :class:`FakeGitHub` (Python), ``python -m fake_github``
(CLI) and the ``fake_github`` pytest fixture (``pytest_plugins = ["fake_github.pytest_plugin"]``).
"""

from .generate import generate
from .server import FakeGitHub

__all__ = ["FakeGitHub", "generate"]
