// Rule editor: build the condition and the simple actions with selects; the JSON textareas
// stay the source of truth (editable, validated by the server). No inline scripts (CSP).
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function parse(text, fallback) {
    try { return text.trim() ? JSON.parse(text) : fallback; } catch (e) { return null; }
  }

  var NO_VALUE = ["is_empty", "is_not_empty", "changed"];
  var LISTS = ["in", "not_in"];

  function coerce(attr, op, raw) {
    if (LISTS.indexOf(op) >= 0) return raw.split(",").map(function (s) { return coerce(attr, "is", s.trim()); });
    if (["number", "id"].indexOf(attr.type) >= 0 || /hours|older_than|newer_than/.test(op)) {
      var n = Number(raw);
      return raw.trim() !== "" && !isNaN(n) ? n : raw;
    }
    if (attr.type === "boolean") return raw === "true";
    if (attr.type === "choice" && attr.choices.length && typeof attr.choices[0].value === "number") return Number(raw);
    return raw;
  }

  function conditionBuilder(root, catalog, textarea, labels) {
    var byField = {};
    catalog.forEach(function (a) { byField[a.field] = a; });
    var state = parse(textarea.value, {});
    var mode = "all";
    var rows = [];
    if (state && state.all) { rows = state.all; } else if (state && state.any) { mode = "any"; rows = state.any; }
    else if (state && state.field) { rows = [state]; } else if (state && Object.keys(state).length === 0) { rows = []; }
    else { root.appendChild(el("p", { "class": "small" }, labels.complex)); return; }
    if (rows.some(function (r) { return !r.field || !byField[r.field]; })) {
      root.appendChild(el("p", { "class": "small" }, labels.complex));
      return;
    }
    var modeSelect = el("select", { "aria-label": labels.match });
    [["all", labels.all], ["any", labels.any]].forEach(function (o) {
      var opt = el("option", { value: o[0] }, o[1]);
      if (o[0] === mode) opt.selected = true;
      modeSelect.appendChild(opt);
    });
    var list = el("div", { "class": "stack" });
    var add = el("button", { type: "button", "class": "secondary" }, labels.add);
    root.appendChild(modeSelect);
    root.appendChild(list);
    root.appendChild(add);

    function write() {
      var leaves = [];
      list.querySelectorAll("[data-row]").forEach(function (row) {
        var attr = byField[row.querySelector("[data-field]").value];
        var op = row.querySelector("[data-op]").value;
        var leaf = { field: attr.field, op: op };
        if (NO_VALUE.indexOf(op) < 0) leaf.value = coerce(attr, op, row.querySelector("[data-value]").value);
        leaves.push(leaf);
      });
      var out = {};
      if (leaves.length) out[modeSelect.value] = leaves;
      textarea.value = JSON.stringify(out, null, 2);
    }

    function addRow(leaf) {
      var row = el("div", { "class": "row", "data-row": "" });
      var field = el("select", { "data-field": "", "aria-label": labels.field });
      catalog.forEach(function (a) {
        var opt = el("option", { value: a.field }, a.label + " (" + a.field + ")");
        if (leaf && leaf.field === a.field) opt.selected = true;
        field.appendChild(opt);
      });
      var op = el("select", { "data-op": "", "aria-label": labels.op });
      var value = el("input", { "data-value": "", "aria-label": labels.value });
      var remove = el("button", { type: "button", "class": "secondary", "aria-label": labels.remove }, "×");
      function fillOps(selected) {
        op.innerHTML = "";
        byField[field.value].operators.forEach(function (o) {
          var opt = el("option", { value: o }, o);
          if (o === selected) opt.selected = true;
          op.appendChild(opt);
        });
        var choices = byField[field.value].choices.map(function (c) { return c.value; }).join(", ");
        value.placeholder = choices;
      }
      fillOps(leaf && leaf.op);
      if (leaf && leaf.value !== undefined) value.value = Array.isArray(leaf.value) ? leaf.value.join(", ") : String(leaf.value);
      field.addEventListener("change", function () { fillOps(); write(); });
      [op, value].forEach(function (n) { n.addEventListener("change", write); n.addEventListener("input", write); });
      remove.addEventListener("click", function () { row.remove(); write(); });
      [field, op, value, remove].forEach(function (n) { row.appendChild(n); });
      list.appendChild(row);
    }

    rows.forEach(addRow);
    add.addEventListener("click", function () { addRow(null); write(); });
    modeSelect.addEventListener("change", write);
  }

  // Actions whose one parameter can be typed in a box; the others are edited as JSON.
  var SIMPLE = {
    set_status: ["status", "text"], set_priority: ["priority", "text"], set_team: ["team", "number"],
    set_assignee: ["assignee", "number"], set_category: ["category", "number"], set_tier: ["tier", "number"],
    add_tags: ["tags", "list"], remove_tags: ["tags", "list"], add_note: ["body", "text"],
    apply_macro: ["macro", "number"], call_webhook: ["webhook", "number"]
  };

  function actionBuilder(root, textarea, labels) {
    var add = el("div", { "class": "row" });
    var type = el("select", { "aria-label": labels.action });
    Object.keys(SIMPLE).forEach(function (k) { type.appendChild(el("option", { value: k }, k)); });
    var value = el("input", { "aria-label": labels.value });
    var button = el("button", { type: "button", "class": "secondary" }, labels.addAction);
    [type, value, button].forEach(function (n) { add.appendChild(n); });
    root.appendChild(add);
    button.addEventListener("click", function () {
      var actions = parse(textarea.value, []);
      if (!Array.isArray(actions)) actions = [];
      var spec = SIMPLE[type.value];
      var raw = value.value.trim();
      var action = { type: type.value };
      action[spec[0]] = spec[1] === "number" ? (raw === "" ? null : Number(raw))
        : spec[1] === "list" ? raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean) : raw;
      actions.push(action);
      textarea.value = JSON.stringify(actions, null, 2);
      value.value = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-condition-builder]");
    var catalogNode = document.getElementById("condition-catalog");
    var labelsNode = document.getElementById("builder-labels");
    if (!root || !catalogNode || !labelsNode) return;
    var labels = JSON.parse(labelsNode.textContent);
    conditionBuilder(root, JSON.parse(catalogNode.textContent), document.getElementById(root.getAttribute("data-target")), labels);
    var actionsRoot = document.querySelector("[data-action-builder]");
    if (actionsRoot) actionBuilder(actionsRoot, document.getElementById(actionsRoot.getAttribute("data-target")), labels);
  });
})();
