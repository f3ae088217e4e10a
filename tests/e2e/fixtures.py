"""Real headless Chromium (Debian's package) driven by Playwright, against the app served by
waitress on a free loopback port. Every request to a host other than the app fails the test."""
import pathlib
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

from emergency.core.clock import FixedClock

from ..conftest import PASSWORD, app_with_users
from ..serving import ThreadedServer

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = pathlib.Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser():
    assert pathlib.Path(CHROMIUM).exists(), "Debian's chromium is needed: scripts/install-chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def server_config():
    """More configuration for the served app (a test module overrides it, e.g. with its own PLANS_DIR)."""
    return {}


@pytest.fixture
def server(tmp_path, clock, server_config):
    app = app_with_users(str(tmp_path / "e2e.db"), clock, LOGIN_RATE_LIMIT="1000 per minute", **server_config)
    srv = ThreadedServer(app, threads=4)
    yield srv
    srv.stop()


@pytest.fixture
def page_factory(browser, server):
    """New pages (each its own context, like a second person) that refuse any other host."""
    contexts, foreign = [], []

    def make(user="指挥李四"):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(ctx)

        def guard(route):
            host = urlparse(route.request.url)
            if route.request.url.startswith(("data:", "blob:")) or (host.hostname == "127.0.0.1" and host.port == server.port):
                route.continue_()
            else:
                foreign.append(route.request.url)
                route.abort()
        ctx.route("**/*", guard)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        if user:
            login(page, server.url, user)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not foreign, f"pages asked other hosts: {foreign}"


@pytest.fixture
def page(page_factory):
    return page_factory()


def shot(page, name: str) -> pathlib.Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, base_url: str, user: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#name", user)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_selector("#whoami")


def acknowledge(page, notification: str, who: str = "示例接听人") -> None:
    """On an incident page, record the call that acknowledges ``notification`` (an item is done when
    acknowledged): got through to ``who``, or, where the form takes a receipt, delivered and signed for by ``who``."""
    form = page.locator(f"#call-{notification} form.call-form")
    units = form.locator("select[name=unit] option").evaluate_all("os => os.map(o => o.value)")
    for unit in units:  # each recipient is acknowledged apart
        page.locator(f"#call-{notification}").evaluate("d => d.open = true")
        form = page.locator(f"#call-{notification} form.call-form")
        form.locator("select[name=unit]").select_option(unit)
        if form.locator("input[name=received_by]").count():
            form.locator("select[name=outcome]").select_option("delivered")
            form.locator("input[name=document]").fill("书面报告")
            form.locator("input[name=received_by]").fill(who)
        else:
            form.locator("select[name=outcome]").select_option("connected")
            form.locator("input[name=reached]").fill(who)
        form.locator("button.record-call").click()
        page.wait_for_load_state()
