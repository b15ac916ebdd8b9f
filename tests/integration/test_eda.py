"""Event-driven review of a new fine-grained token request.

* ``playbooks/review_one_request.yml`` given a webhook body (validated against the contract's
  ``x-webhooks`` schema) as extra variables: reads that one request from the fake GitHub, and
  approves or denies it by policy; refuses another organization's event; does nothing for a
  request that is no longer pending.
* ``extensions/eda/rulebooks/pat_request_review.yml`` run by the real ansible-rulebook (Java 17,
  its built-in ``eda.builtin.webhook`` source): a delivery signed with the webhook secret is
  reviewed; one with a wrong or missing ``X-Hub-Signature-256`` is refused and changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from jsonschema.exceptions import ValidationError
from platform_venv import REPO_ROOT, tools_venv, venv_env
from webhooks import created_event, sign, validate_created_event

from fake_github.pytest_plugin import fake_github  # pylint: disable=unused-import  # noqa: F401 (the fixture)
from harness import COLLECTIONS_ROOT, app_auth, run_playbook

pytestmark = pytest.mark.platform

PLAYBOOK = "patguard.github.review_one_request"
RULEBOOK = REPO_ROOT / "extensions" / "eda" / "rulebooks" / "pat_request_review.yml"
POLICY = {
    "max_lifetime_days": 90,
    "forbidden_permissions": ["administration:write"],
    "min_reason_length": 10,
    "actions": {"compliant_request": "approve", "violating_request": "deny", "violating_grant": "revoke"},
}


def new_requests(fake):
    good = fake.create_request(
        next(iter(member_logins(fake))),
        token_name="docs-deploy",
        permissions={"repository": {"contents": "read", "metadata": "read"}},
        reason="Deploy the documentation site",
        token_expires_at="+30d",
    )
    bad = fake.create_request(
        member_logins(fake)[1],
        token_name="admin-everything",
        permissions={"repository": {"administration": "write"}},
        reason="I want it",
        token_expires_at="+400d",
    )
    return good, bad


def member_logins(fake):
    """Members who are not organization admins (an admin's request is approved on creation)."""
    org = fake.state.org(fake.org)
    return sorted(user.login for user, role in org.members.values() if role != "admin")


def pending_ids(fake):
    return set(fake.state.org(fake.org).requests.by_id)


def review_writes(fake):
    return [e for e in fake.request_log if e["method"] == "POST" and "personal-access-token" in e["path"]]


def app_env(fake):
    auth = app_auth(fake)
    return {
        "GITHUB_API_URL": auth["api_url"],
        "GITHUB_APP_ID": auth["app_id"],
        "GITHUB_APP_PRIVATE_KEY_PATH": auth["private_key_path"],
        "PATGUARD_WRITE_INTERVAL": "0",
    }


def review(fake, payload, **extra):
    extra_vars = {
        "patguard_webhook_payload": payload,
        "patguard_org": fake.org,
        "patguard_policy": POLICY,
        "patguard_mode": "enforce",
    }
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, env=app_env(fake), extra_vars=extra_vars)


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return fake_github(grants=3, requests=4, seed=21)


def test_webhook_payload_matches_the_contract(fake):
    good = new_requests(fake)[0]
    payload = created_event(fake, good.id)
    validate_created_event(payload)
    with pytest.raises(ValidationError):
        validate_created_event(dict(payload, action="approved"))


def test_review_one_request_approves_or_denies_only_the_announced_request(fake):
    good, bad = new_requests(fake)
    before = pending_ids(fake)
    for record, verdict in ((good, "approve"), (bad, "deny")):
        payload = created_event(fake, record.id)
        validate_created_event(payload)
        run = review(fake, payload)
        assert run.rc == 0, run.output[-3000:]
        assert "Request %d" % record.id in run.stdout and ": %s (" % verdict in run.stdout
    assert pending_ids(fake) == before - {good.id, bad.id}
    reviews = {
        r["pat_request_id"] if "pat_request_id" in r else r.get("id"): r
        for r in fake.state.snapshot()["organizations"][fake.org]["reviews"]
    }
    assert reviews, "the fake recorded no review"
    grants = fake.state.org(fake.org).grants.by_token
    assert good.token.token_id in grants and bad.token.token_id not in grants
    # The request was read with a token_id filter: one listing, never the whole pending set.
    listings = [
        e for e in fake.request_log if e["method"] == "GET" and e["path"].endswith("/personal-access-token-requests")
    ]
    assert listings and all("token_id[]" in str(e["query"]) for e in listings), listings


def test_report_mode_and_a_request_no_longer_pending_change_nothing(fake):
    good = new_requests(fake)[0]
    payload = created_event(fake, good.id)
    run = review(fake, payload, patguard_mode="report")
    assert run.rc == 0, run.output[-3000:]
    assert "report mode: not applied" in run.stdout
    assert good.id in pending_ids(fake)
    assert review(fake, payload).rc == 0
    writes = len(review_writes(fake))
    again = review(fake, payload)  # already approved: no longer pending
    assert again.rc == 0, again.output[-3000:]
    assert "no longer pending" in again.stdout
    assert len(review_writes(fake)) == writes


def test_an_event_of_another_organization_is_refused(fake):
    good = new_requests(fake)[0]
    payload = created_event(fake, good.id)
    payload["organization"]["login"] = "someone-else"
    run = review(fake, payload)
    assert run.rc != 0
    assert "Not a new token request of %s" % fake.org in run.output
    assert good.id in pending_ids(fake)
    assert not [e for e in fake.request_log if e["path"].startswith("/orgs")]


# -- the rulebook, run by ansible-rulebook -------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url, body, headers):
    request = urllib.request.Request(
        url, data=body, method="POST", headers=dict({"Content-Type": "application/json"}, **headers)
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(predicate, timeout, what, proc=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.3)
    text = Path(log).read_text(errors="replace")[-4000:] if log else ""
    raise AssertionError("timed out waiting for %s\n%s" % (what, text))


@pytest.mark.slow
def test_rulebook_reviews_signed_deliveries_and_refuses_bad_signatures(tmp_path, fake):
    java = shutil.which("java")
    assert java, "ansible-rulebook needs Java 17: apt-get install -y openjdk-17-jre-headless"
    tools = tools_venv()
    good, bad = new_requests(fake)
    secret = "webhook-secret-%d" % os.getpid()
    port = free_port()
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(yaml.safe_dump({"patguard_policy": POLICY}))
    vars_file = tmp_path / "eda-vars.yml"
    vars_file.write_text(
        yaml.safe_dump(
            {
                "patguard_org": fake.org,
                "patguard_mode": "enforce",
                "patguard_policy_file": str(policy_file),
                "patguard_webhook_host": "127.0.0.1",
                "patguard_webhook_port": port,
            }
        )
    )
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "localhost": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": str(tools / "bin" / "python"),
                        }
                    }
                }
            }
        )
    )
    env = venv_env(
        tools,
        dict(
            app_env(fake),
            PATGUARD_WEBHOOK_SECRET=secret,
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT),
            HOME=str(tmp_path),
            ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
            ANSIBLE_NOCOLOR="1",
            JAVA_HOME=os.path.dirname(os.path.dirname(os.path.realpath(java))),
        ),
    )
    log = tmp_path / "rulebook.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [
                str(tools / "bin" / "ansible-rulebook"),
                "--rulebook",
                str(RULEBOOK),
                "--inventory",
                str(inventory),
                "--vars",
                str(vars_file),
                "--env-vars",
                "PATGUARD_WEBHOOK_SECRET",
                "-v",
            ],
            cwd=str(tmp_path),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        url = "http://127.0.0.1:%d/github" % port

        def listening():
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, 90, "the webhook listener", proc, log)

        # Refused before they become events: missing signature, wrong secret, tampered body.
        body_good = json.dumps(created_event(fake, good.id)).encode()
        body_bad = json.dumps(created_event(fake, bad.id)).encode()
        event_headers = {"X-GitHub-Event": "personal_access_token_request", "X-GitHub-Delivery": "d-1"}
        assert post(url, body_good, event_headers) == 400
        assert (
            post(url, body_good, dict(event_headers, **{"X-Hub-Signature-256": sign("not-the-secret", body_good)}))
            == 401
        )
        tampered = body_good.replace(b'"created"', b'"created" ', 1)
        assert post(url, tampered, dict(event_headers, **{"X-Hub-Signature-256": sign(secret, body_good)})) == 401
        assert post(url, body_bad, dict(event_headers, **{"X-Hub-Signature-256": "sha256=" + "0" * 64})) == 401
        time.sleep(2)
        assert {good.id, bad.id} <= pending_ids(fake), "an unsigned delivery changed something"
        assert not review_writes(fake)

        # Signed deliveries are reviewed by policy.
        assert post(url, body_good, dict(event_headers, **{"X-Hub-Signature-256": sign(secret, body_good)})) == 200
        assert post(url, body_bad, dict(event_headers, **{"X-Hub-Signature-256": sign(secret, body_bad)})) == 200
        wait_for(lambda: not ({good.id, bad.id} & pending_ids(fake)), 180, "both requests reviewed", proc, log)
        grants = fake.state.org(fake.org).grants.by_token
        assert good.token.token_id in grants and bad.token.token_id not in grants
        assert proc.poll() is None, Path(log).read_text()[-3000:]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    output = log.read_text(errors="replace")
    assert fake.private_key_pem.strip().splitlines()[1] not in output
    assert secret not in output
