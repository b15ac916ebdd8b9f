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
