"""Secrets: no token, JWT or private key reaches the output, the results or the fake's logs.

Every module and the lookup run at ``-vvvv``, in check mode and for real, with known user
tokens, the App's private key (inline PEM and file), the installation tokens the client obtains
and the JWTs it signs, in tasks that succeed and tasks that fail (refused credentials, an App not
installed, a malformed key, a fault answered by GitHub, a bad list of credentials). Checked:
stdout, stderr, every registered result, and every request body the fake logged. The only
secret that may appear is the token app_token issues, in its own (``no_log``) result: issuing it
is the module's job. The fake logs fingerprints, never credentials; the tests check that too.
See docs/reliability.md.
"""

from __future__ import annotations

import json
import re

import pytest
from reliability import org_state

from harness import app_auth, run_tasks

JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
TOKEN_RE = re.compile(r"\b(?:github_pat_|gh[pousr]_)[A-Za-z0-9_]{20,}")
FAST = {"ANSIBLE_PIPELINING": "1"}
MALFORMED_PEM_BODY = "U0VDUkVULUJVVC1NQUxGT1JNRUQtS0VZLUJPRFktMTIzNDU2Nzg5MA"


def _tasks(fake, pem, users, check):
    """Every module and the lookup, with successes and failures; ``check`` changes nothing here."""
    inline = {"api_url": fake.base_url, "app_id": str(fake.app_id), "private_key": pem, "write_interval": 0}
    by_path = app_auth(fake)
    state = org_state(fake)
    request_ids = [r["id"] for r in state["requests"][:2]]
    grant_ids = [g["id"] for g in state["grants"][:2]]
    alice, bob, carol = users
    malformed = "-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----" % MALFORMED_PEM_BODY
    m = "patguard.github."
    return [
        # successes
        {m + "pat_request_info": dict(inline, org=fake.org, include_repositories=True)},
        {m + "pat_grant_info": dict(by_path, org=fake.org, token=alice)},  # App wins; the PAT is unused
        {m + "pat_request": dict(inline, org=fake.org, ids=request_ids, action="deny", reason="secrets test")},
        {m + "pat_grant": dict(inline, org=fake.org, ids=grant_ids)},
        {m + "pat_template": {"api_url": fake.base_url, "token": alice, "name": "s", "expires_in": 7}},
        {m + "token_info": {"api_url": fake.base_url, "check_token": alice, "token": bob}},
        {m + "token_info": {"api_url": fake.base_url, "token": bob}},
        {m + "credential_revoke": dict(inline, credentials=[carol, carol])},
        {m + "app_token": dict(inline, org=fake.org, permissions={"metadata": "read"}), "no_log": True},
        {
            "ansible.builtin.assert": {
                "that": [
                    "lookup('patguard.github.app_token', org='%s', api_url='%s', app_id='%s', private_key_path='%s') "
                    "is match('ghs_')" % (fake.org, fake.base_url, fake.app_id, fake.private_key_path)
                ],
                "quiet": True,
            }
        },
        # failures
        {m + "pat_grant_info": dict(inline, org="acme-labs")},  # JWT sent, App not installed there
        {m + "pat_request": dict(inline, org=fake.org, ids=[1], action="approve", app_id="999999")},  # bad JWT
        {m + "pat_grant_info": dict(inline, org=fake.org, private_key=malformed)},
        {m + "pat_grant_info": {"api_url": fake.base_url, "org": fake.org, "token": alice}},  # PAT refused (403)
        {m + "token_info": {"api_url": fake.base_url, "check_token": "ghp_" + "Z" * 36, "fail_if_invalid": True}},
        {m + "credential_revoke": {"api_url": fake.base_url, "credentials": [bob, "not-a-token-" + bob]}},
        {m + "app_token": dict(inline, org="nope-org", permissions={"metadata": "read"})},
        {m + "app_token": {"api_url": fake.base_url, "state": "absent", "token": "ghs_" + "Y" * 36}},  # 401: no-op
        {m + "pat_grant": dict(inline, org=fake.org, ids=[999999991], api_url="http://192.0.2.1")},  # non-https
        {
            "ansible.builtin.set_fact": {
                "x": (
                    "{{ lookup('patguard.github.app_token', org='nope-org', api_url='%s', app_id='%s', private_key=%s) }}"
                    % (fake.base_url, fake.app_id, json.dumps(pem))
                )
            }
        },
    ]


@pytest.mark.parametrize("check", [False, True], ids=["apply", "check"])
def test_no_secret_in_output_results_or_logged_bodies_at_vvvv(fake_github, check):
    fake = fake_github(grants=6, requests=4, seed=61)
    # One 500 on the first org write: the error path of a write runs too (reconciled, no echo).
    fake.configure_faults(rate=1.0, kinds=["500"], methods=["POST"], seed=1, max_faults=1)
    pem = open(fake.private_key_path).read()
    users = [fake.user_tokens[login] for login in sorted(fake.user_tokens)[:3]]
    run = run_tasks(_tasks(fake, pem, users, check), check=check, verbosity=4, env=FAST)
    assert len(run.results) == 20, run
    failed = [i for i, r in enumerate(run.results) if r and r.get("failed")]
    # 17 (revoking an installation token GitHub does not know) is not an error: it is gone already.
    assert failed == [10, 11, 12, 13, 14, 15, 16, 18, 19], [(i, (run.results[i] or {}).get("msg")) for i in failed]
    assert run.results[17]["revoked"] is False
    assert fake.contract_errors == []

    issued = run.results[8]["token"] if not check else None
    if not check:
        assert issued and issued.startswith("ghs_")
    # Every credential the run knew or obtained: user tokens, the PEM (line by line), every
    # installation token the fake issued (the clients' own and the app_token/lookup ones).
    secrets = list(users) + ["ghp_" + "Z" * 36, "ghs_" + "Y" * 36, MALFORMED_PEM_BODY]
    secrets += [line for line in pem.splitlines() if len(line) > 20]
    installation_tokens = list(fake.state.installation_tokens)
    assert len(installation_tokens) >= 4
    secrets += installation_tokens
    results = [r for i, r in enumerate(run.results) if i != 8]
    blob = run.output + json.dumps(results)
    leaks = [s[:8] + "..." for s in secrets if s in blob]
    assert not leaks, leaks
    assert "PRIVATE KEY-----" not in blob
    assert not JWT_RE.search(blob), JWT_RE.search(blob).group(0)[:20]
    assert not TOKEN_RE.search(blob), TOKEN_RE.search(blob).group(0)[:8]
    # app_token's result (no_log) is hidden from the output but carries the token and its fingerprint.
    assert "the output has been hidden" in run.output
    if not check:
        assert run.results[8]["fingerprint"] and run.results[8]["fingerprint"] not in (issued,)
    # The fake saw JWTs and installation tokens, and logged fingerprints only.
    log = fake.request_log
    assert {"jwt", "installation", "pat"} | (set() if check else {"none"}) <= {e["auth"] for e in log}
    logged = json.dumps(log)
    assert not [s for s in secrets if s in logged]
    assert not JWT_RE.search(logged) and not TOKEN_RE.search(logged)
    assert all(e["fingerprint"] is None or re.fullmatch(r"[0-9a-f]{12}", e["fingerprint"]) for e in log)
    revokes = [e for e in log if e["path"] == "/credentials/revoke"]
    if not check:
        # credential_revoke's body carries the leaked credential by design; the fake logs its fingerprint.
        assert revokes and all(TOKEN_RE.search(json.dumps(e["json"])) is None for e in revokes)
    else:
        assert revokes == [] and not [
            e for e in log if e["method"] in ("POST", "DELETE") and e["path"].startswith("/orgs/")
        ]


def test_no_piece_of_a_stateless_installation_token_leaks_at_vvvv(fake_github):
    """Issue 12.2: the fake issues stateless ``ghs_<APPID>_<JWT>`` tokens (about 520 characters with
    dots); every dot-separated piece of every token it issued is searched for, the signature included."""
    fake = fake_github(grants=6, requests=4, seed=62, stateless_tokens=True)
    pem = open(fake.private_key_path).read()
    users = [fake.user_tokens[login] for login in sorted(fake.user_tokens)[:3]]
    run = run_tasks(_tasks(fake, pem, users, False), verbosity=4, env=FAST)
    assert len(run.results) == 20, run
    issued = run.results[8]["token"]
    assert issued.startswith("ghs_%s_" % fake.app_id) and issued.count(".") == 2
    assert run.results[8]["token_format"] == "stateless"
    tokens = fake.issued_tokens["installation"]
    assert len(tokens) >= 4 and all(t.count(".") == 2 for t in tokens)
    pieces = set(piece for token in tokens for piece in token.split("."))
    blob = run.output + json.dumps([r for i, r in enumerate(run.results) if i != 8])
    leaks = [piece[:8] + "..." for piece in pieces if piece in blob]
    assert not leaks, leaks
    logged = json.dumps(fake.request_log)
    assert not [piece for piece in pieces if piece in logged]
    assert fake.contract_errors == []
