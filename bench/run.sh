#!/usr/bin/env bash
# The benchmark of role pat_governance (not part of the test suite), see docs/performance.md:
#   bash bench/run.sh            # 10,000 grants + 2,000 requests: 0 ms, then 20 ms latency, then a validated run
# Extra arguments go to every bench/governance.py run (e.g. --grants 2000 --requests 400).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
[ -x "$PY" ] || { echo "bench: .venv is missing (run scripts/test.sh once)" >&2; exit 1; }
[ -e build/collections/ansible_collections/patguard/github ] || {
    mkdir -p build/collections/ansible_collections/patguard
    ln -sfn ../../../.. build/collections/ansible_collections/patguard/github
}
export PATGUARD_WRITE_INTERVAL=0
echo "## timing run, no added latency (contract validation off)"
"$PY" bench/governance.py --latency-ms 0 "$@"
echo "## timing run, 20 ms latency per request (contract validation off)"
"$PY" bench/governance.py --latency-ms 20 "$@"
echo "## correctness run: every request and response validated against GitHub's OpenAPI description"
"$PY" bench/governance.py --latency-ms 0 --validate --skip-bare --skip-uri "$@"
