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
    serve.add_argument("--orgs", type=int, default=1,
                       help="generated organizations, each installed with its own data (acme, acme-02, ...)")
    serve.add_argument("--lacking-pat-permission", type=int, default=0,
                       help="how many of them (the last) have an installation without one PAT permission")
    serve.add_argument("--user-installation", metavar="LOGIN",
                       help="also install the App on the user account LOGIN")
    serve.add_argument("--token-lifetime", type=int, default=3600, help="installation token lifetime (s)")
    serve.add_argument("--rate-limit", type=int, default=5000, help="hourly budget per installation/user")
    serve.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (0..1)")
    serve.add_argument("--fault-kinds", default="", help=f"comma list of {','.join(sorted(KINDS))}")
    serve.add_argument("--fault-methods", default="", help="comma list of methods faults apply to (default all)")
    serve.add_argument("--fault-seed", type=int, default=0, help="seed of the fault sequence")
    serve.add_argument("--latency-ms", type=int, default=0, help="delay added to every request")
    serve.add_argument("--no-validate", action="store_true", help="do not validate against the contract")
    serve.add_argument("--log-file", help="append every request log entry here as a JSON line")
    serve.add_argument("--product", choices=sorted(PRODUCTS), default=None,
                       help="GitHub product to pretend to be (default $FAKE_GITHUB_PRODUCT or github.com)")
    stop = commands.add_parser("stop", help="stop a fake started with --pid-file")
    stop.add_argument("--pid-file", required=True)
    stop.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the exit")
    return parser


def serve(args: argparse.Namespace) -> int:
    key_file = Path(args.key_file) if args.key_file else None
    fake = FakeGitHub(
        org=args.org, grants=args.grants, requests=args.requests, seed=args.seed, orgs=args.orgs,
        lacking_pat_permission=args.lacking_pat_permission, user_installation=args.user_installation,
        token_lifetime=args.token_lifetime, validate=not args.no_validate, latency_ms=args.latency_ms,
        faults={"rate": args.fault_rate, "kinds": args.fault_kinds, "methods": args.fault_methods,
                "seed": args.fault_seed},
        fixture=args.fixture, port=args.port, rate_limit=args.rate_limit, log_file=args.log_file,
        key_path=key_file if key_file and key_file.exists() else None, product=args.product,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    fake.start()
    try:
        key_path = fake.write_private_key(key_file) if key_file and not key_file.exists() else (
            str(key_file) if key_file else fake.private_key_path)
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return serve(args) if args.command == "serve" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
