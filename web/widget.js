/* Clinic chat widget: one <script src=".../widget.js" defer></script> tag on the clinic's site.
 *
 * Options (data-* on the script tag): data-title, data-color, data-position (right|left),
 * data-starters ("Question one?|Question two?"), data-lang (en|tr; default: the page's
 * <html lang>), data-open ("true"). The language is sent to the API as a hint: the bot answers
 * in the language the visitor writes in.
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
      typing: "The assistant is writing an answer…",
      didYouMean: "Did you mean:",
      alsoAsk: "You could also ask:",
      source: "Source: ",
      helpful: "Helpful?",
      yes: "Yes",
      no: "No",
      thanks: "Thanks for your feedback.",
      error: "Sorry, I couldn't reach the clinic's assistant. Please try again.",
      retry: "Retry",
      contact: "Contact the clinic:",
      phone: "Phone: ",
      email: "E-mail: ",
      booking: "Book an appointment",
      address: "Address: ",
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
      typing: "Asistan yanıt yazıyor…",
      didYouMean: "Bunu mu demek istediniz:",
      alsoAsk: "Şunları da sorabilirsiniz:",
      source: "Kaynak: ",
      helpful: "Yararlı mıydı?",
      yes: "Evet",
      no: "Hayır",
      thanks: "Geri bildiriminiz için teşekkürler.",
      error: "Üzgünüm, asistana ulaşılamadı. Lütfen tekrar deneyin.",
      retry: "Tekrar dene",
      contact: "Klinikle iletişim:",
      phone: "Telefon: ",
      email: "E-posta: ",
      booking: "Randevu alın",
      address: "Adres: ",
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

  function luminance(color) {
    // Relative luminance of any CSS colour; a canvas normalises it to #rrggbb without touching
    // the page's styles. null if the colour can't be read.
    try {
      var ctx = document.createElement("canvas").getContext("2d");
      ctx.fillStyle = "#000000";
      ctx.fillStyle = color;
      var hex = String(ctx.fillStyle);
      if (!/^#[0-9a-f]{6}$/i.test(hex)) return null;
      var c = [1, 3, 5].map(function (i) {
        var v = parseInt(hex.substr(i, 2), 16) / 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    } catch (e) {
      return null;
    }
  }

  function ratio(a, b) {
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }

  function themeRules(accent) {
    // A custom accent colour, kept readable (WCAG AA): white or near-black text on it, and as
    // a text colour (links, chips) only where it contrasts with the light/dark background.
    var l = luminance(accent);
    if (l === null) return ":host { --cc-accent: " + accent + "; }";
    var onAccent = ratio(l, 1) >= ratio(l, luminance("#111b1c")) ? "#ffffff" : "#111b1c";
    var lightInk = ratio(l, 1) >= 4.5 ? accent : "var(--cc-text)";
    var darkInk = ratio(l, luminance("#151c1d")) >= 4.5 ? accent : "var(--cc-text)";
    return ":host { --cc-accent: " + accent + "; --cc-accent-text: " + onAccent +
      "; --cc-ink: " + lightInk + "; }\n@media (prefers-color-scheme: dark) { :host { --cc-ink: " +
      darkInk + "; } }";
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
    // The page's own language when the tag names none: <html lang="tr-TR"> is a Turkish page.
    var wanted = String(data.lang || document.documentElement.lang || "en").toLowerCase()
      .split("-")[0];
    var lang = STRINGS[wanted] ? wanted : "en";
    var apiLang = lang; // dropped if the clinic's knowledge file does not have this language
    var t = STRINGS[lang];
    var starters = (data.starters || "").split("|").map(function (s) { return s.trim(); })
      .filter(Boolean).slice(0, 4);
    var state = load();
    if (!state || !Array.isArray(state.messages)) state = { sessionId: randomId(), messages: [], open: false };
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(state.sessionId || "")) state.sessionId = randomId();
    var clinic = null;
    var waitingForClinic = []; // contact blocks rendered before /api/v1/clinic answered
    var pending = false;

    function save() {
      try {
        sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
      } catch (e) { /* private mode: the conversation just won't survive a reload */ }
    }

    // -- DOM ---------------------------------------------------------------------------------
    // A custom element: page rules aimed at div, section... never match the host.
    var host = document.createElement("clinic-chat");
    hostElement = host;
    host.id = "clinic-chat-host";
    var root = host.attachShadow({ mode: "open" });
    var wrap = el("div", "cc " + (data.position === "left" ? "cc-left" : "cc-right"));
    wrap.lang = lang;
    wrap.hidden = true; // shown once widget.css has loaded: no flash of unstyled widget
    var link = el("link");
    link.rel = "stylesheet";
    link.href = origin + "/widget.css";
    link.addEventListener("load", function () { wrap.hidden = false; });
    link.addEventListener("error", function () { wrap.hidden = false; }); // unstyled but usable
    root.appendChild(link);

    // Constructable stylesheets: the accent colour and the mobile viewport height. CSSOM rules
    // are not inline styles, so a page with style-src 'self' still allows them.
    var accent = safeColor(data.color);
    var sizing = null;
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
      try {
        sizing = new CSSStyleSheet();
        var theme = new CSSStyleSheet();
        theme.replaceSync(accent ? themeRules(accent) : "");
        root.adoptedStyleSheets = [theme, sizing];
      } catch (e) { sizing = null; }
    }

    var launcher = el("button", "cc-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", t.launcher);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "cc-panel");
    var icon = el("span", "cc-launcher-icon");
    icon.setAttribute("aria-hidden", "true");
    launcher.appendChild(icon);
    launcher.appendChild(el("span", "cc-launcher-text", t.title));

    var panel = el("section", "cc-panel");
    panel.id = "cc-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "cc-title");

    var header = el("header", "cc-header");
    var badge = el("span", "cc-badge");
    badge.setAttribute("aria-hidden", "true");
    var heading = el("div", "cc-heading");
    var titleEl = el("h2", "cc-title", data.title || t.title);
    titleEl.id = "cc-title";
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
    header.appendChild(badge);
    header.appendChild(heading);
    header.appendChild(resetBtn);
    header.appendChild(closeBtn);

    var log = el("div", "cc-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", t.title);
    log.tabIndex = 0; // scrollable by keyboard

    var typing = el("div", "cc-typing");
    typing.setAttribute("role", "status");
    var typingText = el("span", "cc-visually-hidden");
    typing.appendChild(typingText);
    var dots = el("span", "cc-dots");
    dots.hidden = true;
    dots.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) dots.appendChild(el("span", "cc-dot"));
    typing.appendChild(dots);

    var form = el("form", "cc-form");
    var label = el("label", "cc-visually-hidden", t.label);
    label.htmlFor = "cc-input";
    var input = el("textarea", "cc-input");
    input.id = "cc-input";
    input.name = "message";
    input.rows = 1;
    input.maxLength = 500;
    input.placeholder = t.placeholder;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("enterkeyhint", "send");
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

    // -- rendering ---------------------------------------------------------------------------
    function paragraphs(container, textValue) {
      // Blank lines separate paragraphs; "- " lines become a list. Text nodes only.
      String(textValue).split(/\n{2,}/).forEach(function (block) {
        var lines = block.split("\n").filter(function (l) { return l.trim(); });
        if (!lines.length) return;
        var p = null;
        var list = null;
        lines.forEach(function (line) {
          var bullet = /^\s*[-•*]\s+(.*)$/.exec(line);
          if (bullet) {
            if (!list) { list = el("ul"); container.appendChild(list); p = null; }
            list.appendChild(el("li", null, bullet[1]));
          } else {
            list = null;
            if (p) p.appendChild(el("br"));
            else { p = el("p"); container.appendChild(p); }
            p.appendChild(document.createTextNode(line));
          }
        });
      });
    }

    function fillContact(box) {
      // Only the fields the clinic configured; links built element by element.
      box.textContent = "";
      if (!clinic) return;
      var list = el("ul");
      function item(labelText, value, href, external) {
        var li = el("li");
        if (labelText) li.appendChild(el("span", "cc-contact-label", labelText));
        if (href) {
          var a = el("a", null, value);
          a.href = href;
          if (external) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
          li.appendChild(a);
        } else {
          li.appendChild(document.createTextNode(value));
        }
        list.appendChild(li);
      }
      var phone = typeof clinic.phone === "string" && clinic.phone.trim();
      var email = typeof clinic.email === "string" && clinic.email.trim();
      var booking = typeof clinic.booking_url === "string" && clinic.booking_url.trim();
      var address = typeof clinic.address === "string" && clinic.address.trim();
      if (phone) item(t.phone, phone, "tel:" + phone.replace(/[^\d+]/g, ""));
      if (email && /^[^\s@<>"]+@[^\s@<>"]+$/.test(email)) item(t.email, email, "mailto:" + email);
      if (booking && /^https?:\/\/[^\s]+$/i.test(booking)) item("", t.booking, booking, true);
      if (address) item(t.address, address);
      if (!list.childNodes.length) return;
      box.appendChild(el("p", "cc-contact-title", t.contact));
      box.appendChild(list);
    }

    function contactBlock() {
      var box = el("div", "cc-contact");
      if (clinic) fillContact(box);
      else waitingForClinic.push(box);
      return box;
    }

    function suggestionButtons(container, items, caption) {
      if (!items || !items.length) return;
      var box = el("div", "cc-suggestions");
      if (caption) box.appendChild(el("p", "cc-caption", caption));
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
        var b = el("button", "cc-feedback-btn", pair[0]);
        b.type = "button";
        b.addEventListener("click", function () {
          if (message.feedback) return; // once
          message.feedback = pair[1] ? "yes" : "no";
          save();
          var refocus = box.contains(root.activeElement);
          box.textContent = "";
          var thanks = el("span", null, t.thanks);
          thanks.tabIndex = -1;
          box.appendChild(thanks);
          if (refocus) thanks.focus(); // focus must not fall back to <body>
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
        row.classList.add("cc-error");
        bubble.appendChild(el("p", null, t.error));
        var retry = el("button", "cc-chip cc-retry", t.retry);
        retry.type = "button";
        retry.addEventListener("click", function () {
          if (pending) return;
          state.messages = state.messages.filter(function (m) { return m !== message; });
          save();
          row.remove();
          input.focus();
          ask(message.retryText, true);
        });
        bubble.appendChild(retry);
      } else {
        if (message.matchKind === "safety") row.classList.add("cc-urgent");
        paragraphs(bubble, message.text);
        if (message.answered && message.source) bubble.appendChild(el("p", "cc-source", t.source + message.source));
        if (!message.answered && !(message.suggestions || []).length) bubble.appendChild(contactBlock());
      }
      row.appendChild(bubble);
      if (message.role === "bot" && message.kind === "welcome") {
        suggestionButtons(row, starters.map(function (s) { return { title: s }; }), "");
      }
      if (message.role === "bot" && message.kind === "answer") {
        // No caption when the reply itself already leads into the list ("...one of these?").
        var lead = /[:?]\s*$/.test(message.text || "");
        suggestionButtons(row, message.suggestions,
          message.answered ? t.alsoAsk : (lead ? "" : t.didYouMean));
        if (message.answered && message.queryId && message.matchKind !== "safety") feedback(row, message);
      }
      log.appendChild(row);
      return row;
    }

    function scrollTo(row) {
      // A long answer is read from its start; anything else keeps the log at the bottom.
      if (row && row.classList.contains("cc-bot") && row.offsetHeight > log.clientHeight - 24) {
        log.scrollTop = row.offsetTop - 12;
      } else {
        log.scrollTop = log.scrollHeight;
      }
    }

    function add(message) {
      state.messages.push(message);
      save();
      scrollTo(render(message));
    }

    function renderAll() {
      log.textContent = "";
      waitingForClinic = [];
      if (!state.messages.length) state.messages.push({ role: "bot", kind: "welcome" });
      state.messages.forEach(render);
      log.scrollTop = log.scrollHeight;
    }

    function setPending(on) {
      pending = on;
      dots.hidden = !on;
      typingText.textContent = on ? t.typing : "";
      send.disabled = on;
      panel.setAttribute("aria-busy", on ? "true" : "false");
    }

    // -- talking to the API ------------------------------------------------------------------
    function ask(textValue, isRetry) {
      var question = String(textValue || "").trim().slice(0, 500);
      if (!question || pending) return;
      if (!isRetry) add({ role: "user", text: question });
      setPending(true);
      fetch(origin + "/api/v1/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(apiLang ? { message: question, session_id: state.sessionId, lang: apiLang }
          : { message: question, session_id: state.sessionId }),
      }).then(function (response) {
        if (response.status === 400 && apiLang) {
          return response.json().then(function (body) {
            if (!body || !body.error || body.error.code !== "invalid_lang") throw new Error("HTTP 400");
            apiLang = null; // an English-only clinic file: ask again without the hint
            setPending(false);
            ask(question, true);
            return null;
          });
        }
        if (!response.ok) {
          var err = new Error("HTTP " + response.status);
          err.status = response.status;
          throw err;
        }
        return response.json();
      }).then(function (body) {
        if (body === null) return; // asked again without the language hint
        if (!body || typeof body.reply !== "string") throw new Error("unexpected answer");
        add({
          role: "bot", kind: "answer", text: body.reply, answered: !!body.answered,
          source: typeof body.source === "string" ? body.source : null,
          suggestions: (Array.isArray(body.suggestions) ? body.suggestions : [])
            .filter(function (s) { return s && typeof s.title === "string"; })
            .map(function (s) { return { id: s.id, title: s.title }; }),
          queryId: body.query_id, matchKind: body.match && body.match.kind,
        });
        if (input.value === question) input.value = ""; // it was put back after a failure
      }).catch(function () {
        // Network error, 429, 5xx...: a friendly message, a Retry button, the question kept.
        add({ role: "bot", kind: "error", retryText: question });
        if (!input.value.trim()) input.value = question;
      }).then(function () {
        setPending(false);
      });
    }

    // -- open / close ------------------------------------------------------------------------
    function fitViewport() {
      // On phones the on-screen keyboard shrinks the visual viewport: size the panel to it
      // (and follow it when the browser scrolls the layout viewport under the keyboard).
      var vv = window.visualViewport;
      if (!sizing || !vv) return;
      try {
        sizing.replaceSync(":host { --cc-viewport-height: " + Math.round(vv.height) + "px;" +
          " --cc-viewport-top: " + Math.max(0, Math.round(vv.offsetTop)) + "px; }");
      } catch (e) { /* older engines: 100dvh in the stylesheet still applies */ }
    }

    function open(quiet) {
      panel.hidden = false;
      wrap.classList.add("cc-is-open");
      launcher.setAttribute("aria-expanded", "true");
      state.open = true;
      save();
      fitViewport();
      log.scrollTop = log.scrollHeight;
      if (quiet !== true) input.focus(); // restoring an open panel on load doesn't steal focus
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

    launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
    closeBtn.addEventListener("click", close);
    resetBtn.addEventListener("click", function () { reset(); input.focus(); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") { event.preventDefault(); event.stopPropagation(); close(); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit();
        else form.dispatchEvent(new Event("submit", { cancelable: true }));
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

    fetch(origin + "/api/v1/clinic?lang=" + encodeURIComponent(lang))
      .then(function (r) { return r.ok ? r.json() : fetch(origin + "/api/v1/clinic").then(function (r2) { return r2.ok ? r2.json() : null; }); })
      .then(function (body) {
        if (!body || typeof body !== "object") return;
        clinic = body;
        if (!data.title && typeof body.name === "string" && body.name) titleEl.textContent = body.name;
        if (typeof body.hours === "string" && body.hours) {
          hoursEl.textContent = "";
          hoursEl.appendChild(el("span", "cc-visually-hidden", t.hours));
          hoursEl.appendChild(document.createTextNode(body.hours));
        }
        waitingForClinic.forEach(fillContact);
        waitingForClinic = [];
      }).catch(function () { /* the header just shows the title */ });

    // History is rendered before the host joins the page: a screen reader does not re-read it.
    renderAll();
    document.body.appendChild(host);
    if (state.open || data.open === "true") open(true);

    window.ClinicChat = {
      __booted: true,
      open: function () { if (panel.hidden) open(); },
      close: function () { if (!panel.hidden) close(); },
      ask: function (q) { if (panel.hidden) open(); ask(q); },
      reset: reset,
    };
  }

  var hostElement = null;

  function start() {
    try {
      boot();
    } catch (error) {
      if (hostElement && hostElement.parentNode) hostElement.parentNode.removeChild(hostElement);
      if (window.console) console.error(PREFIX, "could not start:", (error && error.message) || error);
    }
  }

  window.ClinicChat = { __booted: true, open: function () {}, close: function () {}, ask: function () {}, reset: function () {} };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
