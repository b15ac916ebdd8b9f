"""Integration tests: the collection run by ansible-playbook against the contract-checked fake."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: E402,F401 (the fixture)
