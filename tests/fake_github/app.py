"""The WSGI application: GitHub's REST behaviour for the operations of the contract.

One request goes through, in order: latency, JSON parsing, identifying the caller (for the
log), contract check of the request (599 on mismatch), fault injection, refusing bad
credentials, primary rate limit, access rules, the handler, rate limit headers, contract
check of the response (599 on mismatch), request log. Control
endpoints under ``/_fake/`` skip all of it (see ``control.py``).
"""

from __future__ import annotations

import functools
import json
import math
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import render
from .auth import Caller, fingerprint, identify
from .behaviour import Behaviour, Scheduler
from .contract import Contract, any_product_operations
from .errors import (
    RATE_LIMIT_DOCS,
    ApiError,
    invalid_request,
    json_response,
    jwt_not_decoded,
    not_found,
    requires_authentication,
    validation_failed,
)
from .extensions import extension_routes
from .faults import FaultInjector
from .permissions import parse_permission_filter, rank
from .ratelimit import Budget, RateLimiter, exceeded
from .state import FakeState, ListQuery, Organization, UnknownIds, iso
from .tokens import installation_token_value

CONTRACT_VIOLATION = 599
MAX_BULK_IDS = 100
MAX_OWNERS = 10
MAX_TOKEN_IDS = 50
MAX_REASON = 1024
MAX_CREDENTIALS = 1000
MAX_TOKEN_REPOSITORIES = 500

# Who may call an operation (checked before the handler runs).
JWT, INSTALLATION, USER, ANYONE, ANONYMOUS, ORG_READER = "jwt", "installation", "user", "any", "anonymous", "org"
OWNER = "owner"  # a user token of an owner (admin) of the organization in the path

FORBIDDEN_PAT = "Resource not accessible by personal access token"
FORBIDDEN_INTEGRATION = "Resource not accessible by integration"

_ORG_ALIAS = re.compile(r"^/organizations/(\d+)(/.*)?$")


@dataclass(frozen=True)
class Route:
    """One operation: werkzeug path, method, endpoint name, who may call it.

    ``func`` is set by route modules outside this file (see ``extensions.py``): it is called
    as ``func(api, ctx, **path_args)``; without it the ``GitHubAPI`` method ``handler`` runs.
    """

    path: str
    method: str
    handler: str
    access: str
    app_permission: tuple[str, str] | None = None  # (name, level) an installation token needs
    func: Callable[..., Response] | None = None

    @property
    def template(self) -> str:
        """The OpenAPI form of ``path`` (``/orgs/{org}/…``)."""
        return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", self.path)


ROUTES = [
    Route("/app", "GET", "get_app", JWT),
    Route("/app/installations", "GET", "list_installations", JWT),
    Route("/app/installations/<int:installation_id>", "GET", "get_installation", JWT),
    Route("/app/installations/<int:installation_id>", "DELETE", "delete_installation", JWT),
    Route("/app/installations/<int:installation_id>/access_tokens", "POST", "create_installation_token", JWT),
    Route("/orgs/<org>/installation", "GET", "get_org_installation", JWT),
    Route("/installation/token", "DELETE", "revoke_installation_token", INSTALLATION),
    Route(
        "/orgs/<org>/personal-access-token-requests",
        "GET",
        "list_requests",
        INSTALLATION,
        ("organization_personal_access_token_requests", "read"),
    ),
    Route(
        "/orgs/<org>/personal-access-token-requests",
        "POST",
        "review_requests",
        INSTALLATION,
        ("organization_personal_access_token_requests", "write"),
    ),
    Route(
        "/orgs/<org>/personal-access-token-requests/<int:pat_request_id>",
        "POST",
        "review_request",
        INSTALLATION,
        ("organization_personal_access_token_requests", "write"),
    ),
    Route(
        "/orgs/<org>/personal-access-token-requests/<int:pat_request_id>/repositories",
        "GET",
        "list_request_repositories",
        INSTALLATION,
        ("organization_personal_access_token_requests", "read"),
    ),
    Route(
        "/orgs/<org>/personal-access-tokens",
        "GET",
        "list_grants",
        INSTALLATION,
        ("organization_personal_access_tokens", "read"),
    ),
    Route(
        "/orgs/<org>/personal-access-tokens",
        "POST",
        "revoke_grants",
        INSTALLATION,
        ("organization_personal_access_tokens", "write"),
    ),
    Route(
        "/orgs/<org>/personal-access-tokens/<int:pat_id>",
        "POST",
        "revoke_grant",
        INSTALLATION,
        ("organization_personal_access_tokens", "write"),
    ),
    Route(
        "/orgs/<org>/personal-access-tokens/<int:pat_id>/repositories",
        "GET",
        "list_grant_repositories",
        INSTALLATION,
        ("organization_personal_access_tokens", "read"),
    ),
    Route("/credentials/revoke", "POST", "revoke_credentials", ANONYMOUS),
    Route("/user", "GET", "get_user", USER),
    Route("/user", "PATCH", "update_user", USER),
    Route("/user/emails", "GET", "list_emails", USER),
    Route("/user/emails", "POST", "add_emails", USER),
    Route("/user/emails", "DELETE", "delete_emails", USER),
    Route("/rate_limit", "GET", "get_rate_limit", ANYONE),
    Route("/orgs/<org>/members", "GET", "list_members", ORG_READER, ("members", "read")),
    Route("/orgs/<org>/members/<username>", "GET", "check_member", ORG_READER, ("members", "read")),
    Route("/orgs/<org>/members/<username>", "DELETE", "remove_member", ORG_READER, ("members", "write")),
    Route("/orgs/<org>/teams/<team_slug>/members", "GET", "list_team_members", ORG_READER, ("members", "read")),
    Route("/users/<username>", "GET", "get_user_by_username", ANYONE),
    Route("/repos/<owner>/<repo>", "GET", "get_repository", ANYONE),
]


def all_routes() -> list[Route]:
    """The routes of this file plus those of the registered route modules (``extensions.py``)."""
    return ROUTES + extension_routes()


def _url_map(routes: list[Route]) -> Map:
    return Map([Rule(r.path, endpoint=r.handler, methods=[r.method]) for r in routes], strict_slashes=False)


@functools.lru_cache(maxsize=None)
def _product_routes(contract: Contract) -> tuple[dict[str, Route], Map, Map]:
    """Routes the product has, their map, and a map of every route any product has.

    Built once per contract: compiling a map costs more than a request. An operation the
    product's description lacks is not routed, so it answers 404 as that product does.
    """
    routes = all_routes()
    served = [r for r in routes if contract.has(r.method, r.template)]
    return {r.handler: r for r in served}, _url_map(served), _url_map(routes)


class RequestLog:
    """Every API request, in arrival order, without secrets; optionally mirrored as JSON lines."""

    def __init__(self, path: str | None = None) -> None:
        self._entries: list[dict] = []
        self._lock = threading.Lock()
        self._path = path

    def add(self, entry: dict) -> None:
        with self._lock:
            entry["seq"] = len(self._entries) + 1
            self._entries.append(entry)
            if self._path:
                with open(self._path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class Ctx:
    """What a handler needs about the current request."""

    request: Request
    path: str  # canonical path (``/organizations/{id}`` rewritten to ``/orgs/{login}``)
    base: str  # scheme://host the client used
    body: Any
    caller: Caller
    route: Route

    @property
    def query(self) -> MultiDict:
        return self.request.args


class GitHubAPI:
    """The fake API as a WSGI callable; shared objects are owned by :class:`FakeGitHub`."""

    def __init__(
        self,
        state: FakeState,
        *,
        contract: Contract,
        validate: bool,
        faults: FaultInjector,
        limiter: RateLimiter,
        log: RequestLog,
        control: Callable[[Request], Response],
        behaviour: Behaviour | None = None,
    ) -> None:
        self.state = state
        self.behaviour = behaviour or Behaviour()
        self.scheduler = Scheduler()
        self.contract = contract  # always used for operation docs URLs; validation only if asked
        self.validate = validate
        self.faults = faults
        self.limiter = limiter
        self.log = log
        self.control = control
        self.contract_errors: list[dict] = []
        self.product = contract.product
        self.prefix = self.product.prefix  # GHES serves the API under /api/v3
        self._routes, self._url_map, self._known_map = _product_routes(contract)

    # -- pipeline ------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            path = path[len(self.prefix) :] or "/"
        elif self.prefix and not path.startswith("/_fake/"):
            return not_found().response()(environ, start_response)  # GHES: not the REST API
        if path.startswith("/_fake/"):
            return self.control(request)(environ, start_response)
        self.scheduler.tick()  # delayed writes and out-of-band changes that are due
        started = time.monotonic()
        latency = self.faults.config.latency_ms
        if latency:
            time.sleep(latency / 1000)
        path = self._canonical_path(path)
        entry = {
            "time": iso(self.state.clock.now()),
            "method": request.method,
            "path": request.path,
            "query": {k: request.args.getlist(k) for k in request.args},
            "json": None,
            "status": None,
            "auth": "none",
            "fingerprint": None,
            "fault": None,
        }
        fault = None
        try:
            response, fault = self._handle(request, path, entry)
        except ApiError as exc:
            response = exc.response()
        entry["status"] = response.status_code
        entry["fault"] = fault
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        self.log.add(entry)
        if fault in ("drop", "applied_then_drop"):
            return self._drop(environ, start_response)
        return response(environ, start_response)

    def _handle(self, request: Request, path: str, entry: dict) -> tuple[Response, str | None]:
        raw = request.get_data()
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                if not self.validate:
                    raise ApiError(400, "Problems parsing JSON") from None
        entry["json"] = _redact(path, body)
        caller = identify(request.headers.get("Authorization"), self.state, self.product.client_id_iss)
        entry["auth"], entry["fingerprint"] = caller.kind, caller.fingerprint
        if self.validate:
            if self.contract.find(request.method, path) is None and self._known(request.method, path):
                # Another product has this operation; this one does not: GitHub's 404.
                return self._dispatch(request, path, body, caller), None
            problems = self.contract.check_request(request.method, path, request.args, request.content_type or "", raw)
            if problems:
                return self._violation("request", request, path, 0, problems), None
        fault = self.faults.decide(request.method)
        if fault in ("500", "502", "504", "secondary", "secondary_reset", "secondary_bare", "primary", "drop"):
            return self._fault_response(fault, caller), fault
        if fault == "slow":
            time.sleep(self.faults.config.slow_ms / 1000)
        response = self._dispatch(request, path, body, caller)
        if fault == "applied_then_502":  # the write took effect; the gateway lost the answer
            return self._fault_response("502", caller), fault
        if self.validate:
            problems = self.contract.check_response(
                request.method,
                path,
                response.status_code,
                response.headers,
                response.content_type or "",
                response.get_data(),
            )
            if problems:
                return self._violation("response", request, path, response.status_code, problems), fault
        return response, fault

    def _known(self, method: str, path: str) -> bool:
        """Whether the fake serves, or any product's description has, ``method path``."""
        try:
            self._known_map.bind("localhost").match(path, method=method)
        except HTTPException:
            return any(m == method and regex.match(path) for m, regex in any_product_operations())
        return True

    def _dispatch(self, request: Request, path: str, body: Any, caller: Caller) -> Response:
        now = int(self.state.clock.now().timestamp())
        budget: Budget | None = None
        try:
            adapter = self._url_map.bind(request.host or "localhost")
            try:
                handler, args = adapter.match(path, method=request.method)
            except NotFound:
                raise not_found() from None
            except MethodNotAllowed:
                raise not_found() from None
            except HTTPException as exc:  # e.g. a redirect for a trailing slash
                raise not_found() from exc
            route = self._routes[handler]
            if caller.error is not None:
                raise caller.error
            if handler != "get_rate_limit":  # GitHub does not count /rate_limit against the limit
                budget = self.limiter.spend(caller.rate_key, now, _rate_subject(caller, request))
            ctx = Ctx(
                request=request,
                path=path,
                base=request.host_url.rstrip("/") + self.prefix,
                body=body,
                caller=caller,
                route=route,
            )
            self._authorize(ctx, args.get("org"))
            response = route.func(self, ctx, **args) if route.func else getattr(self, handler)(ctx, **args)
        except ApiError as exc:
            op = self.contract.find(request.method, path)
            response = exc.response(op.docs_url if op else "https://docs.github.com/rest")
        if budget is None:
            budget = self.limiter.peek(caller.rate_key, now)
        for name, value in budget.headers().items():
            response.headers.setdefault(name, value)
        user = caller.user
        if user is not None and user.token_expires_at is not None:
            response.headers["GitHub-Authentication-Token-Expiration"] = user.token_expires_at.strftime(
                "%Y-%m-%d %H:%M:%S UTC"
            )
        return response

    def _canonical_path(self, path: str) -> str:
        """GitHub serves ``/organizations/{id}/…`` (the form of its own links) like ``/orgs/{login}/…``."""
        match = _ORG_ALIAS.match(path)
        if match:
            org = self.state.orgs_by_id.get(int(match.group(1)))
            if org is not None:
                path = f"/orgs/{org.login}{match.group(2) or ''}"
        return path.rstrip("/") or "/"

    def _violation(self, phase: str, request: Request, path: str, status: int, problems: list[str]) -> Response:
        record = {
            "phase": phase,
            "method": request.method,
            "path": path,
            "query": {k: request.args.getlist(k) for k in request.args},
            "status": status or None,
            "problems": problems,
        }
        self.contract_errors.append(record)
        return json_response({"message": f"Contract violation in the {phase}", **record}, CONTRACT_VIOLATION)

    def _fault_response(self, fault: str, caller: Caller) -> Response:
        cfg = self.faults.config
        if fault == "502":
            page = (
                "<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head>"
                "<body><h1>No server is currently available to service your request.</h1>"
                "<p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>"
                "</body></html>\n"
            )
            return Response(page, status=502, content_type="text/html; charset=utf-8")
        if fault == "500":
            return ApiError(500, "Server Error").response()
        if fault == "504":
            return ApiError(
                504,
                "We couldn't respond to your request in time. Sorry about that. Please try "
                "resubmitting your request and contact us if the problem persists.",
            ).response()
        now = int(self.state.clock.now().timestamp())
        if fault.startswith("secondary"):
            # GitHub's three shapes: with Retry-After; without it but remaining 0 and a reset
            # time; and neither (only the message, the usual headers of a budget not spent).
            if fault == "secondary":
                headers = {"Retry-After": str(cfg.retry_after)}
            elif fault == "secondary_reset":
                limit = self.limiter.anonymous_limit if caller.rate_key[0] == "anonymous" else self.limiter.limit
                headers = Budget(limit, limit, now + cfg.retry_after).headers()
            else:
                headers = self.limiter.peek(caller.rate_key, now).headers()
            return ApiError(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you "
                "try again. If you reach out to GitHub Support for help, please include the "
                "request ID 0000:FAKE:0000000:0000000:00000000.",
                headers=headers,
                documentation_url=RATE_LIMIT_DOCS + "#about-secondary-rate-limits",
            ).response()
        # primary: the caller's budget is (pretend) exhausted until shortly
        key = caller.rate_key
        limit = self.limiter.anonymous_limit if key[0] == "anonymous" else self.limiter.limit
        return exceeded(key, _who(caller), Budget(limit, limit, now + cfg.retry_after)).response()

    @staticmethod
    def _drop(environ, start_response):
        """Close the connection without answering (the client sees a reset/empty reply)."""
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        start_response("500 Dropped", [("Content-Length", "0")])
        return [b""]

    # -- access ----------------------------------------------------------------------------
    def _authorize(self, ctx: Ctx, org_login: str | None) -> None:
        caller, route = ctx.caller, ctx.route
        kind = caller.kind
        if route.access == ANYONE:
            return
        if route.access == ANONYMOUS:
            if kind != "none":
                raise ApiError(403, "This endpoint must be called without authentication.")
            return
        if kind == "none":
            if route.access == JWT:
                raise jwt_not_decoded()
            if route.access == ORG_READER and ctx.request.method == "GET":
                return  # anonymous callers see the public view
            raise requires_authentication()
        if route.access == JWT:
            if kind != "jwt":
                raise jwt_not_decoded()
            return
        if route.access == USER:
            if kind not in ("pat", "user-to-server"):
                raise ApiError(403, FORBIDDEN_INTEGRATION)
            return
        if route.access == OWNER:
            if caller.user is None:
                raise ApiError(403, FORBIDDEN_INTEGRATION)
            if org_login is not None and self._org(org_login).role_of(caller.user.login) != "admin":
                raise ApiError(403, "Must have admin rights to Organization.")
            return
        if route.access == INSTALLATION and kind == "pat":
            raise ApiError(403, FORBIDDEN_PAT)
        if kind == "user-to-server":
            self._authorize_user_to_server(ctx, org_login)
            return
        if kind == "jwt":
            raise ApiError(403, FORBIDDEN_INTEGRATION)
        if kind == "installation":
            if org_login is not None:
                org = self._org(org_login)
                if caller.installation.account is not org:
                    raise ApiError(403, FORBIDDEN_INTEGRATION)
            if route.app_permission:
                name, level = route.app_permission
                held = caller.installation_token.permissions.get(name)
                if held is None or rank(held) < rank(level):
                    raise ApiError(403, FORBIDDEN_INTEGRATION)

    def _authorize_user_to_server(self, ctx: Ctx, org_login: str | None) -> None:
        """A ``ghu_`` token acts for its user through the App: on an organization's endpoints it
        holds what both hold, the installation's permissions and the user's role. GitHub lists
        the org PAT operations as open to user-to-server tokens; they need an owner."""
        route = ctx.route
        if route.access != INSTALLATION:
            return  # members, teams, users, repositories: as the user
        if org_login is None:
            raise ApiError(403, FORBIDDEN_INTEGRATION)  # e.g. DELETE /installation/token
        org = self._org(org_login)
        inst = org.installation
        if inst is None or inst.app is not ctx.caller.app or org.role_of(ctx.caller.user.login) != "admin":
            raise ApiError(403, FORBIDDEN_INTEGRATION)
        if route.app_permission:
            name, level = route.app_permission
            held = inst.permissions.get(name)
            if held is None or rank(held) < rank(level):
                raise ApiError(403, FORBIDDEN_INTEGRATION)

    def _org(self, login: str) -> Organization:
        org = self.state.org(login)
        if org is None:
            raise not_found()
        return org

    # -- pagination ------------------------------------------------------------------------
    def _page(self, ctx: Ctx, items: list, render_item: Callable[[Any], dict]) -> Response:
        """Slice ``items`` by ``page``/``per_page`` and add GitHub's ``Link`` header."""
        per_page = min(max(_int_param(ctx, "per_page", 30), 1), 100)
        page = max(_int_param(ctx, "page", 1), 1)
        last = max(math.ceil(len(items) / per_page), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        with self.state.lock:
            body = [render_item(item) for item in chunk]
        response = json_response(body)
        link = self._link_header(ctx, page, last)
        if link:
            response.headers["Link"] = link
        return response

    def _link_header(self, ctx: Ctx, page: int, last: int) -> str:
        links = []
        if page > 1:
            links.append((min(page - 1, last), "prev"))
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links.append((1, "first"))
        if not links:
            return ""
        path = ctx.path
        match = re.match(r"^/orgs/([^/]+)(/.*)?$", path)
        if match:  # GitHub's own links name the organization by id
            org = self.state.org(match.group(1))
            if org is not None:
                path = f"/organizations/{org.id}{match.group(2) or ''}"
        raw = ctx.request.query_string.decode("latin-1")
        parts = [p for p in raw.split("&") if p] if raw else []

        def url(number: int) -> str:
            out, placed = [], False
            for part in parts:
                if part.split("=", 1)[0] == "page":
                    if not placed:
                        out.append(f"page={number}")
                        placed = True
                else:
                    out.append(part)
            if not placed:
                out.append(f"page={number}")
            return f"{ctx.base}{path}?{'&'.join(out)}"

        return ", ".join(f'<{url(number)}>; rel="{rel}"' for number, rel in links)

    # -- App -------------------------------------------------------------------------------
    def get_app(self, ctx: Ctx) -> Response:
        owner = next(iter(self.state.orgs.values()), None)
        body = render.integration(self.state.app, owner, ctx.base)
        body["installations_count"] = len(self.state.installations)
        return json_response(body)

    def list_installations(self, ctx: Ctx) -> Response:
        items = sorted(self.state.installations.values(), key=lambda i: i.id)
        return self._page(ctx, items, lambda inst: render.installation(inst, ctx.base))

    def _installation(self, installation_id: int):
        inst = self.state.installations.get(installation_id)
        if inst is None:
            raise not_found()
        return inst

    def get_installation(self, ctx: Ctx, installation_id: int) -> Response:
        return json_response(render.installation(self._installation(installation_id), ctx.base))

    def delete_installation(self, ctx: Ctx, installation_id: int) -> Response:
        self.state.delete_installation(self._installation(installation_id))
        return Response(status=204)

    def get_org_installation(self, ctx: Ctx, org: str) -> Response:
        found = self.state.org(org)
        if found is None or found.installation is None:
            raise not_found()
        return json_response(render.installation(found.installation, ctx.base))

    def create_installation_token(self, ctx: Ctx, installation_id: int) -> Response:
        inst = self._installation(installation_id)
        body = ctx.body if ctx.body is not None else {}
        if not isinstance(body, dict):
            raise invalid_request("the body must be a JSON object.")
        names = _list_of(body, "repositories", str)
        ids = _list_of(body, "repository_ids", int)
        permissions = body.get("permissions")
        if permissions is not None and not (
            isinstance(permissions, dict) and all(isinstance(v, str) for v in permissions.values())
        ):
            raise invalid_request("For 'properties/permissions', the value must be an object of strings.")
        org = inst.account
        if not isinstance(org, Organization):  # a user account installation: no repositories here
            org = Organization(id=0, login=org.login, name=org.name, created_at=org.created_at)
        repo_ids: tuple[int, ...] | None = None
        if names is not None or ids is not None:
            wanted = list(ids or [])
            for name in names or []:
                repo = org.repos_by_name.get(name.lower())
                wanted.append(repo.id if repo else -1)
            if len(wanted) > MAX_TOKEN_REPOSITORIES:
                raise validation_failed(
                    [
                        {
                            "resource": "InstallationToken",
                            "field": "repositories",
                            "code": "invalid",
                            "message": f"at most {MAX_TOKEN_REPOSITORIES} repositories",
                        }
                    ]
                )
            if any(i not in org.repositories for i in wanted):
                raise ApiError(
                    422,
                    "There is at least one repository that does not exist or is not accessible "
                    "to the parent installation.",
                )
            repo_ids = tuple(dict.fromkeys(wanted))
        granted = dict(inst.permissions)
        if permissions:
            for name, level in permissions.items():
                held = inst.permissions.get(name)
                if held is None or rank(level) < 0 or rank(level) > rank(held):
                    raise ApiError(422, "The permissions requested are not granted to this installation.")
            granted = dict(permissions)
        stateless = self.product.stateless_tokens and (
            self.behaviour.stateless_tokens
            or ctx.request.headers.get("X-GitHub-Stateless-S2S-Token", "").lower() in ("1", "true")
        )
        token = installation_token_value(
            inst, stateless, self.state.clock.now() + timedelta(seconds=self.state.token_lifetime)
        )
        record = self.state.issue_installation_token(inst, granted, repo_ids, token)
        result = {
            "token": token,
            "expires_at": iso(record.expires_at),
            "permissions": granted,
            "repository_selection": "all" if repo_ids is None else "selected",
        }
        if repo_ids is not None:
            result["repositories"] = [render.repository(org.repositories[i], org, ctx.base) for i in repo_ids]
        return json_response(result, 201)

    def revoke_installation_token(self, ctx: Ctx) -> Response:
        ctx.caller.installation_token.revoked = True
        return Response(status=204)

    # -- organization PAT requests and grants ----------------------------------------------------
    def list_requests(self, ctx: Ctx, org: str) -> Response:
        found = self._org(org)
        items = self.state.select(found, "requests", _list_query(ctx, self.behaviour.never_used_matches))
        now = self.state.clock.now()
        return self._page(ctx, items, lambda r: render.pat_request(r, found, ctx.base, now))

    def list_grants(self, ctx: Ctx, org: str) -> Response:
        found = self._org(org)
        items = self.state.select(found, "grants", _list_query(ctx, self.behaviour.never_used_matches))
        now = self.state.clock.now()
        return self._page(ctx, items, lambda g: render.pat_grant(g, found, ctx.base, now))

    def _repositories(self, ctx: Ctx, found: Organization, record) -> Response:
        repos = [found.repositories[i] for i in record.token.repository_ids]
        return self._page(ctx, repos, lambda repo: render.minimal_repository(repo, found, ctx.base))

    def list_request_repositories(self, ctx: Ctx, org: str, pat_request_id: int) -> Response:
        found = self._org(org)
        record = found.requests.by_id.get(pat_request_id)
        if record is None:
            raise not_found()
        return self._repositories(ctx, found, record)

    def list_grant_repositories(self, ctx: Ctx, org: str, pat_id: int) -> Response:
        found = self._org(org)
        record = found.grants.by_id.get(pat_id)
        if record is None:
            raise not_found()
        return self._repositories(ctx, found, record)

    def _already_handled(self, found: Organization, kind: str, ids: list[int]) -> None:
        """A resend of ids that were all reviewed/revoked already: GitHub documents no answer
        (the description lists 404 and 422), so the ``already_handled`` behaviour picks it."""
        handled = found.handled_requests if kind == "requests" else found.handled_grants
        if not ids or not set(ids) <= handled:
            return
        choice = self.behaviour.already_handled
        if choice == "as-unknown":
            return
        status = self.scheduler.next_alternate() if choice == "alternate" else int(choice)
        if status == 404:
            raise not_found()
        field_name = "pat_request_ids" if kind == "requests" else "pat_ids"
        raise validation_failed(
            [
                {
                    "resource": "OrganizationProgrammaticAccessGrant" + ("Request" if kind == "requests" else ""),
                    "field": field_name,
                    "code": "invalid",
                    "message": "already handled: " + ", ".join(map(str, ids)),
                }
            ]
        )

    def _bulk(self, found: Organization, kind: str, ids: list[int], apply: Callable[[], None]) -> None:
        """Apply a bulk write now, or (``bulk_delay_*``) accept it now and apply it later, so the
        listings show the old state for a while; the ids are checked at once either way."""
        if not self.behaviour.delays_bulk:
            apply()
            return
        index = found.requests if kind == "requests" else found.grants
        missing = [i for i in dict.fromkeys(ids) if i not in index.by_id]
        if missing:
            raise UnknownIds(missing)

        def later() -> None:
            pending = [i for i in dict.fromkeys(ids) if i in index.by_id]  # a resend may have done some
            if pending:
                ids[:] = pending
                apply()

        self.scheduler.after(later, self.behaviour.bulk_delay_requests, self.behaviour.bulk_delay_seconds)

    def review_requests(self, ctx: Ctx, org: str) -> Response:
        found = self._org(org)
        body = _object_body(ctx)
        ids = _id_list(body, "pat_request_ids")
        action, reason = _review_fields(body)
        return self._bulk_write(
            found,
            "requests",
            ids,
            lambda: self.state.review_requests(found, ids, action, reason, source="bulk"),
            ("OrganizationProgrammaticAccessGrantRequest", "pat_request_ids", "not found or not pending"),
        )

    def review_request(self, ctx: Ctx, org: str, pat_request_id: int) -> Response:
        found = self._org(org)
        action, reason = _review_fields(_object_body(ctx))
        return self._single_write(
            found,
            "requests",
            pat_request_id,
            lambda: self.state.review_requests(found, [pat_request_id], action, reason, source="single"),
        )

    def revoke_grants(self, ctx: Ctx, org: str) -> Response:
        found = self._org(org)
        body = _object_body(ctx)
        ids = _id_list(body, "pat_ids")
        _revoke_action(body)
        return self._bulk_write(
            found,
            "grants",
            ids,
            lambda: self.state.revoke_grants(found, ids, source="bulk"),
            ("OrganizationProgrammaticAccessGrant", "pat_ids", "not found"),
        )

    def revoke_grant(self, ctx: Ctx, org: str, pat_id: int) -> Response:
        found = self._org(org)
        _revoke_action(_object_body(ctx))
        return self._single_write(
            found, "grants", pat_id, lambda: self.state.revoke_grants(found, [pat_id], source="single")
        )

    def _bulk_write(
        self, found: Organization, kind: str, ids: list[int], write: Callable[[], None], error: tuple[str, str, str]
    ) -> Response:
        """A bulk review or revocation: 202, or 422 naming the unknown ids (``error``: the
        resource, field and message GitHub answers with); all or nothing."""
        try:
            self._bulk(found, kind, ids, write)
        except UnknownIds as exc:
            self._already_handled(found, kind, exc.ids)
            resource, field, message = error
            raise validation_failed(
                [
                    {
                        "resource": resource,
                        "field": field,
                        "code": "invalid",
                        "message": message + ": " + ", ".join(map(str, exc.ids)),
                    }
                ]
            ) from None
        return json_response({}, 202)

    def _single_write(self, found: Organization, kind: str, item_id: int, write: Callable[[], None]) -> Response:
        """A single review or revocation: 204, or 404 for an unknown id."""
        try:
            write()
        except UnknownIds:
            self._already_handled(found, kind, [item_id])
            raise not_found() from None
        return Response(status=204)

    # -- credentials, users, rate limit -----------------------------------------------------------
    def revoke_credentials(self, ctx: Ctx) -> Response:
        body = ctx.body
        credentials = body.get("credentials") if isinstance(body, dict) else None
        if (
            not isinstance(credentials, list)
            or not 1 <= len(credentials) <= MAX_CREDENTIALS
            or not all(isinstance(c, str) for c in credentials)
        ):
            raise ApiError(
                422, "Invalid request.", errors=[f"credentials must be a list of 1 to {MAX_CREDENTIALS} strings"]
            )
        self.state.revoke_credentials(credentials)
        return json_response({}, 202)

    def get_user(self, ctx: Ctx) -> Response:
        return json_response(render.private_user(ctx.caller.user, ctx.base))

    def update_user(self, ctx: Ctx) -> Response:
        body = _object_body(ctx)
        editable = {"name", "email", "blog", "twitter_username", "company", "location", "hireable", "bio"}
        user = ctx.caller.user
        with self.state.lock:
            for key, value in body.items():
                if key in editable:
                    if key == "name":
                        user.name = value
                    user.profile[key] = value
        return json_response(render.private_user(user, ctx.base))

    def list_emails(self, ctx: Ctx) -> Response:
        return self._page(ctx, list(ctx.caller.user.emails), dict)

    def add_emails(self, ctx: Ctx) -> Response:
        emails = _email_list(ctx)
        user = ctx.caller.user
        added = []
        with self.state.lock:
            known = {e["email"].lower() for e in user.emails}
            for email in emails:
                if email.lower() not in known:
                    entry = {"email": email, "primary": False, "verified": False, "visibility": None}
                    user.emails.append(entry)
                    added.append(entry)
        return json_response(added, 201)

    def delete_emails(self, ctx: Ctx) -> Response:
        emails = {e.lower() for e in _email_list(ctx)}
        user = ctx.caller.user
        with self.state.lock:
            if not emails <= {e["email"].lower() for e in user.emails}:
                raise not_found()
            user.emails = [e for e in user.emails if e["email"].lower() not in emails or e["primary"]]
        return Response(status=204)

    def get_rate_limit(self, ctx: Ctx) -> Response:
        now = int(self.state.clock.now().timestamp())
        budget = self.limiter.peek(ctx.caller.rate_key, now)
        core = {"limit": budget.limit, "remaining": budget.remaining, "reset": budget.reset, "used": budget.used}
        search = {"limit": 30, "remaining": 30, "reset": now + 60, "used": 0}
        response = json_response({"resources": {"core": core, "search": search}, "rate": core})
        response.headers.update(budget.headers())
        return response

    # -- members and teams ----------------------------------------------------------------------
    def _sees_members(self, ctx: Ctx, found: Organization) -> bool:
        """Installations of the org and its members see every member; others see public ones (none here)."""
        caller = ctx.caller
        if caller.installation is not None:
            return True
        return caller.user is not None and found.role_of(caller.user.login) is not None

    def list_members(self, ctx: Ctx, org: str) -> Response:
        found = self._org(org)
        role = ctx.query.get("role", "all")
        member_filter = ctx.query.get("filter", "all")
        if role not in ("all", "admin", "member") or member_filter not in ("all", "2fa_disabled", "2fa_insecure"):
            raise validation_failed(
                [
                    {
                        "resource": "Organization",
                        "field": "role" if role not in ("all", "admin", "member") else "filter",
                        "code": "invalid",
                    }
                ]
            )
        members = []
        if self._sees_members(ctx, found) and member_filter == "all":  # every fake user has 2FA
            members = sorted((u for u, r in found.members.values() if role in ("all", r)), key=lambda u: u.id)
        return self._page(ctx, members, lambda u: render.simple_user(u, ctx.base))

    def check_member(self, ctx: Ctx, org: str, username: str) -> Response:
        found = self._org(org)
        if not self._sees_members(ctx, found):
            return Response(
                status=302, headers={"Location": f"{ctx.base}/orgs/{found.login}/public_members/{username}"}
            )
        if found.role_of(username) is None:
            return Response(status=404)
        return Response(status=204)

    def remove_member(self, ctx: Ctx, org: str, username: str) -> Response:
        found = self._org(org)
        user = ctx.caller.user
        if user is not None and found.role_of(user.login) != "admin":
            raise ApiError(403, "You must be an admin to remove members.")
        if found.role_of(username) is None:
            raise not_found()
        self.state.remove_member(found, username)
        return Response(status=204)

    def list_team_members(self, ctx: Ctx, org: str, team_slug: str) -> Response:
        found = self._org(org)
        team = found.teams.get(team_slug.lower())
        if team is None or not self._sees_members(ctx, found):
            raise not_found()
        role = ctx.query.get("role", "all")
        users = sorted(
            (
                found.members[login][0]
                for login, r in team.members.items()
                if role in ("all", r) and login in found.members
            ),
            key=lambda u: u.id,
        )
        return self._page(ctx, users, lambda u: render.simple_user(u, ctx.base))

    # -- users and repositories by name ---------------------------------------------------------
    def get_user_by_username(self, ctx: Ctx, username: str) -> Response:
        """``type`` tells a user from an organization (what ``pat_template`` asks)."""
        user = self.state.user(username)
        if user is not None:
            return json_response(render.public_user(user, ctx.base))
        org = self.state.org(username)
        if org is not None:
            return json_response(render.public_org_account(org, ctx.base))
        raise not_found()

    def get_repository(self, ctx: Ctx, owner: str, repo: str) -> Response:
        """A private repository is visible to its organization's installation (within a token's
        narrowed repositories) and members (within their token's reach); to others it does
        not exist (404, as GitHub hides private repositories)."""
        org = self.state.org(owner)
        found = org.repos_by_name.get(repo.lower()) if org is not None else None
        if found is None:
            raise not_found()
        caller = ctx.caller
        if caller.kind == "jwt":
            raise ApiError(403, FORBIDDEN_INTEGRATION)
        if found.private and not _reaches(caller, org, found):
            raise not_found()
        return json_response(render.full_repository(found, org, ctx.base))


def _reaches(caller: Caller, org: Organization, repo) -> bool:
    if caller.installation is not None:
        token = caller.installation_token
        return caller.installation.account is org and (token.repository_ids is None or repo.id in token.repository_ids)
    user = caller.user
    if user is None or org.role_of(user.login) is None:
        return False
    return user.token_repositories is None or repo.name.lower() in user.token_repositories


# -- request parsing helpers (GitHub's 422s when contract validation is off) ----------------------
def _int_param(ctx: Ctx, name: str, default: int) -> int:
    value = ctx.query.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise validation_failed([{"field": name, "code": "invalid", "message": f"{name} must be an integer"}]) from None


def _array_param(ctx: Ctx, name: str, limit: int) -> list[str] | None:
    if name in ctx.query:
        raise validation_failed(
            [{"field": name, "code": "invalid", "message": f"{name} must be an array ({name}[]=...)"}]
        )
    values = ctx.query.getlist(f"{name}[]")
    if not values:
        return None
    if len(values) > limit:
        raise validation_failed(
            [{"field": name, "code": "invalid", "message": f"{name} accepts at most {limit} values"}]
        )
    return values


def _time_param(ctx: Ctx, name: str) -> datetime | None:
    value = ctx.query.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_failed(
            [
                {
                    "field": name,
                    "code": "invalid",
                    "message": f"{name} must be an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)",
                }
            ]
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _list_query(ctx: Ctx, never_used: str = "none") -> ListQuery:
    """Parse and check the filters of the PAT list endpoints."""
    sort = ctx.query.get("sort", "created_at")
    direction = ctx.query.get("direction", "desc")
    if sort != "created_at":
        raise validation_failed([{"field": "sort", "code": "invalid", "message": "sort must be created_at"}])
    if direction not in ("asc", "desc"):
        raise validation_failed([{"field": "direction", "code": "invalid", "message": "direction must be asc or desc"}])
    owners = _array_param(ctx, "owner", MAX_OWNERS)
    token_ids = _array_param(ctx, "token_id", MAX_TOKEN_IDS)
    if token_ids is not None and not all(t.isdigit() for t in token_ids):
        raise validation_failed([{"field": "token_id", "code": "invalid", "message": "token_id must be integers"}])
    permission = ctx.query.get("permission")
    parsed_permission = None
    if permission:
        try:
            parsed_permission = parse_permission_filter(permission)
        except ValueError:
            raise validation_failed(
                [{"field": "permission", "code": "invalid", "message": f"unknown permission {permission!r}"}]
            ) from None
    return ListQuery(
        owners=frozenset(o.lower() for o in owners) if owners is not None else None,
        token_ids=frozenset(int(t) for t in token_ids) if token_ids is not None else None,
        repository=ctx.query.get("repository") or None,
        permission=parsed_permission,
        last_used_before=_time_param(ctx, "last_used_before"),
        last_used_after=_time_param(ctx, "last_used_after"),
        direction=direction,
        never_used=never_used,
    )


def _object_body(ctx: Ctx) -> dict:
    if not isinstance(ctx.body, dict):
        raise invalid_request("the body must be a JSON object.")
    return ctx.body


def _id_list(body: dict, field: str) -> list[int]:
    ids = body.get(field)
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_BULK_IDS
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise invalid_request(f"For 'properties/{field}', the value must be a list of 1 to {MAX_BULK_IDS} integers.")
    return ids


def _review_fields(body: dict) -> tuple[str, str | None]:
    action = body.get("action")
    if action not in ("approve", "deny"):
        raise invalid_request(
            f'For \'properties/action\', {json.dumps(action)} is not a member of ["approve", "deny"].'
        )
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise invalid_request(
            f"For 'properties/reason', the value must be a string of at most {MAX_REASON} characters."
        )
    return action, reason


def _revoke_action(body: dict) -> None:
    if body.get("action") != "revoke":
        raise invalid_request(
            f"For 'properties/action', {json.dumps(body.get('action'))} is not a member of [\"revoke\"]."
        )


def _list_of(body: dict, field: str, kind: type) -> list | None:
    if field not in body:
        return None
    values = body[field]
    if not isinstance(values, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in values):
        raise invalid_request(f"For 'properties/{field}', the value must be a list of {kind.__name__}.")
    return values


def _email_list(ctx: Ctx) -> list[str]:
    emails = _object_body(ctx).get("emails")
    if not isinstance(emails, list) or not emails or not all(isinstance(e, str) for e in emails):
        raise invalid_request("For 'properties/emails', the value must be a non-empty list of strings.")
    return emails


def _redact(path: str, body: Any) -> Any:
    """The log keeps credentials sent to /credentials/revoke as fingerprints only."""
    if path == "/credentials/revoke" and isinstance(body, dict) and isinstance(body.get("credentials"), list):
        return {**body, "credentials": [fingerprint(c) if isinstance(c, str) else c for c in body["credentials"]]}
    return body


def _who(caller: Caller) -> str:
    if caller.installation is not None:
        return f"installation ID {caller.installation.id}"
    if caller.user is not None:
        return f"user ID {caller.user.id}"
    if caller.app is not None:
        return f"app ID {caller.app.id}"
    return "127.0.0.1"


def _rate_subject(caller: Caller, request: Request) -> str:
    return _who(caller) if caller.kind != "none" else (request.remote_addr or "127.0.0.1")
