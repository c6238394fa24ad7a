/* Clinic chat widget: one <script src=".../widget.js" defer></script> tag on the clinic's site.
 *
 * Options (data-* on the script tag): data-title, data-color, data-position (right|left),
 * data-starters ("Question one?|Question two?"), data-lang (en|tr), data-open ("true").
 * The API origin is the script's own origin. Everything renders inside an open shadow root, with
 * styles from widget.css and a constructable stylesheet (no inline styles: strict CSP works).
 * Every text goes through textContent. One global: window.ClinicChat.
 */
(function () {
  "use strict";
  var PREFIX = "[clinic-chat]";
  if (window.ClinicChat && window.ClinicChat.__booted) return; // booting twice is harmless

  var STRINGS = {
    en: {
      launcher: "Open chat with the clinic",
      close: "Close chat",
      reset: "New conversation",
      title: "Ask the clinic",
      welcome: "Hello! I can answer general questions about bone marrow edema from the clinic's article.",
      notice: "General information, not medical advice. Please don't share personal details.",
      placeholder: "Type your question…",
      label: "Your question",
      send: "Send",
      typing: "The assistant is typing",
      didYouMean: "Did you mean:",
      alsoAsk: "You could also ask:",
      source: "Source: ",
      helpful: "Helpful?",
      yes: "Yes",
      no: "No",
      thanks: "Thanks for your feedback.",
      error: "Sorry, I couldn't reach the clinic's assistant. Please try again.",
      busy: "Sorry, too many questions at once. Please wait a moment and try again.",
      retry: "Retry",
      contact: "Contact the clinic:",
      hours: "Hours: ",
      you: "You",
      bot: "Assistant",
    },
    tr: {
      launcher: "Klinik ile sohbeti aç",
      close: "Sohbeti kapat",
      reset: "Yeni sohbet",
      title: "Kliniğe sorun",
      welcome: "Merhaba! Kliniğin makalesinden kemik iliği ödemi hakkında genel soruları yanıtlayabilirim.",
      notice: "Genel bilgidir, tıbbi tavsiye değildir. Lütfen kişisel bilgilerinizi paylaşmayın.",
      placeholder: "Sorunuzu yazın…",
      label: "Sorunuz",
      send: "Gönder",
      typing: "Asistan yazıyor",
      didYouMean: "Bunu mu demek istediniz:",
      alsoAsk: "Şunları da sorabilirsiniz:",
      source: "Kaynak: ",
      helpful: "Yararlı mıydı?",
      yes: "Evet",
      no: "Hayır",
      thanks: "Geri bildiriminiz için teşekkürler.",
      error: "Üzgünüm, asistana ulaşılamadı. Lütfen tekrar deneyin.",
      busy: "Üzgünüm, çok fazla soru geldi. Lütfen biraz bekleyip tekrar deneyin.",
      retry: "Tekrar dene",
      contact: "Klinikle iletişim:",
      hours: "Çalışma saatleri: ",
      you: "Siz",
      bot: "Asistan",
    },
  };
  var STORE_KEY = "clinic-chat:v1";
  // Read now: document.currentScript is only set while this file first runs.
  var SCRIPT = document.currentScript;

  function currentScript() {
    if (SCRIPT) return SCRIPT;
    var scripts = document.querySelectorAll('script[src*="widget.js"]');
    return scripts[scripts.length - 1] || null;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function safeColor(value) {
    // Only plain colour values reach the stylesheet: no "}" or ";" smuggled into CSS.
    return /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,%\s]+\)|hsla?\([0-9.,%\s]+\))$/.test(value || "")
      ? value : null;
  }

  function load() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE_KEY)) || null;
    } catch (e) {
      return null;
    }
  }

  function boot() {
    var script = currentScript();
    var src = script && script.src ? new URL(script.src, location.href) : new URL(location.href);
    var origin = src.origin;
    var data = (script && script.dataset) || {};
    var lang = data.lang === "tr" ? "tr" : "en";
    var t = STRINGS[lang];
    var starters = (data.starters || "").split("|").map(function (s) { return s.trim(); })
      .filter(Boolean).slice(0, 4);
    var state = load() || { sessionId: randomId(), messages: [], open: false };
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(state.sessionId || "")) state.sessionId = randomId();
    var clinic = null;
    var pending = false;

    function save() {
      try {
        sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
      } catch (e) { /* private mode: the conversation just won't survive a reload */ }
    }

    // -- DOM ---------------------------------------------------------------------------------
    // A custom element: page rules aimed at div, section... never match the host.
    var host = document.createElement("clinic-chat");
    host.id = "clinic-chat-host";
    host.setAttribute("data-position", data.position === "left" ? "left" : "right");
    var root = host.attachShadow({ mode: "open" });
    var link = el("link");
    link.rel = "stylesheet";
    link.href = origin + "/widget.css";
    root.appendChild(link);
    var accent = safeColor(data.color);
    var sizing = null;
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
      try {
        sizing = new CSSStyleSheet();
        var theme = new CSSStyleSheet();
        theme.replaceSync(accent ? ":host { --cc-accent: " + accent + "; }" : "");
        root.adoptedStyleSheets = [theme, sizing];
      } catch (e) { sizing = null; }
    }

    var wrap = el("div", "cc " + (data.position === "left" ? "cc-left" : "cc-right"));
    var launcher = el("button", "cc-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", t.launcher);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "cc-panel");
    launcher.appendChild(el("span", "cc-launcher-icon"));
    launcher.lastChild.setAttribute("aria-hidden", "true");
    launcher.appendChild(el("span", "cc-launcher-text", t.title));

    var panel = el("section", "cc-panel");
    panel.id = "cc-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", data.title || t.title);

    var header = el("header", "cc-header");
    var heading = el("div", "cc-heading");
    var titleEl = el("h2", "cc-title", data.title || t.title);
    var hoursEl = el("p", "cc-hours");
    heading.appendChild(titleEl);
    heading.appendChild(hoursEl);
    var resetBtn = el("button", "cc-icon-btn cc-reset", "↺");
    resetBtn.type = "button";
    resetBtn.setAttribute("aria-label", t.reset);
    resetBtn.title = t.reset;
    var closeBtn = el("button", "cc-icon-btn cc-close", "×");
    closeBtn.type = "button";
    closeBtn.setAttribute("aria-label", t.close);
    closeBtn.title = t.close;
    header.appendChild(heading);
    header.appendChild(resetBtn);
    header.appendChild(closeBtn);

    var log = el("div", "cc-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.tabIndex = 0;

    var typing = el("div", "cc-typing");
    typing.hidden = true;
    typing.setAttribute("aria-label", t.typing);
    for (var i = 0; i < 3; i++) typing.appendChild(el("span", "cc-dot"));

    var form = el("form", "cc-form");
    var label = el("label", "cc-visually-hidden", t.label);
    label.htmlFor = "cc-input";
    var input = el("textarea", "cc-input");
    input.id = "cc-input";
    input.rows = 1;
    input.maxLength = 500;
    input.placeholder = t.placeholder;
    var send = el("button", "cc-send", t.send);
    send.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);
    wrap.appendChild(panel);
    wrap.appendChild(launcher);
    root.appendChild(wrap);
    document.body.appendChild(host);

    // -- rendering ---------------------------------------------------------------------------
    function paragraphs(container, textValue) {
      String(textValue).split(/\n{2,}/).forEach(function (block) {
        var lines = block.split("\n");
        var bullets = lines.filter(function (l) { return /^\s*(-|\d+\.)\s/.test(l); });
        if (bullets.length && bullets.length >= lines.length - 1) {
          if (bullets.length < lines.length) container.appendChild(el("p", null, lines[0]));
          var list = el("ul");
          bullets.forEach(function (l) { list.appendChild(el("li", null, l.replace(/^\s*-\s/, ""))); });
          container.appendChild(list);
        } else {
          var p = el("p");
          lines.forEach(function (line, n) {
            if (n) p.appendChild(document.createElement("br"));
            p.appendChild(document.createTextNode(line));
          });
          container.appendChild(p);
        }
      });
    }

    function contactBlock() {
      var box = el("div", "cc-contact");
      box.appendChild(el("p", "cc-contact-title", t.contact));
      if (!clinic) return box;
      var list = el("ul");
      function item(labelText, value, href) {
        var li = el("li");
        li.appendChild(document.createTextNode(labelText));
        if (href) {
          var a = el("a", null, value);
          a.href = href;
          if (/^https?:/.test(href)) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
          li.appendChild(a);
        } else {
          li.appendChild(document.createTextNode(value));
        }
        list.appendChild(li);
      }
      if (clinic.name) item("", clinic.name);
      if (clinic.phone) item("☎ ", clinic.phone, "tel:" + clinic.phone.replace(/[^\d+]/g, ""));
      if (clinic.email) item("✉ ", clinic.email, "mailto:" + clinic.email);
      if (clinic.booking_url && /^https?:\/\//.test(clinic.booking_url)) item("", clinic.booking_url, clinic.booking_url);
      if (clinic.address) item("", clinic.address);
      if (clinic.hours) item(t.hours, clinic.hours);
      box.appendChild(list);
      return box;
    }

    function suggestionButtons(container, items, caption) {
      if (!items || !items.length) return;
      var box = el("div", "cc-suggestions");
      box.appendChild(el("p", "cc-caption", caption));
      items.forEach(function (s) {
        var b = el("button", "cc-chip", s.title);
        b.type = "button";
        b.addEventListener("click", function () { ask(s.title); });
        box.appendChild(b);
      });
      container.appendChild(box);
    }

    function feedback(container, message) {
      var box = el("div", "cc-feedback");
      if (message.feedback) {
        box.appendChild(el("span", null, t.thanks));
        container.appendChild(box);
        return;
      }
      box.appendChild(el("span", null, t.helpful));
      [[t.yes, true], [t.no, false]].forEach(function (pair) {
        var b = el("button", "cc-link-btn", pair[0]);
        b.type = "button";
        b.addEventListener("click", function () {
          message.feedback = pair[1] ? "yes" : "no";
          save();
          box.textContent = t.thanks;
          fetch(origin + "/api/v1/feedback", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ query_id: message.queryId, helpful: pair[1] }),
          }).catch(function () { /* feedback is best effort */ });
        });
        box.appendChild(b);
      });
      container.appendChild(box);
    }

    function render(message) {
      var row = el("div", "cc-msg cc-" + message.role);
      var who = el("span", "cc-visually-hidden", message.role === "user" ? t.you + ": " : t.bot + ": ");
      var bubble = el("div", "cc-bubble");
      bubble.appendChild(who);
      if (message.role === "user") {
        bubble.appendChild(document.createTextNode(message.text));
      } else if (message.kind === "welcome") {
        paragraphs(bubble, t.welcome);
        bubble.appendChild(el("p", "cc-notice", t.notice));
      } else if (message.kind === "error") {
        bubble.appendChild(el("p", null, message.text));
        var retry = el("button", "cc-chip", t.retry);
        retry.type = "button";
        retry.addEventListener("click", function () {
          state.messages = state.messages.filter(function (m) { return m !== message; });
          save();
          row.remove();
          ask(message.retryText, true);
        });
        bubble.appendChild(retry);
      } else {
        paragraphs(bubble, message.text);
        if (message.answered && message.source) bubble.appendChild(el("p", "cc-source", t.source + message.source));
        if (!message.answered && !(message.suggestions || []).length) bubble.appendChild(contactBlock());
      }
      row.appendChild(bubble);
      if (message.role === "bot" && message.kind === "welcome") suggestionButtons(row, starters.map(function (s) { return { title: s }; }), "");
      if (message.role === "bot" && message.kind === "answer") {
        suggestionButtons(row, message.suggestions, message.answered ? t.alsoAsk : t.didYouMean);
        if (message.answered && message.queryId && message.matchKind !== "safety") feedback(row, message);
      }
      log.appendChild(row);
      log.scrollTop = log.scrollHeight;
    }

    function add(message) {
      state.messages.push(message);
      save();
      render(message);
    }

    function renderAll() {
      log.textContent = "";
      if (!state.messages.length) state.messages.push({ role: "bot", kind: "welcome" });
      state.messages.forEach(render);
    }

    // -- talking to the API ------------------------------------------------------------------
    function ask(textValue, isRetry) {
      var question = String(textValue || "").trim();
      if (!question || pending) return;
      if (!isRetry) add({ role: "user", text: question });
      pending = true;
      typing.hidden = false;
      send.disabled = true;
      fetch(origin + "/api/v1/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: question, session_id: state.sessionId }),
      }).then(function (response) {
        if (!response.ok) {
          var err = new Error("HTTP " + response.status);
          err.status = response.status;
          throw err;
        }
        return response.json();
      }).then(function (body) {
        add({
          role: "bot", kind: "answer", text: body.reply, answered: body.answered,
          source: body.source, suggestions: body.suggestions || [], queryId: body.query_id,
          matchKind: body.match && body.match.kind,
        });
      }).catch(function (err) {
        add({ role: "bot", kind: "error", text: err.status === 429 ? t.busy : t.error, retryText: question });
        if (!input.value) input.value = question; // keep what the visitor typed
      }).then(function () {
        pending = false;
        typing.hidden = true;
        send.disabled = false;
      });
    }

    // -- open / close ------------------------------------------------------------------------
    function fitViewport() {
      // On phones the on-screen keyboard shrinks the visual viewport: size the panel to it.
      if (!sizing || !window.visualViewport) return;
      try {
        sizing.replaceSync(":host { --cc-viewport-height: " + Math.round(window.visualViewport.height) + "px; }");
      } catch (e) { /* older engines: 100dvh in the stylesheet still applies */ }
    }

    function open() {
      panel.hidden = false;
      wrap.classList.add("cc-is-open");
      launcher.setAttribute("aria-expanded", "true");
      state.open = true;
      save();
      fitViewport();
      log.scrollTop = log.scrollHeight;
      input.focus();
    }

    function close() {
      panel.hidden = true;
      wrap.classList.remove("cc-is-open");
      launcher.setAttribute("aria-expanded", "false");
      state.open = false;
      save();
      launcher.focus();
    }

    function reset() {
      state = { sessionId: randomId(), messages: [], open: state.open };
      save();
      renderAll();
      input.value = "";
    }

    launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
    closeBtn.addEventListener("click", close);
    resetBtn.addEventListener("click", function () { reset(); input.focus(); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = input.value;
      if (!value.trim() || pending) return;
      input.value = "";
      ask(value);
    });
    if (window.visualViewport) {
      window.visualViewport.addEventListener("resize", fitViewport);
      window.visualViewport.addEventListener("scroll", fitViewport);
    }

    fetch(origin + "/api/v1/clinic").then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        clinic = body;
        if (!data.title && body.name) titleEl.textContent = body.name;
        if (body.hours) hoursEl.textContent = t.hours + body.hours;
      }).catch(function () { /* the header just shows the title */ });

    renderAll();
    if (state.open || data.open === "true") open();

    window.ClinicChat = {
      __booted: true,
      open: open,
      close: close,
      ask: function (q) { if (panel.hidden) open(); ask(q); },
      reset: reset,
    };
  }

  function start() {
    try {
      boot();
    } catch (error) {
      if (window.console) console.error(PREFIX, "could not start:", error && error.message);
    }
  }

  window.ClinicChat = { __booted: true, open: function () {}, close: function () {}, ask: function () {}, reset: function () {} };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
