// Switchyard dashboard: fetches /api/analytics/summary and /recent, renders with Charts.
// Data strings (models, keys, ids) only ever go through textContent.
"use strict";

(function () {
  const { stackedBars, lines, hbars, el } = window.Charts;
  const BUCKETS = { "1h": "1m", "24h": "30m", "7d": "6h", "30d": "1d" };
  const KEY_STORE = "switchyard-admin-key";
  const state = { range: "24h", key: sessionStorage.getItem(KEY_STORE) || "", timer: null };
  const $ = (id) => document.getElementById(id);

  // ---- formatting -------------------------------------------------------------------------
  const intFmt = new Intl.NumberFormat("en-US");
  const int = (n) => intFmt.format(Math.round(n || 0));
  function usd(v) {
    v = v || 0;
    const a = Math.abs(v);
    if (a === 0) return "$0";
    if (a >= 100) return "$" + intFmt.format(Math.round(v));
    if (a >= 1) return "$" + v.toFixed(2);
    if (a >= 0.01) return "$" + v.toFixed(3);
    return "$" + v.toPrecision(2);
  }
  const pct = (r) => (r == null ? "–" : (r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0) + "%");
  function ms(v) {
    if (v == null) return "–";
    if (v < 10) return v.toFixed(2) + " ms";
    if (v < 1000) return Math.round(v) + " ms";
    return (v / 1000).toFixed(2) + " s";
  }
  const keyName = (k, none) => (k == null ? none || "(none)" : k);
  const share = (part, whole) => (whole > 0 ? part / whole : 0);

  // ---- API --------------------------------------------------------------------------------
  class AuthNeeded extends Error {}

  async function api(path) {
    const headers = state.key ? { Authorization: "Bearer " + state.key } : {};
    const r = await fetch(path, { headers, cache: "no-store", credentials: "same-origin" });
    if (r.status === 401 || r.status === 403) throw new AuthNeeded();
    if (!r.ok) {
      let msg = `${r.status} ${r.statusText}`;
      try { msg = (await r.json()).error.message || msg; } catch (_) { /* not JSON */ }
      throw new Error(msg);
    }
    return r.json();
  }

  function showProblem(err) {
    if (err instanceof AuthNeeded) {
      $("auth").hidden = false;
      return;
    }
    $("problem").hidden = false;
    $("problem").textContent = "Could not load analytics: " + err.message;
    console.error("switchyard dashboard:", err);
  }

  // ---- totals -----------------------------------------------------------------------------
  function renderKpis(t) {
    $("kpi-requests").textContent = int(t.requests);
    $("kpi-requests-note").textContent =
      `${int(t.input_tokens)} tokens in · ${int(t.output_tokens)} out`;
    $("kpi-cost").textContent = (t.estimated_requests ? "≈ " : "") + usd(t.cost_usd);
    const perReq = t.requests - t.unpriced_requests > 0 ? t.cost_usd / (t.requests - t.unpriced_requests) : 0;
    $("kpi-cost-note").textContent = `${usd(perReq)} per request` +
      (t.unpriced_requests ? ` · ${int(t.unpriced_requests)} unpriced` : "");
    $("kpi-saved").textContent = usd(t.savings_usd);
    const wouldBe = t.cost_usd + t.savings_usd;
    $("kpi-saved-note").textContent = `${pct(share(t.savings_usd, wouldBe))} of would-be spend · cache ${usd(t.cache_savings_usd)} · router ${usd(t.router_savings_usd)}`;
    $("kpi-cache").textContent = pct(t.cache_hit_rate);
    $("kpi-cache-note").textContent = `${int(t.cache_hits)} hits of ${int(t.cache_lookups)} lookups`;
    $("kpi-errors").textContent = `${pct(t.error_rate)} · ${pct(t.fallback_rate)}`;
    $("kpi-errors-note").textContent = `${int(t.errors)} failed · ${int(t.fallbacks)} retried or fell back`;
    const l = t.latency_ms;
    $("kpi-latency").textContent = `${ms(l.p50)} · ${ms(l.p95)} · ${ms(l.p99)}`;
    $("kpi-latency-note").textContent = `first token p50 ${ms(t.ttft_ms.p50)} · gateway p50 ${ms(t.overhead_ms.p50)}`;
  }

  function renderInsights(s) {
    const t = s.total;
    const list = $("insights");
    list.textContent = "";
    const say = (text, cls) => list.append(el("li", { class: cls || "", text }));
    if (!t.requests) {
      say("No requests in this range yet.");
      return;
    }
    const models = s.groups.filter((g) => g.cost_usd > 0);
    if (models.length) {
      const top = models[0];
      say(`${keyName(top.key)} takes ${pct(share(top.cost_usd, t.cost_usd))} of spend: ${usd(top.cost_usd)} over ${int(top.requests)} requests (${usd(top.cost_usd / top.requests)} each).`, "lead");
      if (models.length > 2) {
        const top3 = models.slice(0, 3).reduce((a, g) => a + g.cost_usd, 0);
        say(`The top 3 models account for ${pct(share(top3, t.cost_usd))} of spend.`);
      }
      const perReq = models.map((g) => ({ g, c: g.cost_usd / g.requests })).sort((a, b) => a.c - b.c);
      const cheap = perReq[0];
      const dear = perReq[perReq.length - 1];
      if (perReq.length > 1 && cheap.c > 0 && dear.c / cheap.c >= 2) {
        say(`A request on ${keyName(dear.g.key)} costs ${(dear.c / cheap.c).toFixed(0)}× one on ${keyName(cheap.g.key)}: routing simple work to the cheaper model is where the money is.`);
      }
    }
    if (t.savings_usd > 0) {
      say(`Cache and router saved ${usd(t.savings_usd)}, ${pct(share(t.savings_usd, t.cost_usd + t.savings_usd))} of what these requests would have cost (cache ${usd(t.cache_savings_usd)}, router ${usd(t.router_savings_usd)}, provider prompt caching ${usd(t.prompt_cache_savings_usd)}).`, "good");
    } else {
      say("Nothing saved yet in this range: no cache hits or routed requests.");
    }
    if (t.unpriced_requests) {
      say(`${int(t.unpriced_requests)} requests used models without a known price and are missing from the spend; set their prices under [analytics.prices].`, "warn");
    }
    if (t.estimated_requests) {
      say(`≈ ${int(t.estimated_requests)} requests had no token counts from the provider; their tokens (and cost) are estimated.`);
    }
  }

  // ---- money ------------------------------------------------------------------------------
  const TOP = 6;

  function topKeys(groups) {
    return groups.slice(0, TOP).map((g) => g.key);
  }

  function renderMoney(s) {
    const x = s.buckets.map((b) => b.start);
    const keys = topKeys(s.groups);
    const series = keys.map((k) => ({
      name: keyName(k),
      values: s.buckets.map((b) => (b.groups || []).filter((g) => g.key === k).reduce((a, g) => a + g.cost_usd, 0)),
    }));
    if (s.groups.length > TOP) {
      series.push({ name: "other", color: "#b0b7c3", values: s.buckets.map((b) =>
        (b.groups || []).filter((g) => !keys.includes(g.key)).reduce((a, g) => a + g.cost_usd, 0)) });
    }
    stackedBars($("chart-cost-by-model"), { x, series, yFormat: usd, label: "spend by model" });
    const total = s.total.cost_usd;
    hbars($("share-by-model"), s.groups.filter((g) => g.cost_usd > 0).map((g) => ({
      label: keyName(g.key), share: share(g.cost_usd, total),
      text: `${usd(g.cost_usd)} · ${pct(share(g.cost_usd, total))}`,
    })), "no priced requests");
    const table = $("table-model");
    table.textContent = "";
    table.append(el("tr", {}, ...["model", "requests", "tokens in", "tokens out", "cached in", "spent", "share",
      "per request", "cache hits", "saved", "p95", "errors"].map((h) => el("th", { text: h }))));
    for (const g of s.groups) {
      const priced = g.requests - g.unpriced_requests;
      table.append(el("tr", {},
        el("td", { text: keyName(g.key) }),
        el("td", { class: "n", text: int(g.requests) }),
        el("td", { class: "n", text: int(g.input_tokens) }),
        el("td", { class: "n", text: int(g.output_tokens) }),
        el("td", { class: "n", text: int(g.cached_input_tokens) }),
        el("td", { class: "n", text: priced ? (g.estimated_requests ? "≈ " : "") + usd(g.cost_usd) : "no price" }),
        el("td", { class: "n", text: pct(share(g.cost_usd, total)) }),
        el("td", { class: "n", text: priced ? usd(g.cost_usd / priced) : "–" }),
        el("td", { class: "n", text: pct(g.cache_hit_rate) }),
        el("td", { class: "n", text: usd(g.savings_usd) }),
        el("td", { class: "n", text: ms(g.latency_ms.p95) }),
        el("td", { class: "n", text: pct(g.error_rate) })));
    }
  }

  // ---- savings ----------------------------------------------------------------------------
  function renderSavings(s, cache, tier) {
    const x = s.buckets.map((b) => b.start);
    stackedBars($("chart-savings"), { x, yFormat: usd, label: "spent and saved", series: [
      { name: "spent", color: "#2f6fdf", values: s.buckets.map((b) => b.cost_usd) },
      { name: "saved by cache", color: "#2e9e6b", values: s.buckets.map((b) => b.cache_savings_usd) },
      { name: "saved by router", color: "#7fcf9f", values: s.buckets.map((b) => b.router_savings_usd) },
      { name: "saved by prompt caching", color: "#c9a227", values: s.buckets.map((b) => b.prompt_cache_savings_usd) },
    ] });
    const t = s.total;
    const sources = [["response cache", t.cache_savings_usd], ["router", t.router_savings_usd],
      ["provider prompt cache", t.prompt_cache_savings_usd]];
    const sum = sources.reduce((a, [, v]) => a + Math.max(0, v), 0);
    hbars($("savings-sources"), sources.map(([label, v], i) => ({
      label, share: share(Math.max(0, v), sum), text: usd(v), color: ["#2e9e6b", "#7fcf9f", "#c9a227"][i],
    })));
    hbars($("cache-status"), cache.groups.map((g) => ({
      label: keyName(g.key, "not recorded"), share: share(g.requests, cache.total.requests),
      text: `${int(g.requests)} · ${pct(share(g.requests, cache.total.requests))}`,
    })), "no requests");
    lines($("chart-cache-rate"), { x, yMax: 1, yFormat: (v) => pct(v), label: "cache hit rate", series: [
      { name: "hit rate", color: "#2e9e6b", values: s.buckets.map((b) => b.cache_hit_rate) },
    ] });
    hbars($("tiers"), tier.groups.map((g) => ({
      label: keyName(g.key, "not routed"), share: share(g.requests, tier.total.requests),
      text: `${pct(share(g.requests, tier.total.requests))} req · ${pct(share(g.cost_usd, tier.total.cost_usd))} spend`,
      sub: g.router_savings_usd ? `router saved ${usd(g.router_savings_usd)}` : "",
    })), "no requests");
  }

  // ---- traffic ----------------------------------------------------------------------------
  function renderTraffic(s) {
    const x = s.buckets.map((b) => b.start);
    stackedBars($("chart-requests"), { x, yFormat: int, label: "requests", series: [
      { name: "succeeded", color: "#2f6fdf", values: s.buckets.map((b) => b.requests - b.errors) },
      { name: "failed", color: "#d64545", values: s.buckets.map((b) => b.errors) },
    ] });
    lines($("chart-latency"), { x, yFormat: (v) => ms(v), label: "latency", series: [
      { name: "p50", values: s.buckets.map((b) => b.latency_ms.p50) },
      { name: "p95", values: s.buckets.map((b) => b.latency_ms.p95) },
      { name: "p99", values: s.buckets.map((b) => b.latency_ms.p99) },
    ] });
    lines($("chart-errors"), { x, yFormat: (v) => pct(v), label: "error and fallback rates", series: [
      { name: "error rate", color: "#d64545", values: s.buckets.map((b) => (b.requests ? b.error_rate : null)) },
      { name: "fallback rate", color: "#e07b39", values: s.buckets.map((b) => (b.requests ? b.fallback_rate : null)) },
    ] });
    const table = $("table-latency");
    table.textContent = "";
    table.append(el("tr", {}, ...["", "p50", "p95", "p99"].map((h) => el("th", { text: h }))));
    for (const [name, p] of [["total", s.total.latency_ms], ["first token", s.total.ttft_ms], ["gateway overhead", s.total.overhead_ms]]) {
      table.append(el("tr", {}, el("td", { text: name }),
        ...[p.p50, p.p95, p.p99].map((v) => el("td", { class: "n", text: ms(v) }))));
    }
  }

  function renderBreakdown(id, sum, none) {
    hbars($(id), sum.groups.map((g) => ({
      label: keyName(g.key, none), share: share(g.requests, sum.total.requests),
      text: `${int(g.requests)} · ${usd(g.cost_usd)}`,
    })), "no requests");
  }

  // ---- recent -----------------------------------------------------------------------------
  function renderRecent(data) {
    const table = $("table-recent");
    table.textContent = "";
    table.append(el("tr", {}, ...["time", "request", "model", "provider", "tier", "cache", "status",
      "tokens in", "tokens out", "cost", "latency", "first token"].map((h) => el("th", { text: h }))));
    for (const e of data.events) {
      const u = e.usage || {};
      const row = el("tr", { class: e.status >= 400 || e.error_class ? "failed" : "" },
        el("td", { text: new Date(e.ts_ms).toLocaleTimeString() }),
        el("td", { class: "mono", text: e.request_id.slice(0, 18) }),
        el("td", { text: e.upstream_model || e.requested_model || "–" }),
        el("td", { text: e.provider || "–" }),
        el("td", { text: e.router_tier || "–" }),
        el("td", { text: e.cache_status || "–" }),
        el("td", { class: "n", text: e.error_class ? `${e.status} ${e.error_class}` : String(e.status) }),
        el("td", { class: "n", text: e.usage ? (u.estimated ? "≈ " : "") + int(u.input_tokens) : "–" }),
        el("td", { class: "n", text: e.usage ? int(u.output_tokens) : "–" }),
        el("td", { class: "n", text: e.cost_usd == null ? "no price" : (e.cost_estimated ? "≈ " : "") + usd(e.cost_usd) }),
        el("td", { class: "n", text: ms(e.total_ms) }),
        el("td", { class: "n", text: ms(e.ttft_ms) }));
      table.append(row);
    }
    const p = data.pipeline;
    const dropped = p.dropped_queue_full + p.dropped_backlog + p.dropped_shutdown;
    $("recent-note").textContent = `latest ${data.events.length} · ${int(p.written)} written` +
      (p.buffered ? ` · ${int(p.buffered)} waiting for the store` : "") +
      (dropped ? ` · ${int(dropped)} dropped` : "");
    $("recent-note").className = dropped || p.store_errors ? "warn" : "muted";
  }

  // ---- refresh ----------------------------------------------------------------------------
  async function refreshSummary() {
    const since = state.range;
    const q = (extra) => api(`/api/analytics/summary?since=${since}${extra}`);
    const [timeline, provider, language, task, tier, cache, key] = await Promise.all([
      q(`&group_by=model&bucket=${BUCKETS[since]}`), q("&group_by=provider"), q("&group_by=language"),
      q("&group_by=task"), q("&group_by=tier"), q("&group_by=cache"), q("&group_by=key"),
    ]);
    renderKpis(timeline.total);
    renderInsights(timeline);
    renderMoney(timeline);
    renderSavings(timeline, cache, tier);
    renderTraffic(timeline);
    renderBreakdown("by-provider", provider);
    renderBreakdown("by-language", language, "not detected");
    renderBreakdown("by-task", task, "not classified");
    renderBreakdown("by-key", key, "no key");
  }

  async function refreshRecent() {
    renderRecent(await api("/api/analytics/recent?limit=50"));
  }

  let ticks = 0;
  async function tick() {
    clearTimeout(state.timer);
    try {
      // Summaries every 15 s, the recent list every 5 s.
      await Promise.all([ticks % 3 === 0 ? refreshSummary() : null, refreshRecent()]);
      $("problem").hidden = true;
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (err) {
      showProblem(err);
    }
    ticks += 1;
    state.timer = setTimeout(tick, 5000);
  }

  function restart() {
    ticks = 0;
    tick();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const b of document.querySelectorAll("#ranges button")) {
      b.addEventListener("click", () => {
        state.range = b.dataset.range;
        for (const o of document.querySelectorAll("#ranges button")) o.classList.toggle("active", o === b);
        restart();
      });
    }
    $("auth-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      state.key = $("auth-key").value.trim();
      sessionStorage.setItem(KEY_STORE, state.key);
      $("auth").hidden = true;
      restart();
    });
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { ticks = 0; tick(); }, 300);
    });
    restart();
  });
})();
