"""report.html in a real browser: Debian's headless Chromium driven by Selenium, offline.

The reports are written by role pat_report against the fake (the demo organization, and
10,000 grants + 2,000 requests), then loaded from a file URL with the network switched off.
Checks: no console message, every token reachable through the pages, sorting, filtering,
the charts. Screenshots go to tests/output/ (gitignored) for a person to look at; the
demo's first screen is also docs/images/report.png (the README shows it), written when it is
missing or when PATGUARD_SCREENSHOT=1 (so an ordinary run leaves the work tree clean).

Chromium and ChromeDriver come from Debian (scripts/setup-browser.sh). Without them the
tests skip, except under CI, where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time

import pytest

from harness import DEMO_FIXTURE, DEMO_POLICY, REPO_ROOT, app_auth, run_tasks

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
OUTPUT = REPO_ROOT / "tests" / "output"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "images" / "report.png"
FIXTURE = DEMO_FIXTURE
POLICY = DEMO_POLICY
SCALE_POLICY = dict((k, v) for k, v in POLICY.items() if k not in ("max_repositories",))
SCALE_POLICY["repository_selection"] = ["none", "subset", "all"]

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def _browser_missing():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return
    message = "%s missing: run scripts/setup-browser.sh (as root)" % ", ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _browser_missing()
    profile = tempfile.mkdtemp(prefix="patguard-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=%s" % profile,
        "--window-size=1400,2300",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        # No network at all: a self-contained page must not notice.
        driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def write_report(fake, report_dir, policy, mode="report"):
    started = time.perf_counter()
    run = run_tasks(
        [{"name": "result", "ansible.builtin.debug": {"var": "pat_report_result"}}],
        roles=[{"role": "patguard.github.pat_report"}],
        module_defaults={"group/patguard.github.github": app_auth(fake)},
        play_vars={
            "patguard_org": fake.org,
            "patguard_policy": policy,
            "patguard_mode": mode,
            "patguard_report_dir": str(report_dir),
        },
    )
    assert run.rc == 0, run
    return run, time.perf_counter() - started


def open_report(driver, path):
    driver.get_log("browser")  # drop anything left from an earlier page
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    return json.loads((path.parent / "report.json").read_text())


def console(driver):
    return [entry for entry in driver.get_log("browser") if entry.get("level") in ("SEVERE", "WARNING")]


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#tokens-body tr")


def body_attr(driver, name):
    return int(driver.find_element(By.ID, "tokens-body").get_attribute(name))


def first_cells(driver, column):
    return [tr.find_elements(By.TAG_NAME, "td")[column].text for tr in rows(driver)]


def screenshot(driver, name):
    """Two pictures: what a 1400x1000 window shows first, and the whole page."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1400, 1000)
    driver.execute_script("window.scrollTo(0, 0)")
    target = OUTPUT / name
    driver.save_screenshot(str(target))
    driver.set_window_size(1400, driver.execute_script("return document.body.scrollHeight") + 40)
    driver.save_screenshot(str(OUTPUT / name.replace(".png", "-full.png")))
    driver.set_window_size(1400, 2300)
    return target


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The demo organization reported twice, with a change in between (so the page has drift)."""
    from fake_github import FakeGitHub

    fake = FakeGitHub(fixture=str(FIXTURE))
    fake.start()
    try:
        report_dir = tmp_path_factory.mktemp("demo-report")
        write_report(fake, report_dir, POLICY)
        state = fake.state.snapshot()["organizations"][fake.org]
        victim = sorted(state["grants"], key=lambda g: g["id"])[0]
        revoked = run_tasks(
            [
                {
                    "name": "revoke",
                    "patguard.github.pat_grant": dict(
                        app_auth(fake), org=fake.org, ids=[victim["id"]], state="revoked"
                    ),
                }
            ]
        )
        assert revoked.rc == 0, revoked
        fake.create_request(
            "carol",
            token_name="settings-fix",
            permissions={"repository": {"administration": "write"}},
            repositories=["api"],
            reason="Needs to fix branch protection",
            token_expires_at="+30d",
        )
        write_report(fake, report_dir, POLICY)
        assert not fake.contract_errors
        return report_dir / "report.html"
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def scale_report(tmp_path_factory):
    from fake_github import FakeGitHub

    fake = FakeGitHub(grants=10000, requests=2000, seed=42)
    fake.start()
    try:
        report_dir = tmp_path_factory.mktemp("scale-report")
        run, seconds = write_report(fake, report_dir, SCALE_POLICY)
        assert not fake.contract_errors
    finally:
        fake.stop()
    # The module's own time (evaluate + render + write) is measured again without Ansible,
    # on the records the role listed, for the log: no assertion on time.
    import sys

    sys.path.insert(0, str(REPO_ROOT / "build" / "collections"))
    from ansible_collections.patguard.github.plugins.plugin_utils import _report_files

    report = json.loads((report_dir / "report.json").read_text())
    started = time.perf_counter()
    rendered = _report_files.render_all(report)
    render_seconds = time.perf_counter() - started
    sizes = ", ".join("%s %.1f MB" % (name, len(text.encode("utf-8")) / 1e6) for name, text in sorted(rendered.items()))
    line = (
        "pat_report at 10,000 grants + 2,000 requests: role (listing 12,000 records from the fake, evaluation, "
        "rendering, writing) %.1f s; rendering alone %.2f s; %s" % (seconds, render_seconds, sizes)
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "report-scale-timing.txt").write_text(line + "\n")
    print(line)
    return report_dir / "report.html"


def test_demo_report_in_chromium(browser, demo_report):
    report = open_report(browser, demo_report)
    assert console(browser) == []
    total = len(report["tokens"])
    assert body_attr(browser, "data-matches") == total and len(rows(browser)) == min(total, 100)

    # Summary figures and drift are on the page.
    headline = browser.find_element(By.ID, "headline").text
    assert "violate the policy" in headline
    drift = dict(
        (chip.get_attribute("data-drift"), chip.text) for chip in browser.find_elements(By.CSS_SELECTOR, "#drift .chip")
    )
    assert drift["new"].startswith("1 ") and drift["removed"].startswith("1 ")
    assert drift["permission_upgrades"].startswith("0 ")

    # Charts: five inline SVGs, each with drawn bars.
    for chart in ("svg-violations", "svg-expiry", "svg-last-use", "svg-owners", "svg-permissions"):
        svg = browser.find_element(By.ID, chart)
        assert svg.is_displayed() and svg.find_elements(By.TAG_NAME, "rect"), chart

    # Sort by owner, both ways.
    owner_header = browser.find_element(By.CSS_SELECTOR, 'th[data-key="owner"]')
    owner_header.click()
    owners = sorted((t["owner"] or "" for t in report["tokens"]), key=str.lower)
    assert first_cells(browser, 0) == owners[:100]
    owner_header.click()
    assert owner_header.get_attribute("aria-sort") == "descending"
    assert first_cells(browser, 0)[0].lower() == owners[-1].lower()

    # Filter: text, state, violating only.
    box = browser.find_element(By.ID, "f-text")
    box.send_keys("settings-fix")
    WebDriverWait(browser, 5).until(lambda d: body_attr(d, "data-matches") == 1)
    assert "settings-fix" in rows(browser)[0].text
    box.clear()
    box.send_keys(" ")  # clear() sends no input event
    WebDriverWait(browser, 5).until(lambda d: body_attr(d, "data-matches") == total)
    Select(browser.find_element(By.ID, "f-state")).select_by_value("pending")
    pending = sum(1 for t in report["tokens"] if t["state"] == "pending")
    assert body_attr(browser, "data-matches") == pending
    assert all("pending" in tr.text for tr in rows(browser))
    Select(browser.find_element(By.ID, "f-state")).select_by_value("")
    browser.find_element(By.ID, "f-violating").click()
    assert body_attr(browser, "data-matches") == sum(1 for t in report["tokens"] if t["violations"])
    browser.find_element(By.ID, "f-violating").click()
    assert console(browser) == []

    # The screenshot a security lead would see first.
    browser.execute_script("window.scrollTo(0, 0)")
    owner_header.click()  # back to ascending order, for a stable picture
    picture = screenshot(browser, "report-demo.png")
    assert picture.stat().st_size > 10000
    if os.environ.get("PATGUARD_SCREENSHOT") == "1" or not DOCS_SCREENSHOT.exists():
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(str(picture), str(DOCS_SCREENSHOT))
    assert DOCS_SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scale_report_pages_through_every_token(browser, scale_report):
    report = open_report(browser, scale_report)
    assert console(browser) == []
    total = len(report["tokens"])
    assert total == 12000
    assert body_attr(browser, "data-pages") == 120 and len(rows(browser)) == 100

    # Every page, through the Next button: every token shows up exactly once.
    seen = 0
    next_button = browser.find_element(By.ID, "p-next")
    for page in range(1, 121):
        assert body_attr(browser, "data-page") == page
        seen += len(rows(browser))
        if page < 120:
            next_button.click()
    assert seen == total and not next_button.is_enabled()

    # Sort by expiry (soonest first) and by last use, across the whole set.
    browser.find_element(By.ID, "p-first").click()
    browser.find_element(By.CSS_SELECTOR, 'th[data-key="expires"]').click()
    assert body_attr(browser, "data-page") == 1
    soonest = min(t["days_to_expiry"] for t in report["tokens"] if t["days_to_expiry"] is not None)
    assert report_days(browser) == soonest

    # Filter by owner name, then by violation code: the counts are the report's.
    owner = report["charts"]["owners"][0]["owner"]
    box = browser.find_element(By.ID, "f-text")
    box.send_keys(owner)
    matching = [t for t in report["tokens"] if owner.lower() in haystack(t)]
    WebDriverWait(browser, 10).until(lambda d: body_attr(d, "data-matches") == len(matching))
    assert all(owner.lower() in tr.text.lower() for tr in rows(browser))
    Select(browser.find_element(By.ID, "f-code")).select_by_value("expired")
    assert body_attr(browser, "data-matches") == sum(
        1 for t in matching if "expired" in {v["code"] for v in t["violations"]}
    )
    assert console(browser) == []
    box.clear()
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "report-10k.png")


def haystack(token):
    """What the page's text filter searches, as the page builds it."""
    selection = token["repository_selection"] or ""
    if selection == "subset":
        selection = "subset (%s)" % ("?" if token["repository_count"] is None else token["repository_count"])
    perms = " ".join(
        sorted("%s:%s" % (name, level) for bucket in token["permissions"].values() for name, level in bucket.items())
    )
    violations = "; ".join("%s: %s" % (v["code"], v["detail"]) for v in token["violations"])
    tid = "" if token["token_id"] is None else str(token["token_id"])
    return " ".join(
        [token["owner"] or "", token["token_name"] or "", tid, perms, violations, selection, token["decision"] or ""]
    ).lower()


def report_days(driver):
    """days_to_expiry of the first row, read back from the page's data."""
    return driver.execute_script(
        "var d = JSON.parse(document.getElementById('report-data').textContent).rows;"
        "var t = document.querySelector('#tokens-body tr td:nth-child(2) .muted').textContent;"
        "var id = parseInt(t.split(' ')[1], 10), kind = t.split(' ')[0];"
        "for (var i = 0; i < d.length; i++) { if (d[i][4] === id && d[i][3] === kind) { return d[i][9]; } }"
        "return null;"
    )
