"""Shared pytest set-up: make the collection importable as ``ansible_collections.patguard.github``.

The source tree is not laid out under ``ansible_collections/<ns>/<name>``, so a symlink
``build/collections/ansible_collections/patguard/github`` -> repository root is created
once; ``ANSIBLE_COLLECTIONS_PATH`` points there for every ansible command the tests run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO_ROOT / "build" / "collections"
COLLECTION_LINK = COLLECTIONS_ROOT / "ansible_collections" / "patguard" / "github"


def _ensure_collection_link() -> None:
    COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
    if COLLECTION_LINK.is_symlink() or COLLECTION_LINK.exists():
        return
    try:
        COLLECTION_LINK.symlink_to(REPO_ROOT, target_is_directory=True)
    except FileExistsError:  # another xdist worker won the race
        pass


_ensure_collection_link()
for entry in (str(COLLECTIONS_ROOT), str(REPO_ROOT / "tests")):
    if entry not in sys.path:
        sys.path.insert(0, entry)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))

# Property tests: how many examples stays each test's choice, but no per-example deadline. On a
# shared 2-core machine one example can take over Hypothesis's default 200 ms, which fails a
# correct test (timing is never what these tests check).
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # the compatibility venvs run tests/integration only, without Hypothesis
    pass
else:
    _hypothesis_settings.register_profile("patguard", deadline=None)
    _hypothesis_settings.load_profile("patguard")
