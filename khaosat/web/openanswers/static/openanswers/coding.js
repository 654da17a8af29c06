/* The coding queue: a digit toggles the theme with that key, Enter saves (accepting what is
 * checked). Keys typed into a text field are left alone. No dependencies, no inline script. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-coding]");
    if (!form) { return; }
    var save = form.querySelector("#save");
    // "Khác" and "Không có ý kiến" stand alone: checking one clears the themes, and back.
    function exclusive(box) {
      if (!box.checked) { return; }
      var special = box.hasAttribute("data-special");
      form.querySelectorAll("input[name=themes]").forEach(function (other) {
        if (other !== box && (special || other.hasAttribute("data-special"))) { other.checked = false; }
      });
    }
    form.querySelectorAll("input[name=themes]").forEach(function (box) {
      box.addEventListener("change", function () { exclusive(box); });
    });
    if (save) { save.focus(); }
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type === "text"))) { return; }
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (/^[1-9]$/.test(e.key)) {
        var box = form.querySelector('input[data-key="' + e.key + '"]');
        if (box) { box.checked = !box.checked; exclusive(box); e.preventDefault(); }
      } else if (e.key === "Enter") {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });
})();
