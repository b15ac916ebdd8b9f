"""Stateless installation tokens (ghs_<APPID>_<JWT>, about 520 characters, with dots) and the
credential_revoke refusals of issue 12: recognised, fingerprinted, never leaked in any piece."""

from __future__ import annotations

import base64
import json
import random

import pytest
from http_doubles import API, Clock, ScriptedSession, make_response

from ansible_collections.patguard.github.plugins.module_utils import _errors
from ansible_collections.patguard.github.plugins.module_utils._client import GitHubClient
from ansible_collections.patguard.github.plugins.module_utils._connection import ConnectionOptions
from ansible_collections.patguard.github.plugins.module_utils._credential_revoke import (
    check_credentials,
    revoke_credentials,
)
from ansible_collections.patguard.github.plugins.module_utils._errors import ConfigError, GitHubAPIError, redact
from ansible_collections.patguard.github.plugins.module_utils._installation_token import create_scoped_token
from ansible_collections.patguard.github.plugins.module_utils._token_check import inspect_token
from ansible_collections.patguard.github.plugins.module_utils._tokens import (
    fingerprint,
    is_stateless_installation_token,
    looks_like_github_token,
    token_format,
    token_type,
)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def stateless(seed=1, app_id=123456):
    """A token of GitHub's stateless shape: ghs_, the App id, _, then a signed JWT."""
    rng = random.Random(seed)
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    payload = _b64(
        json.dumps(
            {
                "iss": str(app_id),
                "iid": rng.randrange(10**8),
                "exp": 1800003600,
                "perm": "contents:read,metadata:read",
                "rep": [rng.randrange(10**9) for _i in range(4)],
            }
        ).encode()
    )
    signature = _b64(bytes(rng.randrange(256) for _i in range(256)))
    return "ghs_%d_%s.%s.%s" % (app_id, header, payload, signature)


def pieces(token):
    return [piece for piece in token.split(".") if piece]


def client_with(script, api_url=API, token=None):
    session = ScriptedSession(script)
    clock = Clock()
    options = ConnectionOptions(api_url=api_url, token=token, write_interval=0, max_retries=0)
    return GitHubClient(options, session=session, sleep=clock.sleep, clock=clock), session


def test_the_helper_builds_tokens_of_githubs_stateless_shape():
    token = stateless()
    assert 450 <= len(token) <= 600 and token.count(".") == 2
    assert len(pieces(token)) == 3 and all(len(p) >= 16 for p in pieces(token))


def test_recognised_as_an_installation_token_of_the_stateless_form():
    token = stateless()
    assert token_type(token) == "installation"
    assert is_stateless_installation_token(token) and token_format(token) == "stateless"
    assert looks_like_github_token(token)
    assert fingerprint(token).startswith("sha256:") and len(fingerprint(token)) == 19
    opaque = "ghs_" + "a" * 36
    assert token_format(opaque) == "opaque" and not is_stateless_installation_token(opaque)
    assert not is_stateless_installation_token("ghs_123_onlyonepiece")


@pytest.mark.parametrize(
    "template",
    [
        "GitHub refused %s: Bad credentials",
        "token=%s.",  # a sentence ends right after it
        "Authorization: token %s",
        '{"token": "%s", "expires_at": "2026-01-01T00:00:00Z"}',
        "%s",
    ],
)
def test_redaction_removes_every_dot_separated_piece_without_registration(template):
    token = stateless(seed=7)
    text = redact(template % token)
    for piece in pieces(token):
        assert piece not in text
    assert "<redacted>" in text


def test_registered_stateless_token_is_redacted_piece_by_piece():
    token = stateless(seed=8)
    _errors.register_secret(token)
    header, payload, signature = token.split(".")
    for quoted in (signature, payload, "the signature %s was refused" % signature):
        text = redact(quoted)
        assert signature not in text and payload not in text


def test_errors_never_carry_a_piece_of_a_stateless_token():
    token = stateless(seed=9)
    error = GitHubAPIError("GitHub answered 401 for %s" % token, github_message="bad token %s" % token)
    dumped = json.dumps(error.fail_kwargs())
    assert not any(piece in dumped for piece in pieces(token))


def test_inspect_token_reports_a_stateless_installation_token():
    token = stateless(seed=10)
    client, session = client_with(
        [make_response(403, {"message": "Resource not accessible by integration"})], token=token
    )
    info = inspect_token(client, token)
    assert info["valid"] is True and info["type"] == "installation" and info["token_format"] == "stateless"
    assert info["fingerprint"] == fingerprint(token)
    assert not any(piece in json.dumps(info) for piece in pieces(token))


class _App:
    installation_id = 42

    def __init__(self, token):
        self.token = token

    def request_installation_token(self, client, repositories, permissions):
        return {
            "token": self.token,
            "expires_at": "2026-01-01T01:00:00Z",
            "permissions": {"contents": "read"},
            "repository_selection": "selected",
            "repositories": [{"name": "infra"}],
        }


class _AppClient:
    def __init__(self, token):
        self.app_auth = _App(token)


@pytest.mark.parametrize("token, form", [(stateless(seed=11), "stateless"), ("ghs_" + "b" * 36, "opaque")])
def test_app_token_results_take_both_forms(token, form):
    issued, info = create_scoped_token(_AppClient(token), ["infra"], {"contents": "read"})
    assert issued == token
    assert info["token_format"] == form and info["fingerprint"] == fingerprint(token)
    assert not any(piece in json.dumps(info) for piece in pieces(token))


# -- credential_revoke (issue 12.3) ---------------------------------------------------------------


@pytest.mark.parametrize("installation", [stateless(seed=12), "ghs_" + "c" * 36])
def test_credential_revoke_refuses_installation_tokens_naming_the_index(installation):
    good = "ghp_" + "d" * 36
    with pytest.raises(ConfigError) as info:
        check_credentials([good, installation, good])
    message = info.value.message
    assert message.startswith("credentials[1]: an installation token (ghs_)")
    assert "app_token state=absent" in message and "nothing was sent" in message
    assert info.value.details["bad_indexes"] == [1]
    assert not any(piece in json.dumps(info.value.fail_kwargs()) for piece in pieces(installation))


def test_credential_revoke_on_ghes_fails_before_sending():
    client, session = client_with([], api_url="https://ghe.example.com/api/v3")
    with pytest.raises(ConfigError) as info:
        revoke_credentials(client, ["ghp_" + "e" * 36])
    assert "GitHub Enterprise Server has no credential revocation API" in info.value.message
    assert session.sent == []


def test_credential_revoke_404_says_the_server_has_no_revocation_api():
    client, session = client_with([make_response(404, {"message": "Not Found"})])
    with pytest.raises(GitHubAPIError) as info:
        revoke_credentials(client, ["ghp_" + "f" * 36])
    assert info.value.status == 404
    assert "this server has no credential revocation API" in info.value.message
    assert "GitHub Enterprise Server has no credential revocation API" in info.value.message
    assert info.value.details["not_processed"] == [fingerprint("ghp_" + "f" * 36)]
    assert len(session.sent) == 1
