"""``FakeGitHub``: owns the state, the App key and a threaded werkzeug server on 127.0.0.1."""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import WSGIRequestHandler, make_server

from .app import GitHubAPI, RequestLog
from .behaviour import Behaviour, Scheduler, parse_behaviour
from .contract import Contract
from .control import make_control
from .faults import FaultConfig, FaultInjector, parse_config
from .fixture import build_state, read_fixture
from .generate import generate
from .products import get_product
from .ratelimit import RateLimiter
from .state import Clock, FakeState, PatGrant, PatRequest, StateError, parse_time
from .tokens import user_to_server_value

HOST = "127.0.0.1"


@functools.lru_cache(maxsize=1)
def _shared_private_key() -> rsa.RSAPrivateKey:
    """One RSA key per process: generating (and even parsing) 2048-bit keys for every test adds up."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.lru_cache(maxsize=None)
def _shared_contract(product: str) -> Contract:
    """Parsing a description takes a fraction of a second; it is read-only, so share it per product."""
    return Contract(product)


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the request log already records every request."""

    def log_request(self, code="-", size="-") -> None:
        pass


class FakeGitHub:
    """A fake api.github.com for one test, a molecule run or a demo.

    >>> fake = FakeGitHub(org="acme", grants=250, requests=40, seed=1)
    >>> fake.start(); fake.base_url              # http://127.0.0.1:PORT
    >>> fake.stop()

    ``fixture`` (a path or dict in the ``fixture.py`` format) replaces the generated data.
    ``faults`` is a dict of fault settings (see ``faults.py``), ``latency_ms`` a delay on
    every request. ``validate`` turns on contract validation of requests and responses.
    ``product`` (github.com, ghec, ghes-3.17, ghes-3.19; default ``$FAKE_GITHUB_PRODUCT`` or
    github.com) picks the description it serves and validates against (see ``products.py``).
    """

    def __init__(
        self,
        org: str = "acme",
        grants: int = 250,
        requests: int = 40,
        seed: int = 1,
        *,
        token_lifetime: int = 3600,
        validate: bool = True,
        faults: dict | None = None,
        latency_ms: int = 0,
        fixture: str | Path | dict | None = None,
        port: int = 0,
        key_path: str | Path | None = None,
        rate_limit: int = 5000,
        anonymous_rate_limit: int = 60,
        log_file: str | None = None,
        now: datetime | None = None,
        product: str | None = None,
        orgs: int = 1,
        lacking_pat_permission: int = 0,
        user_installation: str | None = None,
        emu_members: int = 0,
        upgrade_requests: int = 0,
        stateless_tokens: bool = False,
        never_used_matches: str = "none",
        already_handled: str = "as-unknown",
        bulk_delay_requests: int = 0,
        bulk_delay_seconds: float = 0.0,
    ) -> None:
        self.product = get_product(product)
        if stateless_tokens and not self.product.stateless_tokens:
            raise ValueError(f"{self.product.name} does not issue stateless installation tokens")
        self.org = org
        self.seed = seed
        self.token_lifetime = token_lifetime
        self._generation = {
            "grants": grants,
            "requests": requests,
            "seed": seed,
            "fixture": fixture,
            "now": now,
            "orgs": orgs,
            "lacking_pat_permission": lacking_pat_permission,
            "user_installation": user_installation,
            "emu_members": emu_members,
            "upgrade_requests": upgrade_requests,
        }
        self._port = port
        self.clock = Clock()
        if key_path is not None:
            self.private_key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
        else:
            self.private_key = _shared_private_key()
        self.private_key_pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode("ascii")
        self.private_key_path: str | None = None
        fault_config = parse_config({**(faults or {}), "latency_ms": latency_ms}, FaultConfig())
        self.api = GitHubAPI(
            self._build_state(),
            contract=_shared_contract(self.product.name),
            validate=validate,
            faults=FaultInjector(fault_config),
            limiter=RateLimiter(rate_limit, anonymous_rate_limit),
            log=RequestLog(log_file),
            control=make_control(self),
            behaviour=Behaviour(
                stateless_tokens=stateless_tokens,
                never_used_matches=never_used_matches,
                already_handled=already_handled,
                bulk_delay_requests=bulk_delay_requests,
                bulk_delay_seconds=bulk_delay_seconds,
            ),
        )
        self._server = None
        self._thread: threading.Thread | None = None

    # -- state ---------------------------------------------------------------------------------
    def _build_state(self) -> FakeState:
        spec = self._generation
        fixture = spec["fixture"]
        if fixture is None:
            data = generate(
                grants=spec["grants"],
                requests=spec["requests"],
                seed=spec["seed"],
                org=self.org,
                now=spec["now"],
                orgs=spec["orgs"],
                lacking_pat_permission=spec["lacking_pat_permission"],
                user_installation=spec["user_installation"],
                emu_members=spec["emu_members"],
                upgrade_requests=spec["upgrade_requests"],
            )
        else:
            data = fixture if isinstance(fixture, dict) else read_fixture(fixture)
        return build_state(
            data,
            clock=self.clock,
            private_key_pem=self.private_key_pem.encode(),
            public_key=self.private_key.public_key(),
            token_lifetime=self.token_lifetime,
            seed=spec["seed"],
        )

    def reset(self, **changes) -> None:
        """Rebuild the state (same App and key), e.g. ``reset(grants=10, seed=3)`` or ``reset(fixture=path)``."""
        self._generation.update(changes)
        generated = {
            "grants",
            "requests",
            "orgs",
            "lacking_pat_permission",
            "user_installation",
            "emu_members",
            "upgrade_requests",
        }
        if "fixture" not in changes and set(changes) & generated:
            self._generation["fixture"] = None
        self.api.state = self._build_state()
        self.api.limiter.reset()
        self.api.scheduler = Scheduler()  # pending changes belonged to the old state

    @property
    def state(self) -> FakeState:
        return self.api.state

    @property
    def app_id(self) -> int:
        return self.state.app.id

    @property
    def client_id(self) -> str:
        return self.state.app.client_id

    @property
    def installation_id(self) -> int | None:
        org = self.state.org(self.org)
        return org.installation.id if org and org.installation else None

    @property
    def installation_ids(self) -> dict[str, int]:
        """``{account login: installation id}`` of every installation (organizations and users)."""
        return {inst.account.login: inst.id for inst in self.state.installations.values()}

    @property
    def user_tokens(self) -> dict[str, str]:
        """``{login: token}`` of every user with a known token (admins and the expiring one included)."""
        return {u.login: u.token for u in self.state.users.values() if u.token}

    @property
    def request_log(self) -> list[dict]:
        return self.api.log.entries()

    @property
    def contract_errors(self) -> list[dict]:
        return self.api.contract_errors

    def configure_faults(self, **settings) -> None:
        """Change fault injection at runtime; the seeded sequence restarts."""
        self.api.faults.configure(parse_config(settings, self.api.faults.config))

    def configure_behaviour(self, **settings) -> None:
        """Change the open-question behaviours (``behaviour.py``) at runtime."""
        behaviour = parse_behaviour(settings, self.api.behaviour)
        if behaviour.stateless_tokens and not self.product.stateless_tokens:
            raise ValueError(f"{self.product.name} does not issue stateless installation tokens")
        self.api.behaviour = behaviour

    @property
    def issued_tokens(self) -> dict[str, list[str]]:
        """Every credential the fake knows or issued (secrets tests search output for each piece):
        ``installation`` (ghs_, classic and stateless), ``user_to_server`` (ghu_), ``user`` (PATs)."""
        state = self.state
        with state.lock:
            return {
                "installation": list(state.installation_tokens),
                "user_to_server": list(state.user_to_server_tokens),
                "user": [u.token for u in state.users.values() if u.token],
            }

    def user_to_server_token(self, login: str, lifetime: int = 8 * 3600) -> str:
        """A ``ghu_`` token of ``login`` through the App, as the App's user authorization flow
        gives it (an owner's works on the org PAT endpoints)."""
        return self.state.mint_user_to_server_token(login, user_to_server_value(), lifetime).token

    def vanish(
        self, *, requests=(), grants=(), how: str | None = None, after_requests: int = 0, org: str | None = None
    ) -> None:
        """Someone else acts out of band (the owner cancels, an admin reviews or revokes in the
        web UI) after ``after_requests`` more API requests: later calls on these ids get 404/422.

        ``how``: for requests ``cancel`` (default), ``approve`` or ``deny``; grants are revoked."""
        state = self.state
        found = state.org(org or self.org)
        if found is None:
            raise StateError(f"no organization {org!r}")
        how = how or "cancel"
        if how not in ("cancel", "approve", "deny"):
            raise StateError("how must be cancel, approve or deny")

        def act() -> None:
            for request_id in requests:
                if request_id in found.requests.by_id:
                    if how == "cancel":
                        state.cancel_request(found, request_id)
                    else:
                        state.review_requests(found, [request_id], how, None, source="web-ui")
            live = [g for g in grants if g in found.grants.by_id]
            if live:
                state.revoke_grants(found, live, source="web-ui")

        self.api.scheduler.after(act, after_requests)
        if not after_requests:
            self.api.scheduler.flush()

    def vanish_newest(
        self,
        *,
        requests: int = 0,
        grants: int = 0,
        after_requests: int = 0,
        how: str | None = None,
        org: str | None = None,
    ) -> dict:
        """:meth:`vanish` the ``requests`` newest pending requests and ``grants`` newest grants
        (the first ones a listing shows); returns their ids."""
        found = self.state.org(org or self.org)
        chosen = {
            "requests": [r.id for r in reversed(found.requests.ordered())][:requests],
            "grants": [g.id for g in reversed(found.grants.ordered())][:grants],
        }
        self.vanish(
            requests=chosen["requests"], grants=chosen["grants"], how=how, after_requests=after_requests, org=org
        )
        return chosen

    def create_request(
        self,
        owner: str,
        *,
        token_name: str = "",
        permissions: dict,
        repositories="none",
        reason: str | None = None,
        token_expires_at=None,
        token_last_used_at=None,
        org: str | None = None,
        upgrade_of_token_id: int | None = None,
    ) -> PatRequest | PatGrant:
        """A member generates a token that needs approval (an admin's is approved at once).
        ``upgrade_of_token_id``: the member asks to widen that granted token instead."""
        state = self.state
        now = state.clock.now()
        return state.create_request(
            state.org(org or self.org),
            owner,
            token_name=token_name,
            permissions=permissions,
            repositories=repositories,
            reason=reason,
            expires_at=parse_time(token_expires_at, now),
            last_used_at=parse_time(token_last_used_at, now),
            token_id=upgrade_of_token_id,
        )

    # -- server ----------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started")
        return self._server.server_port

    @property
    def root_url(self) -> str:
        """Scheme, host and port (control endpoints ``/_fake/…`` live here on every product)."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """The REST API root, what a client uses as ``api_url`` (``…/api/v3`` on GHES)."""
        return self.root_url + self.product.prefix

    def write_private_key(self, path: str | Path) -> str:
        """Write the App's private key with mode 0600 (created so, never world-readable)."""
        path = str(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(self.private_key_pem)
        os.chmod(path, 0o600)
        return path

    def start(self) -> FakeGitHub:
        if self._server is not None:
            return self
        fd, path = tempfile.mkstemp(prefix="fake-github-app-", suffix=".pem")
        os.close(fd)
        self.private_key_path = self.write_private_key(path)
        self._server = make_server(HOST, self._port, self.api, threaded=True, request_handler=_QuietHandler)
        self._server.daemon_threads = True
        # A short poll interval makes stop() quick (the default 0.5 s adds up over a test suite).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-github", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None
        if self.private_key_path and os.path.exists(self.private_key_path):
            os.unlink(self.private_key_path)
        self.private_key_path = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
