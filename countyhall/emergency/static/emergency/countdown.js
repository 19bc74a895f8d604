// Live countdowns for the E2 reporting clocks: ticks every second from each row's due time, and polls the
// board every 10 s so reports marked done elsewhere show without reloading. No library, nothing fetched
// from outside the platform.
(function () {
  "use strict";
  var table = document.getElementById("deadlines");
  if (!table) { return; }
  // Server time minus browser time: from the page as rendered (the board's clock, which a demo or training
  // database pins to its business date), then from each poll of the board.
  var rendered = Date.parse(table.getAttribute("data-now") || "");
  var offset = isNaN(rendered) ? 0 : rendered - Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function span(seconds) {
    var s = Math.abs(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + pad(m) : m) + ":" + pad(r);
  }
  function tick() {
    var now = Date.now() + offset;
    table.querySelectorAll("tr[data-due]").forEach(function (row) {
      var cell = row.querySelector(".countdown"), state = row.getAttribute("data-state");
      if (state === "done") { cell.textContent = "按时完成"; return; }
      if (state === "late") { cell.innerHTML = "<strong class=\"error\">超时完成</strong>"; return; }
      var left = Math.round((Date.parse(row.getAttribute("data-due")) - now) / 1000);
      if (left >= 0) { cell.textContent = "剩余 " + span(left); cell.className = "countdown" + (left < 300 ? " soon" : ""); }
      else { cell.innerHTML = "<strong class=\"error\">已超时 " + span(left) + "</strong>"; row.setAttribute("data-state", "missed"); }
    });
  }
  function poll() {
    fetch(table.getAttribute("data-clock-url"), {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (board) {
        offset = Date.parse(board.now) - Date.now();
        board.deadlines.forEach(function (d) {
          var row = table.querySelector("tr[data-deadline=\"" + d.id + "\"]");
          if (!row) { location.reload(); return; }
          row.setAttribute("data-state", d.state);
          if (d.done_at) { row.querySelector(".done-cell").textContent = d.done_at.substring(11, 16) + " 报 " + d.reported_to; }
        });
        var status = document.getElementById("status");
        if (status && status.getAttribute("data-status") && status.getAttribute("data-status") !== board.status) { location.reload(); }
        tick();
      }).catch(function () { /* offline for a moment: keep counting locally */ });
  }
  tick();
  setInterval(tick, 1000);
  setInterval(poll, 10000);
}());
