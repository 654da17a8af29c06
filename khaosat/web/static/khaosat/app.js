/*
 * app.js — the page behaviour every template shares, wired by data attributes so that the
 * Content-Security-Policy can forbid inline scripts and handlers (script-src 'self'):
 *   <select data-autosubmit>            submits its form when changed (language menu)
 *   <button data-confirm="Câu hỏi?">    asks before submitting
 *   <input type="checkbox" data-check-all="ids">  ticks every input[name=ids]
 *   <form data-go-to="other">           opens the URL chosen in its <select name="other">
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
    }
  });
})();
