// Studio (offline): progressive enhancement only. Every page works without this script;
// with it, the traffic form shows its sum as you type, logs follow without reloading, and
// charts refresh in place.
"use strict";
(function () {
  // Traffic form: the live sum of the live-traffic inputs.
  var form = document.querySelector("[data-traffic-form]");
  if (form) {
    var out = document.getElementById("traffic-sum");
    var update = function () {
      var sum = 0;
      form.querySelectorAll("input[data-live]").forEach(function (i) {
        sum += parseInt(i.value || "0", 10) || 0;
      });
      if (out) {
        out.textContent = "Live total: " + sum + " %";
        out.className = sum === 0 || sum === 100 ? "" : "bad";
      }
    };
    form.addEventListener("input", update);
    update();
  }

  // Logs: follow by re-reading the text every two seconds.
  var log = document.getElementById("log");
  var follow = document.getElementById("follow");
  if (log && follow && log.dataset.src) {
    var timer = null;
    var atBottom = function () {
      return log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    };
    var poll = function () {
      fetch(log.dataset.src, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          if (text === null) return;
          var stick = atBottom();
          log.textContent = text || "(empty)";
          if (stick) log.scrollTop = log.scrollHeight;
        })
        .catch(function () {});
    };
    var set = function () {
      if (timer) clearInterval(timer);
      timer = follow.checked ? setInterval(poll, 2000) : null;
    };
    follow.addEventListener("change", set);
    log.scrollTop = log.scrollHeight;
    set();
  }

  // Monitoring: refresh the charts in place.
  var live = document.querySelector("[data-live-charts]");
  var charts = document.getElementById("charts");
  if (live && charts) {
    var every = (parseInt(live.dataset.every, 10) || 30) * 1000;
    setInterval(function () {
      if (document.hidden) return;
      fetch(live.dataset.liveCharts, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("charts");
          var current = document.getElementById("charts");
          if (fresh && current) current.replaceWith(document.importNode(fresh, true));
        })
        .catch(function () {});
    }, every);
  }
})();
