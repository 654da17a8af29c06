/*
 * webform.js — the mobile-first interview form. Live skip logic and checks from the server's
 * AST (formlogic.js + xlsexpr.js); the draft lives in localStorage while filling; a finished
 * form goes to a localStorage queue with its client-made instance UUID and is sent (and re-sent
 * when the connection comes back) until the server confirms — the UUID makes a retried send
 * one response.
 */
(function () {
  "use strict";
  const K = window.KhaosatForm;
  const spec = JSON.parse(document.getElementById("capture-spec").textContent);
  const logic = new K.FormLogic(spec);
  const root = document.getElementById("webform");
  const form = document.getElementById("wf");
  const errors = document.getElementById("wf-errors");
  const net = document.getElementById("net");
  const serialIn = document.getElementById("wf-serial");
  const DRAFT = "khaosat:draft:" + root.dataset.survey + ":" + root.dataset.unit;
  const QUEUE = "khaosat:queue";
  let draft = null;
  let answers = {};

  function load(key, dflt) {
    try {
      const v = localStorage.getItem(key);
      return v ? JSON.parse(v) : dflt;
    } catch (e) {
      return dflt;
    }
  }
  function store(key, v) {
    localStorage.setItem(key, JSON.stringify(v));
  }

  function newDraft() {
    draft = { instance_id: K.uuid4(), started: new Date().toISOString(), serial: "", answers: {} };
    store(DRAFT, draft);
  }

  function build() {
    form.innerHTML = "";
    let group = null;
    let box = form;
    for (const f of logic.fields) {
      if (f.type === "calculate") continue;
      if (f.group !== group) {
        group = f.group;
        if (group) {
          const h = document.createElement("h2");
          h.textContent = group;
          form.appendChild(h);
        }
        box = form;
      }
      const fs = document.createElement("fieldset");
      fs.id = "f-" + f.name;
      fs.dataset.field = f.name;
      const lg = document.createElement("legend");
      // the label usually starts with the printed number ("A1. …"): do not number twice
      const numbered = new RegExp("^\\s*" + f.name.replace(/[^A-Za-z0-9]/g, "") + "\\b", "i").test(f.label || "");
      lg.textContent = numbered ? f.label : f.name + ". " + f.label;
      fs.appendChild(lg);
      if (f.hint) {
        const p = document.createElement("p");
        p.className = "muted";
        p.textContent = f.hint;
        fs.appendChild(p);
      }
      if (f.type === "select_one" || f.type === "select_multiple") {
        for (const c of f.choices) {
          const lab = document.createElement("label");
          lab.className = "opt";
          const inp = document.createElement("input");
          inp.type = f.type === "select_one" ? "radio" : "checkbox";
          inp.name = f.name;
          inp.value = String(c.code);
          lab.appendChild(inp);
          const span = document.createElement("span");
          span.textContent = c.label;
          lab.appendChild(span);
          fs.appendChild(lab);
        }
      } else if (f.type === "text") {
        const ta = document.createElement("textarea");
        ta.name = f.name;
        ta.rows = 3;
        fs.appendChild(ta);
      } else {
        const inp = document.createElement("input");
        inp.name = f.name;
        inp.className = "text";
        inp.type = f.type === "date" ? "date" : "text";
        if (f.type === "integer" || f.type === "decimal") inp.inputMode = f.type === "integer" ? "numeric" : "decimal";
        fs.appendChild(inp);
      }
      const err = document.createElement("div");
      err.className = "f-error";
      fs.appendChild(err);
      box.appendChild(fs);
    }
  }

  function read() {
    const raw = {};
    const problems = {};
    for (const f of logic.fields) {
      if (f.type === "calculate") continue;
      const els = form.querySelectorAll('[name="' + f.name + '"]');
      if (f.type === "select_one") {
        const c = Array.from(els).find(function (e) { return e.checked; });
        if (c) raw[f.name] = logic.codeOf(f, c.value);
      } else if (f.type === "select_multiple") {
        const cs = Array.from(els).filter(function (e) { return e.checked; }).map(function (e) { return logic.codeOf(f, e.value); });
        if (cs.length) raw[f.name] = logic.ordered(f, cs);
      } else if (els[0] && els[0].value.trim() !== "") {
        try {
          raw[f.name] = logic.parse(f, els[0].value);
        } catch (e) {
          problems[f.name] = e.message;
        }
      }
    }
    return { raw: raw, problems: problems };
  }

  function fill(values) {
    for (const f of logic.fields) {
      const v = values[f.name];
      if (v === undefined || f.type === "calculate") continue;
      const els = form.querySelectorAll('[name="' + f.name + '"]');
      if (f.type === "select_one" || f.type === "select_multiple") {
        const set = (Array.isArray(v) ? v : [v]).map(String);
        els.forEach(function (e) { e.checked = set.indexOf(e.value) >= 0; });
      } else if (els[0]) {
        els[0].value = v;
      }
    }
  }

  // Recompute relevance and checks; returns the list of problems (shown under each question).
  function refresh(showRequired) {
    const r = read();
    answers = logic.recompute(r.raw);
    const all = [];
    for (const f of logic.fields) {
      if (f.type === "calculate") continue;
      const fs = document.getElementById("f-" + f.name);
      const rel = logic.isRelevant(f, answers);
      fs.hidden = !rel;
      let p = null;
      if (rel) {
        p = r.problems[f.name] || logic.check(f, answers[f.name], answers);
        if (p && !showRequired && !(f.name in answers) && !r.problems[f.name]) p = null;
      }
      fs.querySelector(".f-error").textContent = p || "";
      if (p) all.push(p);
    }
    draft.answers = answers;
    draft.serial = serialIn.value.trim();
    store(DRAFT, draft);
    return all;
  }

  function queue() {
    return load(QUEUE, []);
  }

  function status() {
    const q = queue();
    const waiting = q.filter(function (i) { return !i.error; }).length;
    const failed = q.filter(function (i) { return i.error; });
    let text = navigator.onLine ? "Đang kết nối." : "Mất kết nối: phiếu được giữ trên máy và tự gửi khi có mạng.";
    if (waiting) text += " " + waiting + " phiếu đang chờ gửi.";
    if (failed.length) text += " " + failed.length + " phiếu bị từ chối: " + failed.map(function (i) { return i.error; }).join(" | ");
    if (net.dataset.note) text = net.dataset.note + " " + text;
    net.textContent = text;
    net.className = "net" + (navigator.onLine ? "" : " offline");
    root.dataset.queue = String(waiting);
  }

  let flushing = false;
  function flush() {
    if (flushing) return Promise.resolve();
    const q = queue();
    const item = q.find(function (i) { return !i.error; });
    if (!item) {
      status();
      return Promise.resolve();
    }
    flushing = true;
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": K.csrf() },
      body: JSON.stringify(item.payload),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        const q2 = queue();
        const i = q2.findIndex(function (x) { return x.payload.instance_id === item.payload.instance_id; });
        if (r.redirected || r.status === 401 || r.status === 403 || (r.ok && body.ok !== true)) {
          // signed out (the login page answered): keep the form, say what to do
          net.dataset.note = "Phiên đăng nhập đã hết: hãy đăng nhập lại — phiếu vẫn được giữ trên máy và sẽ tự gửi.";
          store(QUEUE, q2);
          flushing = false;
          status();
          return;
        }
        if (r.ok) {
          if (i >= 0) q2.splice(i, 1);
          root.dataset.sent = String((parseInt(root.dataset.sent || "0", 10) || 0) + 1);
        } else if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429 && r.status !== 403) {
          if (i >= 0) q2[i].error = body.message || ("Lỗi " + r.status);
        } else {
          throw new Error("retry");
        }
        store(QUEUE, q2);
        flushing = false;
        return flush();
      });
    }).catch(function () {
      flushing = false;
      status();
    });
  }

  document.getElementById("wf-submit").addEventListener("click", function () {
    const problems = refresh(true);
    if (problems.length) {
      errors.textContent = "Phiếu chưa xong: " + problems.join(" ");
      const first = form.querySelector(".f-error:not(:empty)");
      if (first) first.parentElement.scrollIntoView({ block: "center" });
      return;
    }
    errors.textContent = "";
    const q = queue();
    q.push({
      url: root.dataset.submit,
      payload: { instance_id: draft.instance_id, serial: draft.serial, started: draft.started, answers: answers },
    });
    store(QUEUE, q);
    newDraft();
    fill({});
    build();
    serialIn.value = "";
    refresh(false);
    window.scrollTo(0, 0);
    errors.textContent = "";
    net.dataset.note = "Đã lưu phiếu trên máy; phiếu được gửi khi có mạng.";
    status();
    flush();
  });

  document.getElementById("wf-new").addEventListener("click", function () {
    if (!confirm("Bỏ phiếu đang điền và bắt đầu phiếu mới?")) return;
    newDraft();
    build();
    serialIn.value = "";
    refresh(false);
  });

  form.addEventListener("change", function () { refresh(false); });
  form.addEventListener("input", function () { refresh(false); });
  serialIn.addEventListener("input", function () { refresh(false); });
  window.addEventListener("online", function () { status(); flush(); });
  window.addEventListener("offline", status);
  setInterval(flush, 15000);

  build();
  draft = load(DRAFT, null);
  if (!draft || !draft.instance_id) newDraft();
  fill(draft.answers || {});
  serialIn.value = draft.serial || "";
  refresh(false);
  status();
  flush();
  window.KhaosatWebForm = { flush: flush, queue: queue };
})();
