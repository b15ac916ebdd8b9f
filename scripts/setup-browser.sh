#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the browser tests of the HTML report
# (tests/integration/test_report_browser.py). Idempotent and quiet: does nothing when both
# are there; when they are missing and this is not root, says so and leaves it to the tests
# (they skip, or fail under CI).
set -euo pipefail

have_browser() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }

have_browser && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup-browser: chromium/chromedriver missing and not root: cannot install them" >&2
    exit 0
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup-browser: apt-get could not install chromium chromium-driver" >&2
    exit 1
fi
have_browser || { echo "setup-browser: /usr/bin/chromium or /usr/bin/chromedriver missing after install" >&2; exit 1; }
echo "setup-browser: installed $(/usr/bin/chromium --version 2>/dev/null | head -1)"
