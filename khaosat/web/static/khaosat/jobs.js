/* Poll a background job and show its progress in an element:
 *   <div data-job-url="/jobs/12/" data-done-url="..."><progress></progress><span></span></div>
 * No dependencies. */
(function () {
  "use strict";
  function poll(el) {
    var bar = el.querySelector("progress"), text = el.querySelector(".job-text");
    fetch(el.dataset.jobUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (bar) { bar.max = j.total || 1; bar.value = j.done; }
        if (text) { text.textContent = j.status_display + (j.total ? " — " + j.done + "/" + j.total : "") + (j.message ? " · " + j.message : ""); }
        el.dataset.status = j.status;
        if (j.status === "done" || j.status === "failed") {
          el.dispatchEvent(new CustomEvent("job-finished", { detail: j }));
          if (j.status === "done" && el.dataset.doneUrl) { location.href = el.dataset.doneUrl; }
          return;
        }
        setTimeout(function () { poll(el); }, 700);
      })
      .catch(function () { setTimeout(function () { poll(el); }, 2000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-url]").forEach(poll);
  });
})();
