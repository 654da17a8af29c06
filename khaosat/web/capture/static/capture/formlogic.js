/*
 * formlogic.js — the questionnaire's rules in the browser for keyed entry and the tablet form.
 * The spec comes from the server (khaosat.capture.rules.FormRules.spec()): fields in form order
 * with the JSON AST of relevant/constraint/required/calculation, evaluated by xlsexpr.js
 * (window.KhaosatExpr) with the same rules as the server's validation. The server validates
 * again on save; this is for refusing a bad code at once.
 */
(function (root) {
  "use strict";
  const X = root.KhaosatExpr;

  function FormLogic(spec) {
    this.spec = spec;
    this.fields = spec.fields;
    this.byName = {};
    for (const f of this.fields) {
      this.byName[f.name] = f;
      f.codeMap = {};
      for (const c of f.choices) f.codeMap[String(c.code)] = c;
    }
  }

  // Answers as the expression language sees them: select_one codes as strings (ODK).
  FormLogic.prototype.xv = function (answers) {
    const out = {};
    for (const k in answers) {
      const f = this.byName[k];
      const v = answers[k];
      out[k] = f && f.type === "select_one" && v !== null && v !== undefined ? String(v) : v;
    }
    return out;
  };

  FormLogic.prototype.isRelevant = function (f, answers) {
    return !f.relevant || X.evaluateBool(f.relevant, this.xv(answers));
  };

  FormLogic.prototype.isRequired = function (f, answers) {
    if (f.required === true) return true;
    if (!f.required || f.type === "calculate") return false;
    return X.evaluateBool(f.required, this.xv(answers));
  };

  // In form order: clear answers of fields that are no longer relevant, compute calculations.
  FormLogic.prototype.recompute = function (answers) {
    const out = Object.assign({}, answers);
    for (const f of this.fields) {
      if (!this.isRelevant(f, out)) {
        delete out[f.name];
        continue;
      }
      if (f.type === "calculate" && f.calculation) {
        delete out[f.name];
        const v = X.evaluate(f.calculation, this.xv(out));
        if (v === "" || (typeof v === "number" && !Number.isFinite(v))) continue;
        if (typeof v === "boolean") out[f.name] = v ? 1 : 0;
        else if (typeof v === "string" && /^-?\d+$/.test(v)) out[f.name] = parseInt(v, 10);
        else out[f.name] = v;
      }
    }
    return out;
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
    const empty = value === null || value === undefined || value === "" ||
      (Array.isArray(value) && value.length === 0);
    if (empty) {
      return this.isRequired(f, answers) ? "Câu " + f.name + " bắt buộc phải trả lời." : null;
    }
    if (f.constraint) {
      const cur = f.type === "select_one" ? String(value) : value;
      const with_ = Object.assign({}, answers);
      with_[f.name] = value;
      if (!X.evaluateBool(f.constraint, this.xv(with_), { current: cur })) {
        return "Câu " + f.name + ": " + (f.constraint_message || ("giá trị " + value + " không thỏa điều kiện của câu hỏi")) + ".";
      }
    }
    return null;
  };

  // Index of the next field to ask after `i` (relevant, not calculated), or -1.
  FormLogic.prototype.next = function (i, answers) {
    for (let k = i + 1; k < this.fields.length; k++) {
      const f = this.fields[k];
      if (f.type !== "calculate" && this.isRelevant(f, answers)) return k;
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
