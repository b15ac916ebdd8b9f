"""Unit tests of the one HTTP client: pagination, retries, rate limits, auth, errors, redaction."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from http_doubles import API, Clock, ScriptedSession, make_response
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from ansible_collections.patguard.github.plugins.module_utils import _auth
from ansible_collections.patguard.github.plugins.module_utils._client import API_VERSION, USER_AGENT, GitHubClient
from ansible_collections.patguard.github.plugins.module_utils._connection import ConnectionOptions
from ansible_collections.patguard.github.plugins.module_utils._errors import (
    AmbiguousWriteError,
    AuthError,
    ConfigError,
    GitHubAPIError,
    PaginationError,
    RateLimitError,
    TransportError,
    redact,
)
from ansible_collections.patguard.github.plugins.module_utils._urls import parse_link_header, shrink_page


def client_with(script, token="ghp_" + "a" * 36, **options):
    clock = Clock()
    opts = ConnectionOptions(api_url=API, token=token, write_interval=options.pop("write_interval", 0), **options)
    session = ScriptedSession(script)
    client = GitHubClient(opts, org="acme", session=session, sleep=clock.sleep, clock=clock)
    return client, session, clock


# -- headers and URL handling -------------------------------------------------------------------
def test_every_request_sends_github_headers():
    client, session, _clock = client_with([make_response(body={"login": "octocat"})])
    assert client.get("/user") == {"login": "octocat"}
    headers = session.sent[0]["headers"]
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == API_VERSION == "2022-11-28"
    assert headers["User-Agent"] == USER_AGENT and "patguard.github/" in USER_AGENT
    assert headers["Authorization"].startswith("Bearer ghp_")
    assert client.stats.requests == 1


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://api.github.com/", "https://api.github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_api_url_accepts_https_and_loopback_http(url, expected):
    assert ConnectionOptions(api_url=url).api_url == expected


@pytest.mark.parametrize(
    "url,fragment",
    [
        ("http://ghe.example.com/api/v3", "plain http"),
        ("ftp://api.github.com", "not an http(s) URL"),
        ("api.github.com", "not an http(s) URL"),
        ("https://user:pw@api.github.com", "must not carry credentials"),
    ],
)
def test_api_url_refuses_non_https(url, fragment):
    with pytest.raises(ConfigError) as info:
        ConnectionOptions(api_url=url)
    assert info.value.message.startswith("api_url:") and fragment in info.value.message


def test_array_filters_use_github_bracket_syntax():
    client, session, _clock = client_with([make_response(body=[])])
    list(client.paginate("/orgs/acme/personal-access-tokens", {"owner": ["a", "b"], "repository": "r"}))
    url = session.sent[0]["url"]
    assert "owner%5B%5D=a&owner%5B%5D=b" in url and "repository=r" in url and "per_page=100" in url


# -- pagination ---------------------------------------------------------------------------------
def link(next_url=None, last_url=None):
    parts = []
    if next_url:
        parts.append('<%s>; rel="next"' % next_url)
    if last_url:
        parts.append('<%s>; rel="last"' % last_url)
    return {"Link": ", ".join(parts)}


def test_paginate_follows_link_next_only():
    page2 = API + "/orgs/acme/personal-access-tokens?per_page=100&page=2"
    client, session, _clock = client_with(
        [
            make_response(body=[{"id": 1}, {"id": 2}], headers=link(page2, page2)),
            make_response(body=[{"id": 3}]),
        ]
    )
    assert [i["id"] for i in client.paginate("/orgs/acme/personal-access-tokens")] == [1, 2, 3]
    assert session.sent[1]["url"] == page2


def test_paginate_refuses_a_link_loop():
    page1 = API + "/orgs/acme/personal-access-tokens?per_page=100"
    client, _session, _clock = client_with([make_response(body=[{"id": 1}], headers=link(page1))])
    with pytest.raises(PaginationError) as info:
        list(client.paginate("/orgs/acme/personal-access-tokens"))
    assert "points back to a page already read" in info.value.message


def test_paginate_treats_a_missing_page_number_as_page_one():
    page1 = API + "/orgs/acme/personal-access-tokens?per_page=100&page=1"
    client, _session, _clock = client_with([make_response(body=[{"id": 1}], headers=link(page1))])
    with pytest.raises(PaginationError) as info:
        list(client.paginate("/orgs/acme/personal-access-tokens"))
    assert "points back to a page already read" in info.value.message


def test_paginate_refuses_a_page_of_repeated_ids():
    client, _session, _clock = client_with(
        [
            make_response(body=[{"id": 1}, {"id": 2}], headers=link(API + "/l?page=2")),
            make_response(body=[{"id": 1}, {"id": 2}], headers=link(API + "/l?page=3")),
        ]
    )
    with pytest.raises(PaginationError) as info:
        list(client.paginate("/l"))
    assert "ids were all on earlier pages" in info.value.message


def test_paginate_keeps_first_copy_when_the_list_shifts():
    client, _session, _clock = client_with(
        [
            make_response(body=[{"id": 1}, {"id": 2}], headers=link(API + "/l?page=2")),
            make_response(body=[{"id": 2}, {"id": 3}]),
        ]
    )
    assert [i["id"] for i in client.paginate("/l")] == [1, 2, 3]


def test_paginate_refuses_links_to_other_hosts():
    client, _session, _clock = client_with(
        [make_response(body=[{"id": 1}], headers=link("https://evil.test/steal?page=2"))]
    )
    with pytest.raises(PaginationError) as info:
        list(client.paginate("/l"))
    assert "another host" in info.value.message


def test_large_page_answering_502_is_retried_smaller():
    client, session, _clock = client_with(
        [
            make_response(status=502, text="<html><title>502 Bad Gateway</title></html>"),
            make_response(body=[{"id": 1}]),
        ]
    )
    assert [i["id"] for i in client.paginate("/l", {"page": 3})] == [1]
    assert "per_page=50" in session.sent[1]["url"] and "page=5" in session.sent[1]["url"]


def test_shrink_page_keeps_the_offset():
    assert shrink_page(API + "/l?per_page=100&page=3") == API + "/l?per_page=50&page=5"
    assert shrink_page(API + "/l?per_page=10&page=3") is None


@pytest.mark.parametrize(
    "header,expected",
    [
        (
            '<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"',
            {"next": "https://a/x?page=2", "last": "https://a/x?page=9"},
        ),
        ('<https://a/x?page=1>; rel="prev first"', {"prev": "https://a/x?page=1", "first": "https://a/x?page=1"}),
        ("", {}),
        (None, {}),
        ("garbage", {}),
    ],
)
def test_parse_link_header(header, expected):
    assert parse_link_header(header) == expected


# -- retries and rate limits --------------------------------------------------------------------
def test_server_errors_are_retried_with_backoff():
    client, session, clock = client_with(
        [
            make_response(status=500, body={"message": "oops"}),
            make_response(status=503, text="down"),
            make_response(body={"ok": True}),
        ]
    )
    assert client.get("/rate_limit") == {"ok": True}
    assert len(session.sent) == 3 and client.stats.retries == 2
    assert len(clock.slept) == 2 and 0.5 <= clock.slept[0] <= 1.0 and 1.0 <= clock.slept[1] <= 2.0


def test_retries_stop_after_max_retries():
    client, _session, _clock = client_with([make_response(status=500, body={"message": "oops"})] * 3, max_retries=2)
    with pytest.raises(GitHubAPIError) as info:
        client.get("/rate_limit")
    assert info.value.status == 500 and "GitHub answered 500: oops" in info.value.message


def test_connection_errors_on_reads_are_retried_then_reported():
    client, _session, _clock = client_with([requests.exceptions.ConnectionError("reset")] * 2, max_retries=1)
    with pytest.raises(TransportError) as info:
        client.get("/rate_limit")
    assert "cannot reach GitHub" in info.value.message


def test_lost_write_is_not_resent_blindly():
    client, session, _clock = client_with([requests.exceptions.ConnectionError("reset")])
    with pytest.raises(AmbiguousWriteError) as info:
        client.post("/orgs/acme/personal-access-tokens", {"action": "revoke", "pat_ids": [1]})
    assert len(session.sent) == 1 and "may or may not have been applied" in info.value.message


def test_secondary_rate_limit_waits_retry_after_and_blocks_other_requests():
    client, session, clock = client_with(
        [
            make_response(
                status=403, body={"message": "You have exceeded a secondary rate limit."}, headers={"Retry-After": "7"}
            ),
            make_response(body={"ok": 1}),
        ]
    )
    assert client.get("/rate_limit") == {"ok": 1}
    assert clock.slept == [7.0] and client.stats.waited["retry_after"] == 7.0


def test_secondary_rate_limit_without_retry_after_waits_a_minute():
    client, _session, clock = client_with(
        [
            make_response(status=429, body={"message": "You have exceeded a secondary rate limit"}),
            make_response(body={}),
        ]
    )
    client.get("/rate_limit")
    assert clock.slept == [60.0]


def test_secondary_rate_limit_on_a_write_is_retried():
    client, session, _clock = client_with(
        [
            make_response(status=403, body={"message": "secondary rate limit"}, headers={"Retry-After": "1"}),
            make_response(status=202, body={}),
        ]
    )
    assert client.post("/orgs/acme/personal-access-tokens", {"action": "revoke", "pat_ids": [1]}).status == 202
    assert len(session.sent) == 2


def test_primary_rate_limit_waits_for_reset_within_bound():
    clock_now = 1_800_000_000
    client, _session, clock = client_with(
        [
            make_response(
                status=403,
                body={"message": "API rate limit exceeded for installation ID 1."},
                headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(clock_now + 120)},
            ),
            make_response(body={"ok": 1}, headers={"x-ratelimit-remaining": "4999", "x-ratelimit-limit": "5000"}),
        ],
        rate_limit_wait=300,
    )
    assert client.get("/rate_limit") == {"ok": 1}
    assert clock.slept == [121.0] and client.stats.waited["primary_reset"] == 121.0
    assert client.stats.rate_limit_remaining == 4999


def test_primary_rate_limit_beyond_bound_says_when_to_retry():
    client, _session, _clock = client_with(
        [
            make_response(
                status=403,
                body={"message": "API rate limit exceeded"},
                headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(1_800_000_000 + 3600)},
            ),
        ],
        rate_limit_wait=60,
    )
    with pytest.raises(RateLimitError) as info:
        client.get("/rate_limit")
    assert "run again after 2027-01-15T09:00:00Z" in info.value.message
    assert info.value.details["rate_limit_reset"] == "2027-01-15T09:00:00Z"


def test_spent_budget_on_success_delays_the_next_request():
    client, _session, clock = client_with(
        [
            make_response(
                body=[], headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(1_800_000_000 + 30)}
            ),
            make_response(body={}),
        ]
    )
    client.get("/a")
    client.get("/b")
    assert clock.slept == [31.0]


def test_writes_are_spaced_by_write_interval():
    client, _session, clock = client_with([make_response(status=202, body={})] * 2, write_interval=1.5)
    client.post("/orgs/acme/personal-access-tokens", {"action": "revoke", "pat_ids": [1]})
    client.post("/orgs/acme/personal-access-tokens", {"action": "revoke", "pat_ids": [2]})
    assert clock.slept == [1.5] and client.stats.waited["write_interval"] == 1.5


def test_other_client_errors_are_not_retried():
    client, session, _clock = client_with(
        [
            make_response(
                status=422,
                body={
                    "message": "Validation Failed",
                    "errors": [{"field": "pat_ids"}],
                    "documentation_url": "https://docs.github.com/rest",
                },
                headers={"x-github-request-id": "ABCD:1234"},
            ),
        ]
    )
    with pytest.raises(GitHubAPIError) as info:
        client.post("/orgs/acme/personal-access-tokens", {"action": "revoke", "pat_ids": []})
    assert len(session.sent) == 1
    err = info.value
    assert err.status == 422 and err.request_id == "ABCD:1234"
    assert err.documentation_url == "https://docs.github.com/rest"
    assert "Validation Failed" in err.message and "field=pat_ids" in err.message and "ABCD:1234" in err.message


def test_pat_on_app_only_endpoint_says_app_credentials_are_needed():
    client, _session, _clock = client_with(
        [
            make_response(status=403, body={"message": "Resource not accessible by personal access token"}),
        ]
    )
    with pytest.raises(GitHubAPIError) as info:
        list(client.paginate("/orgs/acme/personal-access-token-requests"))
    assert "accept GitHub App installation tokens only" in info.value.message


def test_html_error_page_becomes_one_sentence():
    client, _session, _clock = client_with(
        [make_response(status=404, text="<!DOCTYPE html><html><title>Page not found</title>")]
    )
    with pytest.raises(GitHubAPIError) as info:
        client.get("/user")
    assert info.value.message == "GET /user: GitHub answered 404: an HTML page: Page not found"


def test_invalid_json_on_success_is_reported():
    client, _session, _clock = client_with(
        [make_response(status=200, text="{not json", headers={"Content-Type": "application/json"})]
    )
    with pytest.raises(GitHubAPIError) as info:
        client.get("/user")
    assert "body that is not JSON" in info.value.message


# -- GitHub App auth ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key, pem


@pytest.fixture(autouse=True)
def clear_token_cache():
    _auth._INSTALLATION_TOKEN_CACHE.clear()
    yield
    _auth._INSTALLATION_TOKEN_CACHE.clear()


def app_client(script, pem, **options):
    clock = Clock()
    opts = ConnectionOptions(api_url=API, app_id="12345", private_key=pem, write_interval=0, **options)
    session = ScriptedSession(script)
    return GitHubClient(opts, org="acme", session=session, sleep=clock.sleep, clock=clock), session, clock


def installation_answers(token="ghs_" + "b" * 36, expires="2027-01-15T08:00:00Z"):
    return [
        make_response(body={"id": 77}),
        make_response(status=201, body={"token": token, "expires_at": expires}),
    ]


def test_app_auth_signs_a_jwt_and_exchanges_it(rsa_key):
    key, pem = rsa_key
    client, session, clock = app_client(installation_answers() + [make_response(body=[])], pem)
    list(client.paginate("/orgs/acme/personal-access-token-requests"))
    find, exchange, listing = session.sent
    assert find["url"] == API + "/orgs/acme/installation"
    assert exchange["url"] == API + "/app/installations/77/access_tokens" and exchange["method"] == "POST"
    token = find["headers"]["Authorization"].split(" ", 1)[1]
    claims = jwt.decode(
        token, key.public_key(), algorithms=["RS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims["iss"] == "12345"
    assert claims["iat"] == clock.now - 60 and claims["exp"] - claims["iat"] <= 600
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert listing["headers"]["Authorization"] == "Bearer ghs_" + "b" * 36


def test_installation_token_is_cached_and_renewed_before_expiry(rsa_key):
    pem = rsa_key[1]
    expires = "2027-01-15T08:00:30Z"  # 30 s after the clock's start: renewal margin is 6 s
    script = (
        installation_answers(expires=expires)
        + [make_response(body={})] * 2
        + [
            make_response(status=201, body={"token": "ghs_" + "c" * 36, "expires_at": "2027-01-15T09:00:00Z"}),
            make_response(body={}),
        ]
    )
    client, session, clock = app_client(script, pem)
    client.get("/orgs/acme/personal-access-tokens")
    client.get("/orgs/acme/personal-access-tokens")  # cached
    clock.now += 25  # 5 s left < margin: renew
    client.get("/orgs/acme/personal-access-tokens")
    urls = [s["url"].replace(API, "") for s in session.sent]
    assert urls.count("/app/installations/77/access_tokens") == 2 and urls.count("/orgs/acme/installation") == 1
    assert session.sent[-1]["headers"]["Authorization"].endswith("c" * 36)


def test_a_401_renews_the_installation_token_once(rsa_key):
    pem = rsa_key[1]
    script = installation_answers() + [
        make_response(status=401, body={"message": "Bad credentials"}),
        make_response(status=201, body={"token": "ghs_" + "d" * 36, "expires_at": "2027-01-15T09:00:00Z"}),
        make_response(body={"ok": 1}),
    ]
    client, session, _clock = app_client(script, pem)
    assert client.get("/orgs/acme/personal-access-tokens") == {"ok": 1}
    assert session.sent[-1]["headers"]["Authorization"].endswith("d" * 36)


def test_app_not_installed_on_org_is_one_sentence(rsa_key):
    pem = rsa_key[1]
    client, _session, _clock = app_client([make_response(status=404, body={"message": "Not Found"})], pem)
    with pytest.raises(GitHubAPIError) as info:
        client.get("/orgs/acme/personal-access-tokens")
    assert "is not installed on the organization 'acme'" in info.value.message


def test_wrong_app_id_is_reported_as_bad_credentials(rsa_key):
    pem = rsa_key[1]
    answer = make_response(status=401, body={"message": "A JSON web token could not be decoded"})
    client, _session, _clock = app_client([answer], pem)
    with pytest.raises(GitHubAPIError) as info:
        client.get("/orgs/acme/personal-access-tokens")
    assert "401 Bad credentials" in info.value.message and "app_id" in info.value.message


@pytest.mark.parametrize(
    "pem,fragment",
    [
        ("not a key", "it is not a PEM private key"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "cannot be read"),
    ],
)
def test_unreadable_private_key_is_refused_without_echo(pem, fragment):
    with pytest.raises(ConfigError) as info:
        _auth.load_private_key(private_key=pem)
    assert fragment in info.value.message and "AAAA" not in info.value.message


def test_non_rsa_key_is_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(ConfigError) as info:
        _auth.load_private_key(private_key=pem)
    assert "RSA" in info.value.message


def test_private_key_with_escaped_newlines_loads(rsa_key):
    pem = rsa_key[1]
    assert _auth.load_private_key(private_key=pem.replace("\n", "\\n")) is not None


def test_missing_key_file_names_the_option(tmp_path):
    with pytest.raises(ConfigError) as info:
        _auth.load_private_key(private_key_path=str(tmp_path / "missing.pem"))
    assert info.value.message.startswith("private_key_path: cannot read")


def test_no_credentials_is_a_clear_error():
    opts = ConnectionOptions(api_url=API)
    client = GitHubClient(opts, session=ScriptedSession([]))
    with pytest.raises(AuthError) as info:
        client.get("/user")
    assert "no GitHub credentials" in info.value.message


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"app_id": "1"}, "private_key or private_key_path: required"),
        ({"private_key": "x"}, "app_id: required"),
        ({"timeout": 0}, "timeout: must be between"),
        ({"installation_id": "abc"}, "installation_id: must be an integer"),
    ],
)
def test_connection_option_rules(kwargs, fragment):
    with pytest.raises(ConfigError) as info:
        ConnectionOptions(api_url=API, **kwargs)
    assert fragment in info.value.message


# -- secrets ------------------------------------------------------------------------------------
def test_redact_removes_every_secret_shape(rsa_key):
    pem = rsa_key[1]
    text = "tok github_pat_%s ghs_%s jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln key %s Authorization: Bearer zzz" % (
        "A" * 82,
        "b" * 36,
        pem,
    )
    cleaned = redact(text)
    for secret in ("A" * 82, "b" * 36, "eyJhbGci", "PRIVATE KEY", "zzz"):
        assert secret not in cleaned


def test_server_error_echoing_the_token_is_redacted():
    token = "ghp_" + "s" * 36
    client, _session, _clock = client_with(
        [make_response(status=400, body={"message": "bad token %s" % token})], token=token
    )
    with pytest.raises(GitHubAPIError) as info:
        client.get("/user")
    assert token not in info.value.message and token not in json.dumps(info.value.fail_kwargs())


# -- connection errors: fast and whole (issue 13.6) -------------------------------------------------
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def real_client(api_url, **options):
    clock = Clock()
    opts = ConnectionOptions(api_url=api_url, token="ghp_" + "a" * 36, write_interval=0, **options)
    return GitHubClient(opts, sleep=clock.sleep, clock=clock), clock


def test_a_refused_port_fails_after_one_quick_retry_with_the_whole_cause():
    client, clock = real_client("http://127.0.0.1:%d" % closed_port())
    with pytest.raises(TransportError) as info:
        client.get("/user")
    assert client.stats.requests == 2 and clock.slept == [1.0]  # was 6 requests and ~20-26 s of back-off
    assert info.value.message.endswith("(could not connect: Connection refused)"), info.value.message


def connect_error(cause):
    error = NewConnectionError(None, "Failed to establish a new connection")
    error.__cause__ = cause
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/user", error))


def test_an_unknown_host_keeps_name_or_service_not_known():
    gaierror = socket.gaierror(-2, "Name or service not known")
    resolve = NameResolutionError("ghe.invalid", None, gaierror)
    resolve.__cause__ = gaierror  # as urllib3 raises it ("raise ... from e")
    client, session, clock = client_with([requests.exceptions.ConnectionError(MaxRetryError(None, "/u", resolve))] * 2)
    with pytest.raises(TransportError) as info:
        client.get("/user")
    assert "could not connect: Name or service not known" in info.value.message and len(session.sent) == 2


def test_a_refused_connect_on_a_write_is_not_ambiguous():
    # Nothing reached GitHub, so nothing can have been applied: retried once, then a plain failure.
    refused = ConnectionRefusedError(111, "Connection refused")
    client, session, _clock = client_with([connect_error(refused), make_response(status=202, body={})])
    assert client.post("/orgs/acme/personal-access-tokens", {"action": "revoke", "pat_ids": [1]}).status == 202
    assert len(session.sent) == 2


def test_https_against_a_plain_http_server_does_not_suggest_validate_certs():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client, _clock = real_client("https://127.0.0.1:%d" % server.server_port)
        with pytest.raises(TransportError) as info:
            client.get("/user")
    finally:
        server.shutdown()
        server.server_close()
    assert "validate_certs" not in info.value.message and "scheme" in info.value.message, info.value.message
    assert client.stats.requests == 2


def test_a_certificate_error_suggests_ca_path_and_validate_certs():
    cert = ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"
    )
    client, _session, _clock = client_with([requests.exceptions.SSLError(MaxRetryError(None, "/u", cert))] * 2)
    with pytest.raises(TransportError) as info:
        client.get("/user")
    assert "self-signed certificate" in info.value.message and "validate_certs" in info.value.message


# -- secondary rate limits, GitHub's rule (issue 12.8) ----------------------------------------------
SECONDARY = {"message": "You have exceeded a secondary rate limit."}


def test_secondary_limit_with_remaining_zero_waits_for_the_reset():
    reset = 1_800_000_000 + 200
    client, _session, clock = client_with(
        [
            make_response(
                status=403, body=SECONDARY, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
            ),
            make_response(body={}),
        ]
    )
    client.get("/rate_limit")
    assert clock.slept == [201.0] and client.stats.waited["primary_reset"] == 201.0


def test_repeated_secondary_limits_wait_longer_each_time():
    client, _session, clock = client_with([make_response(status=403, body=SECONDARY)] * 3 + [make_response(body={})])
    client.get("/rate_limit")
    assert clock.slept == [60.0, 120.0, 240.0] and client.stats.waited["retry_after"] == 420.0


def test_secondary_limits_give_up_after_a_bound_saying_when_to_run_again():
    client, session, clock = client_with([make_response(status=403, body=SECONDARY)] * 5)
    with pytest.raises(RateLimitError) as info:
        client.get("/rate_limit")
    assert len(session.sent) == 5 and clock.slept == [60.0, 120.0, 240.0, 480.0]
    # 1_800_000_000 + 900 s waited + the next 960 s
    assert "still applies after 4 waits (900 s in all)" in info.value.message
    assert "run again after 2027-01-15T08:31:00Z" in info.value.message
    assert info.value.details["rate_limit_reset"] == "2027-01-15T08:31:00Z"


def test_secondary_limit_retry_after_beyond_the_budget_fails_at_once():
    client, session, _clock = client_with(
        [make_response(status=429, body=SECONDARY, headers={"Retry-After": "600"})], rate_limit_wait=300
    )
    with pytest.raises(RateLimitError) as info:
        client.get("/rate_limit")
    assert len(session.sent) == 1 and "asks to wait 600 s" in info.value.message
    assert "run again after 2027-01-15T08:10:00Z" in info.value.message


# -- progress events (issue 17.4) ---------------------------------------------------------------------
def test_progress_reports_pages_of_the_total_writes_and_waits():
    path = "/orgs/acme/personal-access-tokens"
    last = API + path + "?per_page=100&page=3"
    events = []
    client, _session, _clock = client_with(
        [
            make_response(body=[{"id": 1}], headers=link(API + path + "?per_page=100&page=2", last)),
            make_response(status=403, body=SECONDARY, headers={"Retry-After": "5"}),
            make_response(body=[{"id": 2}], headers=link(API + path + "?per_page=100&page=3", last)),
            make_response(body=[{"id": 3}]),
            make_response(status=202, body={}),
            make_response(status=202, body={}),
        ],
        write_interval=1.0,
    )
    client.progress = events.append
    assert len(client.list_all(path)) == 3
    client.post(path, {"action": "revoke", "pat_ids": [1]})
    client.post(path, {"action": "revoke", "pat_ids": [2]})
    pages = [(e["page"], e["pages"], e["items"]) for e in events if e["event"] == "page"]
    assert pages == [(1, 3, 1), (2, 3, 1), (3, 3, 1)]
    waits = [(e["cause"], e["seconds"]) for e in events if e["event"] == "wait"]
    assert waits == [("retry_after", 5.0), ("write_interval", 1.0)]
    assert [e["writes"] for e in events if e["event"] == "write"] == [1, 2]
    assert client.stats.as_dict()["waited_seconds"] == {
        "write_interval": 1.0,
        "retry_after": 5.0,
        "backoff": 0.0,
        "primary_reset": 0.0,
    }


def test_no_progress_sink_no_events():
    client, _session, _clock = client_with([make_response(body=[])])
    assert client.progress is None and client.list_all("/l") == []


# -- credentials GitHub accepts (issue 12.9) ----------------------------------------------------------
def test_user_to_server_token_is_sent_to_the_org_endpoints():
    token = "ghu_" + "u" * 36
    client, session, _clock = client_with([make_response(body=[])], token=token)
    assert client.list_all("/orgs/acme/personal-access-token-requests") == []
    assert session.sent[0]["headers"]["Authorization"] == "Bearer " + token


def test_user_to_server_token_refused_says_what_to_check_not_to_use_the_app():
    client, _session, _clock = client_with(
        [make_response(status=403, body={"message": "Must be an org owner"})], token="ghu_" + "u" * 36
    )
    with pytest.raises(GitHubAPIError) as info:
        client.list_all("/orgs/acme/personal-access-tokens")
    assert "user-to-server token (ghu_)" in info.value.message and "owns the organization" in info.value.message


@pytest.mark.parametrize("app_id", ["12345", "Iv23liPatguardFake01", "Iv1.8a61f9b3a7aba766"])
def test_app_id_may_be_the_numeric_id_or_the_client_id(rsa_key, app_id):
    key, pem = rsa_key
    clock = Clock()
    opts = ConnectionOptions(api_url=API, app_id=app_id, private_key=pem, installation_id=77, write_interval=0)
    session = ScriptedSession(
        [
            make_response(status=201, body={"token": "ghs_" + "b" * 36, "expires_at": "2027-01-15T09:00:00Z"}),
            make_response(body={}),
        ]
    )
    client = GitHubClient(opts, org="acme", session=session, sleep=clock.sleep, clock=clock)
    client.get("/orgs/acme/personal-access-tokens")
    token = session.sent[0]["headers"]["Authorization"].split(" ", 1)[1]
    claims = jwt.decode(
        token, key.public_key(), algorithms=["RS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims["iss"] == app_id


@pytest.mark.parametrize("app_id", ["patguard-fake", "12 34", "-----BEGIN RSA PRIVATE KEY-----"])
def test_app_id_that_is_neither_is_refused(app_id):
    with pytest.raises(ConfigError) as info:
        ConnectionOptions(api_url=API, app_id=app_id, private_key="x")
    assert info.value.message.startswith("app_id: must be the GitHub App's numeric App ID or its Client ID")
    assert app_id not in info.value.message


# -- a wrong installation_id says what to check (issue 13.7) ------------------------------------------
def test_unknown_installation_id_says_what_to_check(rsa_key):
    pem = rsa_key[1]
    client, _session, _clock = app_client(
        [make_response(status=404, body={"message": "Not Found"})], pem, installation_id=999
    )
    with pytest.raises(GitHubAPIError) as info:
        client.get("/orgs/acme/personal-access-tokens")
    message = info.value.message
    assert message.startswith("installation_id 999: the GitHub App 12345 has no installation with this id")
    assert "installed on the organization 'acme'" in message and "api_url" in message
    assert "GitHub answered 404 for POST /app/installations/999/access_tokens" in message


def test_a_second_401_after_renewal_fails_instead_of_renewing_forever(rsa_key):
    pem = rsa_key[1]
    renewed = make_response(status=201, body={"token": "ghs_" + "d" * 36, "expires_at": "2027-01-15T09:00:00Z"})
    script = installation_answers() + [
        make_response(status=401, body={"message": "Bad credentials"}),
        renewed,
        make_response(status=401, body={"message": "Bad credentials"}),
    ]
    client, session, _clock = app_client(script, pem)
    with pytest.raises(GitHubAPIError) as info:
        client.get("/orgs/acme/personal-access-tokens")
    assert info.value.status == 401 and len(session.sent) == 5
