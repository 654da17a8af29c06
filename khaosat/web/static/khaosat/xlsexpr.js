/*
 * xlsexpr.js — browser evaluator of khaosat's XLSForm expressions (relevant, constraint,
 * calculation, choice_filter). It walks the JSON AST produced on the server by
 * khaosat.questionnaire.expr.to_json() and applies exactly the same rules as the Python
 * evaluator (khaosat/questionnaire/expr.py, whose docstring lists them); both are checked
 * against one case table (tests/questionnaire/expr_cases.json). No parser here: the server
 * parses, so the browser can never disagree about syntax.
 *
 * Dependency-free ES2017. Classic script: sets window.KhaosatExpr (and module.exports
 * under Node).
 *
 *   KhaosatExpr.evaluate(ast, values, {current, today, choice}) -> boolean | number | string
 *   KhaosatExpr.evaluateBool(ast, values, opts) -> boolean
 *
 * and, on a form's logic (validate.logic_json): walk(logic, answers) -> relevance and
 * calculations in form order; settle(logic, answers) -> the answers that stand after a change;
 * isRequired / constraintHolds / allowedCodes of one item. This is the one evaluator of form
 * logic in the browser: keyed entry, the tablet form and the preview use it (through
 * capture/formlogic.js, which only turns typed text into values and back).
 *
 * AST nodes: ["num", n] ["str", s] ["ref", name] ["cur"] ["name", col] ["neg", e]
 *            ["bin", op, left, right] ["fn", name, ...args]
 * values: {name: answer} with answers as stored (codes; select_multiple as an array;
 * missing/null = unanswered).
 */
(function (root) {
  "use strict";

  class ExprEvalError extends Error {
    constructor(message) {
      super(message);
      this.name = "ExprEvalError";
    }
  }

  // ---- conversions ---------------------------------------------------------------------

  const NUM_RE = /^-?([0-9]+\.?[0-9]*|\.[0-9]+)$/;
  const DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
  const SPACES_RE = /[ \t\n\x0B\f\r]+/g;

  function trim(s) {
    // Java String.trim(): every char <= U+0020.
    let a = 0;
    let b = s.length;
    while (a < b && s.charCodeAt(a) <= 32) a++;
    while (b > a && s.charCodeAt(b - 1) <= 32) b--;
    return s.slice(a, b);
  }

  // Shortest round-trip digits of a finite non-negative number, without exponent.
  function plainDigits(x) {
    const text = x.toString();
    const parts = text.split("e");
    const exp = parts.length > 1 ? parseInt(parts[1], 10) : 0;
    const mant = parts[0].split(".");
    const ip = mant[0];
    const fp = mant.length > 1 ? mant[1] : "";
    let digits = ip + fp;
    let point = ip.length + exp;
    while (digits.length > 1 && digits[0] === "0") {
      digits = digits.slice(1);
      point--;
    }
    let out;
    if (point <= 0) out = "0." + "0".repeat(-point) + digits;
    else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
    else out = digits.slice(0, point) + "." + digits.slice(point);
    if (out.indexOf(".") >= 0) out = out.replace(/0+$/, "").replace(/\.$/, "");
    return out;
  }

  function plainDecimal(x) {
    const out = plainDigits(Math.abs(x));
    return (x < 0 && out !== "0" ? "-" : "") + out;
  }

  function numberToString(x) {
    if (Number.isNaN(x)) return "NaN";
    if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
    if (Math.abs(x) < 1e-12) return "0";
    if (Math.abs(x) < 9007199254740992) {
      const t = Math.trunc(x);
      if (Math.abs(x - t) < 1e-12) return plainDecimal(t);
    }
    return plainDecimal(x);
  }

  function dateDays(s) {
    const m = DATE_RE.exec(s);
    if (!m) return null;
    const y = +m[1];
    const mo = +m[2];
    const d = +m[3];
    const ms = Date.UTC(y, mo - 1, d);
    const dt = new Date(ms);
    // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear keeps them.
    dt.setUTCFullYear(y);
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) {
      return null;
    }
    if (y < 1) return null;
    return Math.round(dt.getTime() / 86400000);
  }

  function toNumber(v) {
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    const s = trim(v.replace(/,/g, "."));
    if (NUM_RE.test(s)) return parseFloat(s);
    const days = dateDays(s);
    return days === null ? NaN : days;
  }

  function toString(v) {
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return numberToString(v);
    return v;
  }

  function toBoolean(v) {
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return Math.abs(v) > 1e-12 && !Number.isNaN(v);
    return v.length > 0;
  }

  function codeText(c) {
    if (typeof c === "boolean") return c ? "1" : "0";
    if (typeof c === "number") return numberToString(c);
    return String(c);
  }

  function xpathValue(raw) {
    if (raw === null || raw === undefined) return "";
    if (typeof raw === "boolean" || typeof raw === "number" || typeof raw === "string") {
      return raw;
    }
    if (Array.isArray(raw)) return raw.map(codeText).join(" ");
    if (raw instanceof Date) return isoDate(raw);
    return String(raw);
  }

  function pad(n, w) {
    let s = String(n);
    while (s.length < w) s = "0" + s;
    return s;
  }

  function isoDate(d) {
    return pad(d.getFullYear(), 4) + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2);
  }

  // ---- helpers of the functions --------------------------------------------------------

  function tokens(s) {
    return s.split(" ").filter(function (t) {
      return t.length > 0;
    });
  }

  function intVal(x) {
    if (Number.isNaN(x) || !Number.isFinite(x)) return x;
    return Math.trunc(x);
  }

  function incrementDigits(d) {
    // "" -> "1", "129" -> "130", "99" -> "100"
    const arr = d.split("");
    let i = arr.length - 1;
    while (i >= 0) {
      if (arr[i] === "9") {
        arr[i] = "0";
        i--;
      } else {
        arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1);
        return arr.join("");
      }
    }
    return "1" + arr.join("");
  }

  // round(x, n): on the shortest decimal digits; ties towards +Infinity (HALF_UP for x >= 0,
  // HALF_DOWN for x < 0), like JavaRosa's BigDecimal rounding.
  function roundDec(x, places) {
    if (Number.isNaN(x) || !Number.isFinite(x)) return x;
    const n = Number.isNaN(places) ? 0 : Math.trunc(places);
    if (n > 30 || n < -30) return NaN;
    if (x === 0) return x;
    const neg = x < 0;
    const s = plainDigits(Math.abs(x));
    const dot = s.indexOf(".");
    const ip = dot >= 0 ? s.slice(0, dot) : s;
    const fp = dot >= 0 ? s.slice(dot + 1) : "";
    const digits = ip + fp;
    const keep = ip.length + n;
    if (keep >= digits.length) return x;
    let kept;
    let up;
    if (keep < 0) {
      kept = "";
      up = false;
    } else {
      kept = digits.slice(0, keep);
      const rest = digits.slice(keep);
      const first = rest[0];
      const restNonZero = /[1-9]/.test(rest.slice(1));
      up = first > "5" || (first === "5" && (restNonZero || !neg));
    }
    if (up) kept = incrementDigits(kept);
    if (kept === "" || /^0+$/.test(kept)) return neg ? -0 : 0;
    const mag = parseFloat(kept + "e" + String(-n));
    return neg ? -mag : mag;
  }

  function minmax(values, pick) {
    const nums = values.filter(function (v) {
      return !Number.isNaN(v);
    });
    return nums.length ? pick.apply(null, nums) : NaN;
  }

  function substr(s, start, end) {
    const n = s.length;
    let a = Number.isNaN(start) ? 0 : Math.trunc(start);
    let b = end === null ? n : Number.isNaN(end) ? 0 : Math.trunc(end);
    if (a < 0) a = n + a;
    if (b < 0) b = n + b;
    b = Math.min(Math.max(0, b), n);
    a = Math.min(Math.max(0, a), n);
    return a <= b ? s.slice(a, b) : "";
  }

  const regexCache = new Map();

  function regexMatch(s, pattern) {
    let rx = regexCache.get(pattern);
    if (rx === undefined) {
      try {
        rx = new RegExp("^(?:" + pattern + ")$");
      } catch (e) {
        throw new ExprEvalError(
          "Mẫu regex «" + pattern + "» không hợp lệ; hãy sửa biểu thức regex()."
        );
      }
      regexCache.set(pattern, rx);
    }
    return rx.test(s);
  }

  function isNull(v) {
    return v === "" || (typeof v === "number" && Number.isNaN(v));
  }

  function eq(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return toBoolean(a) === toBoolean(b);
    if (typeof a === "number" || typeof b === "number") {
      const x = toNumber(a);
      const y = toNumber(b);
      return x === y || Math.abs(x - y) < 1e-12;
    }
    return a === b;
  }

  // ---- evaluation ----------------------------------------------------------------------

  function ev(node, ctx) {
    switch (node[0]) {
      case "num":
        return node[1];
      case "str":
        return node[1];
      case "ref":
        return xpathValue(Object.prototype.hasOwnProperty.call(ctx.values, node[1])
          ? ctx.values[node[1]] : null);
      case "cur":
        return xpathValue(ctx.current);
      case "name":
        if (!ctx.choice) return "";
        return xpathValue(Object.prototype.hasOwnProperty.call(ctx.choice, node[1])
          ? ctx.choice[node[1]] : null);
      case "neg":
        return -toNumber(ev(node[1], ctx));
      case "bin":
        return binary(node[1], node[2], node[3], ctx);
      case "fn":
        return call(node[1], node.slice(2), ctx);
      default:
        throw new ExprEvalError("Nút biểu thức không rõ: " + node[0]);
    }
  }

  function binary(op, l, r, ctx) {
    if (op === "and") return toBoolean(ev(l, ctx)) && toBoolean(ev(r, ctx));
    if (op === "or") return toBoolean(ev(l, ctx)) || toBoolean(ev(r, ctx));
    const a = ev(l, ctx);
    const b = ev(r, ctx);
    switch (op) {
      case "=":
        return eq(a, b);
      case "!=":
        return !eq(a, b);
      case "<":
        return toNumber(a) < toNumber(b);
      case "<=":
        return toNumber(a) <= toNumber(b);
      case ">":
        return toNumber(a) > toNumber(b);
      case ">=":
        return toNumber(a) >= toNumber(b);
      case "+":
        return toNumber(a) + toNumber(b);
      case "-":
        return toNumber(a) - toNumber(b);
      case "*":
        return toNumber(a) * toNumber(b);
      case "div":
        return toNumber(a) / toNumber(b);
      case "mod":
        return toNumber(a) % toNumber(b);
      default:
        throw new ExprEvalError("Toán tử không rõ: " + op);
    }
  }

  function call(name, args, ctx) {
    if (name === "if") return toBoolean(ev(args[0], ctx)) ? ev(args[1], ctx) : ev(args[2], ctx);
    if (name === "coalesce") {
      const a = ev(args[0], ctx);
      return isNull(a) ? ev(args[1], ctx) : a;
    }
    const v = args.map(function (a) {
      return ev(a, ctx);
    });
    let s;
    let t;
    let i;
    switch (name) {
      case "true":
        return true;
      case "false":
        return false;
      case "not":
        return !toBoolean(v[0]);
      case "boolean":
        return toBoolean(v[0]);
      case "number":
        return toNumber(v[0]);
      case "string":
        return toString(v[0]);
      case "int":
        return intVal(toNumber(v[0]));
      case "round":
        return roundDec(toNumber(v[0]), v.length > 1 ? toNumber(v[1]) : 0);
      case "abs":
        return Math.abs(toNumber(v[0]));
      case "pow":
        return Math.pow(toNumber(v[0]), toNumber(v[1]));
      case "min":
        return minmax(v.map(toNumber), Math.min);
      case "max":
        return minmax(v.map(toNumber), Math.max);
      case "selected":
        return tokens(toString(v[0])).indexOf(trim(toString(v[1]))) >= 0;
      case "count-selected":
        return tokens(toString(v[0])).length;
      case "selected-at": {
        const toks = tokens(toString(v[0]));
        const k = intVal(toNumber(v[1]));
        if (Number.isNaN(k) || k < 0 || k >= toks.length) return "";
        return toks[k];
      }
      case "string-length":
        s = v.length ? toString(v[0]) : toString(xpathValue(ctx.current));
        return s.length;
      case "normalize-space":
        s = v.length ? toString(v[0]) : toString(xpathValue(ctx.current));
        return trim(s).replace(SPACES_RE, " ");
      case "contains":
        return toString(v[0]).indexOf(toString(v[1])) >= 0;
      case "starts-with":
        return toString(v[0]).startsWith(toString(v[1]));
      case "ends-with":
        return toString(v[0]).endsWith(toString(v[1]));
      case "substr":
        return substr(toString(v[0]), toNumber(v[1]), v.length > 2 ? toNumber(v[2]) : null);
      case "substring-before":
        s = toString(v[0]);
        t = toString(v[1]);
        i = s.indexOf(t);
        return i >= 0 ? s.slice(0, i) : "";
      case "substring-after":
        s = toString(v[0]);
        t = toString(v[1]);
        i = s.indexOf(t);
        return i >= 0 ? s.slice(i + t.length) : "";
      case "concat":
        return v.map(toString).join("");
      case "join":
        return v.slice(1).map(toString).join(toString(v[0]));
      case "regex":
        return regexMatch(toString(v[0]), toString(v[1]));
      case "today":
        return ctx.today;
      case "floor":
        return Math.floor(toNumber(v[0]));
      case "ceiling":
        return Math.ceil(toNumber(v[0]));
      case "sqrt":
        return Math.sqrt(toNumber(v[0]));
      case "exp":
        return Math.exp(toNumber(v[0]));
      case "exp10":
        return Math.pow(10, toNumber(v[0]));
      case "log":
        return Math.log(toNumber(v[0]));
      case "log10":
        return Math.log10(toNumber(v[0]));
      case "sin":
        return Math.sin(toNumber(v[0]));
      case "cos":
        return Math.cos(toNumber(v[0]));
      case "tan":
        return Math.tan(toNumber(v[0]));
      case "asin":
        return Math.asin(toNumber(v[0]));
      case "acos":
        return Math.acos(toNumber(v[0]));
      case "atan":
        return Math.atan(toNumber(v[0]));
      case "atan2":
        return Math.atan2(toNumber(v[0]), toNumber(v[1]));
      case "pi":
        return Math.PI;
      case "boolean-from-string":
        s = toString(v[0]);
        return s.toLowerCase() === "true" || s === "1";
      case "translate": {
        s = toString(v[0]);
        const src = toString(v[1]);
        const dst = toString(v[2]);
        let out = "";
        for (let j = 0; j < s.length; j++) {
          const k = src.indexOf(s[j]);
          if (k < 0) out += s[j];
          else if (k < dst.length) out += dst[k];
        }
        return out;
      }
      default:
        throw new ExprEvalError("Hàm " + name + "() chưa được hỗ trợ.");
    }
  }

  function todayText(today) {
    if (today === undefined || today === null) return isoDate(new Date());
    if (today instanceof Date) return isoDate(today);
    return String(today);
  }

  function evaluate(ast, values, opts) {
    const o = opts || {};
    const ctx = {
      values: values || {},
      current: o.current === undefined ? null : o.current,
      today: todayText(o.today),
      choice: o.choice || null,
    };
    return ev(ast, ctx);
  }

  function evaluateBool(ast, values, opts) {
    return toBoolean(evaluate(ast, values, opts));
  }

  function references(ast) {
    const out = new Set();
    (function walk(n) {
      if (n[0] === "ref") out.add(n[1]);
      else if (n[0] === "neg") walk(n[1]);
      else if (n[0] === "bin") {
        walk(n[2]);
        walk(n[3]);
      } else if (n[0] === "fn") n.slice(2).forEach(walk);
    })(ast);
    return Array.from(out);
  }

  // ---- form walk (mirror of khaosat.questionnaire.validate.FormLogic.walk) -------------

  // Stored value of a calculation result (validate.calc_value).
  function calcValue(v) {
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return null;
      return v;
    }
    if (v === "") return null;
    if (/^-?[0-9]+$/.test(v) && !/^-?0[0-9]/.test(v)) return parseInt(v, 10);
    return v;
  }

  function exprValue(item, value) {
    if (value === null || value === undefined) return "";
    if (item && item.select) {
      return Array.isArray(value) ? value.map(codeText).join(" ") : codeText(value);
    }
    return xpathValue(value);
  }

  /**
   * Relevance of every item and the calculations, in form order, as a person fills the form:
   * an item that is not relevant has its answer cleared before later items are evaluated.
   * `logic` is validate.logic_json(questionnaire); answers as stored (codes).
   * Returns {relevant: {name: bool}, calculations: {name: value}, values: {name: exprValue}}.
   */
  function walk(logic, answers, opts) {
    const o = opts || {};
    const today = todayText(o.today);
    const byName = {};
    logic.items.forEach(function (it) {
      byName[it.name] = it;
    });
    const values = {};
    Object.keys(answers || {}).forEach(function (k) {
      values[k] = exprValue(byName[k], answers[k]);
    });
    const relevant = {};
    const calculations = {};
    const ctx = { values: values, current: null, today: today, choice: null };
    logic.items.forEach(function (it) {
      let ok = it.groups.every(function (g) {
        return relevant[g] !== false;
      });
      if (ok && it.relevant) ok = toBoolean(ev(it.relevant, ctx));
      relevant[it.name] = ok;
      if (it.kind === "group") return;
      if (it.calculation) {
        const v = ok ? calcValue(ev(it.calculation, ctx)) : null;
        if (v === null) delete values[it.name];
        else {
          calculations[it.name] = v;
          values[it.name] = exprValue(it, v);
        }
      } else if (!ok) {
        delete values[it.name];
      }
    });
    return { relevant: relevant, calculations: calculations, values: values };
  }

  // Codes offered by a select item after its choice_filter (all when it has none).
  function allowedCodes(item, values, opts) {
    if (!item.choice_filter || !item.choice_rows) return null;
    const o = opts || {};
    return item.choice_rows
      .filter(function (cr) {
        return evaluateBool(item.choice_filter, values, { today: o.today, choice: cr.row });
      })
      .map(function (cr) {
        return cr.code;
      });
  }

  // Whether a relevant item must be answered (validate.FormLogic.is_required).
  function isRequired(item, values, opts) {
    const req = item.required;
    if (req === true) return true;
    if (!req || item.calculation) return false;
    return evaluateBool(req, values, { today: (opts || {}).today });
  }

  // Whether `value` (as stored) satisfies the item's constraint given walk(...).values.
  function constraintHolds(item, value, values, opts) {
    if (!item.constraint) return true;
    const o = opts || {};
    return evaluateBool(item.constraint, values, { today: o.today, current: exprValue(item, value) });
  }

  /**
   * The answers as a person sees them after a change: in form order, answers of items that are
   * no longer relevant are dropped and every calculation is recomputed (the server does the
   * same before validating: validate.prepare). Returns {answers, walk}.
   */
  function settle(logic, answers, opts) {
    const r = walk(logic, answers, opts);
    const out = {};
    Object.keys(answers || {}).forEach(function (k) {
      if (!(k in r.relevant)) out[k] = answers[k]; // not an item of the logic: the server judges
    });
    logic.items.forEach(function (it) {
      if (it.kind !== "question") return;
      if (it.calculation) {
        if (r.calculations[it.name] !== undefined) out[it.name] = r.calculations[it.name];
      } else if (r.relevant[it.name] && answers[it.name] !== undefined && answers[it.name] !== null) {
        out[it.name] = answers[it.name];
      }
    });
    return { answers: out, walk: r };
  }

  const api = {
    walk: walk,
    settle: settle,
    isRequired: isRequired,
    constraintHolds: constraintHolds,
    exprValue: exprValue,
    allowedCodes: allowedCodes,
    calcValue: calcValue,
    evaluate: evaluate,
    evaluateBool: evaluateBool,
    references: references,
    toString: toString,
    toNumber: toNumber,
    toBoolean: toBoolean,
    numberToString: numberToString,
    xpathValue: xpathValue,
    ExprEvalError: ExprEvalError,
  };
  root.KhaosatExpr = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
