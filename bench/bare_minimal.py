"""The minimal plan of a governance pass, made by a bare script (the benchmark's yardstick).

HTTP is plain ``requests`` + ``PyJWT``: one GitHub App token exchange, every listing page
at ``per_page=100``, one repository listing per ``subset`` record only when the policy
needs repositories, one bulk call per (action, reason) and 100 ids; requests first, then
grants (approved requests become grants, so they are listed and judged as grants too). It does not use
the collection's client, modules or roles. The *decisions* come from the collection's pure
policy engine (``plugins/module_utils/_policy.py``, pure Python, no I/O), because
evaluating the policy is the same work whoever does it; only the API side is compared.

No retries, no rate-limit handling, no reconciliation: this is the floor, not a client.

    .venv/bin/python bench/bare_minimal.py --api-url URL --app-id ID --key-file PEM --org acme \
        --policy-json POLICY.json [--now ISO]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import jwt
import requests

ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 100
BULK = 100
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def load_policy_engine():
    """The collection's pure policy engine (no I/O), imported from build/collections."""
    sys.path.insert(0, str(ROOT / "build" / "collections"))
    from ansible_collections.patguard.github.plugins.module_utils import _policy

    return _policy


class Bare:
    def __init__(self, api_url, app_id, private_key, org):
        self.api = api_url.rstrip("/")
        self.org = org
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "patguard-bench-bare",
            }
        )
        self.requests = 0
        self.writes = 0
        now = int(time.time())
        app_jwt = jwt.encode({"iat": now - 60, "exp": now + 540, "iss": str(app_id)}, private_key, algorithm="RS256")
        auth = {"Authorization": "Bearer %s" % app_jwt}
        installation = self._call("GET", "/orgs/%s/installation" % org, headers=auth).json()
        token = self._call("POST", "/app/installations/%s/access_tokens" % installation["id"], headers=auth).json()[
            "token"
        ]
        self.session.headers["Authorization"] = "token %s" % token

    def _call(self, method, url, headers=None, json_body=None):
        self.requests += 1
        if method != "GET":
            self.writes += 1
        if not url.startswith("http"):
            url = self.api + url
        response = self.session.request(method, url, headers=headers, json=json_body)
        response.raise_for_status()
        return response

    def list_all(self, path):
        url = "%s%s?per_page=%d" % (self.api, path, PER_PAGE)
        items = []
        while url:
            response = self._call("GET", url)
            items.extend(response.json())
            match = _NEXT.search(response.headers.get("Link") or "")
            url = match.group(1) if match else None
        return items


def normalize(raw, kind):
    owner = raw.get("owner")
    record = {
        "id": raw.get("id"),
        "owner": owner.get("login") if isinstance(owner, dict) else owner,
        "token_id": raw.get("token_id"),
        "token_name": raw.get("token_name"),
        "repository_selection": raw.get("repository_selection"),
        "repositories": None,
        "permissions": raw.get("permissions") or {},
        "token_expires_at": raw.get("token_expires_at"),
        "token_expired": bool(raw.get("token_expired")),
        "token_last_used_at": raw.get("token_last_used_at"),
    }
    if kind == "request":
        record.update(reason=raw.get("reason"), created_at=raw.get("created_at"))
    else:
        record["access_granted_at"] = raw.get("access_granted_at")
    return record


def governance_pass(api_url, app_id, private_key, org, policy, now=None, enforce=True):
    """Run the minimal plan (list each kind once, evaluate, read what decisions wait on, write in bulk)."""
    engine = load_policy_engine()
    bare = Bare(api_url, app_id, private_key, org)
    needs_repos = engine.needs_repositories(policy)

    def add_repositories(records, path, only_tokens=None):
        if needs_repos:
            for record in records:
                if record["repository_selection"] == "subset" and (
                    only_tokens is None or record["token_id"] in only_tokens
                ):
                    repos = bare.list_all("%s/%d/repositories" % (path, record["id"]))
                    record["repositories"] = [repo["name"] for repo in repos]
        return records

    def listed(kind, path):
        return [normalize(raw, kind) for raw in bare.list_all(path)]

    bulk_calls = 0
    requests_path = "/orgs/%s/personal-access-token-requests" % org
    grants_path = "/orgs/%s/personal-access-tokens" % org
    # Each kind listed once; a request is judged by the grant it becomes (so upgrade requests
    # need the grants first), and repository lists are read only where a decision waits on them.
    requests_ = listed("request", requests_path)
    grants = listed("grant", grants_path)
    the_plan = engine.plan(requests_, grants, policy, now)
    if needs_repos and the_plan["request_repositories_needed"]:
        wanted = set(the_plan["request_repositories_needed"])
        add_repositories([r for r in requests_ if r["id"] in wanted], requests_path)
        the_plan = engine.plan(requests_, grants, policy, now)
    if needs_repos and the_plan["repositories_needed"]:
        add_repositories(grants, grants_path, set(the_plan["repositories_needed"]))
        the_plan = engine.plan(requests_, grants, policy, now)
    review = hygiene = the_plan
    if enforce:
        for group in the_plan["approve"] + the_plan["deny"]:
            body = {"pat_request_ids": group["ids"], "action": group["action"]}
            if group.get("reason") is not None:
                body["reason"] = group["reason"]
            bare._call("POST", requests_path, json_body=body)
            bulk_calls += 1
        revoke = the_plan["revoke"]
        for start in range(0, len(revoke), BULK):
            bare._call("POST", grants_path, json_body={"action": "revoke", "pat_ids": revoke[start : start + BULK]})
            bulk_calls += 1
    return {
        "requests": bare.requests,
        "writes": bare.writes,
        "bulk_calls": bulk_calls,
        "requests_summary": review["summary"],
        "grants_summary": hygiene["summary"],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--key-file", required=True)
    parser.add_argument("--org", default="acme")
    parser.add_argument("--policy-json", required=True)
    parser.add_argument("--now")
    parser.add_argument("--report", action="store_true", help="do not write (report mode)")
    args = parser.parse_args(argv)
    policy = json.loads(Path(args.policy_json).read_text())
    started = time.monotonic()
    result = governance_pass(
        args.api_url,
        args.app_id,
        Path(args.key_file).read_text(),
        args.org,
        policy,
        now=args.now,
        enforce=not args.report,
    )
    result["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
