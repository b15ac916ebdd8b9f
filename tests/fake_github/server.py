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
from .contract import Contract
from .control import make_control
from .faults import FaultConfig, FaultInjector, parse_config
from .fixture import build_state, read_fixture
from .generate import generate
from .products import get_product
from .ratelimit import RateLimiter
from .state import Clock, FakeState, PatGrant, PatRequest, parse_time

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

    def __init__(self, org: str = "acme", grants: int = 250, requests: int = 40, seed: int = 1, *,
                 token_lifetime: int = 3600, validate: bool = True, faults: dict | None = None,
                 latency_ms: int = 0, fixture: str | Path | dict | None = None, port: int = 0,
                 key_path: str | Path | None = None, rate_limit: int = 5000, anonymous_rate_limit: int = 60,
                 log_file: str | None = None, now: datetime | None = None, product: str | None = None,
                 orgs: int = 1, lacking_pat_permission: int = 0, user_installation: str | None = None) -> None:
        self.product = get_product(product)
        self.org = org
        self.seed = seed
        self.token_lifetime = token_lifetime
        self._generation = {"grants": grants, "requests": requests, "seed": seed, "fixture": fixture, "now": now,
                            "orgs": orgs, "lacking_pat_permission": lacking_pat_permission,
                            "user_installation": user_installation}
        self._port = port
        self.clock = Clock()
        if key_path is not None:
            self.private_key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
        else:
            self.private_key = _shared_private_key()
        self.private_key_pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption()).decode("ascii")
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
        )
        self._server = None
        self._thread: threading.Thread | None = None

    # -- state ---------------------------------------------------------------------------------
    def _build_state(self) -> FakeState:
        spec = self._generation
        fixture = spec["fixture"]
        if fixture is None:
            data = generate(grants=spec["grants"], requests=spec["requests"], seed=spec["seed"], org=self.org,
                            now=spec["now"], orgs=spec["orgs"], lacking_pat_permission=spec["lacking_pat_permission"],
                            user_installation=spec["user_installation"])
        else:
            data = fixture if isinstance(fixture, dict) else read_fixture(fixture)
        return build_state(data, clock=self.clock, private_key_pem=self.private_key_pem.encode(),
                           public_key=self.private_key.public_key(), token_lifetime=self.token_lifetime,
                           seed=spec["seed"])

    def reset(self, **changes) -> None:
        """Rebuild the state (same App and key), e.g. ``reset(grants=10, seed=3)`` or ``reset(fixture=path)``."""
        self._generation.update(changes)
        if "fixture" not in changes and set(changes) & {"grants", "requests", "orgs", "lacking_pat_permission",
                                                         "user_installation"}:
            self._generation["fixture"] = None
        self.api.state = self._build_state()
        self.api.limiter.reset()

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

    def create_request(self, owner: str, *, token_name: str, permissions: dict, repositories="none",
                       reason: str | None = None, token_expires_at=None, token_last_used_at=None,
                       org: str | None = None) -> PatRequest | PatGrant:
        """A member generates a token that needs approval (an admin's is approved at once)."""
        state = self.state
        now = state.clock.now()
        return state.create_request(state.org(org or self.org), owner, token_name=token_name,
                                    permissions=permissions, repositories=repositories, reason=reason,
                                    expires_at=parse_time(token_expires_at, now),
                                    last_used_at=parse_time(token_last_used_at, now))

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

    def start(self) -> "FakeGitHub":
        if self._server is not None:
            return self
        fd, path = tempfile.mkstemp(prefix="fake-github-app-", suffix=".pem")
        os.close(fd)
        self.private_key_path = self.write_private_key(path)
        self._server = make_server(HOST, self._port, self.api, threaded=True, request_handler=_QuietHandler)
        self._server.daemon_threads = True
        # A short poll interval makes stop() quick (the default 0.5 s adds up over a test suite).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-github", daemon=True)
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

    def __enter__(self) -> "FakeGitHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
