/*
 * formlogic.js — a questionnaire's fields for keyed entry, the tablet form and the preview.
 * The spec comes from the server (khaosat.capture.rules.FormRules.spec()): the fields to show
 * in form order (labels, codes) and the form logic as JSON (validate.logic_json). Every rule —
 * relevance, required, constraint, choice filter, calculation — is evaluated by xlsexpr.js
 * (window.KhaosatExpr), the browser twin of the server's evaluator; this file only turns
 * typed text into stored values and values into text. The server validates again on save.
 */
(function (root) {
  "use strict";
  const X = root.KhaosatExpr;

  function FormLogic(spec) {
    this.spec = spec;
    this.logic = spec.logic;
    this.fields = spec.fields;
    this.byName = {};
    this.items = {};
    for (const it of this.logic.items) this.items[it.name] = it;
    for (const f of this.fields) {
      this.byName[f.name] = f;
      f.codeMap = {};
      for (const c of f.choices) f.codeMap[String(c.code)] = c;
    }
  }

  FormLogic.prototype.isRelevant = function (f, answers) {
    return X.walk(this.logic, answers).relevant[f.name] !== false;
  };

  FormLogic.prototype.isRequired = function (f, answers) {
    const r = X.walk(this.logic, answers);
    return r.relevant[f.name] !== false && X.isRequired(this.items[f.name], r.values);
  };

  // In form order: drop answers of fields that are no longer relevant, compute calculations.
  FormLogic.prototype.recompute = function (answers) {
    return X.settle(this.logic, answers).answers;
  };

  FormLogic.prototype.codeOf = function (f, text) {
    const c = f.codeMap[String(text).trim()];
    return c ? c.code : undefined;
  };

  FormLogic.prototype.codeList = function (f) {
    return f.choices.map(function (c) { return c.code; }).join(", ");
  };

  // Parse typed text into a stored value; throws Error(message in Vietnamese).
  FormLogic.prototype.parse = function (f, text) {
    const t = String(text).trim();
    if (t === "") return null;
    if (f.type === "select_one") {
      const c = this.codeOf(f, t);
      if (c === undefined) throw new Error("Mã " + t + " không có trong danh sách (" + this.codeList(f) + ").");
      return c;
    }
    if (f.type === "select_multiple") {
      const parts = t.split(/[\s,;]+/).filter(Boolean);
      const codes = [];
      for (const p of parts) {
        const c = this.codeOf(f, p);
        if (c === undefined) throw new Error("Mã " + p + " không có trong danh sách (" + this.codeList(f) + ").");
        if (codes.indexOf(c) < 0) codes.push(c);
      }
      return this.ordered(f, codes);
    }
    if (f.type === "integer") {
      if (!/^[+-]?\d+$/.test(t)) throw new Error("Câu " + f.name + " cần một số nguyên, không phải «" + t + "».");
      return parseInt(t, 10);
    }
    if (f.type === "decimal" || f.type === "range") {
      const s = t.replace(",", ".");
      if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) throw new Error("Câu " + f.name + " cần một số, không phải «" + t + "».");
      return parseFloat(s);
    }
    if (f.type === "date") {
      let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
      if (m) return m[3] + "-" + ("0" + m[2]).slice(-2) + "-" + ("0" + m[1]).slice(-2);
      m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
      if (m) return t;
      throw new Error("Câu " + f.name + " cần một ngày dạng dd/mm/yyyy.");
    }
    return t;
  };

  FormLogic.prototype.ordered = function (f, codes) {
    const rank = {};
    f.choices.forEach(function (c, i) { rank[String(c.code)] = i; });
    return codes.slice().sort(function (a, b) { return rank[String(a)] - rank[String(b)]; });
  };

  // null when `value` is acceptable for `f` given the other answers, else the reason.
  FormLogic.prototype.check = function (f, value, answers) {
    const item = this.items[f.name];
    const empty = value === null || value === undefined || value === "" ||
      (Array.isArray(value) && value.length === 0);
    const with_ = Object.assign({}, answers);
    if (empty) delete with_[f.name];
    else with_[f.name] = value;
    const r = X.walk(this.logic, with_);
    if (empty) {
      return X.isRequired(item, r.values) ? "Câu " + f.name + " bắt buộc phải trả lời." : null;
    }
    const allowed = X.allowedCodes(item, r.values);
    if (allowed !== null) {
      const given = Array.isArray(value) ? value : [value];
      const out = given.filter(function (c) { return allowed.indexOf(c) < 0; });
      if (out.length) {
        return "Câu " + f.name + ": mã " + out.join(", ") + " không dùng được với các câu trả lời trước (" +
          allowed.join(", ") + ").";
      }
    }
    if (!X.constraintHolds(item, value, r.values)) {
      return "Câu " + f.name + ": " + (f.constraint_message || ("giá trị " + value + " không thỏa điều kiện của câu hỏi")) + ".";
    }
    return null;
  };

  // Index of the next field to ask after `i` (relevant, not calculated), or -1.
  FormLogic.prototype.next = function (i, answers) {
    const relevant = X.walk(this.logic, answers).relevant;
    for (let k = i + 1; k < this.fields.length; k++) {
      const f = this.fields[k];
      if (f.type !== "calculate" && relevant[f.name] !== false) return k;
    }
    return -1;
  };

  FormLogic.prototype.display = function (f, value) {
    if (value === undefined || value === null) return "—";
    if (Array.isArray(value)) return value.join(" ");
    const c = f.codeMap[String(value)];
    return c ? value + " — " + c.label : String(value);
  };

  function csrf() {
    const m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function uuid4() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    const b = new Uint8Array(16);
    root.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  root.KhaosatForm = { FormLogic: FormLogic, csrf: csrf, uuid4: uuid4 };
})(typeof window !== "undefined" ? window : globalThis);
