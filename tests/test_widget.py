"""The chat widget in real Chromium (Debian's), driven by Playwright, against the real server."""

import json
import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, service_missing, start_server, stop_server

CHROMIUM = os.environ.get("CHATBOT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = start_server(tmp_path_factory.mktemp("widget"), RATE_LIMIT="1000/minute", ADMIN_TOKEN="t")
    yield s
    stop_server(s)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    # Playwright's waiting helpers evaluate strings, which our own strict CSP forbids; the CSP
    # itself is exercised by test_strict_csp_page_still_renders_styled_widget.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.goto(server.url + "/")
    pg.wait_for_selector("#clinic-chat-host", state="attached")
    pg.errors = errors
    yield pg
    context.close()
    assert errors == [], errors


def answer_of(server, entry_id):
    return json.loads(server.request("GET", f"/api/v1/faq/{entry_id}").body)["answer"]


def open_panel(page):
    page.locator(".cc-launcher").click()
    page.wait_for_selector(".cc-panel:not([hidden])")


def ask(page, text):
    count = page.locator(".cc-bot").count()
    page.locator(".cc-input").fill(text)
    page.locator(".cc-input").press("Enter")
    page.wait_for_function(
        f"document.querySelector('#clinic-chat-host').shadowRoot"
        f".querySelectorAll('.cc-bot').length > {count}")
    return page.locator(".cc-bot").last


def active(page):
    return page.evaluate("""() => {
        const root = document.querySelector('#clinic-chat-host').shadowRoot;
        const el = root.activeElement;
        return el ? el.className : null; }""")


def test_open_ask_and_read_the_answer(page, server):
    launcher = page.locator(".cc-launcher")
    assert "chat" in launcher.get_attribute("aria-label").lower()
    assert launcher.get_attribute("aria-controls") == "cc-panel"
    assert launcher.get_attribute("aria-expanded") == "false"
    open_panel(page)
    assert launcher.get_attribute("aria-expanded") == "true"
    assert active(page) == "cc-input"
    assert page.locator(".cc-log").get_attribute("role") == "log"
    assert "not medical advice" in page.locator(".cc-notice").inner_text()
    assert "09:00" in page.locator(".cc-hours").inner_text()
    reply = ask(page, "what are the symptoms of bone marrow edema?")
    expected = {answer_of(server, "faq-symptoms")[:40], answer_of(server, "sec-symptoms")[:40]}
    assert any(e in reply.inner_text() for e in expected)
    assert "Source:" in reply.inner_text()


def test_starter_and_suggestion_buttons_send_questions(page, server):
    open_panel(page)
    page.locator(".cc-chip", has_text="Does it always need surgery?").click()
    page.wait_for_function("document.querySelector('#clinic-chat-host').shadowRoot"
                           ".querySelectorAll('.cc-bot').length > 1")
    assert answer_of(server, "faq-surgery")[:30] in page.locator(".cc-bot").last.inner_text()
    vague = ask(page, "bone")
    chips = vague.locator(".cc-chip")
    assert chips.count() >= 1
    title = chips.first.inner_text()
    chips.first.click()
    page.wait_for_function("document.querySelector('#clinic-chat-host').shadowRoot"
                           ".querySelectorAll('.cc-user').length >= 3")
    assert page.locator(".cc-user").last.inner_text().endswith(title)


def test_feedback_is_sent_once(page, server):
    open_panel(page)
    reply = ask(page, "is physical therapy effective?")
    reply.locator(".cc-link-btn", has_text="Yes").click()
    assert "Thanks for your feedback" in reply.inner_text()
    assert reply.locator(".cc-link-btn").count() == 0
    stats = json.loads(server.request("GET", "/api/v1/admin/stats",
                                      headers={"Authorization": "Bearer t"}).body)
    assert stats["helpful"] >= 1


def test_keyboard_only_round_trip_and_escape(page, server):
    page.keyboard.press("Tab")
    for _ in range(10):  # tab through the host page until the launcher has focus
        if active(page) == "cc-launcher":
            break
        page.keyboard.press("Tab")
    assert active(page) == "cc-launcher"
    page.keyboard.press("Enter")
    assert active(page) == "cc-input"
    page.keyboard.type("does it always need an operation")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#clinic-chat-host').shadowRoot"
                           ".querySelectorAll('.cc-bot').length > 1")
    assert answer_of(server, "faq-surgery")[:30] in page.locator(".cc-bot").last.inner_text()
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    assert page.locator(".cc-user").count() == 1
    page.keyboard.press("Escape")
    assert page.locator(".cc-panel").is_hidden()
    assert active(page) == "cc-launcher"
    open_panel(page)
    page.locator(".cc-reset").focus()
    page.keyboard.press("Escape")  # from a button inside the panel too
    assert page.locator(".cc-panel").is_hidden()


def test_reload_keeps_history_and_reset_clears_it(page):
    open_panel(page)
    ask(page, "can it come back?")
    page.reload()
    page.wait_for_selector("#clinic-chat-host", state="attached")
    page.wait_for_selector(".cc-panel:not([hidden])")  # it was open: it stays open
    assert page.locator(".cc-user").count() == 1
    assert "can it come back?" in page.locator(".cc-user").first.inner_text()
    page.locator(".cc-reset").click()
    assert page.locator(".cc-user").count() == 0
    assert page.locator(".cc-bot").count() == 1  # the welcome message


def test_hostile_markup_is_shown_as_text(page):
    open_panel(page)
    ask(page, "<img src=x onerror=window.__pwned=1><b>bold</b>")
    user = page.locator(".cc-user").last
    assert "<img src=x" in user.inner_text()
    assert page.evaluate("document.querySelector('#clinic-chat-host').shadowRoot"
                         ".querySelectorAll('img, b').length") == 0
    assert page.evaluate("window.__pwned") is None


def test_network_failure_and_429_offer_retry_and_keep_input(page):
    open_panel(page)
    page.route("**/api/v1/chat", lambda route: route.fulfill(
        status=429, content_type="application/json", headers={"Retry-After": "30"},
        body='{"error": {"code": "rate_limited", "message": "slow down"}}'))
    reply = ask(page, "how is it diagnosed?")
    assert "try again" in reply.inner_text().lower()
    assert page.locator(".cc-input").input_value() == "how is it diagnosed?"
    page.unroute("**/api/v1/chat")
    page.route("**/api/v1/chat", lambda route: route.abort())
    reply = ask(page, "is it dangerous?")
    assert "couldn't reach" in reply.inner_text()
    page.unroute("**/api/v1/chat")
    reply.locator(".cc-chip", has_text="Retry").click()
    page.wait_for_function("[...document.querySelector('#clinic-chat-host').shadowRoot"
                           ".querySelectorAll('.cc-bot')].pop().innerText.includes('Source')")
    # Chromium logs the two simulated failures; nothing else may have gone wrong.
    assert len(page.errors) == 2 and all("Failed to load resource" in e for e in page.errors)
    page.errors.clear()


def test_mobile_panel_fills_the_screen_with_input_visible(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 780}, is_mobile=True,
                                  has_touch=True, bypass_csp=True)
    pg = context.new_page()
    pg.goto(server.url + "/")
    pg.locator(".cc-launcher").click()
    pg.wait_for_selector(".cc-panel:not([hidden])")
    ask(pg, "how long does recovery take?")
    panel = pg.locator(".cc-panel").bounding_box()
    box = pg.locator(".cc-input").bounding_box()
    assert panel["width"] >= 380 and panel["height"] >= 700
    assert box["y"] >= 0 and box["y"] + box["height"] <= 780
    DOCS.mkdir(exist_ok=True)
    pg.screenshot(path=str(DOCS / "widget-mobile.png"))
    context.close()


def test_desktop_screenshot(page):
    open_panel(page)
    ask(page, "can it heal on its own?")
    page.screenshot(path=str(DOCS / "widget-desktop.png"))


HOSTILE_PAGE = """<!doctype html><html><head><style>
* { all: unset } body { font-size: 40px !important; } button { font-size: 60px }
div { display: none } </style></head><body><p>Host page</p>
<script src="{url}/widget.js" defer></script></body></html>"""


def test_aggressive_host_css_does_not_reach_the_widget(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    pg = context.new_page()
    pg.route(server.url + "/host.html", lambda route: route.fulfill(
        content_type="text/html", body=HOSTILE_PAGE.replace("{url}", server.url)))
    pg.goto(server.url + "/host.html")
    launcher = pg.locator(".cc-launcher")
    launcher.wait_for()
    box = launcher.bounding_box()
    assert 40 <= box["height"] <= 90
    launcher.click()
    pg.wait_for_selector(".cc-panel:not([hidden])")
    size = pg.evaluate("""() => getComputedStyle(document.querySelector('#clinic-chat-host')
        .shadowRoot.querySelector('.cc-input')).fontSize""")
    assert 13 <= float(size.rstrip("px")) <= 17
    context.close()


def test_strict_csp_page_still_renders_styled_widget(browser, server):
    context = browser.new_context()
    pg = context.new_page()
    violations = []
    pg.on("console", lambda m: violations.append(m.text)
          if "Content Security Policy" in m.text else None)

    def strict(route):
        response = route.fetch()
        headers = dict(response.headers)
        headers["content-security-policy"] = ("default-src 'self'; script-src 'self'; "
                                              "style-src 'self'")
        route.fulfill(response=response, headers=headers)

    pg.route(server.url + "/", strict)
    pg.goto(server.url + "/")
    launcher = pg.locator(".cc-launcher")
    launcher.wait_for()
    for _ in range(50):  # until widget.css has loaded (no string-eval waits under this CSP)
        if launcher.evaluate("el => getComputedStyle(el).borderRadius") != "0px":
            break
        pg.wait_for_timeout(100)
    background = launcher.evaluate("el => getComputedStyle(el).backgroundColor")
    assert re.match(r"rgb\(11, 110, 105\)|rgb\(92, 200, 192\)", background), background
    assert violations == []
    context.close()


def test_booting_twice_is_harmless_and_one_global(page, server):
    page.add_script_tag(url=server.url + "/widget.js")
    page.wait_for_timeout(200)
    assert page.evaluate("document.querySelectorAll('#clinic-chat-host').length") == 1
    assert page.evaluate("typeof window.ClinicChat.open") == "function"
    page.evaluate("window.ClinicChat.ask('what causes bone marrow edema?')")
    page.wait_for_function("document.querySelector('#clinic-chat-host').shadowRoot"
                           ".querySelectorAll('.cc-bot').length > 1")
    assert page.locator(".cc-panel").is_visible()
