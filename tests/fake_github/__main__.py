"""Command line: ``python -m fake_github serve|stop`` (for molecule, scripts and the README demo).

``serve`` runs in the foreground until SIGTERM/SIGINT; scripts start it in the background,
wait for the port file, ``source`` the env file and later call ``stop --pid-file``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

from .behaviour import ALREADY_HANDLED_CHOICES, NEVER_USED_CHOICES
from .faults import KINDS
from .products import PRODUCTS
from .server import FakeGitHub


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fake_github", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the fake GitHub API on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    serve.add_argument("--port-file", help="write the port number here once listening")
    serve.add_argument("--pid-file", help="write this process id here")
    serve.add_argument("--env-file", help="write shell exports (GITHUB_API_URL, GITHUB_APP_ID, ...) here")
    serve.add_argument("--key-file", help="App private key: loaded if the file exists, else written (mode 0600)")
    serve.add_argument("--fixture", help="YAML/JSON fixture file (instead of generated data)")
    serve.add_argument("--grants", type=int, default=250, help="generated active grants (per organization)")
    serve.add_argument("--requests", type=int, default=40, help="generated pending requests (per organization)")
    serve.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    serve.add_argument("--org", default="acme", help="organization login (the first, with --orgs)")
    serve.add_argument(
        "--orgs",
        type=int,
        default=1,
        help="generated organizations, each installed with its own data (acme, acme-02, ...)",
    )
    serve.add_argument(
        "--lacking-pat-permission",
        type=int,
        default=0,
        help="how many of them (the last) have an installation without one PAT permission",
    )
    serve.add_argument("--user-installation", metavar="LOGIN", help="also install the App on the user account LOGIN")
    serve.add_argument("--token-lifetime", type=int, default=3600, help="installation token lifetime (s)")
    serve.add_argument("--rate-limit", type=int, default=5000, help="hourly budget per installation/user")
    serve.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (0..1)")
    serve.add_argument("--fault-kinds", default="", help=f"comma list of {','.join(sorted(KINDS))}")
    serve.add_argument("--fault-methods", default="", help="comma list of methods faults apply to (default all)")
    serve.add_argument("--fault-seed", type=int, default=0, help="seed of the fault sequence")
    serve.add_argument("--latency-ms", type=int, default=0, help="delay added to every request")
    serve.add_argument("--no-validate", action="store_true", help="do not validate against the contract")
    serve.add_argument("--log-file", help="append every request log entry here as a JSON line")
    serve.add_argument(
        "--emu-members",
        type=int,
        default=0,
        help="members per generated organization with EMU logins (handle_shortcode)",
    )
    serve.add_argument(
        "--upgrade-requests",
        type=int,
        default=0,
        help="extra pending requests per organization that widen a granted token (same token_id)",
    )
    serve.add_argument(
        "--stateless-tokens",
        action="store_true",
        help="issue stateless installation tokens ghs_<APPID>_<JWT> (not on GHES)",
    )
    serve.add_argument(
        "--never-used-matches",
        choices=NEVER_USED_CHOICES,
        default="none",
        help="which last_used_before/after filter a never-used token matches",
    )
    serve.add_argument(
        "--already-handled",
        choices=ALREADY_HANDLED_CHOICES,
        default="as-unknown",
        help="answer to a review/revoke of ids already handled",
    )
    serve.add_argument(
        "--bulk-delay-requests",
        type=int,
        default=0,
        help="bulk writes show in listings only after this many more requests",
    )
    serve.add_argument("--bulk-delay-seconds", type=float, default=0.0, help="... or after this many seconds")
    serve.add_argument(
        "--product",
        choices=sorted(PRODUCTS),
        default=None,
        help="GitHub product to pretend to be (default $FAKE_GITHUB_PRODUCT or github.com)",
    )
    token = commands.add_parser(
        "token", help="print a member's token from a running fake (to try token_info, credential_revoke)"
    )
    token.add_argument("login", help="member login")
    token.add_argument(
        "--user-to-server",
        action="store_true",
        help="mint a ghu_ token through the App instead (an owner's works on the org PAT endpoints)",
    )
    where = token.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the fake's root URL (http://127.0.0.1:PORT)")
    where.add_argument("--port-file", help="the port file serve wrote")
    stop = commands.add_parser("stop", help="stop a fake started with --pid-file")
    stop.add_argument("--pid-file", required=True)
    stop.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the exit")
    return parser


# The options of `serve` that FakeGitHub takes under the same name.
_SERVE_SAME_NAME = (
    "org",
    "grants",
    "requests",
    "seed",
    "orgs",
    "lacking_pat_permission",
    "user_installation",
    "token_lifetime",
    "latency_ms",
    "fixture",
    "port",
    "rate_limit",
    "log_file",
    "product",
    "emu_members",
    "upgrade_requests",
    "stateless_tokens",
    "never_used_matches",
    "already_handled",
    "bulk_delay_requests",
    "bulk_delay_seconds",
)


def serve(args: argparse.Namespace) -> int:
    key_file = Path(args.key_file) if args.key_file else None
    fake = FakeGitHub(
        validate=not args.no_validate,
        faults={
            "rate": args.fault_rate,
            "kinds": args.fault_kinds,
            "methods": args.fault_methods,
            "seed": args.fault_seed,
        },
        key_path=key_file if key_file and key_file.exists() else None,
        **dict((name, getattr(args, name)) for name in _SERVE_SAME_NAME),
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    fake.start()
    try:
        key_path = (
            fake.write_private_key(key_file)
            if key_file and not key_file.exists()
            else (str(key_file) if key_file else fake.private_key_path)
        )
        if args.pid_file:
            Path(args.pid_file).write_text(f"{os.getpid()}\n", encoding="ascii")
        if args.env_file:
            _write_env(Path(args.env_file), fake, key_path)
        if args.port_file:  # written last: its presence means everything else is ready
            Path(args.port_file).write_text(f"{fake.port}\n", encoding="ascii")
        print(f"fake GitHub listening on {fake.base_url}", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        fake.stop()
        if args.pid_file:
            Path(args.pid_file).unlink(missing_ok=True)
    return 0


def _write_env(path: Path, fake: FakeGitHub, key_path: str) -> None:
    lines = [
        "# written by python -m fake_github serve",
        f"export GITHUB_API_URL={shlex.quote(fake.base_url)}",
        f"export GITHUB_APP_ID={fake.app_id}",
        f"export GITHUB_APP_PRIVATE_KEY_PATH={shlex.quote(key_path)}",
        f"# the client finds the installation from the organization ({fake.installation_id})",
        "unset GITHUB_APP_INSTALLATION_ID",
        f"export FAKE_GITHUB_ORG={shlex.quote(fake.org)}",
        f"export FAKE_GITHUB_PRODUCT={shlex.quote(fake.product.name)}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def stop(args: argparse.Namespace) -> int:
    pid_file = Path(args.pid_file)
    if not pid_file.exists():
        print(f"no pid file {pid_file}; nothing to stop", file=sys.stderr)
        return 0
    pid = int(pid_file.read_text(encoding="ascii").strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            pid_file.unlink(missing_ok=True)
            return 0
        time.sleep(0.1)
    print(f"fake GitHub (pid {pid}) did not stop within {args.timeout} s", file=sys.stderr)
    return 1


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; an exited child its parent has not reaped yet (zombie) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def token(args: argparse.Namespace) -> int:
    import json
    import urllib.request

    root = args.url or f"http://127.0.0.1:{Path(args.port_file).read_text(encoding='ascii').strip()}"
    root = root.rstrip("/").removesuffix("/api/v3")
    if args.user_to_server:
        request = urllib.request.Request(
            root + "/_fake/user-to-server-token",
            method="POST",
            data=json.dumps({"login": args.login}).encode(),
            headers={"Content-Type": "application/json"},
        )
    else:
        request = urllib.request.Request(root + "/_fake/tokens")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (a local fake)
        data = json.load(answer)
    value = data["token"] if args.user_to_server else data["user"].get(args.login)
    if not value:
        print(f"no member {args.login!r} with a token in this fake", file=sys.stderr)
        return 1
    print(value)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"serve": serve, "stop": stop, "token": token}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
