/* Clinic chat widget: one <script src=".../widget.js" defer></script> tag on the clinic's site.
 *
 * Options (data-* on the script tag): data-title, data-color, data-position (right|left),
 * data-starters ("Question one?|Question two?"), data-lang (en|tr; default: the page's
 * <html lang>), data-article (the article the page shows; default: the page's address),
 * data-open ("true"), data-theme (light|dark|auto; default light). The language is
 * sent to the API as a hint: the bot answers in the language the visitor writes in.
 * The API origin is the script's own origin. Everything renders inside an open shadow root, with
 * styles from widget.css and a constructable stylesheet (no inline styles: strict CSP works).
 * Every text goes through textContent; links in replies are built as elements, for http(s),
 * mailto: and tel: only. One global: window.ClinicChat.
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
      welcome: "Hello! I can answer general questions from the clinic's articles, and help you contact the clinic.",
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
      why: "What were you looking for? (optional)",
      skip: "Skip",
      error: "Sorry, I couldn't reach the clinic's assistant. Please try again.",
      unavailable: "Sorry, the chat isn't available on this site right now. Please contact the clinic directly.",
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
      welcome: "Merhaba! Kliniğin makalelerine dayanarak genel sorularınızı yanıtlayabilir, kliniğe ulaşmanıza yardımcı olabilirim.",
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
      why: "Ne arıyordunuz? (isteğe bağlı)",
      skip: "Geç",
      error: "Üzgünüm, asistana ulaşılamadı. Lütfen tekrar deneyin.",
      unavailable: "Üzgünüm, sohbet şu anda bu sitede kullanılamıyor. Lütfen klinikle doğrudan iletişime geçin.",
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
  var MAX_CHARS = 500; // the API's default CHATBOT_MAX_MESSAGE_CHARS, for messages and comments
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

  // -- links in replies ----------------------------------------------------------------------
  // Web and e-mail addresses, phone numbers and the emergency number become links; anything
  // else that looks numeric (times, ranges, years, dates) stays text. Only http(s), mailto: and
  // tel: links can come out of this: "javascript:..." never matches a pattern.
  var LINKABLE = new RegExp([
    "https?:\\/\\/[^\\s<>\"'`]+",                                         // web address
    "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}", // e-mail
    "\\(?\\+?\\d[\\d(). \\u00a0-]*\\d",                                   // number-like run
  ].join("|"), "g");
  // Layouts a phone number is written in: "+90 532 123 45 67", "0212 555 12 34",
  // "(0212) 555 12 34", "+90 (212) 555 01 23", "0 (212) 555 12 34", "+1-202-555-0143".
  var PHONE_SHAPE = /^\+?(?:\d{1,4}[ .-]?)?(?:\(\+?\d{1,5}\)[ .-]?)?\d+(?:[ .-]\d+)*$/;
  var WORD_CHAR = /[\p{L}\p{N}_@]/u;

  function telHref(number) {
    return "tel:" + (/^\(?\+/.test(number) ? "+" : "") + number.replace(/\D/g, "");
  }

  function isPhone(candidate) {
    // International (+country) or trunk-prefixed (0...) numbers of a real length: "2019",
    // "3-6", "09:00-18:00" and "01.05.2019" are not.
    if (!PHONE_SHAPE.test(candidate)) return false;
    var digits = candidate.replace(/\D/g, "");
    if (/^\(?\+/.test(candidate)) return digits.length >= 8 && digits.length <= 15;
    var first = /\d+/.exec(candidate)[0];
    return digits.charAt(0) === "0" && (first.length >= 3 || first === "0") &&
      digits.length >= 10 && digits.length <= 15;
  }

  function linkFor(match, emergency) {
    // [text, href] for a LINKABLE match, or null when it is to stay text.
    if (/^https?:/i.test(match)) {
      // A sentence's closing punctuation is not part of the address; a ")" only if unbalanced.
      var url = match.replace(/[.,;:!?'"]+$/, "");
      while (/\)$/.test(url) && url.split("(").length < url.split(")").length) {
        url = url.slice(0, -1).replace(/[.,;:!?'"]+$/, "");
      }
      try {
        var parsed = new URL(url);
        return /^https?:$/.test(parsed.protocol) ? [url, parsed.href] : null;
      } catch (e) {
        return null;
      }
    }
    if (match.indexOf("@") > 0) return [match, "mailto:" + match];
    if (isPhone(match)) return [match, telHref(match)];
    if (emergency.indexOf(match) >= 0) return [match, "tel:" + match];
    return null;
  }

  function linkAt(text, start, match, emergency) {
    // linkFor, and a number that is part of a longer word or number ("A0212...", "112th",
    // "0532 ...:30") stays text.
    var link = linkFor(match, emergency);
    if (!link || link[1].indexOf("tel:") !== 0) return link;
    var end = start + match.length;
    var before = text.charAt(start - 1);
    var after = text.charAt(end);
    if ((before && WORD_CHAR.test(before)) || (after && WORD_CHAR.test(after)) ||
        /^[:.,]\d/.test(text.slice(end, end + 2))) return null;
    return link;
  }

  function appendLinked(parent, text, emergency) {
    // Append text to parent as text nodes and <a> elements (never markup).
    var at = 0;
    var found;
    LINKABLE.lastIndex = 0;
    while ((found = LINKABLE.exec(text))) {
      var match = found[0];
      var start = found.index;
      if (match.charAt(0) === "(" && match.indexOf(")") < 0) { // "(call 112)": prose brackets
        match = match.slice(1);
        start += 1;
      }
      var link = linkAt(text, start, match, emergency);
      var run = /\d+/.exec(match);
      if (!link && run && run[0].length < match.length) {
        // A run of numbers and spaces that is no phone number as a whole may begin with a short
        // one ("call 112 (free)") or end with a phone number ("since 2019 0532 ..."): take its
        // first number alone, and look again right after it.
        match = run.index === 0 ? run[0] : "";
        link = match && linkAt(text, start, match, emergency);
        LINKABLE.lastIndex = start + run.index + run[0].length;
      }
      if (!link) continue;
      if (start > at) parent.appendChild(document.createTextNode(text.slice(at, start)));
      var a = el("a", "cc-link", link[0]);
      a.href = link[1];
      a.rel = "noopener noreferrer";
      if (/^https?:/.test(link[1])) a.target = "_blank";
      parent.appendChild(a);
      at = start + link[0].length;
      LINKABLE.lastIndex = Math.max(LINKABLE.lastIndex, at);
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
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
    // Both selectors: widget.css's dark theme must not put its own accent back.
    var both = ":host, :host([data-theme=\"dark\"])";
    var l = luminance(accent);
    if (l === null) return both + " { --cc-accent: " + accent + "; }";
    var onAccent = ratio(l, 1) >= ratio(l, luminance("#111b1c")) ? "#ffffff" : "#111b1c";
    var lightInk = ratio(l, 1) >= 4.5 ? accent : "var(--cc-text)";
    var darkInk = ratio(l, luminance("#151c1d")) >= 4.5 ? accent : "var(--cc-text)";
    return both + " { --cc-accent: " + accent + "; --cc-accent-text: " + onAccent +
      "; --cc-ink: " + lightInk + "; }\n:host([data-theme=\"dark\"]) { --cc-ink: " + darkInk + "; }";
  }

  function svgIcon(className, shapes) {
    // An inline SVG built node by node (no markup, no fetch); colours come from widget.css.
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "cc-icon " + className);
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    shapes.forEach(function (shape) {
      var node = document.createElementNS(ns, shape[0]);
      Object.keys(shape[1]).forEach(function (name) { node.setAttribute(name, shape[1][name]); });
      svg.appendChild(node);
    });
    return svg;
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
    // The article the page shows: data-article, else the page's address without its query or
    // fragment (they can carry a visitor's data); the bot matches it against its articles.
    var article = String(data.article || (location.origin + location.pathname)).slice(0, 2000);
    var t = STRINGS[lang];
    var starters = (data.starters || "").split("|").map(function (s) { return s.trim(); })
      .filter(Boolean).slice(0, 4);
    var state = load();
    if (!state || !Array.isArray(state.messages)) state = { sessionId: randomId(), messages: [], open: false };
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(state.sessionId || "")) state.sessionId = randomId();
    // Emergency numbers linked in replies: 112, and the clinic's own from /api/v1/clinic, kept
    // with the conversation so the history restored on the next page has it from the start.
    var emergency = ["112"];
    if (/^\d{2,4}$/.test(state.emergency || "") && state.emergency !== "112") emergency.push(state.emergency);
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
    // data-theme: light (the default: the widget doesn't guess from the visitor's system
    // whether the page is dark), dark, or auto (prefers-color-scheme). The host carries the
    // resolved theme; the script's attribute is watched so a site's own dark-mode switch works.
    var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    function applyTheme() {
      var choice = script ? script.getAttribute("data-theme") : null;
      var dark = choice === "dark" || (choice === "auto" && !!darkQuery && darkQuery.matches);
      host.setAttribute("data-theme", dark ? "dark" : "light");
    }
    applyTheme();
    if (darkQuery) {
      if (darkQuery.addEventListener) darkQuery.addEventListener("change", applyTheme);
      else if (darkQuery.addListener) darkQuery.addListener(applyTheme);
    }
    if (script && window.MutationObserver) {
      new MutationObserver(applyTheme).observe(script, { attributes: true, attributeFilter: ["data-theme"] });
    }
    var root = host.attachShadow({ mode: "open" });
    var wrap = el("div", "cc " + (data.position === "left" ? "cc-left" : "cc-right"));
    wrap.lang = lang;
    wrap.hidden = true; // shown once widget.css has loaded: no flash of unstyled widget
    var link = el("link");
    link.rel = "stylesheet";
    link.href = origin + "/widget.css";
    function reveal() {
      wrap.hidden = false;
      // A panel restored open (reload, next page) had no layout until now: show the latest.
      if (!panel.hidden) showLatest();
    }
    link.addEventListener("load", reveal);
    link.addEventListener("error", reveal); // unstyled but usable
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
    // A speech bubble with three dots; once open, a chevron ("minimise").
    launcher.appendChild(svgIcon("cc-icon-chat", [
      ["path", { d: "M4 6.5A3.5 3.5 0 0 1 7.5 3h9A3.5 3.5 0 0 1 20 6.5v6a3.5 3.5 0 0 1-3.5 3.5H11l-4.4 3.8A.9.9 0 0 1 5 19.1V16A3.5 3.5 0 0 1 4 13.2z" }],
      ["circle", { "class": "cc-icon-dot", cx: "8.5", cy: "9.5", r: "1.3" }],
      ["circle", { "class": "cc-icon-dot", cx: "12", cy: "9.5", r: "1.3" }],
      ["circle", { "class": "cc-icon-dot", cx: "15.5", cy: "9.5", r: "1.3" }],
    ]));
    launcher.appendChild(svgIcon("cc-icon-minimise", [["path", { d: "M6 9.5l6 6 6-6" }]]));
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
    input.maxLength = MAX_CHARS;
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
      // Blank lines separate paragraphs; "- " lines become a list. Text nodes and links only.
      String(textValue).split(/\n{2,}/).forEach(function (block) {
        var lines = block.split("\n").filter(function (l) { return l.trim(); });
        if (!lines.length) return;
        var p = null;
        var list = null;
        lines.forEach(function (line) {
          var bullet = /^\s*[-•*]\s+(.*)$/.exec(line);
          if (bullet) {
            if (!list) { list = el("ul"); container.appendChild(list); p = null; }
            var li = el("li");
            appendLinked(li, bullet[1], emergency);
            list.appendChild(li);
          } else {
            list = null;
            if (p) p.appendChild(el("br"));
            else { p = el("p"); container.appendChild(p); }
            appendLinked(p, line, emergency);
          }
        });
      });
    }

    function fillContact(box) {
      // Only the fields the clinic configured and the reply doesn't already carry (the server
      // appends the clinic's contact lines to its fallbacks): each detail is shown once.
      box.textContent = "";
      if (!clinic) return;
      var bubble = box.parentNode;
      var carried = Array.prototype.map.call(bubble ? bubble.querySelectorAll("a") : [],
        function (a) { return a.getAttribute("href"); });
      var replyText = bubble ? bubble.textContent : "";
      var list = el("ul");
      function item(labelText, value, href, external) {
        if (href ? carried.indexOf(href) >= 0 : replyText.indexOf(value) >= 0) return;
        var li = el("li");
        if (labelText) li.appendChild(el("span", "cc-contact-label", labelText));
        if (href) {
          var a = el("a", "cc-link", value);
          a.href = href;
          a.rel = "noopener noreferrer";
          if (external) a.target = "_blank";
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
      if (phone) item(t.phone, phone, telHref(phone));
      if (email && /^[^\s@<>"]+@[^\s@<>"]+$/.test(email)) item(t.email, email, "mailto:" + email);
      var bookingLink = booking && linkFor(booking, []);
      if (bookingLink && bookingLink[0] === booking) item("", t.booking, bookingLink[1], true);
      if (address) item(t.address, address);
      if (!list.childNodes.length) return;
      box.appendChild(el("p", "cc-contact-title", t.contact));
      box.appendChild(list);
    }

    function contactBlock(bubble) {
      var box = el("div", "cc-contact");
      bubble.appendChild(box);
      if (clinic) fillContact(box);
      else waitingForClinic.push(box);
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
      container.appendChild(box);
      if (message.feedback) {
        box.appendChild(el("span", null, t.thanks));
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
          // The vote counts at once, whether or not a comment follows.
          var sent = vote(message, pair[1], null);
          if (pair[1]) thank(box, refocus);
          else askWhy(box, message, sent, refocus);
        });
        box.appendChild(b);
      });
    }

    function vote(message, helpful, comment) {
      return fetch(origin + "/api/v1/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ query_id: message.queryId, helpful: helpful, comment: comment }),
      }).catch(function () { /* feedback is best effort */ });
    }

    function thank(box, refocus) {
      box.textContent = "";
      var thanks = el("span", null, t.thanks);
      thanks.tabIndex = -1;
      box.appendChild(thanks);
      if (refocus) thanks.focus(); // focus must not fall back to <body>
    }

    // After "not helpful": one optional line. Enter sends it, Escape or "Skip" leaves it out.
    var whyCount = 0;
    function askWhy(box, message, sent, refocus) {
      box.textContent = "";
      var form = el("form", "cc-why");
      var id = "cc-why-" + (++whyCount);
      var label = el("label", null, t.why);
      label.htmlFor = id;
      var field = el("input", "cc-why-input");
      field.id = id;
      field.type = "text";
      field.maxLength = MAX_CHARS;
      field.setAttribute("autocomplete", "off");
      field.setAttribute("enterkeyhint", "send");
      var sendWhy = el("button", "cc-feedback-btn", t.send);
      sendWhy.type = "submit";
      var skip = el("button", "cc-feedback-btn", t.skip);
      skip.type = "button";
      function done() { thank(box, box.contains(root.activeElement)); }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var comment = field.value.trim();
        // After the vote itself: a later vote replaces an earlier one, so the order matters.
        if (comment) sent.then(function () { vote(message, false, comment); });
        done();
      });
      skip.addEventListener("click", done);
      field.addEventListener("keydown", function (event) {
        if (event.key === "Escape" || event.key === "Esc") {
          event.preventDefault();
          event.stopPropagation(); // skips the comment; the panel stays open
          done();
        }
      });
      form.appendChild(label);
      form.appendChild(field);
      form.appendChild(sendWhy);
      form.appendChild(skip);
      box.appendChild(form);
      if (refocus) field.focus();
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
        bubble.appendChild(el("p", null, message.blocked ? t.unavailable : t.error));
        // Refused by the server's CORS settings: retrying can't help the visitor.
        if (!message.blocked) {
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
        }
      } else {
        if (message.matchKind === "safety") row.classList.add("cc-urgent");
        paragraphs(bubble, message.text);
        if (message.answered && message.source) bubble.appendChild(el("p", "cc-source", t.source + message.source));
        if (!message.answered && !(message.suggestions || []).length) contactBlock(bubble);
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

    function showLatest() {
      scrollTo(log.lastElementChild);
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
      showLatest();
    }

    function setPending(on) {
      pending = on;
      dots.hidden = !on;
      typingText.textContent = on ? t.typing : "";
      send.disabled = on;
      panel.setAttribute("aria-busy", on ? "true" : "false");
    }

    // -- talking to the API ------------------------------------------------------------------
    var refusal = null;
    function refused() {
      // The browser hides why a cross-origin request failed. A no-cors request still reaches a
      // running server (its answer just can't be read): if that one gets through, the server is
      // up and refusing this page's origin, which only its CHATBOT_CORS_ORIGINS can change.
      if (origin === location.origin) return Promise.resolve(false);
      if (!refusal) {
        refusal = fetch(origin + "/api/v1/health", { mode: "no-cors", cache: "no-store" })
          .then(function () {
            if (window.console) {
              console.error(PREFIX, "the assistant at " + origin + " refuses requests from " +
                location.origin + ": add " + location.origin + " to CHATBOT_CORS_ORIGINS on the " +
                "server and restart it (see docs/embedding.md).");
            }
            return true;
          }, function () {
            refusal = null; // unreachable (offline, server down): look again next time
            return false;
          });
      }
      return refusal;
    }

    var reported = {};
    document.addEventListener("securitypolicyviolation", function (event) {
      var directive = event.effectiveDirective || event.violatedDirective;
      if (String(event.blockedURI).indexOf(origin) !== 0 || reported[directive]) return;
      reported[directive] = true;
      if (window.console) {
        console.error(PREFIX, "this page's Content-Security-Policy (" + directive + ") blocks " +
          origin + ": allow it in script-src, style-src and connect-src (see docs/embedding.md).");
      }
    });

    function ask(textValue, isRetry) {
      var question = String(textValue || "").trim().slice(0, 500);
      if (!question || pending) return;
      if (!isRetry) add({ role: "user", text: question });
      setPending(true);
      fetch(origin + "/api/v1/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(apiLang
          ? { message: question, session_id: state.sessionId, lang: apiLang, article: article }
          : { message: question, session_id: state.sessionId, article: article }),
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
      }).catch(function (error) {
        // Network error, 429, 5xx...: a friendly message, a Retry button, the question kept.
        return (error && error.status ? Promise.resolve(false) : refused()).then(function (blocked) {
          add({ role: "bot", kind: "error", retryText: question, blocked: blocked });
          if (!input.value.trim()) input.value = question;
        });
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
      showLatest();
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
      state = { sessionId: randomId(), messages: [], open: state.open, emergency: state.emergency };
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
        var number = String(body.emergency_number || "");
        if (/^\d{2,4}$/.test(number) && emergency.indexOf(number) < 0) emergency.push(number);
        if (number !== state.emergency) { state.emergency = number; save(); }
      }).catch(function () {
        refused(); // tells the site's owner in the console when CORS is the reason
      });

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
