/*
 * app.js — the page behaviour every template shares, wired by data attributes so that the
 * Content-Security-Policy can forbid inline scripts and handlers (script-src 'self'):
 *   <select data-autosubmit>            submits its form when changed (language menu)
 *   <button data-confirm="Câu hỏi?">    asks before submitting
 *   <input type="checkbox" data-check-all="ids">  ticks every input[name=ids]
 *   <form data-go-to="other">           opens the URL chosen in its <select name="other">
 *   <form data-busy="Đang tính…">       on submit: its buttons wait and the text shows with a
 *                                        running bar until the next page arrives (long work)
 */
(function () {
  "use strict";
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      ev.preventDefault();
      return;
    }
    var all = ev.target;
    if (all.matches && all.matches("input[type=checkbox][data-check-all]")) {
      var name = all.getAttribute("data-check-all");
      document.querySelectorAll('input[name="' + name + '"]').forEach(function (c) {
        c.checked = all.checked;
      });
    }
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var field = form.getAttribute && form.getAttribute("data-go-to");
    if (field && form.elements[field]) {
      ev.preventDefault();
      window.location.href = form.elements[field].value;
      return;
    }
    var busy = form.getAttribute && form.getAttribute("data-busy");
    if (busy && !ev.defaultPrevented) {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.setAttribute("aria-disabled", "true");
        b.classList.add("waiting");
      });
      var note = form.querySelector(".busy");
      if (!note) {
        note = document.createElement("p");
        note.className = "busy";
        note.setAttribute("role", "status");
        note.appendChild(document.createElement("progress"));
        note.appendChild(document.createTextNode(" " + busy));
        form.appendChild(note);
      }
      note.hidden = false;
      document.body.setAttribute("aria-busy", "true");
    }
  });
  // Back to a page left while busy (the browser's page cache): it is not busy any more.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form .busy").forEach(function (n) { n.hidden = true; });
    document.querySelectorAll("button.waiting").forEach(function (b) {
      b.classList.remove("waiting");
      b.removeAttribute("aria-disabled");
    });
    document.body.removeAttribute("aria-busy");
  });
})();
