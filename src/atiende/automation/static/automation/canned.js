// Insert a canned response into the reply box of the agent ticket page (no inline scripts: CSP).
(function () {
  if (window.atiendeCannedInstalled) return;
  window.atiendeCannedInstalled = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-canned-insert]");
    if (!button) return;
    var box = document.getElementById("reply_body");
    if (!box) return;
    var text = button.getAttribute("data-text") || "";
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  });
})();
