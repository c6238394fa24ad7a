"""The chat widget in real Chromium (Debian's), driven by Playwright, against the real server."""

import functools
import http.server
import json
import os
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import (
    ADMIN_TOKEN,
    FAQ,
    ROOT,
    free_port,
    service_missing,
    start_server,
    stop_server,
    wait_for,
)

CHROMIUM = os.environ.get("CHATBOT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A static page styled like the clinic's site, served from its own origin (another port)."""
    root = tmp_path_factory.mktemp("site")
    for f in (ROOT / "tests" / "data" / "clinic-site").iterdir():
        (root / f.name).write_bytes(f.read_bytes())

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", free_port()), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    template = (root / "index.html").read_text(encoding="utf-8")

    def page_for(name, api, theme="light", csp=None, host="127.0.0.1"):
        """Write site page `name` embedding the widget of the API at `api`; return its URL."""
        html = template.replace("{api}", api).replace("{theme}", theme)
        if csp is not None:
            html = re.sub(r'(http-equiv="Content-Security-Policy" content=")[^"]*', r"\g<1>" + csp,
                          html)
        (root / name).write_text(html, encoding="utf-8")
        return f"http://{host}:{httpd.server_address[1]}/{name}"

    page_for.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield page_for
    httpd.shutdown()
    httpd.server_close()


PHONE = "+90 212 555 01 23"


@pytest.fixture(scope="module")
def server(tmp_path_factory, site):
    """The API with the clinic's contact details filled in, allowing the site's origin (CORS)."""
    tmp = tmp_path_factory.mktemp("widget")
    data = json.loads(FAQ.read_text(encoding="utf-8"))
    data["clinic"].update(phone=PHONE, email="info@clinic.example",
                          booking_url="https://clinic.example/appointment",
                          address="Bağdat Caddesi 1, Kadıköy, İstanbul")
    (tmp / "faq.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    s = start_server(tmp, FAQ_PATH=tmp / "faq.json", CORS_ORIGINS=site.origin,
                     RATE_LIMIT="1000/minute", ADMIN_TOKEN=ADMIN_TOKEN)
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


def new_page(browser, **options):
    """A page in a fresh context that records page errors and console errors in .errors."""
    # Playwright's waiting helpers evaluate strings, which our own strict CSP forbids; the CSP
    # itself is exercised by test_strict_csp_page_still_renders_styled_widget.
    options.setdefault("viewport", {"width": 1280, "height": 800})
    options.setdefault("bypass_csp", True)
    pg = browser.new_context(**options).new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("console", lambda msg: pg.errors.append(msg.text) if msg.type == "error" else None)
    return pg


@contextmanager
def opened(browser, url, **options):
    """A page at url whose widget is ready; on exit, no page or console errors may be left."""
    pg = new_page(browser, **options)
    pg.goto(url)
    pg.locator(".cc-launcher").wait_for()  # visible once widget.css has loaded
    yield pg
    pg.context.close()
    assert pg.errors == [], pg.errors


@pytest.fixture
def page(browser, server):
    with opened(browser, server.url + "/") as pg:
        yield pg


def bot_count_above(n):
    return ("document.querySelector('#clinic-chat-host').shadowRoot"
            f".querySelectorAll('.cc-bot').length > {n}")


SORRY = "Sorry, I couldn't reach the clinic's assistant. Please try again."


def answer_of(server, entry_id):
    return json.loads(server.request("GET", f"/api/v1/faq/{entry_id}").body)["answer"]


def reply_for(server, question):
    """What the API itself answers (the matcher is tuned elsewhere: compare, don't hard-code)."""
    return server.chat(question).json()["reply"].split("\n")[0][:40]


def rgb(css):
    return [int(float(v)) for v in re.findall(r"[\d.]+", css)[:3]]


def contrast(a, b):
    def lum(c):
        c = [v / 255 for v in c]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted([lum(rgb(a)), lum(rgb(b))], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colours(page, selector, background_of=None):
    """(text colour of selector, background colour of background_of or selector)."""
    text = page.locator(selector).first.evaluate("el => getComputedStyle(el).color")
    bg = page.locator(background_of or selector).first.evaluate(
        "el => getComputedStyle(el).backgroundColor")
    return text, bg


def open_panel(page):
    page.locator(".cc-launcher").click()
    page.wait_for_selector(".cc-panel:not([hidden])")


def ask(page, text):
    count = page.locator(".cc-bot").count()
    page.locator(".cc-input").fill(text)
    page.locator(".cc-input").press("Enter")
    page.locator(".cc-bot").nth(count).wait_for()  # a locator wait: works under a strict CSP
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
    assert page.locator(".cc-log").get_attribute("aria-live") == "polite"
    assert page.locator("label[for=cc-input]").inner_text() == "Your question"
    assert "not medical advice" in page.locator(".cc-notice").inner_text()
    assert "09:00" in page.locator(".cc-hours").inner_text()
    reply = ask(page, "what are the symptoms of bone marrow edema?")
    expected = {answer_of(server, "faq-symptoms")[:40], answer_of(server, "sec-symptoms")[:40]}
    assert any(e in reply.inner_text() for e in expected)
    assert "Source:" in reply.inner_text()
    # Colour contrast (WCAG AA, 4.5:1 for text) of the accent and muted colours.
    for selector, background in [(".cc-launcher", None), (".cc-send", None),
                                 (".cc-title", ".cc-header"), (".cc-hours", ".cc-header"),
                                 (".cc-chip", None), (".cc-notice", ".cc-bubble"),
                                 (".cc-source", ".cc-bubble"), (".cc-caption", ".cc-log")]:
        if page.locator(selector).count():
            text, bg = colours(page, selector, background)
            assert contrast(text, bg) >= 4.5, (selector, text, bg)


def test_starter_and_suggestion_buttons_send_questions(page, server):
    open_panel(page)
    page.locator(".cc-chip", has_text="Does it always need surgery?").click()
    page.wait_for_function(bot_count_above(1))
    assert answer_of(server, "faq-surgery")[:30] in page.locator(".cc-bot").last.inner_text()
    assert server.chat("bone").json()["suggestions"], "the vague question has suggestions"
    vague = ask(page, "bone")
    chips = vague.locator(".cc-chip")
    assert chips.count() >= 1
    title = chips.first.inner_text()
    chips.first.click()
    page.wait_for_function(bot_count_above(3))
    assert page.locator(".cc-user").last.inner_text().endswith(title)
    assert reply_for(server, title) in page.locator(".cc-bot").last.inner_text()


def test_feedback_is_sent_once(page, server):
    def stats():
        return json.loads(server.request("GET", "/api/v1/admin/stats",
                                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).body)

    before = stats()["helpful"]
    open_panel(page)
    reply = ask(page, "is physical therapy effective?")
    assert "Source:" in reply.inner_text()
    reply.locator(".cc-feedback-btn", has_text="Yes").click()
    assert "Thanks for your feedback" in reply.inner_text()
    assert reply.locator(".cc-feedback-btn").count() == 0  # once: the buttons are gone
    deadline = time.monotonic() + 5
    while stats()["helpful"] < before + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stats()["helpful"] == before + 1


def stored_votes(server, text):
    """(helpful, comment) of the exchanges stored with this text, once the journal is drained."""
    server.logged()
    database = server.env["CHATBOT_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        return db.execute("SELECT helpful, comment FROM exchanges WHERE text = ?",
                          (text,)).fetchall()


def test_a_not_helpful_vote_can_say_what_was_missing(browser, server):
    question = "is physical therapy effective for the knee?"
    with opened(browser, server.url + "/") as pg:
        open_panel(pg)
        reply = ask(pg, question)
        reply.locator(".cc-feedback-btn", has_text="No").click()
        field = reply.locator(".cc-why-input")
        assert active(pg) == "cc-why-input"                     # focus moves to the box
        label = reply.locator(f"label[for={field.get_attribute('id')}]")
        assert label.inner_text() == "What were you looking for? (optional)"
        assert field.get_attribute("maxlength") == "500"
        field.fill("<b>exercises</b> for swimmers, call me on 0532 123 45 67")
        field.press("Enter")
        assert "Thanks for your feedback" in reply.inner_text()
        assert reply.locator(".cc-why").count() == 0 and reply.locator("b").count() == 0
        assert active(pg) is not None and pg.locator(".cc-panel").is_visible()
        # The comment goes through the redaction every stored text goes through.
        deadline = time.monotonic() + 10
        while stored_votes(server, question)[-1][1] is None and time.monotonic() < deadline:
            time.sleep(0.1)
        helpful, comment = stored_votes(server, question)[-1]
        assert helpful == 0 and "<b>exercises</b> for swimmers" in comment
        assert "[phone]" in comment and "0532" not in comment and "123 45 67" not in comment
        # Escape skips the comment (the vote stays) and leaves the panel open.
        second = "does swimming help bone marrow edema?"
        reply = ask(pg, second)
        reply.locator(".cc-feedback-btn", has_text="No").click()
        reply.locator(".cc-why-input").press("Escape")
        assert "Thanks for your feedback" in reply.inner_text()
        assert pg.locator(".cc-panel").is_visible()
        assert wait_for(lambda: stored_votes(server, second), 10, "the vote stored") == \
            [(0, None)]
    with opened(browser, server.url + "/?lang=tr") as pg:
        open_panel(pg)
        reply = ask(pg, "fizik tedavi işe yarar mı?")
        reply.locator(".cc-feedback-btn", has_text="Hayır").click()
        assert reply.locator(".cc-why label").inner_text() == "Ne arıyordunuz? (isteğe bağlı)"
        reply.locator(".cc-feedback-btn", has_text="Geç").click()
        assert "Geri bildiriminiz için teşekkürler" in reply.inner_text()


def test_keyboard_only_round_trip_and_escape(page, server):
    page.keyboard.press("Tab")
    for _ in range(10):  # tab through the host page until the launcher has focus
        if active(page) == "cc-launcher":
            break
        page.keyboard.press("Tab")
    assert active(page) == "cc-launcher"
    outline = page.locator(".cc-launcher").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("Enter")
    assert active(page) == "cc-input"
    page.keyboard.type("does it always need an operation")
    page.keyboard.press("Enter")
    page.wait_for_function(bot_count_above(1))
    assert answer_of(server, "faq-surgery")[:30] in page.locator(".cc-bot").last.inner_text()
    page.keyboard.type("one")
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    page.keyboard.type("two")
    assert page.locator(".cc-input").input_value() == "one\ntwo"
    assert page.locator(".cc-user").count() == 1
    page.keyboard.press("Escape")
    assert page.locator(".cc-panel").is_hidden()
    assert active(page) == "cc-launcher"
    open_panel(page)
    page.locator(".cc-reset").focus()
    page.keyboard.press("Escape")  # from a button inside the panel too
    assert page.locator(".cc-panel").is_hidden()
    assert active(page) == "cc-launcher"


def test_reload_keeps_history_and_reset_clears_it(page):
    open_panel(page)
    ask(page, "can it come back?")
    page.reload()
    page.wait_for_selector("#clinic-chat-host", state="attached")
    page.wait_for_selector(".cc-panel:not([hidden])")  # it was open: it stays open
    assert page.locator(".cc-user").count() == 1
    assert "can it come back?" in page.locator(".cc-user").first.inner_text()
    session = "JSON.parse(sessionStorage.getItem('clinic-chat:v1')).sessionId"
    before = page.evaluate(session)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", before)
    page.locator(".cc-reset").click()
    assert page.locator(".cc-user").count() == 0
    assert page.locator(".cc-bot").count() == 1  # the welcome message
    assert page.evaluate(session) != before  # a new conversation
    page.reload()
    page.locator(".cc-panel").wait_for()
    assert page.locator(".cc-user").count() == 0


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
    assert SORRY in reply.inner_text()
    assert page.locator(".cc-input").input_value() == "how is it diagnosed?"
    page.unroute("**/api/v1/chat")
    page.route("**/api/v1/chat", lambda route: route.abort())
    reply = ask(page, "is it dangerous?")
    assert SORRY in reply.inner_text()
    assert page.locator(".cc-input").input_value() == "is it dangerous?"
    page.unroute("**/api/v1/chat")
    reply.locator(".cc-retry").click()
    page.wait_for_function("[...document.querySelector('#clinic-chat-host').shadowRoot"
                           ".querySelectorAll('.cc-bot')].pop().innerText.includes('Source')")
    assert page.locator(".cc-input").input_value() == ""  # answered: the kept text goes
    assert page.locator(".cc-error").count() == 1  # the retried one was replaced
    # Chromium logs the two simulated failures; nothing else may have gone wrong.
    assert len(page.errors) == 2 and all("Failed to load resource" in e for e in page.errors)
    page.errors.clear()


def test_mobile_panel_fills_the_screen_with_input_visible(browser, server):
    with opened(browser, server.url + "/", viewport={"width": 390, "height": 780},
                is_mobile=True, has_touch=True) as pg:
        pg.locator(".cc-launcher").click()
        pg.wait_for_selector(".cc-panel:not([hidden])")
        ask(pg, "how long does recovery take?")
        panel = pg.locator(".cc-panel").bounding_box()
        box = pg.locator(".cc-input").bounding_box()
        assert panel["width"] >= 380 and panel["height"] >= 700
        assert box["y"] >= 0 and box["y"] + box["height"] <= 780
        assert pg.locator(".cc-send").bounding_box()["y"] + 44 <= 780
        DOCS.mkdir(exist_ok=True)
        pg.screenshot(path=str(DOCS / "widget-mobile.png"))
        # The on-screen keyboard shrinks the visual viewport: the panel follows it (the CSS
        # custom property set through a constructable stylesheet), so the input stays visible.
        pg.set_viewport_size({"width": 390, "height": 430})
        pg.wait_for_function("""getComputedStyle(document.querySelector('#clinic-chat-host'))
            .getPropertyValue('--cc-viewport-height').trim() === '430px'""")
        box = pg.locator(".cc-input").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 430


def test_desktop_screenshot(page):
    open_panel(page)
    ask(page, "can it heal on its own?")
    page.screenshot(path=str(DOCS / "widget-desktop.png"))


def serve(pg, url, html, csp=None):
    headers = {"content-security-policy": csp} if csp else {}
    pg.route(url, lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=html,
                                              headers=headers))


HOSTILE_PAGE = """<!doctype html><html><head><style>
* { all: unset } body { font-size: 40px !important; } button { font-size: 60px }
div { display: none } </style></head><body><p>Host page</p>
<script src="{url}/widget.js" defer></script></body></html>"""


def test_aggressive_host_css_does_not_reach_the_widget(browser, server):
    pg = new_page(browser)
    serve(pg, server.url + "/host.html", HOSTILE_PAGE.replace("{url}", server.url))
    pg.goto(server.url + "/host.html")
    launcher = pg.locator(".cc-launcher")
    launcher.wait_for()
    box = launcher.bounding_box()
    assert 40 <= box["height"] <= 90 and 40 <= box["width"] <= 260
    launcher.click()
    pg.wait_for_selector(".cc-panel:not([hidden])")
    size = pg.evaluate("""() => getComputedStyle(document.querySelector('#clinic-chat-host')
        .shadowRoot.querySelector('.cc-bubble')).fontSize""")
    assert 14 <= float(size.rstrip("px")) <= 16
    assert 300 <= pg.locator(".cc-panel").bounding_box()["width"] <= 420
    pg.context.close()
    assert pg.errors == []


STRICT = "default-src 'self'; script-src 'self'; style-src 'self'"


def csp_errors(pg):
    return [e for e in pg.errors if "Content Security Policy" in e or "Refused" in e]


def test_strict_csp_page_still_renders_styled_widget(browser, server):
    pg = new_page(browser, bypass_csp=False)

    def strict(route):
        response = route.fetch()
        route.fulfill(response=response,
                      headers={**response.headers, "content-security-policy": STRICT})

    pg.route(server.url + "/", strict)
    pg.goto(server.url + "/")
    launcher = pg.locator(".cc-launcher")
    launcher.wait_for()  # shown only once widget.css has loaded
    background = launcher.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(11, 110, 105)"  # light unless the page asks for dark
    assert launcher.locator("svg.cc-icon-chat").is_visible()  # the icon is built, not fetched
    launcher.click()
    pg.locator(".cc-input").fill("what is bone marrow edema?")
    pg.locator(".cc-input").press("Enter")
    pg.locator(".cc-bot .cc-source").wait_for()  # fetch allowed by connect-src (default) 'self'
    assert csp_errors(pg) == []
    assert pg.errors == []
    pg.context.close()


CUSTOM_PAGE = """<!doctype html><html lang="tr"><head><title>t</title></head><body><p>Sayfa</p>
<script src="{url}/widget.js" data-lang="tr" data-color="#f5c400" data-position="left"
 data-title="Ortopedi Kliniği" data-open="true" data-starters="Kemik iliği ödemi nedir?"
 defer></script></body></html>"""


def test_data_options_turkish_custom_colour_left_open_under_strict_csp(browser, server):
    pg = new_page(browser, bypass_csp=False)
    serve(pg, server.url + "/custom.html", CUSTOM_PAGE.replace("{url}", server.url), STRICT)
    pg.goto(server.url + "/custom.html")
    pg.locator(".cc-panel").wait_for()  # data-open="true"
    launcher = pg.locator(".cc-launcher")
    assert launcher.get_attribute("aria-label") == "Klinik ile sohbeti aç"
    assert launcher.get_attribute("aria-expanded") == "true"
    assert pg.locator(".cc-title").inner_text() == "Ortopedi Kliniği"
    assert "tıbbi tavsiye değildir" in pg.locator(".cc-notice").inner_text()
    assert pg.locator(".cc-chip").inner_text() == "Kemik iliği ödemi nedir?"
    assert pg.locator(".cc-input").get_attribute("aria-label") is None  # labelled by <label>
    assert pg.locator("label[for=cc-input]").inner_text() == "Sorunuz"
    # The colour comes through a constructable stylesheet, allowed under style-src 'self';
    # a light accent gets dark text (contrast), and the panel sits on the left.
    on_launcher = launcher.evaluate("el => [getComputedStyle(el).backgroundColor,"
                                    " getComputedStyle(el).color]")
    assert on_launcher == ["rgb(245, 196, 0)", "rgb(17, 27, 28)"]
    chip_text, chip_bg = colours(pg, ".cc-chip")  # too light to be a text colour on white
    assert contrast(chip_text, chip_bg) >= 4.5, (chip_text, chip_bg)
    assert launcher.bounding_box()["x"] < 100
    assert pg.locator(".cc-panel").bounding_box()["x"] < 100
    assert csp_errors(pg) == [] and pg.errors == []
    pg.context.close()


def test_fallback_shows_only_configured_contact_fields_and_lists(browser, server):
    pg = new_page(browser)
    clinic = {"name": "Clinic", "doctor": None, "hours": "Mon-Sat 09-18",
              "phone": "+90 (212) 555 01 23", "email": "info@clinic.example",
              "booking_url": "javascript:alert(1)", "address": None, "emergency_number": "999"}
    replies = [
        {"answered": False, "reply": "I can't help with that.\n\nPlease contact the clinic.",
         "match": None, "suggestions": [], "source": None, "query_id": "q1"},
        {"answered": True, "reply": "It may include:\n- pain\n- swelling <b>x</b>",
         "match": {"id": "x", "kind": "faq", "title": "x", "score": 1.0}, "suggestions": [],
         "source": "Symptoms", "query_id": "q2"},
        {"answered": False, "reply": "Please call the clinic on +90 (212) 555 01 23.",
         "match": None, "suggestions": [], "source": None, "query_id": "q3"},
        {"answered": True, "reply": "Call 999 (or 112) now, not 998.", "suggestions": [],
         "match": {"id": "urgent", "kind": "safety", "title": "x", "score": 1.0},
         "source": None, "query_id": "q4"},
    ]
    pg.route("**/api/v1/clinic?*", lambda route: route.fulfill(json=clinic))  # ?lang=en
    pg.route("**/api/v1/chat", lambda route: route.fulfill(json=replies.pop(0)))
    pg.goto(server.url + "/")
    open_panel(pg)
    fallback = ask(pg, "how much is parking?")
    assert fallback.locator(".cc-bubble > p").count() >= 2  # paragraphs from blank lines
    links = fallback.locator(".cc-contact a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "tel:+902125550123", "mailto:info@clinic.example"]  # no javascript: booking link
    assert "Address" not in fallback.inner_text()
    assert fallback.locator(".cc-feedback-btn").count() == 0
    answer = ask(pg, "symptoms?")
    assert answer.locator("li").all_inner_texts() == ["pain", "swelling <b>x</b>"]
    assert "Source: Symptoms" in answer.inner_text()
    assert answer.locator(".cc-contact").count() == 0
    # The reply already carries the phone: the widget adds only what it lacks.
    partial = ask(pg, "can I call?")
    assert partial.locator("a").evaluate_all("links => links.map(a => a.href)") == [
        "tel:+902125550123", "mailto:info@clinic.example"]
    assert partial.inner_text().count("555 01 23") == 1
    # The clinic's own emergency number is linked as well as 112.
    urgent = ask(pg, "help")
    assert [link[:2] for link in links_of(urgent)] == [["999", "tel:999"], ["112", "tel:112"]]
    pg.context.close()
    assert pg.errors == []


def test_booting_twice_is_harmless_and_one_global(page, server):
    page.add_script_tag(url=server.url + "/widget.js")
    page.wait_for_timeout(200)
    assert page.evaluate("document.querySelectorAll('#clinic-chat-host').length") == 1
    assert page.evaluate("typeof window.ClinicChat.open") == "function"
    page.evaluate("window.ClinicChat.ask('what causes bone marrow edema?')")
    page.wait_for_function(bot_count_above(1))
    assert page.locator(".cc-panel").is_visible()


def test_admin_page_teaches_the_bot_and_restores(browser, server):
    parking = ["is there parking near the clinic", "where can I park my car?",
               "parking at the clinic?"]
    for text in parking:
        server.chat(text)
    for text in ("do you sell gift vouchers", "can I buy a gift voucher"):
        server.chat(text)
    server.chat("<img src=x onerror=window.__pwned=1>what about my cat?")
    server.logged()
    pg = new_page(browser, viewport={"width": 390, "height": 844})   # a phone
    pg.on("dialog", lambda dialog: dialog.accept())
    pg.goto(server.url + "/admin")
    pg.locator("#token").fill(ADMIN_TOKEN)
    pg.locator("#token").press("Enter")
    pg.locator("#app").wait_for()
    assert ADMIN_TOKEN not in pg.url
    admin_headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    stats = json.loads(server.request("GET", "/api/v1/admin/stats", headers=admin_headers).body)
    assert pg.locator("#s-messages").inner_text() == str(stats["messages"])
    assert pg.locator("#chart rect").count() == 30 and pg.locator("#chart polyline").count() <= 1
    assert pg.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")

    group = pg.locator(".cluster", has_text="where can I park my car?")
    assert group.locator(".example").count() == 3
    assert "3 ×" in group.locator("h3").inner_text()
    assert pg.locator(".clusters img").count() == 0
    assert "<img src=x" in pg.locator(".clusters").inner_text()       # shown as text
    # One click: the wording becomes an alternate of the nearest entry, and shows it.
    example = group.locator(".example", has_text="where can I park my car?")
    example.locator(".actions > button").first.click()
    group.locator(".now").first.wait_for()
    assert "The bot now answers" in group.inner_text()
    assert server.chat(parking[1]).json()["answered"] is True

    # A new entry written from the voucher group answers both wordings: "fixed".
    vouchers = pg.locator(".cluster", has_text="gift voucher")
    vouchers.locator("summary", has_text="New entry").first.click()
    form = vouchers.locator("details[open] form")
    form.locator("textarea").nth(1).fill("We do not sell gift vouchers.")
    form.locator("button[type=submit]").click()
    pg.locator(".cluster", has_text="gift voucher").locator(".badge.fixed").wait_for()
    assert server.chat("can I buy a gift voucher").json()["answered"] is True

    # Versions, by keyboard: the tab list moves with the arrow keys (from the first tab, left
    # wraps to the last); restore undoes the entry.
    pg.locator("#tab-review").focus()
    pg.keyboard.press("ArrowRight")
    assert pg.locator("#answers").is_visible() and not pg.locator("#review").is_visible()
    pg.keyboard.press("ArrowLeft")
    pg.keyboard.press("ArrowLeft")
    assert pg.locator("#versions").is_visible() and not pg.locator("#review").is_visible()
    rows = pg.locator("#version-rows tr")
    assert "add-entry" in rows.first.inner_text() and "current" in rows.first.inner_text()
    rows.nth(1).locator("button").focus()
    pg.keyboard.press("Enter")
    pg.locator("#version-rows tr").first.filter(has_text="restore").wait_for()
    assert server.chat("can I buy a gift voucher").json()["answered"] is False
    assert server.chat(parking[1]).json()["answered"] is True   # the earlier change stays

    pg.reload()   # the token is kept for the session
    pg.locator("#app").wait_for()
    assert pg.evaluate("window.__pwned") is None
    pg.context.close()
    assert pg.errors == []


def test_admin_page_shows_each_message_language_and_fixes_an_answer(browser, server):
    turkish, english = "bisiklet tamiri yapıyor musunuz?", "do you repair bicycles?"
    for text in (turkish, english):
        assert server.chat(text).json()["answered"] is False
    question = "kemik ödemi kendiliğinden geçer mi"
    voted = server.chat(question).json()
    assert voted["lang"] == "tr" and voted["match"]["id"] == "faq-heal-on-own"
    server.request("POST", "/api/v1/feedback",
                   json_body={"query_id": voted["query_id"], "helpful": False})
    server.logged()
    pg = new_page(browser)
    pg.goto(server.url + "/admin")
    pg.locator("#token").fill(ADMIN_TOKEN)
    pg.locator("#token").press("Enter")
    pg.locator("#app").wait_for()

    # The language each message was logged with, as the real API logged it.
    row = pg.locator("#unanswered-rows tr", has_text=turkish)
    badge = row.locator(".badge.lang")
    assert badge.locator("[aria-hidden=true]").inner_text() == "TR"
    assert badge.get_attribute("title") == "Turkish"
    assert badge.locator(".visually-hidden").text_content() == "Turkish"
    other = pg.locator("#unanswered-rows tr", has_text=english).locator(".badge.lang")
    assert other.locator("[aria-hidden=true]").inner_text() == "EN"
    group = pg.locator(".cluster", has_text=turkish)
    assert group.locator(".badge.lang [aria-hidden=true]").inner_text() == "TR"
    # The filter: only Turkish messages and groups.
    pg.locator("#lang").select_option("tr")
    pg.locator("#unanswered-rows tr", has_text=english).wait_for(state="detached")
    assert pg.locator("#unanswered-rows tr", has_text=turkish).count() == 1
    langs = pg.locator("#unanswered-rows .badge.lang").evaluate_all(
        "badges => badges.map(b => b.dataset.lang)")
    assert langs and set(langs) == {"tr"}
    # The groups are fetched apart from the rows: wait until they, too, are Turkish only
    # (asserting at once raced their refresh: a group still showed "EN").
    pg.wait_for_function("""() => {
        const langs = [...document.querySelectorAll('.cluster .badge.lang')]
            .map(b => b.dataset.lang);
        return langs.length > 0 && langs.every(l => l === 'tr');
    }""")

    # The answer voted down, fixed from its group: the editor opens on it, in Turkish.
    example = pg.locator(".example", has_text=question)
    example.locator("button", has_text="Edit this answer").click()
    assert pg.locator("#answers").is_visible()
    assert pg.locator("#edit-lang").input_value() == "tr"
    old = json.loads(server.request("GET", "/api/v1/faq/faq-heal-on-own?lang=tr").body)
    pg.wait_for_function("document.getElementById('edit-answer').value.length > 0")
    assert pg.locator("#edit-answer").input_value() == old["answer"]
    assert pg.locator("#edit-title").input_value() == old["title"]
    assert "[faq-heal-on-own]" in pg.locator("#edit-note").inner_text()
    fixed = "Çoğu zaman dinlenmeyle geçer; doktorunuz <b>MR</b> ile takip eder."
    pg.locator("#edit-answer").fill(fixed)
    pg.locator("#edit button[type=submit]").click()
    pg.locator("#status", has_text="Saved").wait_for()
    assert server.chat(question).json()["reply"].startswith(fixed)   # the next chat says it
    pg.locator("#tab-versions").click()
    assert "edit-entry" in pg.locator("#version-rows tr").first.inner_text()
    # An English entry by search, keyboard only from the tab list.
    pg.locator("#tab-versions").focus()
    pg.keyboard.press("ArrowLeft")
    assert pg.locator("#answers").is_visible()
    pg.locator("#edit-lang").select_option("en")
    pg.locator("#edit-entry").fill("faq-heal-on-own")
    pg.locator("#edit-entry").press("Enter")
    pg.wait_for_function("document.getElementById('edit-note').textContent.includes('English')")
    assert pg.locator("#edit-answer").input_value() == answer_of(server, "faq-heal-on-own")
    pg.context.close()
    assert pg.errors == []


# -- links in replies -------------------------------------------------------------------------

LINKY = ("Call +90 532 123 45 67, 0212 555 12 34 or (0212) 555 12 34. Mail info@clinic.example. "
         "In an emergency call 112 (112 is free). Recovery takes 3-6 months; open 09:00-18:00; "
         "since 2019; on 01.05.2019 at 10:30; room 0212. Book at https://clinic.example/book?x=1"
         "&y=2. Not javascript:alert(1), data:text/html,hi, ftp://clinic.example/f or "
         "<a href=\"javascript:alert(1)\">x</a>.\n- Mobile: 0 (532) 123 45 67\n- Web: "
         "http://clinic.example/(info)")


def links_of(locator):
    return locator.locator("a").evaluate_all(
        "links => links.map(a => [a.textContent, a.getAttribute('href'), a.target, a.rel])")


def test_reply_links_phone_email_emergency_and_web_only(page, server):
    page.route("**/api/v1/chat", lambda route: route.fulfill(json={
        "answered": True, "reply": LINKY, "suggestions": [], "source": None, "query_id": "q",
        "match": {"id": "x", "kind": "faq", "title": "x", "score": 1.0}}))
    open_panel(page)
    reply = ask(page, "javascript:alert(1) https://clinic.example 0212 555 12 34 info@x.example")
    tel, safe = "", "noopener noreferrer"
    assert links_of(reply) == [
        ["+90 532 123 45 67", "tel:+905321234567", tel, safe],
        ["0212 555 12 34", "tel:02125551234", tel, safe],
        ["(0212) 555 12 34", "tel:02125551234", tel, safe],
        ["info@clinic.example", "mailto:info@clinic.example", tel, safe],
        ["112", "tel:112", tel, safe],
        ["112", "tel:112", tel, safe],
        ["https://clinic.example/book?x=1&y=2", "https://clinic.example/book?x=1&y=2", "_blank",
         safe],
        ["0 (532) 123 45 67", "tel:05321234567", tel, safe],
        ["http://clinic.example/(info)", "http://clinic.example/(info)", "_blank", safe],
    ]
    # Everything else stayed text, the markup included; the visitor's own words are never links.
    assert '<a href="javascript:alert(1)">x</a>' in reply.inner_text()
    assert "3-6 months; open 09:00-18:00; since 2019; on 01.05.2019 at 10:30" in reply.inner_text()
    echo = page.locator(".cc-user").last
    assert echo.locator("a").count() == 0
    assert "javascript:alert(1) https://clinic.example" in echo.inner_text()


def test_contact_details_once_per_reply_as_links_on_another_origin(browser, site, server):
    fallback, out_of_scope, contact = ("what about my cat?", "how much does the bioplasty cost?",
                                       "how can I contact the clinic?")
    # The widget's own contact block would have been added to the first (unanswered, nothing
    # to suggest): make sure the question still takes that path.
    first = server.chat(fallback).json()
    assert not first["answered"] and not first["suggestions"] and PHONE in first["reply"]
    # The site's CSP (the lines docs/embedding.md gives) stays in force: bypass_csp=False.
    with opened(browser, site("index.html", server.url), bypass_csp=False) as pg:
        pg.screenshot(path=str(DOCS / "embedding-page.png"))
        open_panel(pg)
        for question in (fallback, out_of_scope, contact):
            reply = ask(pg, question).locator(".cc-bubble")
            text = reply.inner_text()
            assert text.count(PHONE) == 1 and text.count("info@clinic.example") == 1, text
            assert text.count("Kadıköy") == 1, text
            hrefs = [link[1] for link in links_of(reply)]
            assert hrefs == ["tel:+902125550123", "mailto:info@clinic.example",
                             "https://clinic.example/appointment"], (question, hrefs)
        booking = pg.locator(".cc-bot a[href^='https:']").last
        assert booking.get_attribute("target") == "_blank"
        assert booking.get_attribute("rel") == "noopener noreferrer"
        pg.screenshot(path=str(DOCS / "embedding-desktop.png"))
        urgent = ask(pg, "I fell and my leg is bent the wrong way, I can't stand")
        assert ["112", "tel:112"] in [link[:2] for link in links_of(urgent)]
        assert csp_errors(pg) == []
        pg.evaluate("document.querySelector('script[src$=\"widget.js\"]').dataset.theme = 'dark'")
        pg.locator("clinic-chat[data-theme=dark]").wait_for(state="attached")
        ask(pg, "how is it diagnosed?")
        pg.screenshot(path=str(DOCS / "embedding-dark.png"))


def test_refused_origin_explains_itself_in_the_console(browser, site, server):
    # Same page, another origin: CHATBOT_CORS_ORIGINS names 127.0.0.1's, not localhost's.
    pg = new_page(browser)
    logged = []
    pg.on("console", lambda msg: logged.append(msg.text) if msg.type == "error" else None)
    url = site("refused.html", server.url, host="localhost")
    pg.goto(url)
    pg.locator(".cc-launcher").wait_for()
    open_panel(pg)
    reply = ask(pg, "what is bone marrow edema?")
    assert "isn't available on this site" in reply.inner_text()
    assert reply.locator(".cc-retry").count() == 0
    hints = [m for m in logged if m.startswith("[clinic-chat]")]
    assert len(hints) == 1, logged  # said once, at load, not once per failed request
    origin = url.rsplit("/", 1)[0]
    assert f"refuses requests from {origin}: add {origin} to CHATBOT_CORS_ORIGINS" in hints[0]
    assert "docs/embedding.md" in hints[0]
    pg.context.close()


def test_csp_that_forgets_the_bot_is_named_in_the_console(browser, site, server):
    api = server.url
    csp = f"default-src 'self'; script-src 'self' {api}; style-src 'self' {api}; connect-src 'self'"
    pg = new_page(browser, bypass_csp=False)
    pg.goto(site("no-connect.html", api, csp=csp))
    pg.locator(".cc-launcher").wait_for()
    open_panel(pg)
    assert SORRY in ask(pg, "what is bone marrow edema?").inner_text()
    hints = [e for e in pg.errors if e.startswith("[clinic-chat]")]
    assert hints == [f"[clinic-chat] this page's Content-Security-Policy (connect-src) blocks "
                     f"{api}: allow it in script-src, style-src and connect-src "
                     "(see docs/embedding.md)."], pg.errors
    pg.context.close()


def test_embedding_screenshots_for_the_docs(browser, site, server):
    with opened(browser, site("index.html", server.url), bypass_csp=False,
                viewport={"width": 390, "height": 780}, is_mobile=True, has_touch=True) as pg:
        open_panel(pg)
        ask(pg, "what about my cat?")
        pg.screenshot(path=str(DOCS / "embedding-mobile.png"))


# -- launcher, theme, scrolling ---------------------------------------------------------------

def test_launcher_shows_a_drawn_icon_and_a_chevron_when_open(page):
    launcher = page.locator(".cc-launcher")
    bubble, chevron = launcher.locator(".cc-icon-chat"), launcher.locator(".cc-icon-minimise")
    box = bubble.bounding_box()
    assert box["width"] >= 20 and box["height"] >= 20 and chevron.is_hidden()
    # The bubble is drawn in the text colour with its dots in the accent: a shape, not a block.
    fill = bubble.locator("path").evaluate("el => getComputedStyle(el).fill")
    dots = bubble.locator("circle").evaluate_all("els => els.map(e => getComputedStyle(e).fill)")
    text, background = colours(page, ".cc-launcher")
    assert fill == text and dots == [background] * 3 and fill != background
    open_panel(page)
    assert bubble.is_hidden() and chevron.is_visible()
    assert chevron.locator("path").evaluate("el => getComputedStyle(el).stroke") == text


THEMED = """<!doctype html><html><head><title>t</title></head><body><p>Page</p>
<script src="{url}/widget.js" defer></script></body></html>"""
PANEL = {"light": "rgb(255, 255, 255)", "dark": "rgb(21, 28, 29)"}


def test_theme_follows_data_theme_not_the_system(browser, server):
    url = server.url + "/themed.html"
    pg = new_page(browser, color_scheme="dark")  # the visitor's system setting
    serve(pg, url, THEMED.replace("{url}", server.url))
    pg.goto(url)
    pg.locator(".cc-launcher").wait_for()
    open_panel(pg)
    ask(pg, "what is bone marrow edema?")
    panel = pg.locator(".cc-panel")
    # No attribute: light, whatever the system says (a dark OS is not a dark page).
    assert panel.evaluate("el => getComputedStyle(el).backgroundColor") == PANEL["light"]
    # A site's own dark-mode switch sets the attribute later: the widget follows it; "auto"
    # follows the system setting, also when that changes.
    for value, system, theme in [("dark", "light", "dark"), ("light", "dark", "light"),
                                 ("auto", "dark", "dark"), ("auto", "light", "light"),
                                 ("nonsense", "dark", "light"), ("dark", "dark", "dark")]:
        pg.emulate_media(color_scheme=system)
        pg.evaluate(f"document.querySelector('script[src$=\"widget.js\"]').dataset.theme = "
                    f"'{value}'")
        pg.wait_for_function(
            "getComputedStyle(document.querySelector('#clinic-chat-host').shadowRoot"
            f".querySelector('.cc-panel')).backgroundColor === '{PANEL[theme]}'")
        for selector, background in [(".cc-launcher", None), (".cc-send", None),
                                     (".cc-title", ".cc-header"), (".cc-chip", None),
                                     (".cc-source", ".cc-bubble"), (".cc-bubble", None),
                                     (".cc-notice", ".cc-bubble")]:
            text, bg = colours(pg, selector, background)
            assert contrast(text, bg) >= 4.5, (value, system, selector, text, bg)
    pg.context.close()
    assert pg.errors == []


def latest_in_view(page):
    return page.evaluate("""() => {
        const root = document.querySelector('#clinic-chat-host').shadowRoot;
        const log = root.querySelector('.cc-log').getBoundingClientRect();
        const last = [...root.querySelectorAll('.cc-msg')].pop().getBoundingClientRect();
        return last.top < log.bottom && last.bottom > log.top; }""")


def test_reopened_panel_shows_the_latest_message_after_reload_and_navigation(page, server):
    open_panel(page)
    questions = ["what is bone marrow edema?", "how is it diagnosed?", "what causes it?",
                 "how long does recovery take?", "is physical therapy effective?",
                 "what is the last thing I asked about?"]
    for q in questions:
        ask(page, q)
    log = page.locator(".cc-log")
    assert log.evaluate("el => el.scrollHeight > 2 * el.clientHeight")  # a long conversation
    assert latest_in_view(page)
    for move in (page.reload, lambda: page.goto(server.url + "/?another-page")):
        move()
        page.wait_for_selector(".cc-panel:not([hidden])")
        page.locator(".cc-user").nth(len(questions) - 1).wait_for()
        assert log.evaluate("el => el.scrollTop") > 0
        assert latest_in_view(page)


def test_turkish_page_holds_a_whole_turkish_conversation(browser, server):
    # No data-lang on the tag: the widget takes the page's <html lang="tr">.
    with opened(browser, server.url + "/?lang=tr") as pg:
        open_panel(pg)
        assert pg.locator("label[for=cc-input]").inner_text() == "Sorunuz"
        assert "tıbbi tavsiye değildir" in pg.locator(".cc-notice").inner_text()
        assert "Pazartesi" in pg.locator(".cc-hours").inner_text()  # /api/v1/clinic?lang=tr
        pg.locator(".cc-chip", has_text="Kemik iliği ödemi nedir?").click()
        pg.wait_for_function(bot_count_above(1))
        first = pg.locator(".cc-bot").last.inner_text()
        assert json.loads(server.request("GET", "/api/v1/faq/faq-what-is?lang=tr").body)[
            "answer"][:40] in first
        assert "Kaynak:" in first
        # Typed on a phone, without Turkish letters: still a Turkish answer. (Asked about
        # one's own knee, "dizimde ... ameliyat şart mı", it is a decision for the doctor.)
        body = server.chat("kemik odemi olunca ameliyat sart mi", lang="tr").json()
        assert body["lang"] == "tr" and body["answered"]
        reply = ask(pg, "kemik odemi olunca ameliyat sart mi")
        assert body["reply"][:40] in reply.inner_text()
        # Suggestions and the decline with the contact are Turkish too.
        vague = ask(pg, "kemik")
        assert "biraz daha" in vague.inner_text()
        titles = server.chat("kemik", lang="tr").json()["suggestions"]
        assert titles and vague.locator(".cc-chip").first.inner_text() == titles[0]["title"]
        declined = ask(pg, "bioplasti fiyatı ne kadar?")
        assert "fiyatlar ve ücretler" in declined.inner_text()
        assert "genel bilgi verir" in declined.inner_text()
        # A visitor who writes English on the Turkish page is answered in English.
        english = ask(pg, "what causes bone marrow edema?")
        assert "cause" in english.inner_text().lower()
