/* ml_monitor report: draws every chart from the page's JSON blob as SVG.
 *
 * Values from the data only ever reach the page through textContent and setAttribute,
 * never as HTML. Five generic charts (lineChart, heatmap, scatter, barChart, timeline) serve
 * every section. Errors and the number of charts drawn are recorded on #render-status, so a
 * headless browser (and a curious user) can tell whether the page rendered.
 */
(function () {
  "use strict";

  // --- render status: every error, uncaught or logged, is counted -----------------------
  const status = document.getElementById("render-status");
  const errors = [];
  function fail(message) {
    errors.push(String(message));
    status.dataset.errors = String(errors.length);
    status.textContent = errors.join("\n");
  }
  window.addEventListener("error", (event) => fail(event.message));
  const consoleError = console.error.bind(console);
  console.error = (...args) => { fail(args.join(" ")); consoleError(...args); };

  const D = JSON.parse(document.getElementById("report-data").textContent);
  const S = D.settings;
  const SVG_NS = "http://www.w3.org/2000/svg";  // a namespace name, not a URL the page loads
  const WIDTH = 880;
  const ACCENT = "#2f6fde", MUTED = "#616e7c", CRITICAL = "#d64545", WARNING = "#e6a100";
  const REFERENCE = "#9aa5b1", POSITIVE = "#2f6fde", NEGATIVE = "#e8762c";
  const PALETTE = ["#2f6fde", "#e8762c", "#3f9142", "#8e6cc9", "#d45fa8", "#1aa3b8", "#8c564b",
                   "#b5a300", "#d64545", "#4a5fc1", "#7f9d1c", "#5f6b7a", "#c2417a"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const STEP = { hour: 3600e3, day: 86400e3, week: 7 * 86400e3 };
  const ALL = D.all, ALL_COHORT = `${ALL}=${ALL}`;
  const state = { model: D.models[0] };

  // --- DOM and data helpers -----------------------------------------------------------
  function make(node, attrs, parent, text) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(key, String(value));
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (parent) parent.appendChild(node);
    return node;
  }
  const svg = (tag, attrs, parent, text) => make(document.createElementNS(SVG_NS, tag), attrs, parent, text);
  const html = (tag, attrs, parent, text) => make(document.createElement(tag), attrs, parent, text);

  function rows(frame) {  // {column: values} -> [{column: value}]
    if (!frame) return [];
    const keys = Object.keys(frame), n = keys.length ? frame[keys[0]].length : 0, out = [];
    for (let i = 0; i < n; i++) {
      const row = {};
      for (const key of keys) row[key] = frame[key][i];
      out.push(row);
    }
    return out;
  }
  // Section data is nested by model, then by keys (e.g. cohort, class), with columns at the leaves.
  const sectionData = (id, key) => ((D.sections[id] || {})[key] || {})[state.model];
  function flat(node, names) {  // a tree as rows, each carrying its keys
    if (!names.length) return rows(node);
    const out = [];
    for (const [key, child] of Object.entries(node || {})) {
      for (const row of flat(child, names.slice(1))) { row[names[0]] = key; out.push(row); }
    }
    return out;
  }
  const modelRows = (id, key, names) => flat(sectionData(id, key), names || []);
  const time = (iso) => Date.parse(iso);
  const unique = (list) => [...new Set(list)];
  const byNumber = (a, b) => a - b;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const max = (values, floor) => values.reduce((m, v) => (v != null && v > m ? v : m), floor);
  function groupBy(list, key) {
    const groups = new Map();
    for (const row of list) {
      const k = typeof key === "function" ? key(row) : row[key];
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(row);
    }
    return groups;
  }

  // report.py's _number writes the same: three significant digits, thousands grouped, an
  // exponent only below 1e-4
  function fmt(v, digits) {
    if (v === null || v === undefined) return "–";
    if (typeof v !== "number") return String(v);
    const a = Math.abs(v);
    if (a >= 1000 || Number.isInteger(v)) return Math.round(v).toLocaleString("en-US");
    if (a < 1e-4) return v.toExponential(2);
    return String(+v.toPrecision(digits || 3));
  }
  const pct = (v) => (v == null ? "–" : (100 * v).toFixed(Math.abs(v) < 0.1 ? 1 : 0) + "%");
  function dateLabel(t, withYear) {
    const d = new Date(t);
    const day = MONTHS[d.getUTCMonth()] + " " + String(d.getUTCDate()).padStart(2, "0");
    if (S.grain === "hour") return day + " " + String(d.getUTCHours()).padStart(2, "0") + "h";
    return withYear ? day + " " + d.getUTCFullYear() : day;
  }
  const cohortLabel = (key) => (key === ALL_COHORT ? "all predictions" : key.replace("=", " = "));
  const classLabel = (name) => (name === ALL ? "all classes" : name);
  const allFirst = (a, b) => (a.startsWith(ALL) ? -1 : b.startsWith(ALL) ? 1 : a.localeCompare(b));

  // Every bucket from the first to the last, so that gaps in the data show as gaps.
  function bucketRange(times) {
    const sorted = unique(times).sort(byNumber), step = STEP[S.grain];
    if (!step || sorted.length < 2 || (sorted[sorted.length - 1] - sorted[0]) / step > 5000) return sorted;
    const out = [];
    for (let t = sorted[0]; t <= sorted[sorted.length - 1]; t += step) out.push(t);
    return out;
  }

  // One color per class across every chart: classes in name order over the palette.
  const CLASS_COLORS = (() => {
    const names = new Set();
    const collect = (node, depth) => {  // the keys `depth` levels below a model are classes
      for (const child of Object.values(node || {})) {
        if (depth) collect(child, depth - 1);
        else Object.keys(child || {}).forEach((name) => names.add(name));
      }
    };
    for (const [id, key, depth] of [["class-mix", "shares", 0], ["confidence", "rows", 1], ["threshold-bands", "counts", 0],
                                    ["performance", "measured", 0], ["embeddings", "points", 0], ["explanations", "classes", 0]]) {
      collect((D.sections[id] || {})[key], depth);
    }
    names.delete(ALL);
    return new Map([...names].sort().map((name, i) => [name, PALETTE[i % PALETTE.length]]));
  })();
  const classColor = (name) => (name === ALL ? "#102a43" : CLASS_COLORS.get(name) || MUTED);

  function shade(hex, f) {  // hex mixed from a light grey (f = 0) to the full color (f = 1)
    const c = parseInt(hex.slice(1), 16), base = [241, 244, 248];
    const rgb = [(c >> 16) & 255, (c >> 8) & 255, c & 255].map((v, i) => Math.round(base[i] + (v - base[i]) * clamp(f, 0, 1)));
    return `rgb(${rgb.join(",")})`;
  }

  // --- tooltip ---------------------------------------------------------------------------
  const tip = document.getElementById("tooltip");
  function showTip(event, text) {
    tip.textContent = text;
    tip.hidden = false;
    const x = event.clientX + 14, y = event.clientY + 14;
    tip.style.left = Math.min(x, window.innerWidth - tip.offsetWidth - 8) + "px";
    tip.style.top = Math.min(y, window.innerHeight - tip.offsetHeight - 8) + "px";
  }
  const hideTip = () => { tip.hidden = true; };
  function withTip(node, text) {
    node.addEventListener("mousemove", (event) => showTip(event, text));
    node.addEventListener("mouseleave", hideTip);
    return node;
  }

  // --- chart scaffolding --------------------------------------------------------------------
  function figure(host, title, subtitle) {
    const fig = html("figure", { class: "chart" }, host);
    const caption = html("figcaption", {}, fig, title);
    if (subtitle) html("small", {}, caption, subtitle);
    return fig;
  }
  function legend(fig, items) {  // items: {name, color, kind: line | dash | band | dot | box}
    const box = html("div", { class: "legend" }, fig);
    for (const item of items) {
      const entry = html("span", { class: "legend-item" }, box);
      html("span", { class: "swatch " + item.kind, style: `--c: ${item.color}` }, entry);
      entry.appendChild(document.createTextNode(item.name));
    }
  }
  function canvas(fig, height, margin, width) {
    // drawn at the figure's own pixel width, so text keeps its size in narrow grid cells
    width = width || Math.round(fig.clientWidth) || WIDTH;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart-svg", role: "img" }, fig);
    return { root, width, left: margin.left, right: width - margin.right, top: margin.top,
             bottom: height - margin.bottom, marks: 0 };
  }
  function finish(c) { c.root.setAttribute("data-marks", String(c.marks)); }
  function empty(c, message) {
    svg("text", { x: (c.left + c.right) / 2, y: (c.top + c.bottom) / 2, "text-anchor": "middle", class: "empty-text" },
        c.root, message || "no data for this selection");
    finish(c);
  }
  function scale(d0, d1, r0, r1) {
    const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
    return (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + (v - d0) * k);
  }
  function niceTicks(lo, hi, count) {
    const span = hi - lo || Math.abs(hi) || 1;
    let step = Math.pow(10, Math.floor(Math.log10(span / count)));
    const ratio = span / count / step;
    step *= ratio >= 7.5 ? 10 : ratio >= 3.5 ? 5 : ratio >= 1.5 ? 2 : 1;
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toFixed(10));
    return ticks;
  }
  function yAxis(c, y, ticks, format, label) {
    const g = svg("g", { class: "axis" }, c.root);
    for (const v of ticks) {
      svg("line", { x1: c.left, x2: c.right, y1: y(v), y2: y(v), class: "grid-line" }, g);
      svg("text", { x: c.left - 6, y: y(v) + 4, "text-anchor": "end" }, g, format(v));
    }
    if (label) svg("text", { transform: `translate(12 ${(c.top + c.bottom) / 2}) rotate(-90)`, "text-anchor": "middle" }, g, label);
  }
  function timeAxis(c, x, times) {
    const g = svg("g", { class: "axis" }, c.root);
    svg("line", { x1: c.left, x2: c.right, y1: c.bottom, y2: c.bottom }, g);
    const sorted = unique(times).sort(byNumber), every = Math.max(1, Math.ceil(sorted.length / 9));
    sorted.forEach((t, i) => {
      if (i % every) return;
      svg("line", { x1: x(t), x2: x(t), y1: c.bottom, y2: c.bottom + 4 }, g);
      svg("text", { x: x(t), y: c.bottom + 16, "text-anchor": "middle" }, g, dateLabel(t));
    });
  }
  function linePath(points, x, y) {  // a null value lifts the pen: gaps stay gaps
    let d = "", pen = false;
    for (const [t, v] of points) {
      if (v === null || v === undefined) { pen = false; continue; }
      d += (pen ? "L" : "M") + x(t).toFixed(1) + " " + y(v).toFixed(1);
      pen = true;
    }
    return d;
  }
  function bandPath(points, x, y) {
    let d = "", run = [];
    const close = () => {
      if (run.length) {
        const upper = run.map(([t, , hi]) => x(t).toFixed(1) + " " + y(hi).toFixed(1));
        const lower = run.slice().reverse().map(([t, lo]) => x(t).toFixed(1) + " " + y(lo).toFixed(1));
        d += "M" + upper.concat(lower).join("L") + "Z";
      }
      run = [];
    };
    for (const p of points) (p[1] == null || p[2] == null ? close() : run.push(p));
    close();
    return d;
  }

  // --- line chart: series, bands, markers and reference lines over time -------------------
  // spec: {title, subtitle, series: [{name, color, points: [[t, y]], dash}],
  //        bands: [{name, color, points: [[t, lo, hi]]}], markers: [{name, color, points: [[t, y, note]]}],
  //        refs: [{name, y, color}], yLabel, yDomain, format}
  function lineChart(host, spec) {
    const series = spec.series || [], bands = spec.bands || [], markers = spec.markers || [], refs = spec.refs || [];
    const format = spec.format || fmt;
    const fig = figure(host, spec.title, spec.subtitle);
    legend(fig, [
      ...bands.map((b) => ({ name: b.name, color: b.color, kind: "band" })),
      ...series.map((s) => ({ name: s.name, color: s.color, kind: s.dash ? "dash" : "line" })),
      ...markers.map((m) => ({ name: m.name, color: m.color, kind: "dot" })),
      ...refs.filter((r) => r.name).map((r) => ({ name: r.name, color: r.color, kind: "dash" })),
    ]);
    const c = canvas(fig, spec.height || 250, { left: 58, right: 18, top: 10, bottom: 26 });
    const times = [], values = [];
    for (const s of series) for (const [t, v] of s.points) if (v != null) { times.push(t); values.push(v); }
    for (const b of bands) for (const [t, lo, hi] of b.points) if (lo != null && hi != null) { times.push(t); values.push(lo, hi); }
    if (!times.length) return empty(c);
    for (const r of refs) if (r.y != null) values.push(r.y);
    let [lo, hi] = spec.yDomain || [Math.min(...values), Math.max(...values)];
    if (!spec.yDomain) {
      const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 0.1;
      [lo, hi] = [lo - pad, hi + pad];
    }
    const x = scale(Math.min(...times), Math.max(...times), c.left, c.right), y = scale(lo, hi, c.bottom, c.top);
    yAxis(c, y, niceTicks(lo, hi, 5), format, spec.yLabel);
    timeAxis(c, x, times);
    for (const b of bands) {
      svg("path", { d: bandPath(b.points, x, y), fill: b.color, "fill-opacity": 0.16, stroke: "none" }, c.root);
      c.marks++;
    }
    for (const r of refs) {
      if (r.y == null) continue;
      svg("line", { x1: c.left, x2: c.right, y1: y(r.y), y2: y(r.y), stroke: r.color, "stroke-dasharray": "5 4",
                    "stroke-width": 1.2, opacity: 0.8 }, c.root);
    }
    for (const s of series) {
      svg("path", { d: linePath(s.points, x, y), fill: "none", stroke: s.color, "stroke-width": s.dash ? 1.5 : 2,
                    "stroke-dasharray": s.dash ? "5 4" : null, "stroke-linejoin": "round" }, c.root);
      c.marks++;
    }
    for (const m of markers) {
      for (const [t, v] of m.points) {
        svg("circle", { cx: x(t), cy: y(v), r: 4.5, fill: m.color, stroke: "#fff", "stroke-width": 1.5 }, c.root);
        c.marks++;
      }
    }
    hover(c, times, x, (t) => describe(t, spec, format));
    finish(c);
  }
  function describe(t, spec, format) {  // the tooltip of a line chart at time t
    const lines = [dateLabel(t, true)];
    const at = (points) => points.find((p) => p[0] === t);
    for (const b of spec.bands || []) { const p = at(b.points); if (p && p[1] != null) lines.push(`${b.name}: ${format(p[1])} – ${format(p[2])}`); }
    for (const s of spec.series || []) { const p = at(s.points); if (p && p[1] != null) lines.push(`${s.name}: ${format(p[1])}`); }
    for (const m of spec.markers || []) { const p = at(m.points); if (p) lines.push(`● ${m.name}${p[2] ? ": " + p[2] : ""}`); }
    return lines.join("\n");
  }
  function hover(c, times, x, text) {
    const sorted = unique(times).sort(byNumber);
    const guide = svg("line", { y1: c.top, y2: c.bottom, stroke: MUTED, "stroke-dasharray": "2 3", visibility: "hidden" }, c.root);
    const overlay = svg("rect", { x: c.left, y: c.top, width: c.right - c.left, height: c.bottom - c.top, fill: "transparent" }, c.root);
    overlay.addEventListener("mousemove", (event) => {
      const box = c.root.getBoundingClientRect(), px = (event.clientX - box.left) * (c.width / box.width);
      const t = sorted.reduce((best, v) => (Math.abs(x(v) - px) < Math.abs(x(best) - px) ? v : best), sorted[0]);
      guide.setAttribute("x1", x(t));
      guide.setAttribute("x2", x(t));
      guide.setAttribute("visibility", "visible");
      showTip(event, text(t));
    });
    overlay.addEventListener("mouseleave", () => { guide.setAttribute("visibility", "hidden"); hideTip(); });
  }

  // --- heatmap: a value per (x, y) cell --------------------------------------------------------
  // spec: {title, subtitle, xs, ys, xTime, xFormat, yFormat, cells: [{x, y, v, color, flag, tip}],
  //        max, color, sqrt, lines: [{at, label}], valueFormat, flagName}
  function heatmap(host, spec) {
    const fig = figure(host, spec.title, spec.subtitle);
    const yFormat = spec.yFormat || String, xFormat = spec.xFormat || (spec.xTime ? dateLabel : String);
    const valueFormat = spec.valueFormat || fmt, color = spec.color || ACCENT;
    const steps = [0, 0.25, 0.5, 0.75, 1];
    legend(fig, [
      ...steps.map((f) => ({ name: valueFormat(spec.max * (spec.sqrt ? f * f : f)), color: shade(color, f), kind: "box" })),
      ...(spec.flagName ? [{ name: spec.flagName, color: "#102a43", kind: "outline" }] : []),
    ]);
    const labels = spec.ys.map((v) => { const s = yFormat(v); return s.length > 28 ? s.slice(0, 27) + "…" : s; });
    const left = Math.min(210, 16 + Math.max(4, ...labels.map((s) => s.length)) * 6.3);
    const rowH = spec.rowHeight || clamp(Math.floor(240 / Math.max(1, spec.ys.length)), 14, 26);
    const c = canvas(fig, 12 + rowH * spec.ys.length + 30, { left, right: spec.lines ? 70 : 12, top: 6, bottom: 30 });
    if (!spec.cells.length || !spec.xs.length) return empty(c);
    const xi = new Map(spec.xs.map((k, i) => [k, i])), yi = new Map(spec.ys.map((k, i) => [k, i]));
    const cw = (c.right - c.left) / spec.xs.length;
    spec.ys.forEach((key, j) => {
      const label = svg("text", { x: c.left - 6, y: c.top + (j + 0.5) * rowH + 4, "text-anchor": "end" }, c.root, labels[j]);
      if (labels[j] !== yFormat(key)) svg("title", {}, label, yFormat(key));
    });
    const every = Math.max(1, Math.ceil(spec.xs.length / (spec.xTime ? 9 : 14)));
    spec.xs.forEach((key, i) => {
      if (i % every) return;
      svg("text", { x: c.left + (i + 0.5) * cw, y: c.bottom + 16, "text-anchor": "middle" }, c.root, xFormat(key));
    });
    for (const cell of spec.cells) {
      const i = xi.get(cell.x), j = yi.get(cell.y);
      if (i === undefined || j === undefined || cell.v == null) continue;
      const f = clamp(cell.v / (spec.max || 1), 0, 1);
      const rect = svg("rect", {
        x: c.left + i * cw + 0.5, y: c.top + j * rowH + 0.5, width: Math.max(cw - 1, 0.6), height: rowH - 1, rx: 1.5,
        fill: shade(cell.color || color, spec.sqrt ? Math.sqrt(f) : f),
        stroke: cell.flag ? "#102a43" : null, "stroke-width": cell.flag ? 1.4 : null,
      }, c.root);
      withTip(rect, cell.tip);
      c.marks++;
    }
    for (const line of spec.lines || []) {
      const ly = c.top + line.at * rowH;
      svg("line", { x1: c.left - 2, x2: c.right + 4, y1: ly, y2: ly, stroke: CRITICAL, "stroke-width": 1.6 }, c.root);
      svg("text", { x: c.right + 8, y: ly + 4, class: "ref-label", fill: CRITICAL }, c.root, line.label);
    }
    finish(c);
  }

  // --- scatter: point clouds, one color per group --------------------------------------------
  // spec: {title, subtitle, groups: [{name, color, opacity, points: [[x, y]]}]}
  function scatter(host, spec) {
    const fig = figure(host, spec.title, spec.subtitle);
    const c = canvas(fig, 280, { left: 2, right: 2, top: 4, bottom: 4 });
    const all = spec.groups.flatMap((g) => g.points);
    if (!all.length) return empty(c);
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
    const x = scale(Math.min(...xs), Math.max(...xs), c.left + 6, c.right - 6);
    const y = scale(Math.min(...ys), Math.max(...ys), c.bottom - 6, c.top + 6);
    svg("rect", { x: c.left, y: c.top, width: c.right - c.left, height: c.bottom - c.top, fill: "none", stroke: "#e4e7eb" }, c.root);
    for (const group of spec.groups) {
      const g = svg("g", { fill: group.color, "fill-opacity": group.opacity }, c.root);
      for (const [px, py] of group.points) { svg("circle", { cx: x(px).toFixed(1), cy: y(py).toFixed(1), r: 2.1 }, g); c.marks++; }
    }
    finish(c);
  }

  // --- bar chart: horizontal bars, signed values, optional tick and reference line -------------
  // spec: {title, subtitle, bars: [{label, value, color, mark, tip}], format, ref: {value, name}}
  function barChart(host, spec) {
    const fig = figure(host, spec.title, spec.subtitle);
    const format = spec.format || fmt, bars = spec.bars;
    const labels = bars.map((b) => (b.label.length > 30 ? b.label.slice(0, 29) + "…" : b.label));
    const left = Math.min(230, 16 + Math.max(4, ...labels.map((s) => s.length)) * 6.3), rowH = 20;
    const c = canvas(fig, 18 + rowH * bars.length + 24, { left, right: 12, top: 16, bottom: 24 });
    if (!bars.length) return empty(c);
    const values = [0, ...bars.map((b) => b.value), ...bars.map((b) => b.mark), spec.ref && spec.ref.value].filter((v) => v != null);
    let lo = Math.min(...values), hi = Math.max(...values);
    if (lo === hi) hi = lo + 1;
    const room = (hi - lo) * 0.16;  // space for the value labels at the bars' ends
    [lo, hi] = [lo < 0 ? lo - room : lo, hi > 0 ? hi + room : hi];
    const x = scale(lo, hi, c.left, c.right);
    const g = svg("g", { class: "axis" }, c.root);
    for (const v of niceTicks(lo, hi, 4)) {
      svg("line", { x1: x(v), x2: x(v), y1: c.top, y2: c.bottom, class: "grid-line" }, g);
      svg("text", { x: x(v), y: c.bottom + 15, "text-anchor": "middle" }, g, format(v));
    }
    bars.forEach((bar, j) => {
      const top = c.top + j * rowH;
      svg("text", { x: c.left - 6, y: top + rowH / 2 + 4, "text-anchor": "end" }, c.root, labels[j]);
      if (bar.value == null) return;
      const x0 = x(Math.min(0, bar.value)), x1 = x(Math.max(0, bar.value));
      const rect = svg("rect", { x: x0, y: top + 3, width: Math.max(x1 - x0, 1), height: rowH - 6, rx: 2, fill: bar.color || ACCENT }, c.root);
      withTip(rect, bar.tip || `${bar.label}: ${format(bar.value)}`);
      svg("text", { x: bar.value < 0 ? x0 - 4 : x1 + 4, y: top + rowH / 2 + 4, "text-anchor": bar.value < 0 ? "end" : "start" },
          c.root, format(bar.value));
      if (bar.mark != null) svg("line", { x1: x(bar.mark), x2: x(bar.mark), y1: top + 1, y2: top + rowH - 1, stroke: "#102a43", "stroke-width": 2 }, c.root);
      c.marks++;
    });
    svg("line", { x1: x(0), x2: x(0), y1: c.top, y2: c.bottom, stroke: "#9aa5b1" }, c.root);
    if (spec.ref && spec.ref.value != null) {
      svg("line", { x1: x(spec.ref.value), x2: x(spec.ref.value), y1: c.top - 4, y2: c.bottom, stroke: CRITICAL, "stroke-dasharray": "5 4" }, c.root);
      svg("text", { x: x(spec.ref.value), y: c.top - 6, "text-anchor": "middle", class: "ref-label", fill: CRITICAL }, c.root, spec.ref.name);
    }
    finish(c);
  }

  // --- timeline: one bar per row from its first bucket to the end of its last ------------------
  // spec: {title, subtitle, legend, times (the axis' buckets), rows: [{label, start, end, color, open, href, tip}]}
  function timeline(host, spec) {
    const fig = figure(host, spec.title, spec.subtitle);
    legend(fig, spec.legend);
    const labels = spec.rows.map((r) => (r.label.length > 48 ? r.label.slice(0, 47) + "…" : r.label));
    const left = Math.min(320, 16 + Math.max(4, ...labels.map((s) => s.length)) * 6.3), rowH = 22;
    const c = canvas(fig, 10 + rowH * spec.rows.length + 30, { left, right: 44, top: 6, bottom: 30 });
    const times = bucketRange(spec.times), step = STEP[S.grain] || 0;
    const x = scale(times[0], times[times.length - 1] + step, c.left, c.right);
    timeAxis(c, x, times);
    spec.rows.forEach((row, j) => {
      const mid = c.top + j * rowH + rowH / 2, link = svg("a", { href: row.href }, c.root);
      const label = svg("text", { x: c.left - 8, y: mid + 4, "text-anchor": "end" }, link, labels[j]);
      if (labels[j] !== row.label) svg("title", {}, label, row.label);
      const x0 = x(row.start), x1 = Math.max(x(row.end + step), x0 + 4);
      withTip(svg("rect", { x: x0, y: mid - rowH / 2 + 4, width: x1 - x0, height: rowH - 8, rx: 3, fill: row.color }, link), row.tip);
      // an open incident runs on: an arrowhead past its last bucket
      if (row.open) svg("path", { d: `M${x1 + 2} ${mid - 6}L${x1 + 9} ${mid}L${x1 + 2} ${mid + 6}Z`, fill: row.color }, link);
      c.marks++;
    });
    finish(c);
  }

  // --- controls ---------------------------------------------------------------------------------
  function controls(host, items) {  // items: {label, options: [[value, text]], value, change}
    const bar = html("div", { class: "controls" }, host);
    for (const item of items) {
      const label = html("label", { class: "control" }, bar, item.label);
      const select = html("select", {}, label);
      for (const [value, text] of item.options) html("option", { value }, select, text);
      select.value = item.value;
      select.addEventListener("change", () => item.change(select.value));
    }
  }
  const pick = (value, options) => (options.includes(value) ? value : options[0]);

  // --- sections -----------------------------------------------------------------------------------
  const axisTimes = () => (D.axis || []).filter((t) => t).map(time);  // the report's first and last bucket

  function incidents(host) {
    const all = D.sections.incidents.timeline || [];  // every model's: the model selection hides none
    const dated = all.filter((r) => r.onset), standing = all.filter((r) => !r.onset);
    const several = unique(all.map((r) => r.model_id)).length > 1;
    const name = (r) => (several ? `${r.model_id}: ${r.findings}` : r.findings);
    const color = (r) => (r.severity === "critical" ? CRITICAL : WARNING);
    if (dated.length) {
      timeline(host, {
        title: "Timeline", subtitle: "from onset to the end of the last alerting bucket, ▸ still open; click one for its details",
        legend: [{ name: "critical", color: CRITICAL, kind: "box" }, { name: "warning", color: WARNING, kind: "box" }],
        times: [...axisTimes(), ...dated.flatMap((r) => [time(r.onset), time(r.last_bucket)])],
        rows: dated.map((r) => ({ label: name(r), start: time(r.onset), end: time(r.last_bucket), color: color(r),
          open: r.status === "open", href: `#incident-${r.incident_id}`,
          tip: `${r.title}\n${r.severity}, ${r.status}\n${dateLabel(time(r.onset), true)} – ${dateLabel(time(r.last_bucket), true)}` })),
      });
    }
    if (!standing.length) return;
    const box = html("p", { class: "standing" }, host, "Standing (no onset): ");
    for (const r of standing) {
      const link = html("a", { href: `#incident-${r.incident_id}` }, box);
      html("span", { class: `badge ${r.severity}` }, link, r.severity);
      link.appendChild(document.createTextNode(" " + name(r)));
    }
  }

  function alerts(host) {
    const data = modelRows("alerts", "heat", ["alert_type"]);
    const xs = bucketRange([...axisTimes(), ...data.map((r) => time(r.bucket_start))]);
    heatmap(host, {
      title: "Alerts per bucket", subtitle: "red: at least one critical alert, amber: warnings only",
      xs, xTime: true, ys: unique(data.map((r) => r.alert_type)).sort(), sqrt: true,
      max: max(data.map((r) => r.n), 1), color: WARNING, valueFormat: (v) => fmt(Math.round(v)),
      cells: data.map((r) => ({
        x: time(r.bucket_start), y: r.alert_type, v: r.n, color: r.n_critical ? CRITICAL : WARNING,
        tip: `${r.alert_type}\n${dateLabel(time(r.bucket_start), true)}\n${r.n} alerts, ${r.n_critical} critical`,
      })),
    });
  }

  function confidence(host) {
    const all = modelRows("confidence", "rows", ["cohort", "predicted_class"]), window = D.sections.confidence.window;
    const cohorts = unique(all.map((r) => r.cohort)).sort(allFirst), classes = unique(all.map((r) => r.predicted_class)).sort(allFirst);
    const st = (state.confidence = state.confidence || { cohort: ALL_COHORT, cls: ALL });
    st.cohort = pick(st.cohort, cohorts);
    st.cls = pick(st.cls, classes);
    const plot = () => {
      grid.replaceChildren();
      const rs = all.filter((r) => r.cohort === st.cohort && r.predicted_class === st.cls).map((r) => ({ ...r, t: time(r.bucket_start) }));
      const where = `${cohortLabel(st.cohort)}, ${classLabel(st.cls)}`;
      lineChart(grid, {
        title: "Mean confidence", subtitle: where, yLabel: "confidence",
        bands: [{ name: `expected: baseline ± ${S.z} sd of bucket means`, color: ACCENT,
                  points: rs.map((r) => [r.t, ...(r.baseline_mean == null || r.baseline_stddev == null ? [null, null]
                    : [r.baseline_mean - S.z * r.baseline_stddev, r.baseline_mean + S.z * r.baseline_stddev])]) }],
        series: [
          { name: "bucket mean", color: ACCENT, points: rs.map((r) => [r.t, r.mean_confidence]) },
          ...(window ? [{ name: `rolling mean (${window} buckets)`, color: MUTED, dash: true, points: rs.map((r) => [r.t, r.rolling_mean]) }] : []),
        ],
        markers: [{ name: "anomaly", color: CRITICAL,
                    points: rs.filter((r) => r.is_anomaly).map((r) => [r.t, r.mean_confidence, `z = ${fmt(r.z_score)}, n = ${fmt(r.n)}`]) }],
      });
      lineChart(grid, {
        title: "Spread of confidences", subtitle: where, yLabel: "confidence",
        bands: [{ name: "p10 – p90", color: "#8e6cc9", points: rs.map((r) => [r.t, r.p10_confidence, r.p90_confidence]) }],
        series: [{ name: "median", color: "#8e6cc9", points: rs.map((r) => [r.t, r.p50_confidence]) },
                 { name: "mean", color: ACCENT, dash: true, points: rs.map((r) => [r.t, r.mean_confidence]) }],
      });
    };
    controls(host, [
      { label: "cohort", options: cohorts.map((k) => [k, cohortLabel(k)]), value: st.cohort, change: (v) => { st.cohort = v; plot(); } },
      { label: "class", options: classes.map((k) => [k, classLabel(k)]), value: st.cls, change: (v) => { st.cls = v; plot(); } },
    ]);
    const grid = html("div", { class: "grid two" }, host);
    plot();
  }

  function classMix(host) {
    const shares = modelRows("class-mix", "shares", ["predicted_class"]), drift = modelRows("class-mix", "drift", ["cohort"]);
    const classes = unique(shares.map((r) => r.predicted_class)).sort();
    const reference = new Map(shares.filter((r) => r.reference_share != null).map((r) => [r.predicted_class, r.reference_share]));
    const grid = html("div", { class: "grid two" }, host);
    lineChart(grid, {
      title: "Share of predictions per class", subtitle: "dashed: share in the training data", yLabel: "share", format: pct,
      series: classes.map((k) => ({ name: k, color: classColor(k),
                                    points: shares.filter((r) => r.predicted_class === k).map((r) => [time(r.bucket_start), r.share]) })),
      refs: classes.map((k) => ({ y: reference.get(k), color: classColor(k) })),
    });
    if (!drift.length) return;
    const overall = drift.filter((r) => r.cohort === ALL_COHORT).map((r) => ({ ...r, t: time(r.bucket_start) }));
    lineChart(grid, {
      title: "Class drift against the training mix", subtitle: "all predictions", yLabel: "statistic",
      series: [{ name: "PSI", color: "#e8762c", points: overall.map((r) => [r.t, r.psi]) },
               { name: "JS distance", color: ACCENT, points: overall.map((r) => [r.t, r.js_distance]) }],
      refs: [{ name: `PSI threshold ${S.psi}`, y: S.psi, color: "#e8762c" }, { name: `JS threshold ${S.js}`, y: S.js, color: ACCENT }],
      markers: [{ name: "drift", color: CRITICAL, points: overall.filter((r) => r.is_drift).map((r) => [r.t, Math.max(r.psi || 0, r.js_distance || 0), `n = ${fmt(r.n)}`]) }],
    });
    heatmap(host, {
      title: "JS distance per cohort", subtitle: `scale up to 2 × threshold (${2 * S.js})`, flagName: "drift",
      xs: bucketRange(drift.map((r) => time(r.bucket_start))), xTime: true,
      ys: unique(drift.map((r) => r.cohort)).sort(allFirst), yFormat: cohortLabel, max: 2 * S.js,
      cells: drift.map((r) => ({ x: time(r.bucket_start), y: r.cohort, v: r.js_distance, flag: r.is_drift,
        tip: `${cohortLabel(r.cohort)}\n${dateLabel(time(r.bucket_start), true)}\nJS ${fmt(r.js_distance)}, PSI ${fmt(r.psi)}, n = ${fmt(r.n)}` })),
    });
  }

  function thresholdBands(host) {
    const counts = modelRows("threshold-bands", "counts", ["predicted_class"]);
    const thresholds = modelRows("threshold-bands", "thresholds", ["predicted_class"]);
    const w = D.sections["threshold-bands"].band_width || 0.05;
    const latest = new Map(thresholds.map((r) => [r.predicted_class, r]));  // rows are in time order
    const classes = [ALL, ...[...latest.keys()].sort()];
    const st = (state.bands = state.bands || { cls: ALL });
    st.cls = pick(st.cls, classes);
    const offset = (k) => (k === 0 ? "t" : `t ${k > 0 ? "+" : "−"} ${fmt(Math.abs(k * w))}`);
    const plot = () => {
      area.replaceChildren();
      const chosen = st.cls === ALL ? counts : counts.filter((r) => r.predicted_class === st.cls);
      const cells = new Map();  // (bucket, band) -> count; band k is [t + k·w, t + (k+1)·w) for every class
      for (const r of chosen) {
        const key = r.bucket_start + "|" + r.band, cell = cells.get(key) || { t: time(r.bucket_start), band: r.band, n: 0 };
        cell.n += r.n;
        cells.set(key, cell);
      }
      const bands = chosen.map((r) => r.band), ys = [];
      for (let k = Math.max(...bands); k >= Math.min(...bands); k--) ys.push(k);
      const used = (st.cls === ALL ? [...latest.values()] : [latest.get(st.cls)])
        .map((r) => `${r.predicted_class} ${fmt(r.threshold)} (${r.threshold_source})`).join(" · ");
      const t = st.cls === ALL ? null : latest.get(st.cls).threshold;
      const yFormat = t === null ? offset : (k) => `${fmt(clamp(t + k * w, 0, 1))} – ${fmt(clamp(t + (k + 1) * w, 0, 1))}`;
      heatmap(area, {
        title: `Predictions per score band, ${classLabel(st.cls)}`, subtitle: `latest threshold t: ${used}`,
        xs: bucketRange(chosen.map((r) => time(r.bucket_start))), xTime: true, ys, yFormat, sqrt: true,
        max: max([...cells.values()].map((c) => c.n), 1), valueFormat: (v) => fmt(Math.round(v)),
        lines: ys.includes(0) ? [{ at: ys.indexOf(0) + 1, label: "threshold" }] : [],
        cells: [...cells.values()].map((c) => ({ x: c.t, y: c.band, v: c.n,
          tip: `${classLabel(st.cls)}, ${dateLabel(c.t, true)}\nscore ${yFormat(c.band)}\n${fmt(c.n)} predictions` })),
      });
    };
    controls(host, [{ label: "class", options: classes.map((k) => [k, classLabel(k)]), value: st.cls, change: (v) => { st.cls = v; plot(); } }]);
    const area = html("div", {}, host);
    plot();
  }

  function schema(host) {
    const nulls = modelRows("schema", "nulls", ["column_name"]);
    if (!nulls.length) return;
    heatmap(host, {
      title: "Null fraction per column", subtitle: "serving null fraction per bucket", flagName: "beyond tolerance",
      xs: bucketRange(nulls.map((r) => time(r.bucket_start))), xTime: true, ys: unique(nulls.map((r) => r.column_name)).sort(),
      max: max(nulls.map((r) => r.serving_null_fraction), 0.05), valueFormat: pct, color: "#8e6cc9",
      cells: nulls.map((r) => ({ x: time(r.bucket_start), y: r.column_name, v: r.serving_null_fraction, flag: r.is_alert,
        tip: `${r.column_name}, ${dateLabel(time(r.bucket_start), true)}\nserving ${pct(r.serving_null_fraction)}, reference ${pct(r.reference_null_fraction)}` })),
    });
  }

  function performance(host) {
    const measured = modelRows("performance", "measured", ["predicted_class"]), estimated = modelRows("performance", "estimated");
    const overall = measured.filter((r) => r.predicted_class === ALL).map((r) => ({ ...r, t: time(r.bucket_start) }));
    const est = estimated.map((r) => ({ ...r, t: time(r.bucket_start) }));
    const calibrated = est.filter((r) => r.estimated_accuracy != null);
    const holdout = calibrated.map((r) => r.reference_accuracy).filter((v) => v != null).pop();
    const grid = html("div", { class: "grid two" }, host);
    lineChart(grid, {
      title: "Accuracy", subtitle: calibrated.length ? "estimated from calibrated confidence, and measured on labels" : "measured on labels (no calibration fitted yet)",
      yLabel: "accuracy",
      bands: calibrated.length ? [{ name: "estimate ± 3 sd", color: "#3f9142", points: calibrated.map((r) => [r.t, r.lower, r.upper]) }] : [],
      series: [
        { name: "measured accuracy", color: ACCENT, points: overall.map((r) => [r.t, r.accuracy]) },
        { name: "macro F1", color: "#8e6cc9", dash: true, points: overall.map((r) => [r.t, r.macro_f1]) },
        ...(calibrated.length ? [{ name: "estimated accuracy", color: "#3f9142", points: est.map((r) => [r.t, r.estimated_accuracy]) }] : []),
      ],
      refs: holdout != null ? [{ name: "holdout accuracy", y: holdout, color: MUTED }] : [],
      markers: [{ name: "alert", color: CRITICAL, points: calibrated.filter((r) => r.is_alert).map((r) => [r.t, r.estimated_accuracy, `n = ${fmt(r.n)}`]) }],
    });
    const perClass = measured.filter((r) => r.predicted_class !== ALL);
    lineChart(grid, {
      title: "F1 per class", subtitle: "labelled predictions", yLabel: "F1",
      series: unique(perClass.map((r) => r.predicted_class)).sort().map((k) => ({
        name: k, color: classColor(k), points: perClass.filter((r) => r.predicted_class === k).map((r) => [time(r.bucket_start), r.f1]) })),
    });
    estimatedMetrics(host);
  }

  // CBPE: each estimated metric with the band of the estimate (alerting) and the band the
  // metric measured on the labelled rows should fall in if the estimate is right (checking).
  function estimatedMetrics(host) {
    const rows = modelRows("performance", "metrics", ["metric", "predicted_class"]);
    if (!rows.length) return;
    const options = unique(rows.map((r) => `${r.metric}|${r.predicted_class}`)).sort()
      .map((k) => [k, k.endsWith(`|${ALL}`) ? k.split("|")[0].replace("_", " ") : k.replace("|", " of ")]);
    const st = (state.estimatedMetrics = state.estimatedMetrics || { key: `accuracy|${ALL}` });
    st.key = pick(st.key, options.map((o) => o[0]));
    const plot = () => {
      area.replaceChildren();
      const rs = rows.filter((r) => `${r.metric}|${r.predicted_class}` === st.key).map((r) => ({ ...r, t: time(r.bucket_start) }));
      const checked = rs.filter((r) => r.realized != null);
      lineChart(area, {
        title: "Estimated and realised", yLabel: options.find((o) => o[0] === st.key)[1],
        subtitle: "estimate with its alerting band (over the bucket's rows); realised with its checking band (over the labelled rows)",
        bands: [{ name: "alerting band", color: "#3f9142", points: rs.map((r) => [r.t, r.alerting_lower, r.alerting_upper]) },
                { name: "checking band", color: ACCENT, points: checked.map((r) => [r.t, r.checking_lower, r.checking_upper]) }],
        series: [{ name: "estimated", color: "#3f9142", points: rs.map((r) => [r.t, r.estimate]) },
                 { name: "realised", color: ACCENT, points: checked.map((r) => [r.t, r.realized]) }],
        markers: [{ name: "outside the checking band", color: CRITICAL, points: checked.filter((r) => r.is_within_checking_band === false)
          .map((r) => [r.t, r.realized, `n labelled = ${fmt(r.n_checked)}`]) }],
      });
    };
    controls(host, [{ label: "estimated metric", options, value: st.key, change: (v) => { st.key = v; plot(); } }]);
    const area = html("div", {}, host);
    plot();
  }

  function logHealth(host) {
    const volume = modelRows("log-health", "volume", ["cohort"]), coverage = modelRows("log-health", "coverage", ["cohort"]);
    const cohorts = unique([...volume, ...coverage].map((r) => r.cohort)).sort(allFirst);
    if (!cohorts.length) return;
    const st = (state.logHealth = state.logHealth || { cohort: ALL_COHORT });
    st.cohort = pick(st.cohort, cohorts);
    const plot = () => {
      grid.replaceChildren();
      const vs = volume.filter((r) => r.cohort === st.cohort).map((r) => ({ ...r, t: time(r.bucket_start) }));
      const cs = coverage.filter((r) => r.cohort === st.cohort).map((r) => ({ ...r, t: time(r.bucket_start) }));
      const where = cohortLabel(st.cohort);
      lineChart(grid, {
        title: "Rows logged", subtitle: where, yLabel: "rows",
        bands: [{ name: "expected band (drop – spike)", color: ACCENT, points: vs.map((r) => [r.t, r.expected_low, r.expected_high]) }],
        series: [{ name: "rows", color: ACCENT, points: vs.map((r) => [r.t, r.n_rows]) },
                 { name: "expected (same weekday)", color: MUTED, dash: true, points: vs.map((r) => [r.t, r.expected_rows]) }],
        markers: [{ name: "alert", color: CRITICAL, points: vs.filter((r) => r.is_alert).map((r) => [r.t, r.n_rows,
          r.share != null ? `share ${pct(r.share)} (usually ${pct(r.baseline_share)})` : ""]) }],
      });
      lineChart(grid, {
        title: "Label coverage", subtitle: where, yLabel: "labelled share", format: pct,
        series: [{ name: "coverage", color: "#3f9142", points: cs.map((r) => [r.t, r.coverage]) },
                 { name: "usual coverage", color: MUTED, dash: true, points: cs.map((r) => [r.t, r.usual_coverage]) }],
        markers: [{ name: "coverage drop", color: CRITICAL, points: cs.filter((r) => r.is_alert).map((r) => [r.t, r.coverage]) }],
      });
      if (cs.some((r) => r.lag_p90_hours != null)) {
        lineChart(grid, {
          title: "Label lag", subtitle: `${where}, hours from prediction to label`, yLabel: "hours",
          series: [{ name: "p50", color: "#8e6cc9", points: cs.map((r) => [r.t, r.lag_p50_hours]) },
                   { name: "p90", color: "#8e6cc9", dash: true, points: cs.map((r) => [r.t, r.lag_p90_hours]) }],
        });
      }
    };
    controls(host, [
      { label: "cohort", options: cohorts.map((k) => [k, cohortLabel(k)]), value: st.cohort, change: (v) => { st.cohort = v; plot(); } },
    ]);
    const grid = html("div", { class: "grid two" }, host);
    plot();
  }

  function featureDrift(host) {
    const data = modelRows("feature-drift", "rows", ["feature"]);
    const metrics = [["psi", "PSI"], ["js_distance", "JS distance"], ["ks_statistic", "KS statistic"], ["unseen_share", "unseen share"]]
      .filter(([key]) => data.some((r) => r[key] != null));
    if (!metrics.length) return;
    const st = (state.features = state.features || { metric: "psi" });
    st.metric = pick(st.metric, metrics.map((m) => m[0]));
    const plot = () => {
      area.replaceChildren();
      const m = st.metric, strongest = new Map();
      for (const r of data) strongest.set(r.feature, Math.max(strongest.get(r.feature) || 0, r[m] || 0));
      const cap = { psi: 2 * S.psi, js_distance: 2 * S.js }[m] || max(data.map((r) => r[m]), 0.05);
      heatmap(area, {
        title: "Drift per feature and bucket", subtitle: `${metrics.find((x) => x[0] === m)[1]}, scale up to ${fmt(cap)}`,
        flagName: "drift", xs: bucketRange(data.map((r) => time(r.bucket_start))), xTime: true,
        ys: [...strongest.keys()].sort((a, b) => strongest.get(b) - strongest.get(a) || a.localeCompare(b)),
        max: cap, color: "#e8762c",
        cells: data.map((r) => ({ x: time(r.bucket_start), y: r.feature, v: r[m], flag: r.is_drift,
          tip: `${r.feature} (${r.feature_type}), ${dateLabel(time(r.bucket_start), true)}\n` +
               metrics.map(([key, name]) => `${name}: ${fmt(r[key])}`).join("\n") + `\nn = ${fmt(r.n)}` })),
      });
    };
    controls(host, [{ label: "statistic", options: metrics, value: st.metric, change: (v) => { st.metric = v; plot(); } }]);
    const area = html("div", {}, host);
    plot();
  }

  function embeddings(host) {
    const points = modelRows("embeddings", "points", ["class", "source"]), drift = modelRows("embeddings", "drift", ["class"]);
    const byClass = groupBy(points, "class");
    legend(host, [{ name: "reference", color: REFERENCE, kind: "dot" }, { name: "serving (class color)", color: ACCENT, kind: "dot" }]);
    const grid = html("div", { class: "grid small" }, host);
    for (const k of [...byClass.keys()].sort()) {
      const rs = byClass.get(k), ref = rs.filter((r) => r.source === "reference"), srv = rs.filter((r) => r.source !== "reference");
      scatter(grid, { title: k, subtitle: `${ref.length} reference · ${srv.length} serving`, groups: [
        { name: "reference", color: REFERENCE, opacity: 0.45, points: ref.map((r) => [r.x, r.y]) },
        { name: "serving", color: classColor(k), opacity: 0.55, points: srv.map((r) => [r.x, r.y]) },
      ] });
    }
    if (!drift.length) return;
    const windowKey = (r) => r.window_start || r.window;
    const label = new Map(drift.map((r) => [windowKey(r), r.window]));
    // dated like the other charts' axes; a window without a start keeps its own name
    const windowLabel = (k) => (Number.isNaN(time(k)) ? String(label.get(k)) : dateLabel(time(k)));
    heatmap(host, {
      title: "Domain classifier AUC per class and window", subtitle: "0.5: serving looks like the reference; 1: fully distinguishable",
      flagName: "drift", xs: unique(drift.map(windowKey)).sort(),
      xFormat: windowLabel,
      ys: unique(drift.map((r) => r.class)).sort(), max: 0.5, valueFormat: (v) => fmt(0.5 + v), color: "#d45fa8",
      cells: drift.map((r) => ({ x: windowKey(r), y: r.class, v: r.domain_auc == null ? null : Math.max(0, r.domain_auc - 0.5),
        flag: r.is_drift, tip: `${r.class}, window ${windowLabel(windowKey(r))}\nAUC ${fmt(r.domain_auc)}\n${fmt(r.n_serving)} serving, ${fmt(r.n_reference)} reference` })),
    });
  }

  function explanations(host) {
    const byClass = groupBy(modelRows("explanations", "classes", ["explained_class"]), "explained_class");
    legend(host, [{ name: "pushes towards the class", color: POSITIVE, kind: "box" }, { name: "pushes away", color: NEGATIVE, kind: "box" }]);
    const grid = html("div", { class: "grid two" }, host);
    for (const k of [...byClass.keys()].sort()) {
      barChart(grid, { title: k, subtitle: "tokens with the largest mean |weight|; bar: mean weight", bars: byClass.get(k).map((r) => ({
        label: String(r.feature), value: r.mean_weight, color: r.mean_weight >= 0 ? POSITIVE : NEGATIVE })) });
    }
    const samples = sectionData("explanations", "samples") || [];
    if (!samples.length) return;
    html("h3", {}, host, "Sample explanations");
    const box = html("div", { class: "samples" }, host);
    for (const s of samples) sample(box, s);
  }
  function sample(box, s) {  // an explained prediction: its text with weighted words marked
    const card = html("article", { class: "sample" }, box);
    const head = html("header", {}, card);
    html("strong", {}, head, classLabel(s["class"]));
    html("span", {}, head, s.id);
    const strongest = Math.max(1e-9, ...s.tokens.map(([, w]) => Math.abs(w)));
    const weight = new Map(s.tokens.map(([f, w]) => [String(f).toLowerCase(), w]));
    const tint = (w) => `background: ${shade(w >= 0 ? POSITIVE : NEGATIVE, 0.25 + 0.6 * Math.abs(w) / strongest)}`;
    if (s.text) {
      const p = html("p", {}, card);
      for (const part of s.text.split(/(\w+)/u)) {
        const w = weight.get(part.toLowerCase());
        if (w === undefined) p.appendChild(document.createTextNode(part));
        else html("mark", { style: tint(w), title: `weight ${fmt(w)}` }, p, part);
      }
    }
    const chips = html("div", { class: "chips" }, card);
    for (const [feature, w] of s.tokens) html("span", { class: "chip", style: tint(w) }, chips, `${feature} ${w >= 0 ? "+" : ""}${fmt(w, 2)}`);
  }

  function perturbation(host) {
    const data = modelRows("perturbation", "rows");  // one frame per model, no keys
    barChart(host, {
      title: "Flip rate per perturbation", subtitle: "share of predictions whose class changes; red: beyond tolerance (tick)",
      format: pct, bars: data.map((r) => {
        const label = r.predicted_class && r.predicted_class !== ALL ? `${r.perturbation} · ${r.predicted_class}` : String(r.perturbation);
        return { label, value: r.flip_rate, mark: r.tolerance, color: r.is_failure ? CRITICAL : ACCENT,
                 tip: `${label}\nflip rate ${pct(r.flip_rate)}` + (r.tolerance != null ? `, tolerance ${pct(r.tolerance)}` : "") +
                      (r.mean_abs_confidence_change != null ? `\nmean |Δ confidence| ${fmt(r.mean_abs_confidence_change)}` : "") +
                      (r.n != null ? `\nn = ${fmt(r.n)}` : "") };
      }),
    });
  }

  // --- reliability diagram: accuracy against mean confidence per bin, the diagonal as perfect ----
  // spec: {title, subtitle, series: [{name, color, dash, points: [[confidence, accuracy, n]]}]}
  function reliability(host, spec) {
    const fig = figure(host, spec.title, spec.subtitle);
    legend(fig, [...spec.series.map((s) => ({ name: s.name, color: s.color, kind: s.dash ? "dash" : "line" })),
                 { name: "perfectly calibrated", color: REFERENCE, kind: "dash" }]);
    const c = canvas(fig, 280, { left: 58, right: 18, top: 10, bottom: 30 });
    const all = spec.series.flatMap((s) => s.points);
    if (!all.length) return empty(c);
    const lo = Math.min(...all.flatMap((p) => [p[0], p[1]])), domain = [Math.max(0, Math.floor(lo * 10) / 10), 1];
    const x = scale(domain[0], domain[1], c.left, c.right), y = scale(domain[0], domain[1], c.bottom, c.top);
    const ticks = niceTicks(domain[0], domain[1], 5);
    yAxis(c, y, ticks, fmt, "accuracy");
    const g = svg("g", { class: "axis" }, c.root);
    for (const v of ticks) svg("text", { x: x(v), y: c.bottom + 16, "text-anchor": "middle" }, g, fmt(v));
    svg("text", { x: (c.left + c.right) / 2, y: c.bottom + 29, "text-anchor": "middle" }, g, "mean confidence");
    svg("line", { x1: x(domain[0]), y1: y(domain[0]), x2: x(1), y2: y(1), stroke: REFERENCE, "stroke-dasharray": "5 4" }, c.root);
    for (const s of spec.series) {
      svg("path", { d: linePath(s.points, x, y), fill: "none", stroke: s.color, "stroke-width": 2,
                    "stroke-dasharray": s.dash ? "5 4" : null }, c.root);
      for (const [px, py, n] of s.points) {
        withTip(svg("circle", { cx: x(px), cy: y(py), r: 3.5, fill: s.color }, c.root),
                `${s.name}\nmean confidence ${fmt(px)}, accuracy ${fmt(py)}\nn = ${fmt(n)}`);
        c.marks++;
      }
    }
    finish(c);
  }

  function calibration(host) {
    const series = modelRows("calibration", "series", ["scope"]), bins = modelRows("calibration", "bins", ["scope"]);
    const byScope = (scope) => series.filter((r) => r.scope === scope).map((r) => ({ ...r, t: time(r.bucket_start) }));
    const buckets = byScope("bucket"), weeks = byScope("week"), last = buckets[buckets.length - 1];
    const grid = html("div", { class: "grid two" }, host);
    for (const [key, name] of [["ece", "Expected calibration error"], ["brier", "Brier score"]]) {
      lineChart(grid, {
        title: name, subtitle: "top-class confidence on labelled rows, all classes", yLabel: key === "ece" ? "ECE" : "Brier",
        series: [{ name: "per bucket", color: ACCENT, points: buckets.map((r) => [r.t, r[key]]) },
                 { name: "per week", color: "#8e6cc9", dash: true, points: weeks.map((r) => [r.t, r[key]]) }],
        refs: last ? [{ name: "holdout", y: last["reference_" + key], color: MUTED }] : [],
        markers: [{ name: "calibration drift", color: CRITICAL,
                    points: buckets.filter((r) => r.is_calibration_drift).map((r) => [r.t, r[key], `n = ${fmt(r.n)}`]) }],
      });
    }
    const week = bins.filter((r) => r.scope === "week"), holdout = bins.filter((r) => r.scope === "holdout");
    reliability(host, {
      title: "Reliability diagram", subtitle: week.length ? `equal-mass bins; week of ${dateLabel(time(week[0].bucket_start), true)}` : "equal-mass bins",
      series: [{ name: "holdout", color: MUTED, dash: true, points: holdout.map((r) => [r.mean_confidence, r.accuracy, r.n]) },
               { name: "latest week", color: ACCENT, points: week.map((r) => [r.mean_confidence, r.accuracy, r.n]) }],
    });
  }

  function multivariate(host) {
    const rows = modelRows("multivariate", "rows").map((r) => ({ ...r, t: time(r.window_start) }));
    const threshold = rows.map((r) => r.threshold).filter((v) => v != null).pop();
    const grid = html("div", { class: "grid two" }, host);
    lineChart(grid, {
      title: "Domain classifier AUC per window", subtitle: "0.5: serving looks like the training data; 1: fully distinguishable",
      yLabel: "AUC", series: [{ name: "cross-validated AUC", color: "#d45fa8", points: rows.map((r) => [r.t, r.domain_auc]) }],
      refs: threshold != null ? [{ name: "threshold", y: threshold, color: CRITICAL }, { name: "", y: 0.5, color: MUTED }] : [],
      markers: [{ name: "drift", color: CRITICAL, points: rows.filter((r) => r.is_drift).map((r) => [r.t, r.domain_auc,
        `p = ${fmt(r.p_value)}; features ${r.features}` + (r.dropped_features ? `; left out ${r.dropped_features}` : "")]) }],
    });
    lineChart(grid, {
      title: "PCA reconstruction error per window", subtitle: "against the reference's mean ± 3 standard errors", yLabel: "error",
      bands: [{ name: "reference band", color: "#3f9142", points: rows.map((r) => [r.t, r.reconstruction_lower, r.reconstruction_upper]) }],
      series: [{ name: "reconstruction error", color: ACCENT, points: rows.map((r) => [r.t, r.reconstruction_error]) }],
      markers: [{ name: "outside the band", color: WARNING,
                  points: rows.filter((r) => r.is_reconstruction_drift).map((r) => [r.t, r.reconstruction_error]) }],
    });
  }

  const RENDER = {
    incidents, alerts, confidence, "class-mix": classMix, "threshold-bands": thresholdBands, schema, performance,
    "feature-drift": featureDrift, "log-health": logHealth, embeddings, explanations, perturbation, calibration,
    multivariate,
  };

  function renderAll() {
    for (const host of document.querySelectorAll(".charts[data-section]")) {
      const id = host.dataset.section;
      host.replaceChildren();
      try {
        if (RENDER[id]) RENDER[id](host);
      } catch (error) {
        fail(`${id}: ${(error && error.stack) || error}`);
      }
    }
    status.dataset.charts = String(document.querySelectorAll("figure.chart svg").length);
    status.dataset.done = "1";
  }

  const modelSelect = document.getElementById("model-select");
  modelSelect.addEventListener("change", () => { state.model = modelSelect.value; renderAll(); });
  // An incident's anchor (a notification's link) opens it.
  function openIncident(hash) {
    const target = hash.startsWith("#incident-") && document.getElementById(hash.slice(1));
    if (target) target.open = true;
  }
  window.addEventListener("hashchange", () => openIncident(location.hash));
  openIncident(location.hash);
  document.addEventListener("click", (event) => {
    const anchor = event.target.closest && event.target.closest("a[href^='#incident-']");
    if (anchor) openIncident(anchor.getAttribute("href"));  // also when the hash is already that one
    const more = event.target.closest && event.target.closest("button.more");
    if (more) {
      const group = more.closest("tbody");
      group.classList.toggle("expanded");
      more.textContent = group.classList.contains("expanded") ? "fewer" : `${group.querySelectorAll("tr.extra").length} more`;
    }
  });
  // An alert's link shows its model, cohort and class in the chart it jumps to.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.alert-link");
    if (!link) return;
    const { model, cohort } = link.dataset, cls = link.dataset["class"];
    if (model && D.models.includes(model)) { state.model = model; modelSelect.value = model; }
    if (link.getAttribute("href") === "#section-confidence") state.confidence = { cohort: cohort || ALL_COHORT, cls: cls || ALL };
    renderAll();
  });
  renderAll();
})();
