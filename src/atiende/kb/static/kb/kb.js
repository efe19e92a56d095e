// Knowledge base: insert an article (link or text) into the agent's reply box.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
    if (!button) { return; }
    var box = document.querySelector("#composer [data-composer-body]") || document.querySelector("#composer textarea");
    if (!box) { return; }
    var text = button.getAttribute("data-kb-insert") || "";
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    var before = box.value.slice(0, start);
    var glue = before && !/\n$/.test(before) ? "\n" : "";
    box.value = before + glue + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = (before + glue + text).length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
