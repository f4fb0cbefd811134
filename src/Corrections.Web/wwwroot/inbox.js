// The inbox's keyboard: j and k move between reports, x selects one, f r d s act on the selected reports (or, with
// none selected, on the current one), ? shows the keys. The page works without this script.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("li.report"));
  var help = document.getElementById("keys");
  var actions = { f: "fixed", r: "reject", d: "duplicate", s: "spam" };
  var current = -1;

  function mark(index) {
    current = index;
    items.forEach(function (item, i) { item.classList.toggle("current", i === index); });
  }

  function move(index) {
    if (items.length === 0) return;
    mark(Math.max(0, Math.min(items.length - 1, index)));
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }

  items.forEach(function (item, i) {
    item.addEventListener("focusin", function () { mark(i); });
  });

  function act(name) {
    var selected = document.querySelectorAll("li.report input[name=ids]:checked").length > 0;
    var button = selected
      ? document.querySelector(".bulk button[value=" + name + "]")
      : current >= 0 ? items[current].querySelector("button[data-action=" + name + "]") : null;
    if (!button) return false;
    button.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && target.closest && target.closest("input:not([type=checkbox]), textarea, select, [contenteditable]")) return;
    var key = event.key;
    var handled = true;
    if (key === "j") move(current + 1);
    else if (key === "k") move(current < 0 ? 0 : current - 1);
    else if (key === "x" && current >= 0) {
      var box = items[current].querySelector("input[name=ids]");
      box.checked = !box.checked;
    } else if (key === "?" && help) {
      help.open = !help.open;
      if (help.open) help.querySelector("summary").focus();
    } else if (actions[key]) handled = act(actions[key]);
    else handled = false;
    if (handled) event.preventDefault();
  });
})();
