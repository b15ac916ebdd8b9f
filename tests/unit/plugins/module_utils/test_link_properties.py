"""Property tests of the Link header parser (``_urls.parse_link_header``).

Pagination follows ``rel="next"`` only, so the parser is what stands between a server's header
and an endless loop or a skipped page. Properties: any set of links written the way RFC 8288
allows (and GitHub writes) is read back exactly; extra parameters, spacing, quoting, case and
several relation types in one ``rel`` do not change the result; the first link of a relation
wins; and no input at all (arbitrary text, bytes, None, numbers) makes it raise.
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.patguard.github.plugins.module_utils._urls import parse_link_header

# URL characters of real links: RFC 3986 unreserved + sub-delims + ":/?#[]@%" (never '>' or spaces).
URL_CHARS = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:/?#[]@%"
RELS = ["next", "prev", "last", "first", "self", "alternate", "related"]

paths = st.text(alphabet=URL_CHARS, min_size=0, max_size=60)
urls = st.builds(
    lambda scheme, host, path: "%s://%s/%s" % (scheme, host, path),
    st.sampled_from(["https", "http"]),
    st.from_regex(r"\A[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?(:[0-9]{1,5})?\Z"),
    paths,
)
rel_names = st.sampled_from(RELS) | st.from_regex(r"\A[a-z]{1,12}\Z")
# Link parameters other than rel, as servers add them (title, type, hreflang...).
extra_params = st.lists(
    st.tuples(
        st.sampled_from(["title", "type", "hreflang", "anchor"]),
        st.text(alphabet=string.ascii_letters + string.digits + " -_./=", max_size=15) | st.just("prel=next"),
    ),
    max_size=2,
)
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def links(draw):
    """A list of (url, [rels]) and the header text that carries them, written in varied styles."""
    entries = draw(
        st.lists(st.tuples(urls, st.lists(rel_names, min_size=1, max_size=3, unique=True)), min_size=0, max_size=6)
    )
    parts = []
    for url, rels in entries:
        params = []
        for name, value in draw(extra_params):
            params.append('%s="%s"' % (name, value))
        rel_value = " ".join(rels)
        quoted = draw(st.booleans()) or len(rels) > 1  # several relation types need quotes
        rel_name = draw(st.sampled_from(["rel", "REL", "Rel"]))
        rel_param = "%s=%s" % (rel_name, '"%s"' % rel_value if quoted else rel_value)
        position = draw(st.integers(0, len(params)))
        params.insert(position, rel_param)
        sep = draw(spaces)
        parts.append(
            "<%s>%s" % (url, "".join(";%s%s" % (draw(spaces), p) for p in params))
            if not sep
            else "<%s>%s" % (url, "".join("%s;%s" % (sep, p) for p in params))
        )
    joiner = draw(st.sampled_from([", ", ",", ",  ", " , "]))
    return entries, joiner.join(parts)


def expected_of(entries):
    result = {}
    for url, rels in entries:
        for rel in rels:
            result.setdefault(rel.lower(), url.strip())
    return result


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(links())
def test_generated_link_sets_round_trip(case):
    entries, header = case
    assert parse_link_header(header) == expected_of(entries)


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(RELS), urls), min_size=1, max_size=5, unique_by=lambda t: t[0]))
def test_github_style_headers_round_trip(pairs):
    header = ", ".join('<%s>; rel="%s"' % (url, rel) for rel, url in pairs)
    assert parse_link_header(header) == dict((rel, url.strip()) for rel, url in pairs)


@settings(max_examples=200)
@given(urls, urls)
def test_first_link_of_a_relation_wins(first, second):
    assert parse_link_header('<%s>; rel="next", <%s>; rel="next"' % (first, second)) == {"next": first.strip()}


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300) | st.text(alphabet="<>;,=\"' \trelnxt:/", max_size=200))
def test_never_raises_on_arbitrary_text(text):
    result = parse_link_header(text)
    assert isinstance(result, dict)
    for rel, url in result.items():
        assert isinstance(rel, str) and isinstance(url, str) and rel == rel.lower() and ">" not in url


@given(
    st.none()
    | st.integers()
    | st.binary(max_size=50)
    | st.lists(st.text(max_size=5), max_size=3)
    | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)
)
def test_never_raises_on_other_types(value):
    assert parse_link_header(value) == {}


@settings(max_examples=300)
@given(links(), st.text(max_size=40))
def test_garbage_around_a_header_never_raises(case, noise):
    _entries, header = case
    for text in (noise + header, header + noise, header[: len(header) // 2] + noise):
        assert isinstance(parse_link_header(text), dict)
