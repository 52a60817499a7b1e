// Small hand-written SVG charts for the Switchyard dashboard (no dependencies, no CDN).
// Every label is set through textContent: model names and keys come from clients.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2f6fdf", "#e07b39", "#2e9e6b", "#9b59b6", "#d64545", "#7f8c8d",
    "#c9a227", "#16a2b8", "#8e6c4a", "#5d6d7e"];

  function svg(tag, attrs, parent) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    if (parent) parent.appendChild(n);
    return n;
  }

  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") n.className = v;
      else if (k === "text") n.textContent = v;
      else n.setAttribute(k, String(v));
    }
    for (const c of children) if (c != null) n.append(c);
    return n;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function timeLabel(ms, spanMs) {
    const d = new Date(ms);
    if (spanMs <= 2 * 86400000) {
      return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }
    return d.toLocaleDateString([], { month: "short", day: "numeric" });
  }

  function frame(container, opts) {
    container.textContent = "";
    const width = Math.max(container.clientWidth || 0, 320);
    const height = opts.height || 200;
    const m = { l: 56, r: 8, t: 8, b: 22 };
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height,
      role: "img", "aria-label": opts.label || "chart" }, container);
    const plot = { x: m.l, y: m.t, w: width - m.l - m.r, h: height - m.t - m.b };
    const yMax = niceMax(opts.yMax);
    const fmt = opts.yFormat || String;
    for (let i = 0; i <= 4; i++) {
      const y = plot.y + plot.h - (plot.h * i) / 4;
      svg("line", { x1: plot.x, x2: plot.x + plot.w, y1: y, y2: y, class: "grid" }, root);
      const t = svg("text", { x: plot.x - 6, y: y + 4, "text-anchor": "end", class: "axis" }, root);
      t.textContent = fmt((yMax * i) / 4);
    }
    const xs = opts.x;
    const span = xs.length > 1 ? xs[xs.length - 1] - xs[0] : 0;
    const step = Math.max(1, Math.ceil(xs.length / 6));
    const slot = plot.w / Math.max(xs.length, 1);
    for (let i = 0; i < xs.length; i += step) {
      const t = svg("text", { x: plot.x + slot * (i + 0.5), y: plot.y + plot.h + 16,
        "text-anchor": "middle", class: "axis" }, root);
      t.textContent = timeLabel(xs[i], span);
    }
    return { root, plot, yMax, slot };
  }

  function legend(container, series) {
    const l = el("div", { class: "legend" });
    for (const s of series) {
      const sw = el("span", { class: "swatch" });
      sw.style.background = s.color;
      l.append(el("span", { class: "item" }, sw, s.name));
    }
    container.append(l);
  }

  function colorize(series) {
    return series.map((s, i) => ({ ...s, color: s.color || PALETTE[i % PALETTE.length] }));
  }

  /** Stacked bars: opts = { x: [ms], series: [{ name, values, color? }], yFormat }. */
  function stackedBars(container, opts) {
    const series = colorize(opts.series);
    const totals = opts.x.map((_, i) => series.reduce((a, s) => a + Math.max(0, s.values[i] || 0), 0));
    const f = frame(container, { ...opts, yMax: Math.max(...totals, 0) });
    const bw = Math.max(1, f.slot * 0.8);
    opts.x.forEach((x, i) => {
      let base = 0;
      for (const s of series) {
        const v = Math.max(0, s.values[i] || 0);
        if (v <= 0) continue;
        const h = (f.plot.h * v) / f.yMax;
        const y = f.plot.y + f.plot.h - ((f.plot.h * base) / f.yMax) - h;
        const r = svg("rect", { x: f.plot.x + f.slot * i + (f.slot - bw) / 2, y, width: bw,
          height: Math.max(h, 0.5), fill: s.color }, f.root);
        svg("title", {}, r).textContent =
          `${timeLabel(x, 0)} ${s.name}: ${(opts.yFormat || String)(v)}`;
        base += v;
      }
    });
    legend(container, series);
  }

  /** Lines: opts = { x: [ms], series: [{ name, values (null = gap), color? }], yFormat, yMax? }. */
  function lines(container, opts) {
    const series = colorize(opts.series);
    const all = series.flatMap((s) => s.values.filter((v) => v != null && isFinite(v)));
    const f = frame(container, { ...opts, yMax: opts.yMax || Math.max(...all, 0) });
    for (const s of series) {
      let d = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (v == null || !isFinite(v)) { pen = false; return; }
        const x = f.plot.x + f.slot * (i + 0.5);
        const y = f.plot.y + f.plot.h - (f.plot.h * Math.min(v, f.yMax)) / f.yMax;
        d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)} `;
        pen = true;
        const dot = svg("circle", { cx: x, cy: y, r: 2, fill: s.color }, f.root);
        svg("title", {}, dot).textContent =
          `${timeLabel(opts.x[i], 0)} ${s.name}: ${(opts.yFormat || String)(v)}`;
      });
      if (d) svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 2 }, f.root);
    }
    legend(container, series);
  }

  /** Horizontal bars: rows = [{ label, share (0..1), text, sub? }]. */
  function hbars(container, rows, emptyText) {
    container.textContent = "";
    if (!rows.length) {
      container.append(el("p", { class: "muted", text: emptyText || "no data" }));
      return;
    }
    const list = el("div", { class: "hbars" });
    rows.forEach((r, i) => {
      const fill = el("div", { class: "fill" });
      fill.style.width = `${Math.max(0, Math.min(1, r.share || 0)) * 100}%`;
      fill.style.background = r.color || PALETTE[i % PALETTE.length];
      const row = el("div", { class: "hbar" },
        el("div", { class: "label", text: r.label, title: r.label }),
        el("div", { class: "track" }, fill),
        el("div", { class: "num", text: r.text }));
      if (r.sub) row.append(el("div", { class: "sub muted", text: r.sub }));
      list.append(row);
    });
    container.append(list);
  }

  window.Charts = { stackedBars, lines, hbars, el, PALETTE };
})();
