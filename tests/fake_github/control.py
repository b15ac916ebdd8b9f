"""Control endpoints under ``/_fake/`` for tests, molecule and demos (not part of GitHub).

They bypass authentication, rate limits, faults, the request log and contract validation.

=======================  ===========================================================
``GET  /_fake/state``     organizations, members, requests, grants, reviews (with
                          reasons) and revocations
``GET  /_fake/log``       ``{"entries": [...]}`` the request log
``POST /_fake/log/clear`` empty the request log
``GET  /_fake/contract``  ``{"errors": [...]}`` contract mismatches seen so far
``POST /_fake/faults``    set fault injection (``rate``, ``kinds``, ``methods``, ``seed``,
                          ``max_faults``, ``retry_after``, ``slow_ms``, ``latency_ms``)
``POST /_fake/reset``     rebuild the state (``grants``, ``requests``, ``seed``, ``fixture``,
                          ``orgs``, ``lacking_pat_permission``, ``user_installation``)
``POST /_fake/requests``  a member creates a token that needs approval (``org``, ``owner``,
                          ``token_name``, ``permissions``, ``repositories``, ``reason``,
                          ``token_expires_at``, ``token_last_used_at``; ``upgrade_of_token_id``
                          asks to widen that granted token)
``POST /_fake/clock``     ``{"advance": seconds}`` move the fake's clock forward
``POST /_fake/rate-limit`` ``{"limit": n, "anonymous_limit": m}`` new budgets, counters reset
``POST /_fake/behaviour`` open-question behaviours (``behaviour.py``): ``stateless_tokens``,
                          ``never_used_matches``, ``already_handled``, ``bulk_delay_*``
``GET  /_fake/tokens``    every credential known or issued: ``installation`` (ghs_),
                          ``user_to_server`` (ghu_), ``user`` ({login: PAT})
``POST /_fake/user-to-server-token`` ``{"login": l, "lifetime": s}`` mint a ``ghu_`` token
``POST /_fake/vanish``    ``{"requests": [ids], "grants": [ids], "how", "after_requests",
                          "org"}`` or ``{"newest_requests": k, "newest_grants": m, ...}``:
                          out-of-band cancel/review/revoke
``POST /_fake/settle``    apply every delayed write and scheduled change now
=======================  ===========================================================
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .errors import json_response
from .faults import parse_config
from .state import PatGrant, StateError, iso, parse_time

if TYPE_CHECKING:
    from .server import FakeGitHub


def make_control(fake: FakeGitHub):
    """Return the WSGI-level handler ``request -> response`` bound to ``fake``."""

    def fail(message: str, status: int = 422) -> Response:
        return json_response({"message": message}, status)

    def control(request: Request) -> Response:
        route = (request.method, request.path.removeprefix(fake.product.prefix).rstrip("/"))
        body = request.get_json(silent=True) if request.get_data() else {}
        if body is None or not isinstance(body, dict):
            return fail("control endpoints take a JSON object", 400)
        try:
            if route == ("GET", "/_fake/state"):
                return json_response(fake.state.snapshot())
            if route == ("GET", "/_fake/log"):
                return json_response({"entries": fake.request_log})
            if route == ("POST", "/_fake/log/clear"):
                fake.api.log.clear()
                return json_response({})
            if route == ("GET", "/_fake/contract"):
                return json_response({"errors": fake.contract_errors})
            if route == ("POST", "/_fake/faults"):
                config = parse_config(body, fake.api.faults.config)
                fake.api.faults.configure(config)
                return json_response(
                    {k: sorted(v) if isinstance(v, frozenset) else v for k, v in asdict(config).items()}
                )
            if route == ("POST", "/_fake/reset"):
                fake.reset(
                    **{
                        k: body[k]
                        for k in (
                            "grants",
                            "requests",
                            "seed",
                            "fixture",
                            "orgs",
                            "lacking_pat_permission",
                            "user_installation",
                            "emu_members",
                            "upgrade_requests",
                        )
                        if k in body
                    }
                )
                return json_response({"organizations": list(fake.state.snapshot()["organizations"])})
            if route == ("POST", "/_fake/requests"):
                return create_request(body)
            if route == ("POST", "/_fake/clock"):
                fake.clock.advance(float(body.get("advance", 0)))
                return json_response({"now": iso(fake.clock.now())})
            if route == ("POST", "/_fake/behaviour"):
                fake.configure_behaviour(**body)
                return json_response(asdict(fake.api.behaviour))
            if route == ("GET", "/_fake/tokens"):
                tokens = fake.issued_tokens
                tokens["user"] = fake.user_tokens
                return json_response(tokens)
            if route == ("POST", "/_fake/user-to-server-token"):
                token = fake.user_to_server_token(body["login"], int(body.get("lifetime", 8 * 3600)))
                return json_response({"token": token, "login": body["login"]}, 201)
            if route == ("POST", "/_fake/vanish"):
                common = {
                    "how": body.get("how"),
                    "after_requests": int(body.get("after_requests", 0)),
                    "org": body.get("org"),
                }
                if "newest_requests" in body or "newest_grants" in body:
                    chosen = fake.vanish_newest(
                        requests=int(body.get("newest_requests", 0)), grants=int(body.get("newest_grants", 0)), **common
                    )
                else:
                    chosen = {"requests": list(body.get("requests", [])), "grants": list(body.get("grants", []))}
                    fake.vanish(**chosen, **common)
                return json_response(chosen)
            if route == ("POST", "/_fake/settle"):
                fake.api.scheduler.flush()
                return json_response({"pending": fake.api.scheduler.pending})
            if route == ("POST", "/_fake/rate-limit"):
                limiter = fake.api.limiter
                limiter.limit = int(body.get("limit", limiter.limit))
                limiter.anonymous_limit = int(body.get("anonymous_limit", limiter.anonymous_limit))
                limiter.reset()
                return json_response({"limit": limiter.limit, "anonymous_limit": limiter.anonymous_limit})
        except (StateError, ValueError, TypeError, KeyError) as exc:
            return fail(f"{type(exc).__name__}: {exc}")
        return fail(f"no control endpoint {request.method} {request.path}", 404)

    def create_request(body: dict) -> Response:
        state = fake.state
        org = state.org(body.get("org") or fake.org)
        if org is None:
            return fail(f"no organization {body.get('org')!r}", 404)
        now = state.clock.now()
        record = state.create_request(
            org,
            body["owner"],
            token_name=body.get("token_name", ""),
            permissions=body.get("permissions") or {},
            repositories=body.get("repositories", "none"),
            reason=body.get("reason"),
            expires_at=parse_time(body.get("token_expires_at"), now),
            last_used_at=parse_time(body.get("token_last_used_at"), now),
            token_id=body.get("upgrade_of_token_id"),
        )
        kind = "grant" if isinstance(record, PatGrant) else "request"
        return json_response({"kind": kind, "id": record.id, "token_id": record.token.token_id}, 201)

    return control
