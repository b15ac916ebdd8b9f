#!/usr/bin/env bash
# Demo: run playbooks/demo.yml against the fake GitHub (tests/fake_github) seeded with a
# demo organization. Nothing talks to the real GitHub; the fake listens on 127.0.0.1 only.
#
#   bash scripts/demo.sh [extra ansible-playbook arguments, e.g. -v or --check]
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PG_ROOT"

FIXTURE="tests/fake_github/fixtures/demo_org.yml"
PLAYBOOK="playbooks/demo.yml"
RUN_DIR="$PG_BUILD/demo"
PORT_FILE="$RUN_DIR/fake_github.port"
PID_FILE="$RUN_DIR/fake_github.pid"
ENV_FILE="$RUN_DIR/fake_github.env"
LOG_FILE="$RUN_DIR/fake_github.log"
FAKE_PID=""

pg_banner "Setup: .venv"
pg_setup_main_venv
pg_link_collection
pg_ansible_env
# The demo runs on the implicit localhost: no inventory to parse, nothing to warn about.
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False

[ -d tests/fake_github ] || pg_die "tests/fake_github is missing: the fake GitHub API is needed for the demo"
[ -f "$FIXTURE" ] || pg_die "demo fixture $FIXTURE is missing"
[ -f "$PLAYBOOK" ] || pg_die "$PLAYBOOK is missing"

# Stop the fake by the PIDs we know (the one we started and the one it reports), never by name.
stop_fake() {
    local pid pids=()
    [ -n "$FAKE_PID" ] && pids+=("$FAKE_PID")
    if [ -s "$PID_FILE" ]; then
        pid="$(tr -dc '0-9' <"$PID_FILE")"
        [ -n "$pid" ] && [ "$pid" != "$FAKE_PID" ] && pids+=("$pid")
    fi
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            pg_warn "fake GitHub (PID $pid) did not stop on SIGTERM: sending SIGKILL"
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    [ "${#pids[@]}" -gt 0 ] && pg_log "fake GitHub stopped (PID ${pids[*]})"
    return 0
}
trap stop_fake EXIT
trap 'exit 130' INT TERM

pg_banner "Starting the fake GitHub (127.0.0.1, fixture $FIXTURE)"
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
PYTHONPATH="$PG_ROOT/tests${PYTHONPATH:+:$PYTHONPATH}" "$PG_VENV/bin/python" -m fake_github serve \
    --fixture "$FIXTURE" --port-file "$PORT_FILE" --pid-file "$PID_FILE" --env-file "$ENV_FILE" \
    >"$LOG_FILE" 2>&1 &
FAKE_PID=$!

for _ in $(seq 1 300); do
    [ -s "$ENV_FILE" ] && [ -s "$PORT_FILE" ] && break
    if ! kill -0 "$FAKE_PID" 2>/dev/null; then
        cat "$LOG_FILE" >&2 || true
        pg_die "the fake GitHub exited before it was ready (log above)"
    fi
    sleep 0.1
done
[ -s "$ENV_FILE" ] || {
    cat "$LOG_FILE" >&2 || true
    pg_die "the fake GitHub did not write $ENV_FILE within 30 s"
}
pg_log "fake GitHub on 127.0.0.1:$(cat "$PORT_FILE") (PID $FAKE_PID, log ${LOG_FILE#"$PG_ROOT"/})"

# The env file holds GITHUB_API_URL and the demo credentials for the fake (nothing real).
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

pg_banner "ansible-playbook $PLAYBOOK"
ansible-playbook "$PLAYBOOK" "$@"

REPORT="$PG_BUILD/demo/report/report.html"
if [ ! -f "$REPORT" ]; then
    # With extra arguments such as --check nothing is written, by design.
    [ "$#" -gt 0 ] && { pg_warn "no report written (ansible-playbook $*)"; exit 0; }
    pg_die "the demo did not write its report ($REPORT)"
fi
pg_banner "Done"
pg_log "token inventory report: $REPORT"
pg_log "open it in a browser: file://$REPORT"
