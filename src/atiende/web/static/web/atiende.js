/* atiende — the small amount of JavaScript the pages use. Our own code, no build step.
   Everything works without it (plain forms and links); this adds keyboard shortcuts,
   drag-and-drop of attachments, the reply/note toggle and collision warnings.
   Loaded as a file: CSP allows no inline scripts or event handlers. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* --- shortcuts help ---------------------------------------------------------------------- */
  function helpDialog() { return $("#shortcuts-help"); }
  function toggleHelp() {
    var dialog = helpDialog();
    if (!dialog) return;
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }

  /* --- ticket list: j/k, enter, x ---------------------------------------------------------- */
  function rows() { return $all("table.tickets[data-keyboard] tbody tr[data-row]"); }
  function currentIndex(list) {
    for (var i = 0; i < list.length; i++) { if (list[i].classList.contains("is-current")) return i; }
    return -1;
  }
  function focusRow(list, index) {
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("is-current"); row.removeAttribute("aria-current"); });
    var row = list[index];
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    var link = $("td.subject a", row);
    if (link) link.focus({ preventScroll: false });
    row.scrollIntoView({ block: "nearest" });
  }
  function toggleRow(row) {
    var box = row && $("input[type=checkbox][name=tickets]", row);
    if (!box) return;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function updateSelection() {
    var boxes = $all("input[type=checkbox][name=tickets]");
    var count = 0;
    boxes.forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
      if (box.checked) count++;
    });
    var counter = $("[data-selected-count]");
    if (counter) counter.textContent = String(count);
  }

  /* --- key handling -------------------------------------------------------------------------- */
  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var key = event.key;
    if (key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (helpDialog() && helpDialog().open) return;
    if (key === "/") {
      var search = $("#global-search");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (pendingG) {
      pendingG = false;
      var target = $("[data-shortcut-g='" + key + "']");
      if (target) { event.preventDefault(); window.location.assign(target.getAttribute("href")); }
      return;
    }
    if (key === "g") { pendingG = true; window.setTimeout(function () { pendingG = false; }, 1200); return; }

    var list = rows();
    if (list.length) {
      var index = currentIndex(list);
      if (key === "j") { event.preventDefault(); focusRow(list, index + 1); return; }
      if (key === "k") { event.preventDefault(); focusRow(list, index < 0 ? 0 : index - 1); return; }
      if (key === "x" && index >= 0) { event.preventDefault(); toggleRow(list[index]); return; }
      if ((key === "Enter" || key === "o") && index >= 0) {
        var link = $("td.subject a", list[index]);
        if (link) { event.preventDefault(); window.location.assign(link.getAttribute("href")); }
        return;
      }
    }

    var composer = $("[data-composer]");
    if (composer) {
      if (key === "r" || key === "n") {
        var radio = $("input[name=kind][value=" + (key === "r" ? "reply" : "note") + "]", composer);
        if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
        var body = $("textarea[name=body]", composer);
        if (body) { event.preventDefault(); body.focus(); }
        return;
      }
      if (key === "s") {
        var status = $("#id_status");
        if (status) { event.preventDefault(); status.focus(); }
        return;
      }
      if (key === "u") {
        var back = $("[data-back-to-list]");
        if (back) { event.preventDefault(); window.location.assign(back.getAttribute("href")); }
        return;
      }
    }
  });

  /* --- clicks and changes ---------------------------------------------------------------------- */
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-shortcuts]");
    if (opener) { event.preventDefault(); toggleHelp(); return; }
    var closer = event.target.closest && event.target.closest("[data-close-dialog]");
    if (closer) { var dialog = closer.closest("dialog"); if (dialog) dialog.close(); return; }
    var row = event.target.closest && event.target.closest("table.tickets tbody tr[data-row]");
    if (row) { var list = rows(); focusRowNoScroll(list, list.indexOf(row)); }
  });

  function focusRowNoScroll(list, index) {
    list.forEach(function (r, i) { r.classList.toggle("is-current", i === index); });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      $all("input[type=checkbox][name=tickets]").forEach(function (box) { box.checked = target.checked; });
      updateSelection();
      return;
    }
    if (target.matches("input[type=checkbox][name=tickets]")) { updateSelection(); return; }
    if (target.matches("select[data-autosubmit]") && target.form) {
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { target.form.submit(); }
      return;
    }
    if (target.matches("[data-composer] input[name=kind]")) { syncComposer(target.closest("[data-composer]")); return; }
    if (target.matches("input[type=file][data-file-input]")) { listFiles(target); }
  });

  function syncComposer(composer) {
    if (!composer) return;
    var note = $("input[name=kind][value=note]", composer);
    composer.classList.toggle("is-note", !!(note && note.checked));
    var button = $("[data-send-label]", composer);
    if (button) {
      button.textContent = note && note.checked ? button.getAttribute("data-note-label") : button.getAttribute("data-send-label");
    }
  }

  /* --- confirmations and collision warning ------------------------------------------------------ */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); return; }
    if (form.hasAttribute("data-collision-check")) {
      var others = $all("#presence [data-replying]").map(function (el) { return el.getAttribute("data-name"); });
      var anyway = $("input[name=send_anyway]", form);
      if (others.length && !(anyway && anyway.checked)) {
        var text = form.getAttribute("data-collision-text").replace("%(names)s", others.join(", "));
        if (!window.confirm(text)) { event.preventDefault(); }
      }
    }
  });

  /* --- attachments: drag and drop ----------------------------------------------------------------- */
  function listFiles(input) {
    var zone = input.closest("[data-dropzone]") || input.form;
    var list = zone && $("[data-file-list]", zone);
    if (!list) return;
    list.textContent = "";
    Array.prototype.forEach.call(input.files || [], function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
      list.appendChild(item);
    });
  }

  function addFiles(input, files) {
    if (!window.DataTransfer) return;
    var transfer = new DataTransfer();
    Array.prototype.forEach.call(input.files || [], function (file) { transfer.items.add(file); });
    Array.prototype.forEach.call(files, function (file) { transfer.items.add(file); });
    input.files = transfer.files;
    listFiles(input);
  }

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("is-over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.remove("is-over");
      if (name === "drop" && event.dataTransfer && event.dataTransfer.files.length) {
        var input = $("input[type=file][data-file-input]", zone);
        if (input) addFiles(input, event.dataTransfer.files);
      }
    });
  });

  /* --- live updates (htmx websocket extension) ------------------------------------------------------ */
  document.addEventListener("htmx:wsAfterMessage", function () {
    $all(".msg--new").forEach(function (el) {
      window.setTimeout(function () { el.classList.remove("msg--new"); }, 2500);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    $all("[data-composer]").forEach(syncComposer);
    updateSelection();
    var live = $("[data-live-status]");
    if (live) {
      document.body.addEventListener("htmx:wsOpen", function () { live.setAttribute("data-connected", "true"); });
      document.body.addEventListener("htmx:wsClose", function () { live.setAttribute("data-connected", "false"); });
    }
  });
})();
