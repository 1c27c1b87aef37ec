// tandem dashboard: small enhancements over pages that work without JavaScript.
// - live: a server-sent event says the store changed; the page fetches itself and swaps the
//   parts marked data-live (never the one being typed in);
// - search and filters apply as you type;
// - a light/dark switch remembered by this browser.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = localStorage.getItem("tandem-theme");
  if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var active = document.activeElement;
    document.querySelectorAll("[data-live][id]").forEach(function (el) {
      var fresh = doc.getElementById(el.id);
      if (!fresh || (active && el.contains(active) && active !== document.body)) return;
      var open = Array.prototype.map.call(el.querySelectorAll("details[open]"), function (d) {
        var s = d.querySelector("summary"); return s ? s.textContent : "";
      });
      el.innerHTML = fresh.innerHTML;
      el.querySelectorAll("details").forEach(function (d) {
        var s = d.querySelector("summary");
        if (s && open.indexOf(s.textContent) >= 0) d.open = true;
      });
    });
    var id = doc.body && doc.body.getAttribute("data-event-id");
    if (id) document.body.setAttribute("data-event-id", id);
  }

  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { "X-Tandem-Live": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (t) { if (t) swap(t); })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("live");
    var theme = document.getElementById("theme");
    if (theme) {
      theme.hidden = false;
      theme.addEventListener("click", function () {
        var dark = root.getAttribute("data-theme") === "dark" ||
          (!root.getAttribute("data-theme") && matchMedia("(prefers-color-scheme: dark)").matches);
        var next = dark ? "light" : "dark";
        root.setAttribute("data-theme", next);
        localStorage.setItem("tandem-theme", next);
      });
    }
    if (window.EventSource && document.querySelector("[data-live]")) {
      var es = new EventSource("/live");
      es.addEventListener("change", function (e) {
        if (status) status.textContent = "live";
        if (e.data !== document.body.getAttribute("data-event-id")) refresh();
      });
      es.onerror = function () { if (status) status.textContent = "reconnecting…"; };
    }
    var filters = document.getElementById("filters");
    if (filters) {
      var timer = null;
      var apply = function () {
        var url = "/?" + new URLSearchParams(new FormData(filters)).toString();
        history.replaceState(null, "", url);
        refresh();
      };
      filters.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 200); });
      filters.addEventListener("change", apply);
    }
  });
})();
