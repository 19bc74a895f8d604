// The background-job pages (/jobs/…): a progress bar that polls the job's small status endpoint until the job
// ends, and confirmation before retry/cancel. A file, not inline script: the Content-Security-Policy refuses
// inline script and handlers.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var box = document.getElementById("job-progress");
  if (!box || box.getAttribute("data-finished") === "1") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var state = document.getElementById("job-state");
  var message = document.getElementById("job-message");
  var count = document.getElementById("job-count");
  var delay = 700;

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    state.textContent = data.state_label;
    state.className = "job-state job-state-" + data.state;
    message.textContent = data.message || "";
    // The counts in the user's units are in the message ("已写入 300 / 1000 行"); here only the percentage,
    // the same number the list shows.
    count.textContent = data.total ? data.percent + "%" : "";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) {
          // The result (the import report, the file link) is rendered by the server: load the page again.
          window.location.reload();
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
}());
