"""The fine-grained PAT permission catalogue, read from the shared facts file.

The fake does not keep its own copy: it reads
``tests/contract/github-facts/fine-grained-pat-permissions.tsv`` so that generated data and
the ``permission`` list filter always agree with the catalogue the collection ships.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

FACTS_FILE = Path(__file__).resolve().parent.parent / "contract" / "github-facts" / "fine-grained-pat-permissions.tsv"

#: Levels in increasing strength; ``write`` implies ``read``, ``admin`` implies ``write``.
LEVELS = ("read", "write", "admin")

#: The facts file says "account"; grants and requests carry those under ``permissions.other``.
SECTION_OF_RESOURCE = {"account": "other", "repository": "repository", "organization": "organization"}


@dataclass(frozen=True)
class Permission:
    """One permission a fine-grained PAT can hold."""

    section: str  # key in a grant's ``permissions`` object: organization / repository / other
    name: str
    levels: tuple[str, ...]


def load_catalog(path: Path = FACTS_FILE) -> dict[str, Permission]:
    """Read the TSV into ``{name: Permission}``; names are unique across resources."""
    catalog: dict[str, Permission] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            name = row["permission"]
            if name in catalog:
                raise ValueError(f"permission {name!r} listed twice in {path}")
            catalog[name] = Permission(
                section=SECTION_OF_RESOURCE[row["resource"]],
                name=name,
                levels=tuple(row["levels"].split(",")),
            )
    return catalog


CATALOG = load_catalog()


def rank(level: str) -> int:
    """Strength of a level (unknown levels rank below ``read`` so they never satisfy a filter)."""
    return LEVELS.index(level) if level in LEVELS else -1


def parse_permission_filter(value: str) -> tuple[str, str]:
    """Split the list filter ``permission`` (``issues_read``, ``contents_write``) into name and level.

    Raises ``ValueError`` for an unknown name or level, which the API answers with 422.
    """
    name, sep, level = value.rpartition("_")
    if not sep or level not in LEVELS or name not in CATALOG:
        raise ValueError(value)
    if level not in CATALOG[name].levels:
        raise ValueError(value)
    return name, level


def holds(permissions: dict[str, dict[str, str]], name: str, level: str) -> bool:
    """True when a grant/request ``permissions`` object holds ``name`` at ``level`` or higher."""
    section = CATALOG[name].section
    held = permissions.get(section, {}).get(name)
    return held is not None and rank(held) >= rank(level)
