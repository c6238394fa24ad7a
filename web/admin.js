/* Staff page: unanswered questions, newest first, from the admin API. Text via textContent. */
(function () {
  "use strict";
  var PAGE = 50;
  var offset = 0;
  var items = [];
  var $ = function (id) { return document.getElementById(id); };

  function token() { return sessionStorage.getItem("clinic-admin-token") || ""; }

  function get(path) {
    return fetch(path, { headers: { Authorization: "Bearer " + token() } }).then(function (r) {
      if (r.status === 401) throw new Error("Wrong token.");
      if (r.status === 404) throw new Error("The admin API is off (set CHATBOT_ADMIN_TOKEN).");
      if (r.status === 429) throw new Error("Too many wrong tokens: try again in " +
                                            (r.headers.get("Retry-After") || "60") + " s.");
      if (!r.ok) throw new Error("The server answered " + r.status + ".");
      return r.json();
    });
  }

  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "" : String(value);
    row.appendChild(td);
  }

  function show() {
    $("status").textContent = "Loading…";
    Promise.all([get("/api/v1/admin/unanswered?limit=" + PAGE + "&offset=" + offset),
                 get("/api/v1/admin/stats")]).then(function (res) {
      var page = res[0], stats = res[1];
      items = page.items;
      $("rows").textContent = "";
      items.forEach(function (item) {
        var tr = document.createElement("tr");
        cell(tr, String(item.created_at || "").replace("T", " ").replace("Z", ""));
        cell(tr, item.text);
        cell(tr, item.best_id);
        cell(tr, typeof item.best_score === "number" ? item.best_score.toFixed(2) : "");
        $("rows").appendChild(tr);
      });
      $("caption").textContent = page.total + " unanswered question(s); showing " +
        (page.total ? offset + 1 : 0) + "–" + (offset + items.length);
      $("newer").disabled = offset === 0;
      $("older").disabled = offset + items.length >= page.total;
      $("s-total").textContent = stats.total;
      $("s-answered").textContent = stats.answered;
      $("s-unanswered").textContent = stats.unanswered;
      $("s-helpful").textContent = stats.helpful + " / " + stats.not_helpful;
      $("stats").hidden = false;
      $("results").hidden = false;
      $("status").textContent = "";
    }).catch(function (err) { $("status").textContent = err.message; });
  }

  // The server builds the CSV (the same function as `chatbot unanswered --csv`), so formulas a
  // visitor typed are neutralised in one place for every export.
  function csv() {
    fetch("/api/v1/admin/unanswered.csv?limit=100000", {
      headers: { Authorization: "Bearer " + token() }
    }).then(function (r) {
      if (!r.ok) throw new Error("The server answered " + r.status + ".");
      return r.blob();
    }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "unanswered.csv";
      link.click();
    }).catch(function (err) { $("status").textContent = err.message; });
  }

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem("clinic-admin-token", $("token").value);
    offset = 0;
    show();
  });
  $("newer").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); show(); });
  $("older").addEventListener("click", function () { offset += PAGE; show(); });
  $("csv").addEventListener("click", csv);
  if (token()) show();
})();
