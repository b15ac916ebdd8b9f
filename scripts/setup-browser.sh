#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the browser tests of the HTML report
# (tests/integration/test_report_browser.py). Idempotent and quiet: does nothing when both
# are already there, or when not running as root (the browser tests then skip, outside CI).
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "setup-browser: chromium/chromedriver missing and not root: browser tests will skip" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromedriver ] ||
    { echo "setup-browser: chromium or chromedriver still missing after apt-get install" >&2; exit 1; }
