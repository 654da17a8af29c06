/* One-key review of a scanned form: Enter accepts the reader's value (or what was typed) and
 * moves on; a digit picks that code at once when every code of the question is one digit;
 * "-" leaves the question unanswered; Tab / ArrowDown next, ArrowUp previous. After the last
 * item the form is sent. No dependencies. */
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var items = Array.prototype.slice.call(form.querySelectorAll(".paper-item"));
  var inputs = items.map(function (it) { return it.querySelector("input"); });

  function focus(k) {
    items.forEach(function (it, j) { it.classList.toggle("current", j === k); });
    if (k >= 0 && k < inputs.length) {
      inputs[k].focus();
      inputs[k].select();
      items[k].scrollIntoView({ block: "nearest" });
    }
  }
  function undecided() {
    for (var k = 0; k < items.length; k++) {
      if (items[k].dataset.qkind !== "write" && inputs[k].value.trim() === "") { return k; }
    }
    return -1;
  }
  function decide(k, value) {
    inputs[k].value = value;
    items[k].classList.add("decided");
    next(k, true);
  }
  function next(k, submitAtEnd) {
    if (k + 1 < items.length) { focus(k + 1); return; }
    var open = undecided();
    if (open >= 0) { focus(open); return; }
    if (submitAtEnd) { form.submit(); } else { document.getElementById("save").focus(); }
  }
  inputs.forEach(function (input, k) {
    var item = items[k];
    input.addEventListener("focus", function () {
      items.forEach(function (it, j) { it.classList.toggle("current", j === k); });
    });
    input.addEventListener("keydown", function (ev) {
      var kind = item.dataset.qkind;
      if (ev.key === "Enter") {
        ev.preventDefault();
        var typed = input.value.trim();
        if (kind === "write") { decide(k, input.value); return; }
        if (kind === "ack") { decide(k, "ok"); return; }
        decide(k, typed !== "" ? typed : (item.dataset.proposal || "-"));
      } else if (ev.key === "ArrowDown" || (ev.key === "Tab" && !ev.shiftKey)) {
        ev.preventDefault();
        if (k + 1 < items.length) { focus(k + 1); } else { document.getElementById("save").focus(); }
      } else if (ev.key === "ArrowUp" || (ev.key === "Tab" && ev.shiftKey)) {
        ev.preventDefault();
        if (k > 0) { focus(k - 1); }
      } else if (kind === "one" && item.dataset.single && /^[0-9-]$/.test(ev.key) && !ev.ctrlKey && !ev.altKey) {
        ev.preventDefault();
        var codes = (item.dataset.choices || "").split(", ");
        if (ev.key === "-" || codes.indexOf(ev.key) >= 0) { decide(k, ev.key); }
        else { item.classList.add("wrong-key"); setTimeout(function () { item.classList.remove("wrong-key"); }, 400); }
      }
    });
  });
  document.getElementById("save").addEventListener("keydown", function (ev) {
    if ((ev.key === "ArrowUp" || (ev.key === "Tab" && ev.shiftKey)) && items.length) {
      ev.preventDefault();
      focus(items.length - 1);
    }
  });
  if (items.length) {
    var first = undecided();
    focus(first >= 0 ? first : 0);
  }
})();
