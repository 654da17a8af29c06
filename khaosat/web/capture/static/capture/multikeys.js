/*
 * multikeys.js — how typed keys of a multiple-choice question are read, the same in every
 * question (mirror of khaosat/capture/multikeys.py; both pass tests/capture/multikey_cases.json).
 * Codes are separated by spaces or commas; digits typed together are split only when they
 * cannot mean anything else; a key that is not a code is refused with the reason, never dropped.
 */
(function (root) {
  "use strict";
  const SEP = /[\s,;]+/;

  function splits(token, known, limit) {
    const out = [];
    (function walk(rest, taken) {
      if (out.length >= limit) return;
      if (!rest) { out.push(taken.slice()); return; }
      for (let k = 1; k <= rest.length; k++) {
        const head = rest.slice(0, k);
        if (known.has(head) && taken.indexOf(head) < 0) {
          taken.push(head);
          walk(rest.slice(k), taken);
          taken.pop();
        }
      }
    })(token, []);
    return out;
  }

  function notACode(t, allowed) {
    return "«" + t + "» không phải mã của câu này (các mã: " + allowed.join(", ") + ").";
  }

  // -> {codes: [string], problem: string, joined: bool}
  function read(text, codes) {
    const allowed = codes.map(String);
    const known = new Set(allowed);
    text = text || "";
    const tokens = text.split(SEP).filter(Boolean);
    if (!tokens.length) return { codes: [], problem: "", joined: false };
    const separated = SEP.test(text);
    const out = [];
    let joined = false;
    for (const t of tokens) {
      let parts;
      if (separated) {
        if (!known.has(t)) return { codes: [], problem: notACode(t, allowed), joined: false };
        parts = [t];
      } else {
        let ways = splits(t, known, 3);
        if (!ways.length) {
          if (known.has(t)) ways = [[t]];
          else if (/^\d+$/.test(t) && t.length > 1) {
            return {
              codes: [], joined: false,
              problem: "«" + t + "» không đọc được thành các mã của câu này (các mã: " +
                allowed.join(", ") + "). Gõ các mã cách nhau bởi dấu cách.",
            };
          } else return { codes: [], problem: notACode(t, allowed), joined: false };
        }
        if (ways.length > 1) {
          const hint = known.has(t) ? ", hoặc «" + t + ",» nếu chỉ chọn mã " + t : "";
          return {
            codes: [], joined: false,
            problem: "«" + t + "» có thể đọc là «" + ways[0].join(" ") + "» hoặc «" +
              ways[1].join(" ") + "»: gõ các mã cách nhau bởi dấu cách" + hint + ".",
          };
        }
        parts = ways[0];
        joined = parts.length > 1;
      }
      for (const p of parts) if (out.indexOf(p) < 0) out.push(p);
    }
    return { codes: out, problem: "", joined: joined };
  }

  root.KhaosatMultiKeys = { read: read };
  if (typeof module !== "undefined") module.exports = root.KhaosatMultiKeys;
})(typeof window !== "undefined" ? window : globalThis);
