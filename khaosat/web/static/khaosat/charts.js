/* Draw khaosat chart specs (khaosat/report/charts.py) as inline SVG. No dependencies, offline.
 *
 *   <div data-khaosat-chart='{"type":"bar","title":"…","categories":[…],"series":[…],
 *        "values":[[45.5,null,…]],"n":[1234],"notes":["…"]}'></div>
 *   or a script element of type application/json with class "khaosat-chart" (replaced by the chart)
 *
 * KhaosatCharts.toSVG(spec) returns the SVG markup; KhaosatCharts.render(spec, element) puts it
 * in an element. Values are percentages 0..100; null means suppressed/not available and is
 * never drawn. Numbers use the Vietnamese decimal comma (45,5%). */
(function (root) {
  "use strict";

  var PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f"];
  var DIVERGING = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"];
  var FONT = "'Be Vietnam Pro','DejaVu Sans',Arial,sans-serif";

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function num(v, digits) {
    var d = digits === undefined ? 1 : digits;
    var neg = v < 0;
    var parts = Math.abs(v).toFixed(d).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var out = whole + (parts[1] ? "," + parts[1] : "");
    return (neg && /[1-9]/.test(out) ? "-" : "") + out;
  }

  function pct(v, digits) { return num(v, digits) + "%"; }

  function wrap(text, width) {
    var words = String(text).split(/\s+/), lines = [], line = "";
    words.forEach(function (w) {
      if ((line + " " + w).trim().length > width && line) { lines.push(line); line = w; }
      else { line = (line + " " + w).trim(); }
    });
    if (line) { lines.push(line); }
    return lines.length ? lines : [""];
  }

  function text(x, y, s, attrs) {
    return "<text x=\"" + x.toFixed(1) + "\" y=\"" + y.toFixed(1) + "\"" + (attrs || "") + ">" + esc(s) + "</text>";
  }

  function label(x, y, lines, anchor) {
    var out = "", dy = 12, start = y - ((lines.length - 1) * dy) / 2;
    lines.forEach(function (l, i) {
      out += text(x, start + i * dy, l, " text-anchor=\"" + anchor + "\" dominant-baseline=\"middle\"");
    });
    return out;
  }

  function toSVG(spec) {
    var W = 640, left = 210, right = 50, top = 34, rowH, rows, body = "", legend = [];
    var type = spec.type, cats = spec.categories || [], series = spec.series || [], values = spec.values || [];
    var notes = (spec.notes || []).slice();
    var plotW = W - left - right;
    if (type === "diverging") { legend = cats.map(function (c, k) { return [c, DIVERGING[k % DIVERGING.length]]; }); }
    if (type === "grouped") { legend = series.map(function (s, g) { return [s, PALETTE[g % PALETTE.length]]; }); }
    var legendSvg = "", lx = 8, ly = 30;
    legend.forEach(function (item) {
      var w = 24 + String(item[0]).length * 5.6;
      if (lx + w > W - 8 && lx > 8) { lx = 8; ly += 14; }
      legendSvg += "<rect x=\"" + lx + "\" y=\"" + ly + "\" width=\"10\" height=\"10\" fill=\"" + item[1] + "\"/>" +
        text(lx + 14, ly + 9, item[0], " font-size=\"10\"");
      lx += w;
    });
    if (legend.length) { top = ly + 22; }
    if (type === "diverging") {
      rows = series.length; rowH = 30;
      var mid = left + plotW / 2, scale = plotW / 200;
      values.forEach(function (vals, i) {
        var y = top + i * rowH, neg = 0, negCount = spec.negative || 2;
        for (var k = 0; k < negCount; k++) { neg += vals[k] || 0; }
        if (spec.neutral !== null && spec.neutral !== undefined) { neg += (vals[spec.neutral] || 0) / 2; }
        var x = mid - neg * scale;
        vals.forEach(function (v, k) {
          if (v === null || v === undefined) { return; }
          var w = v * scale;
          body += "<rect x=\"" + x.toFixed(1) + "\" y=\"" + (y + 4) + "\" width=\"" + w.toFixed(1) + "\" height=\"" + (rowH - 8) +
            "\" fill=\"" + DIVERGING[k % DIVERGING.length] + "\"><title>" + esc(series[i] + " — " + cats[k] + ": " + pct(v)) + "</title></rect>";
          if (v >= 6) { body += text(x + w / 2, y + rowH / 2 + 1, num(v, 0), " text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"10\""); }
          x += w;
        });
        body += label(left - 6, y + rowH / 2, wrap(series[i], 30), "end");
      });
      body += "<line x1=\"" + mid + "\" x2=\"" + mid + "\" y1=\"" + (top - 2) + "\" y2=\"" + (top + rows * rowH + 2) + "\" stroke=\"#333\"/>";
      [-100, -50, 0, 50, 100].forEach(function (t) {
        body += text(mid + t * scale, top + rows * rowH + 14, pct(Math.abs(t), 0), " text-anchor=\"middle\" font-size=\"10\"");
      });
    } else {
      var groups = type === "grouped" ? series.length : 1;
      var barH = type === "grouped" ? 14 : 20;
      rowH = groups * barH + 12; rows = cats.length;
      var max = 0;
      values.forEach(function (vals) { vals.forEach(function (v) { if (v !== null && v > max) { max = v; } }); });
      var xmax = Math.min(100, Math.max(10, Math.ceil((max * 1.15) / 10) * 10));
      var sx = plotW / xmax;
      cats.forEach(function (c, i) {
        var y = top + i * rowH;
        for (var g = 0; g < groups; g++) {
          var v = values[g] ? values[g][i] : null, yy = y + 6 + g * barH;
          if (v === null || v === undefined) {
            body += text(left + 4, yy + barH / 2, "–", " dominant-baseline=\"middle\" font-size=\"10\"");
            continue;
          }
          body += "<rect x=\"" + left + "\" y=\"" + yy + "\" width=\"" + (v * sx).toFixed(1) + "\" height=\"" + (barH - 2) +
            "\" fill=\"" + PALETTE[g % PALETTE.length] + "\"><title>" + esc((groups > 1 ? series[g] + " — " : "") + c + ": " + pct(v)) + "</title></rect>";
          body += text(left + v * sx + 4, yy + barH / 2, pct(v), " dominant-baseline=\"middle\" font-size=\"10\"");
        }
        body += label(left - 6, y + rowH / 2, wrap(c, 30), "end");
      });
      body += "<line x1=\"" + left + "\" x2=\"" + left + "\" y1=\"" + (top - 2) + "\" y2=\"" + (top + rows * rowH) + "\" stroke=\"#333\"/>";
      for (var t = 0; t <= xmax; t += xmax > 50 ? 20 : 10) {
        body += text(left + t * sx, top + rows * rowH + 14, pct(t, 0), " text-anchor=\"middle\" font-size=\"10\"");
      }
    }
    var y0 = top + rows * rowH + 30, noteSvg = "";
    notes.forEach(function (n) {
      wrap(n, 110).forEach(function (l) { noteSvg += text(8, y0, l, " font-size=\"10\" fill=\"#444\""); y0 += 13; });
    });
    var H = y0 + 4;
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"khaosat-chart\" role=\"img\" viewBox=\"0 0 " + W + " " + H +
      "\" width=\"100%\" font-family=\"" + FONT + "\" font-size=\"11\"><title>" + esc(spec.title || "") + "</title>" +
      text(8, 18, spec.title || "", " font-weight=\"bold\" font-size=\"13\"") + legendSvg + body + noteSvg + "</svg>";
  }

  function render(spec, el) {
    el.innerHTML = toSVG(spec);
    return el.firstChild;
  }

  function renderAll(scope) {
    var doc = scope || document;
    doc.querySelectorAll("[data-khaosat-chart]").forEach(function (el) {
      try { render(JSON.parse(el.getAttribute("data-khaosat-chart")), el); }
      catch (e) { el.textContent = "Không vẽ được biểu đồ: dữ liệu biểu đồ không hợp lệ."; }
    });
    doc.querySelectorAll("script.khaosat-chart[type='application/json']").forEach(function (s) {
      var div = document.createElement("div");
      try { render(JSON.parse(s.textContent), div); }
      catch (e) { div.textContent = "Không vẽ được biểu đồ: dữ liệu biểu đồ không hợp lệ."; }
      s.parentNode.replaceChild(div, s);
    });
  }

  var api = { toSVG: toSVG, render: render, renderAll: renderAll, formatNumber: num, formatPercent: pct };
  root.KhaosatCharts = api;
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (typeof document !== "undefined") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  }
})(typeof window !== "undefined" ? window : this);
