// A <select data-autosubmit> submits its form when changed. A file rather than an onchange="…" attribute:
// the Content-Security-Policy (script-src 'self') refuses inline handlers.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
