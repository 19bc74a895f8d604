// A text box above every <select data-searchable> that filters its options (and town groups) as one types.
// A static file, not inline script: the Content-Security-Policy (script-src 'self') refuses inline code.
// Without JavaScript the select still works: its <optgroup>s already read town → village.
(function () {
  function label(select) {
    var own = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    return own ? own.textContent.trim() : "选项";
  }
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.setAttribute("aria-label", "筛选" + label(select));
    box.placeholder = "输入名称筛选";
    if (select.id) { box.setAttribute("aria-controls", select.id); }
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var text = box.value.trim();
      select.querySelectorAll("optgroup").forEach(function (group) {
        var groupHit = text !== "" && group.label.indexOf(text) !== -1;
        var any = false;
        group.querySelectorAll("option").forEach(function (option) {
          var show = text === "" || groupHit || option.textContent.indexOf(text) !== -1 || option.selected;
          option.hidden = !show;
          option.disabled = !show && !option.selected;
          any = any || show;
        });
        group.hidden = !any;
      });
      select.querySelectorAll(":scope > option").forEach(function (option) {
        var show = text === "" || option.value === "" || option.textContent.indexOf(text) !== -1 || option.selected;
        option.hidden = !show;
      });
    });
  });
})();
