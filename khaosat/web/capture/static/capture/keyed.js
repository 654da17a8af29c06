/*
 * keyed.js — heads-down keyed entry (CSPro style). Keyboard only:
 *   serial + Enter -> questions; a code that no longer code starts with is taken at once and the
 *   next relevant question opens (skip logic from the server's AST); several codes for multiple
 *   choice then Enter; text/numbers then Enter; Enter on an empty optional question skips it;
 *   Backspace on an empty answer goes back; at the end Enter saves (JSON) and the next serial
 *   is ready. Bad codes are refused at once with the reason.
 */
(function () {
  "use strict";
  const K = window.KhaosatForm;
  const spec = JSON.parse(document.getElementById("capture-spec").textContent);
  const urls = JSON.parse(document.getElementById("capture-urls").textContent);
  const logic = new K.FormLogic(spec);
  const root = document.getElementById("keyed");
  const pass = root.dataset.pass === "2" ? 2 : 1;
  const $ = function (id) { return document.getElementById(id); };
  const serialIn = $("serial");
  const answerIn = $("answer");
  const msg = $("message");
  const M = window.KhaosatMultiKeys;

  let state = "serial";
  let serial = "";
  let answers = {};
  let idx = -1;
  let history = [];
  let keystrokes = 0;
  let started = 0;
  let instanceId = "";
  let saving = false;
  let saved = 0;

  function say(text, kind) {
    msg.textContent = text || "";
    msg.className = kind || "";
  }

  function showSerial() {
    state = "serial";
    $("question").hidden = true;
    $("review").hidden = true;
    serialIn.disabled = false;
    serialIn.focus();
    serialIn.select();
  }

  function startForm(info) {
    serial = info.serial;
    serialIn.value = serial;
    serialIn.disabled = true;
    $("serial-info").textContent = info.unit_name + (pass === 1 && info.double_entry ? " · cần nhập lần 2" : "");
    answers = {};
    history = [];
    keystrokes = 0;
    started = Date.now();
    instanceId = K.uuid4();
    idx = logic.next(-1, answers);
    showQuestion();
  }

  function showQuestion() {
    if (idx < 0) return showReview();
    state = "question";
    const f = logic.fields[idx];
    $("question").hidden = false;
    $("review").hidden = true;
    $("q-pos").textContent = "Câu " + (history.length + 1);
    $("q-group").textContent = f.group || "";
    // the label usually starts with the printed number ("B2. …"): do not number twice
    const printed = new RegExp("^\\s*" + f.name.replace(/[^A-Za-z0-9]/g, "") + "\\b", "i").test(f.label || "");
    $("q-name").textContent = printed ? "" : f.name;
    $("q-label").textContent = f.label;
    $("q-chosen").textContent = "";
    const ol = $("q-choices");
    ol.innerHTML = "";
    for (const c of f.choices) {
      const li = document.createElement("li");
      li.innerHTML = "<kbd></kbd> <span></span>";
      li.firstChild.textContent = c.code;
      li.lastChild.textContent = c.label;
      ol.appendChild(li);
    }
    let help = "";
    if (f.type === "select_multiple") help = "Nhiều lựa chọn: gõ các mã cách nhau bởi dấu cách hoặc dấu phẩy, rồi Enter.";
    else if (f.type === "select_one") help = f.width > 1 ? "Gõ mã (Enter nếu mã ngắn hơn)." : "Gõ một mã.";
    else if (f.type === "text") help = "Gõ đầy đủ câu trả lời, rồi Enter.";
    else help = "Gõ giá trị, rồi Enter.";
    if (!logic.isRequired(f, answers)) help += " Enter khi để trống: bỏ qua câu này.";
    $("q-help").textContent = help;
    root.dataset.field = f.name;
    answerIn.dataset.field = f.name;
    answerIn.value = "";
    answerIn.disabled = false;
    answerIn.focus();
  }

  function accept(value) {
    const f = logic.fields[idx];
    const problem = logic.check(f, value, answers);
    if (problem) {
      refuse(problem);
      return;
    }
    if (value === null || (Array.isArray(value) && value.length === 0)) delete answers[f.name];
    else answers[f.name] = value;
    answers = logic.recompute(answers);
    history.push(idx);
    say("");
    idx = logic.next(idx, answers);
    showQuestion();
  }

  // What a value means, by label ("1 — Báo chí; 3 — Loa phát thanh").
  function shown(f, value) {
    if (!Array.isArray(value)) return logic.display(f, value);
    return value.map(function (c) {
      const ch = f.codeMap[String(c)];
      return ch ? c + " — " + ch.label : String(c);
    }).join("; ");
  }

  function codesOf(f) {
    return f.choices.map(function (c) { return String(c.code); });
  }

  // Live: the labels of what is typed so far, and the matching choices marked in the list.
  function showChosen(f, codes) {
    $("q-chosen").textContent = codes.length ? "Đã chọn: " + shown(f, codes) : "";
    const items = $("q-choices").children;
    for (let i = 0; i < items.length; i++) {
      items[i].classList.toggle("chosen", codes.indexOf(String(f.choices[i].code)) >= 0);
    }
  }

  function refuse(text) {
    say(text, "error");
    answerIn.value = "";
    root.dataset.refused = String((parseInt(root.dataset.refused || "0", 10) || 0) + 1);
  }

  function back() {
    if (!history.length) return;
    idx = history.pop();
    const f = logic.fields[idx];
    delete answers[f.name];
    answers = logic.recompute(answers);
    say("Quay lại câu " + f.name + ": gõ lại câu trả lời.", "info");
    showQuestion();
  }

  function showReview() {
    state = "review";
    $("question").hidden = true;
    const body = $("review-body");
    body.innerHTML = "";
    for (const f of logic.fields) {
      if (!(f.name in answers)) continue;
      const tr = document.createElement("tr");
      tr.innerHTML = "<th></th><td></td>";
      tr.firstChild.textContent = f.name;
      tr.lastChild.textContent = shown(f, answers[f.name]);
      body.appendChild(tr);
    }
    $("review").hidden = false;
    root.dataset.field = "";
    say("Đã hết câu hỏi. Enter: lưu phiếu " + serial + " · Backspace: sửa câu cuối.", "info");
    answerIn.value = "";
    root.focus();
  }

  function save() {
    if (saving) return;
    saving = true;
    say("Đang lưu…", "info");
    const payload = {
      serial: serial,
      pass: pass,
      answers: answers,
      instance_id: instanceId,
      seconds: (Date.now() - started) / 1000,
      keystrokes: keystrokes,
    };
    const attempt = function (n) {
      return fetch(urls.submit, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": K.csrf() },
        body: JSON.stringify(payload),
      }).then(function (r) {
        return r.json().catch(function () {
          if (r.redirected) {
            return { ok: false, message: "Phiên đăng nhập đã hết: đăng nhập lại ở thẻ khác, rồi Enter để lưu phiếu này." };
          }
          return { ok: false, message: "Máy chủ trả lỗi " + r.status + "; phiếu chưa được lưu. Enter để thử lại." };
        }).then(function (body) { return { status: r.status, body: body }; });
      }).catch(function (err) {
        if (n < 5) return new Promise(function (res) { setTimeout(res, 500 * (n + 1)); }).then(function () { return attempt(n + 1); });
        throw err;
      });
    };
    attempt(0).then(function (res) {
      saving = false;
      if (!res.body.ok) {
        say(res.body.message || "Không lưu được.", "error");
        const p = res.body.problems && res.body.problems[0];
        if (p && logic.byName[p.variable]) {
          const k = logic.fields.indexOf(logic.byName[p.variable]);
          while (history.length && history[history.length - 1] >= k) history.pop();
          idx = k;
          showQuestion();
          say(p.message, "error");
        }
        return;
      }
      saved += 1;
      $("saved-count").textContent = String(saved);
      let text = "Đã lưu phiếu " + res.body.serial + ".";
      if (pass === 2) text += res.body.mismatches ? " " + res.body.mismatches + " câu khác lần 1: chuyển phân xử." : " Trùng khớp lần 1.";
      say(text, "ok");
      root.dataset.lastSaved = res.body.serial;
      serialIn.value = res.body.next_serial || "";
      $("serial-info").textContent = "";
      showSerial();
    }).catch(function () {
      saving = false;
      say("Mất kết nối, phiếu chưa được lưu. Enter để thử lại.", "error");
    });
  }

  function openSerial() {
    let s = serialIn.value.trim();
    if (s.indexOf("|") >= 0) {
      // a form's QR code read by a scanner: keep its serial part
      const part = s.split("|").find(function (p) { return /^[A-Za-z0-9]{1,16}-\d{4,6}$/.test(p.trim()); });
      if (part) s = part.trim();
    }
    s = s.replace(/[\/?#%]/g, "-");
    if (!s) return;
    say("");
    fetch(urls.serial.replace("SERIAL", encodeURIComponent(s)) + "?pass=" + pass, { credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () {
          return { ok: false, message: "Máy chủ trả lỗi " + r.status + ". Kiểm tra số phiếu rồi thử lại." };
        });
      })
      .then(function (body) {
        if (!body.ok) {
          say(body.message, "error");
          serialIn.select();
          return;
        }
        startForm(body);
      })
      .catch(function () { say("Mất kết nối tới máy chủ. Thử lại.", "error"); });
  }

  serialIn.addEventListener("keydown", function (e) {
    e.stopPropagation();
    if (e.key === "Enter") {
      e.preventDefault();
      openSerial();
    }
  });

  // Codes: take the answer as soon as it is unambiguous; refuse an impossible prefix at once.
  answerIn.addEventListener("input", function () {
    if (state !== "question") return;
    const f = logic.fields[idx];
    const buf = answerIn.value;
    if (f.type === "select_one") {
      const t = buf.trim();
      if (!t) return;
      const codes = Object.keys(f.codeMap);
      const prefixed = codes.filter(function (c) { return c.indexOf(t) === 0; });
      if (!prefixed.length) {
        refuse("Mã " + t + " không có trong danh sách (" + logic.codeList(f) + ").");
        return;
      }
      showChosen(f, prefixed.indexOf(t) >= 0 ? [t] : []);
      if (prefixed.length === 1 && prefixed[0] === t) accept(logic.codeOf(f, t));
    } else if (f.type === "select_multiple") {
      // never cut what was typed: say what it reads as, or why it cannot be read
      const r = M.read(buf, codesOf(f));
      showChosen(f, r.codes);
      if (r.problem) say(r.problem, "error");
      else say(r.joined ? "Hiểu là các mã " + r.codes.join(", ") + " (gõ cách nhau nếu không phải)." : "", r.joined ? "info" : "");
    }
  });

  answerIn.addEventListener("keydown", function (e) {
    e.stopPropagation(); // the form box's own handler is for the end-of-form keys only
    keystrokes += 1;
    if (state !== "question") return;
    const f = logic.fields[idx];
    if (e.key === "Enter") {
      e.preventDefault();
      let v;
      if (f.type === "select_multiple") {
        const r = M.read(answerIn.value, codesOf(f));
        if (r.problem) {
          say(r.problem, "error"); // the keys stay in the box to be corrected
          return;
        }
        accept(r.codes.length ? logic.ordered(f, r.codes.map(function (c) { return logic.codeOf(f, c); })) : null);
        return;
      }
      try {
        v = logic.parse(f, answerIn.value);
      } catch (err) {
        refuse(err.message);
        return;
      }
      accept(v);
    } else if (e.key === "Backspace" && answerIn.value === "") {
      e.preventDefault();
      back();
    } else if (e.key === "Escape") {
      abandon();
    }
  });

  // At the end of the form the keys go to the form box itself (the answer box is hidden).
  root.addEventListener("keydown", function (e) {
    if (state !== "review") return;
    keystrokes += 1;
    if (e.key === "Enter") {
      e.preventDefault();
      save();
    } else if (e.key === "Backspace") {
      e.preventDefault();
      back();
    } else if (e.key === "Escape") {
      abandon();
    }
  });

  function abandon() {
    say("Đã bỏ phiếu " + serial + " (chưa lưu).", "info");
    serialIn.value = serial;
    showSerial();
  }

  if (serialIn.value) serialIn.select();
  serialIn.focus();
  window.KhaosatKeyed = { state: function () { return { state: state, answers: answers, serial: serial }; } };
})();
