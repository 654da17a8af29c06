/*
 * editor.js — the questionnaire editor's small helpers; the page works without them (plain
 * forms, ↑/↓ buttons). Wired by data attributes (the Content-Security-Policy forbids inline
 * scripts and handlers):
 *   <select data-editor-type>          shows only the fields [data-show-for~=type] of that type
 *   <select data-skip-question>        limits <select data-skip-code> to that question's answers
 *   <li data-item draggable>           drag to reorder; posts the order (form#editor-reorder)
 */
(function () {
  "use strict";
  const form = document.getElementById("editor-form");

  function showFields() {
    if (!form) return;
    const typeSel = form.querySelector("[data-editor-type]");
    const kind = form.dataset.kind === "matrix" ? "matrix" : typeSel ? typeSel.value : "";
    form.querySelectorAll("[data-show-for]").forEach(function (el) {
      const on = el.getAttribute("data-show-for").split(" ").indexOf(kind) >= 0;
      el.hidden = !on;
    });
  }

  function limitAnswers() {
    if (!form) return;
    const q = form.querySelector("[data-skip-question]");
    const code = form.querySelector("[data-skip-code]");
    if (!q || !code) return;
    code.querySelectorAll("optgroup").forEach(function (g) {
      const on = g.getAttribute("data-question") === q.value;
      g.hidden = !on;
      g.disabled = !on;
    });
    const chosen = code.selectedOptions[0];
    if (chosen && chosen.value && chosen.getAttribute("data-question") !== q.value) code.value = "";
    if (q.value && !code.value) {
      const first = code.querySelector('option[data-question="' + q.value + '"]');
      if (first) code.value = first.value;
    }
    code.disabled = !q.value;
  }

  if (form) {
    form.addEventListener("change", function (ev) {
      if (ev.target.matches("[data-editor-type]")) showFields();
      if (ev.target.matches("[data-skip-question]")) limitAnswers();
    });
    showFields();
    limitAnswers();
  }

  // drag-and-drop reordering of the items
  const list = document.getElementById("editor-items");
  const reorder = document.getElementById("editor-reorder");
  let dragged = null;
  if (list && reorder) {
    list.addEventListener("dragstart", function (ev) {
      const li = ev.target.closest ? ev.target.closest("li[data-item]") : null;
      if (!li || (ev.target.closest && ev.target.closest("form.editor-form"))) return;
      dragged = li;
      li.classList.add("dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", li.dataset.item);
    });
    list.addEventListener("dragover", function (ev) {
      const li = ev.target.closest ? ev.target.closest("li[data-item]") : null;
      if (dragged && li && li !== dragged) ev.preventDefault();
    });
    list.addEventListener("drop", function (ev) {
      const li = ev.target.closest ? ev.target.closest("li[data-item]") : null;
      if (!dragged || !li || li === dragged) return;
      ev.preventDefault();
      const box = li.getBoundingClientRect();
      const after = ev.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? li.nextSibling : li);
      reorder.querySelectorAll("input[name=order]").forEach(function (i) { i.remove(); });
      list.querySelectorAll("li[data-item]").forEach(function (item) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = "order";
        input.value = item.dataset.item;
        reorder.appendChild(input);
      });
      reorder.submit();
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
    });
  }
})();
