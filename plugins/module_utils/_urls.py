# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""URLs of the GitHub REST API as the client reads and writes them. Private to this collection.

Pure functions: the ``Link`` header (RFC 8288, as GitHub writes it), query strings with
GitHub's ``name[]`` arrays, and the identity, page number and page size of a listing URL.
"""

from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MIN_PER_PAGE = 10

_LINK_PART = re.compile(r'<([^>]*)>\s*((?:;\s*[a-zA-Z]+\s*=\s*"?[^";,]*"?\s*)*)')
# Parameter names are case-insensitive (RFC 8288); "rel" must be a whole parameter name.
_LINK_REL = re.compile(r';\s*rel\s*=\s*"?([^";,]*)"?', re.IGNORECASE)


def parse_link_header(value: str | None) -> dict[str, str]:
    """Map each ``rel`` of a ``Link`` header to its URL (RFC 8288, as GitHub writes it)."""
    links = {}
    if not value or not isinstance(value, str):
        return links
    for match in _LINK_PART.finditer(value):
        url, params = match.group(1).strip(), match.group(2)
        for rel_match in _LINK_REL.finditer(params or ""):
            for rel in rel_match.group(1).split():
                links.setdefault(rel.lower(), url)
    return links


def encode_query(params: Mapping[str, Any]) -> str:
    """Encode query params the way GitHub expects arrays: ``owner[]=a&owner[]=b``."""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            name = key if key.endswith("[]") else key + "[]"
            pairs.extend((name, _query_value(v)) for v in value)
        else:
            pairs.append((key, _query_value(value)))
    return urlencode(pairs)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def page_number(url: str | None) -> int | None:
    """The ``page`` query value of a URL (GitHub's ``Link`` targets carry one), or None."""
    if not url:
        return None
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit():
            return int(value)
    return None


def canonical_url(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A page's identity: path and sorted query, where no ``page`` means page 1."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "page" for key, _value in pairs):
        pairs.append(("page", "1"))
    return (parts.path, tuple(sorted(pairs)))


def same_origin(url: str, api_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(api_url)
    return (a.hostname or "").lower() == (b.hostname or "").lower() and (a.port == b.port)


def shrink_page(url: str) -> str | None:
    """The same page range at half the page size, or None when it is already small."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    values = dict(query)
    try:
        per_page = int(values.get("per_page", 30))
        page = int(values.get("page", 1))
    except ValueError:
        return None
    if per_page // 2 < MIN_PER_PAGE:
        return None
    smaller = per_page // 2
    # First item of the page at the old size, expressed at the new size (per_page halves, so
    # the offset divides exactly).
    new_page = ((page - 1) * per_page) // smaller + 1
    replaced = []
    for key, value in query:
        if key == "per_page":
            value = str(smaller)
        elif key == "page":
            continue
        replaced.append((key, value))
    replaced.append(("page", str(new_page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(replaced), parts.fragment))
