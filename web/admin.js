/* Staff page: stats, what visitors asked (grouped, and each unanswered message with its
   language), one-click fixes, answers edited per language, versions. Plain JS; every text
   through textContent. The token lives in sessionStorage, never in the URL. */
(function () {
  "use strict";
  var KEY = "clinic-admin-token";
  var SVG = "http://www.w3.org/2000/svg";
  var $ = function (id) { return document.getElementById(id); };
  var entries = {};   // lang -> [{id, title}]
  var languages = []; // the knowledge file's, the default first

  function token() { return sessionStorage.getItem(KEY) || ""; }

  function call(method, path, body) {
    var options = { method: method, headers: { Authorization: "Bearer " + token() } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (r) {
      if (r.status === 401) { sessionStorage.removeItem(KEY); throw new Error("Wrong token."); }
      if (r.status === 429) throw new Error("Too many wrong tokens: try again in " +
                                            (r.headers.get("Retry-After") || "60") + " s.");
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 404 && path.indexOf("/api/v1/admin/") === 0 && data.error &&
            data.error.message === "The requested URL was not found.") {
          throw new Error("The admin API is off (set CHATBOT_ADMIN_TOKEN).");
        }
        if (!r.ok) throw new Error((data.error && data.error.message) || ("The server answered " + r.status + "."));
        return data;
      });
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function say(text) { $("status").textContent = text; }

  function failed(err) { say(err.message); }

  // -- languages: "TR" on screen, "Turkish" for screen readers and on hover -----------------

  function langName(code) {
    try {
      return new Intl.DisplayNames(["en"], { type: "language" }).of(code) || code;
    } catch (e) { return code; }
  }

  function langBadge(code) {
    var badge = el("span", "badge lang");
    var shown = el("span", null, code ? code.toUpperCase() : "?");
    shown.setAttribute("aria-hidden", "true");
    badge.appendChild(shown);
    badge.appendChild(el("span", "visually-hidden", code ? langName(code) : "language unknown"));
    badge.title = code ? langName(code) : "language unknown";
    badge.setAttribute("data-lang", code || "");
    return badge;
  }

  function filter() {
    var lang = $("lang").value;
    return lang ? "lang=" + encodeURIComponent(lang) : "";
  }

  function fillLanguages(list) {
    if (languages.join() === list.join()) return;
    languages = list;
    [["lang", true], ["edit-lang", false]].forEach(function (pair) {
      var box = $(pair[0]), kept = box.value;
      box.textContent = "";
      if (pair[1]) box.appendChild(new Option("All languages", ""));
      list.forEach(function (code) { box.appendChild(new Option(langName(code) + " (" + code.toUpperCase() + ")", code)); });
      if (kept && list.indexOf(kept) >= 0) box.value = kept;
    });
  }

  // -- stats ------------------------------------------------------------------------------

  function showStats() {
    return call("GET", "/api/v1/admin/stats?days=" + $("days").value).then(function (s) {
      $("s-messages").textContent = s.messages;
      $("s-rate").textContent = Math.round(s.answer_rate * 100) + " %";
      $("s-unanswered").textContent = s.unanswered;
      $("s-helpful").textContent = s.helpful + " / " + s.not_helpful;
      var langs = Object.keys(s.languages).map(function (k) { return k + ": " + s.languages[k]; });
      $("s-languages").textContent = langs.length ? "Languages: " + langs.join(", ") : "";
      chart(s.per_day);
    });
  }

  function chart(days) {
    var svg = $("chart");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var w = 600, h = 160, top = 8, bottom = 4, n = days.length;
    var most = Math.max.apply(null, days.map(function (d) { return d.messages; }).concat([1]));
    var step = w / n, points = [];
    days.forEach(function (d, i) {
      var bh = (h - top - bottom) * d.messages / most;
      var bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("class", "bar");
      bar.setAttribute("x", String(i * step + step * 0.15));
      bar.setAttribute("width", String(Math.max(step * 0.7, 1)));
      bar.setAttribute("y", String(h - bottom - bh));
      bar.setAttribute("height", String(bh));
      var title = document.createElementNS(SVG, "title");
      title.textContent = d.date + ": " + d.messages + " message(s), " + d.answered + " answered";
      bar.appendChild(title);
      svg.appendChild(bar);
      if (d.messages) {
        points.push((i * step + step / 2) + "," + (top + (h - top - bottom) * (1 - d.answered / d.messages)));
      }
    });
    if (points.length > 1) {
      var line = document.createElementNS(SVG, "polyline");
      line.setAttribute("class", "rate");
      line.setAttribute("points", points.join(" "));
      svg.appendChild(line);
    }
    $("axis-first").textContent = days[0].date;
    $("axis-last").textContent = days[n - 1].date;
  }

  // -- clusters -----------------------------------------------------------------------------

  function loadEntries(lang) {
    if (entries[lang]) return Promise.resolve(entries[lang]);
    return fetch("/api/v1/faq?lang=" + encodeURIComponent(lang)).then(function (r) { return r.json(); })
      .then(function (data) {
        // The articles' entries, then those of no article (the clinic's details, small talk).
        var all = [];
        data.articles.forEach(function (a) { all = all.concat(a.entries); });
        entries[lang] = all.concat(data.entries).filter(function (e) { return e.kind !== "smalltalk"; });
        return entries[lang];
      });
  }

  function showClusters() {
    return call("GET", "/api/v1/admin/clusters?" + filter()).then(function (data) {
      var list = $("clusters");
      list.textContent = "";
      $("clusters-empty").hidden = data.clusters.length > 0;
      data.clusters.forEach(function (c) { list.appendChild(cluster(c)); });
    });
  }

  var KINDS = { unanswered: "not answered", not_helpful: "voted not helpful", weak_answer: "answered weakly" };

  function cluster(c) {
    var li = el("li", "cluster");
    li.setAttribute("data-cluster", c.id);
    var head = el("div", "row");
    var title = el("h3", null, c.size + " × " + (KINDS[c.kind] || c.kind));
    head.appendChild(title);
    if (c.fixed) head.appendChild(el("span", "badge fixed", "fixed"));
    head.appendChild(langBadge(c.lang));
    head.appendChild(el("span", "when", "last " + c.last_seen.replace("T", " ").replace("Z", "")));
    li.appendChild(head);
    li.appendChild(el("p", "nearest", c.nearest ? "Nearest entry: " + c.nearest.title +
                                          " (" + c.nearest.score.toFixed(2) + ")" : "No entry is near."));
    var examples = el("ul", "examples");
    c.examples.forEach(function (ex) { examples.appendChild(example(c, ex)); });
    li.appendChild(examples);
    var dismiss = el("button", "secondary", "Dismiss");
    dismiss.type = "button";
    dismiss.setAttribute("aria-label", "Dismiss the group “" + c.examples[0].text + "”");
    dismiss.addEventListener("click", function () {
      act(call("POST", "/api/v1/admin/clusters/" + encodeURIComponent(c.id) + "/dismiss"), "Dismissed.");
    });
    li.appendChild(dismiss);
    return li;
  }

  function example(c, ex) {
    var li = el("li", "example");
    var text = el("p", "text");
    text.appendChild(el("q", null, ex.text));
    if (ex.count > 1) text.appendChild(el("span", "count", " × " + ex.count));
    li.appendChild(text);
    if (ex.answered_with) {
      var was = el("p", "meta", "Answered with: " + ex.answered_with.title + " ");
      var fix = el("button", "link", "Edit this answer");
      fix.type = "button";
      fix.addEventListener("click", function () { openEditor(ex.answered_with.id, c.lang); });
      was.appendChild(fix);
      li.appendChild(was);
    }
    if (ex.comment) li.appendChild(el("p", "meta", "Visitor's comment: " + ex.comment));
    if (ex.answered_now) {
      li.appendChild(el("p", "now", "✓ The bot now answers: " + ex.answered_now.title));
      return li;
    }
    var actions = el("div", "actions");
    if (c.nearest) {
      var add = el("button", null, "Add to “" + c.nearest.title + "”");
      add.type = "button";
      add.addEventListener("click", function () { addAlternate(c.nearest.id, ex.text, c.lang); });
      actions.appendChild(add);
    }
    actions.appendChild(otherEntry(c, ex));
    actions.appendChild(newEntry(c, ex));
    li.appendChild(actions);
    return li;
  }

  var forms = 0;

  function otherEntry(c, ex) {
    var box = el("details");
    box.appendChild(el("summary", null, "Add to another entry…"));
    var form = el("form", "stack");
    var id = "other-" + (++forms);
    var label = el("label", null, "Entry (type to search)");
    label.htmlFor = id;
    var input = el("input");
    input.id = id;
    input.type = "search";
    input.setAttribute("list", "entry-titles");
    input.autocomplete = "off";
    input.required = true;
    input.addEventListener("focus", function () { fillTitles(c.lang, "entry-titles"); });
    var submit = el("button", null, "Add");
    submit.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      loadEntries(c.lang).then(function (list) {
        var chosen = chosenEntry(list, input.value);
        if (!chosen) { say("Choose an entry from the list."); input.focus(); return; }
        addAlternate(chosen.id, ex.text, c.lang);
      });
    });
    box.appendChild(form);
    return box;
  }

  function label_of(e) { return e.title + " [" + e.id + "]"; }

  function chosenEntry(list, value) {
    return list.filter(function (e) { return label_of(e) === value || e.id === value; })[0];
  }

  function fillTitles(lang, listId) {
    return loadEntries(lang).then(function (list) {
      var dl = $(listId);
      if (dl.shown === list) return;   // the same list (reloaded after every change)
      dl.textContent = "";
      list.forEach(function (e) {
        var option = document.createElement("option");
        option.value = label_of(e);
        dl.appendChild(option);
      });
      dl.shown = list;
    });
  }

  function newEntry(c, ex) {
    var box = el("details");
    box.appendChild(el("summary", null, "New entry…"));
    var form = el("form", "stack");
    var n = ++forms;
    var others = c.examples.map(function (e) { return e.text; }).filter(function (t) { return t !== ex.text; });
    var question = field(form, "q-" + n, "Question (the title visitors see)", "input", ex.text);
    var alternates = field(form, "a-" + n, "Other ways visitors ask it (one a line)", "textarea", others.join("\n"));
    var answer = field(form, "r-" + n, "Answer", "textarea", "");
    answer.required = true;
    var kindLabel = el("label", "check");
    var kind = el("input");
    kind.type = "checkbox";
    kindLabel.appendChild(kind);
    kindLabel.appendChild(document.createTextNode(" End the answer with the clinic's contact details"));
    form.appendChild(kindLabel);
    var submit = el("button", null, "Create entry");
    submit.type = "submit";
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      act(call("POST", "/api/v1/admin/entries", {
        question: question.value, answer: answer.value, lang: c.lang,
        kind: kind.checked ? "clinic" : "faq",
        alternates: alternates.value.split("\n").map(function (t) { return t.trim(); }).filter(Boolean)
      }), "Entry created.");
    });
    box.appendChild(form);
    return box;
  }

  function field(form, id, text, tag, value) {
    var label = el("label", null, text);
    label.htmlFor = id;
    var input = el(tag);
    input.id = id;
    input.value = value;
    if (tag === "input") input.required = true;
    form.appendChild(label);
    form.appendChild(input);
    return input;
  }

  function addAlternate(entryId, text, lang) {
    act(call("POST", "/api/v1/admin/entries/" + encodeURIComponent(entryId) + "/alternates",
             { text: text, lang: lang }).then(function (r) {
      return r.added ? r : Object.assign(r, { note: "That entry already has this wording." });
    }), "Added.");
  }

  function act(promise, done) {
    say("Saving…");
    promise.then(function (r) {
      entries = {};   // an entry added, retitled or restored away
      return Promise.all([showClusters(), showVersions(), knowledge()]).then(function () {
        say((r && r.note) || done);
      });
    }).catch(failed);
  }

  // -- each unanswered message, with its language -------------------------------------------

  function showUnanswered() {
    return call("GET", "/api/v1/admin/unanswered?limit=20&" + filter()).then(function (data) {
      var body = $("unanswered-rows");
      body.textContent = "";
      $("unanswered-count").textContent = data.total ? "The newest " + data.items.length + " of " +
        data.total + "." : "Nothing unanswered.";
      data.items.forEach(function (item) {
        var tr = el("tr");
        tr.appendChild(el("td", null, item.created_at.replace("T", " ").replace("Z", "")));
        var lang = el("td");
        lang.appendChild(langBadge(item.lang));
        tr.appendChild(lang);
        tr.appendChild(el("td", "text", item.text));
        tr.appendChild(el("td", null, item.best_id ? item.best_id + " (" + item.best_score.toFixed(2) + ")" : "none"));
        body.appendChild(tr);
      });
    });
  }

  // -- fixing an answer ----------------------------------------------------------------------

  var editing = null;   // {id, lang} of the text in the form

  function openEditor(id, lang) {
    select($("tab-answers"));
    $("edit-lang").value = lang;
    loadEntries(lang).then(function (list) {
      var chosen = chosenEntry(list, id);
      $("edit-entry").value = chosen ? label_of(chosen) : id;
      openEntry();
    }).catch(failed);
  }

  function openEntry() {
    var lang = $("edit-lang").value;
    return loadEntries(lang).then(function (list) {
      var chosen = chosenEntry(list, $("edit-entry").value);
      if (!chosen) { say("Choose an entry from the list."); $("edit-entry").focus(); return; }
      return fetch("/api/v1/faq/" + encodeURIComponent(chosen.id) + "?lang=" + encodeURIComponent(lang))
        .then(function (r) { return r.json(); }).then(function (entry) {
          var has = entry.lang === lang;   // else the entry's own language stands in
          editing = { id: chosen.id, lang: lang };
          $("edit-title").value = has ? entry.title : "";
          $("edit-answer").value = has ? entry.answer : "";
          $("edit-note").textContent = has
            ? "Editing “" + entry.title + "” [" + entry.id + "] in " + langName(lang) + "."
            : "“" + entry.title + "” [" + entry.id + "] has no " + langName(lang) + " text yet: " +
              "write its title and answer in " + langName(lang) + ".";
          $("edit").hidden = false;
          say("");
          $("edit-answer").focus();
        });
    }).catch(failed);
  }

  function saveEntry(event) {
    event.preventDefault();
    if (!editing) return;
    act(call("PATCH", "/api/v1/admin/entries/" + encodeURIComponent(editing.id), {
      lang: editing.lang, title: $("edit-title").value, answer: $("edit-answer").value
    }).then(function (r) {
      $("edit-entry").value = label_of(r.entry);
      return r.changed ? r : Object.assign(r, { note: "Nothing changed." });
    }), "Saved: the bot answers with the new text now.");
  }

  // -- versions and the knowledge file's state --------------------------------------------

  function showVersions() {
    return call("GET", "/api/v1/admin/versions").then(function (data) {
      var body = $("version-rows");
      body.textContent = "";
      data.versions.forEach(function (v, i) {
        var tr = el("tr");
        tr.appendChild(el("td", null, v.created_at.replace("T", " ").replace("Z", "")));
        var what = el("td");
        what.appendChild(el("strong", null, v.action));
        what.appendChild(document.createTextNode(" " + v.summary));
        tr.appendChild(what);
        var cell = el("td");
        if (i === 0) {
          cell.appendChild(el("span", "badge", "current"));
        } else {
          var b = el("button", "secondary", "Restore");
          b.type = "button";
          b.setAttribute("aria-label", "Restore the version of " + v.created_at);
          b.addEventListener("click", function () {
            if (!window.confirm("Restore the version of " + v.created_at + "?")) return;
            act(call("POST", "/api/v1/admin/versions/" + encodeURIComponent(v.id) + "/restore"), "Restored.");
          });
          cell.appendChild(b);
        }
        tr.appendChild(cell);
        body.appendChild(tr);
      });
    });
  }

  function knowledge() {
    return call("GET", "/api/v1/admin/knowledge").then(function (k) {
      fillLanguages(k.languages);
      var box = $("knowledge");
      box.hidden = k.state === "ok";
      box.textContent = k.state === "ok" ? "" : "The knowledge file on disk cannot be used, so the " +
        "bot keeps answering with the last good content. Fix the file or restore a version. " +
        "Problems: " + k.problems.join("; ");
    });
  }

  // The server builds the CSV (the same function as `chatbot unanswered --csv`), so formulas a
  // visitor typed are neutralised in one place for every export.
  function csv() {
    fetch("/api/v1/admin/unanswered.csv?limit=100000&" + filter(), {
      headers: { Authorization: "Bearer " + token() }
    }).then(function (r) {
      if (!r.ok) throw new Error("The server answered " + r.status + ".");
      return r.blob();
    }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "unanswered.csv";
      link.click();
    }).catch(failed);
  }

  // -- tabs (WAI-ARIA tabs: arrow keys move between them) ---------------------------------

  var TABS = ["tab-review", "tab-answers", "tab-versions"];

  function select(tab) {
    TABS.forEach(function (id) {
      var t = $(id), on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    });
    tab.focus();
  }

  TABS.forEach(function (id, i, all) {
    $(id).addEventListener("click", function () { select($(id)); });
    $(id).addEventListener("keydown", function (event) {
      var step = { ArrowRight: 1, ArrowLeft: all.length - 1 }[event.key];
      if (step) {
        event.preventDefault();
        select($(all[(i + step) % all.length]));
      }
    });
  });

  function start() {
    say("Loading…");
    // The languages first: the filter and the editor offer the knowledge file's.
    knowledge().then(function () {
      return Promise.all([showStats(), showClusters(), showUnanswered(), showVersions()]);
    }).then(function () {
      $("login").hidden = true;
      $("app").hidden = false;
      say("");
    }).catch(failed);
  }

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("token").value);
    $("token").value = "";
    start();
  });
  $("days").addEventListener("change", function () { showStats().catch(failed); });
  $("lang").addEventListener("change", function () {
    Promise.all([showClusters(), showUnanswered()]).catch(failed);
  });
  $("edit-lang").addEventListener("change", function () { fillTitles($("edit-lang").value, "edit-titles"); });
  $("edit-entry").addEventListener("focus", function () { fillTitles($("edit-lang").value, "edit-titles"); });
  $("pick").addEventListener("submit", function (event) { event.preventDefault(); openEntry(); });
  $("edit").addEventListener("submit", saveEntry);
  $("csv").addEventListener("click", csv);
  if (token()) start();
})();
