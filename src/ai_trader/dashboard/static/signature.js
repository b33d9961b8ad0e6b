// The per-signature view: holdings with weights, allocation donut, recent trades, each day's session summary.
import { getJson, query } from "./api.js";
import { el, fmt, tone, color } from "./format.js";

const TOP_SLICES = 10;
const RECENT_TRADES = 30;

export async function loadSignature(signature, start, end) {
  const body = await getJson("/results?" + query({ start_date: start, end_date: end, model: signature, detail: "full" }));
  const r = (body.results || []).find((x) => x.model === signature) || { days: [] };
  let days = (r.days || []).slice().sort((a, b) => (a.date < b.date ? -1 : 1));
  // A range answer without per-day detail: fetch the latest days one by one (detail=full for one date).
  if (days.length && days.every((d) => d.ai_reasoning === undefined && d.trades === undefined)) {
    const recent = days.slice(-10);
    const full = await Promise.all(recent.map((d) =>
      getJson("/results?" + query({ date: d.date, model: signature, detail: "full" }))
        .then((b) => (b.results || [])[0] || d).catch(() => d)));
    days = days.slice(0, -recent.length).concat(recent.map((f, i) => ({ ...recent[i], ...f })));
  }
  return days;
}

async function closesFor(date, symbols) {
  if (!symbols.length) return {};
  try {
    return (await getJson("/dashboard/data/closes?" + query({ date, symbols: symbols.join(",") }))).closes || {};
  } catch (e) {
    return {};
  }
}

export async function renderSignature(signature, days) {
  const last = days[days.length - 1];
  const summary = document.getElementById("signature-summary");
  if (!last) {
    summary.textContent = `${signature}: no committed model-days in this range.`;
    for (const id of ["holdings-body", "trades-body", "days-body", "allocation-chart"]) document.getElementById(id).replaceChildren();
    return;
  }
  const pv = last.daily_pnl ? last.daily_pnl.portfolio_value : null;
  summary.textContent = `${signature} · ${days.length} trading days · value ${fmt.money(pv)} on ${last.date}`;
  await renderHoldings(last, pv);
  renderTrades(days);
  renderDays(days);
}

async function renderHoldings(last, pv) {
  const positions = last.positions || {};
  const symbols = Object.keys(positions).filter((s) => s !== "CASH" && positions[s]);
  const closes = await closesFor(last.date, symbols);
  const rows = symbols.map((s) => {
    const close = closes[s] ?? null;
    const value = close !== null ? positions[s] * close : null;
    return { symbol: s, shares: positions[s], close, value, weight: value !== null && pv ? value / pv : null };
  }).sort((a, b) => (b.value ?? -1) - (a.value ?? -1) || a.symbol.localeCompare(b.symbol));
  const cash = typeof positions.CASH === "number" ? positions.CASH : null;
  if (cash !== null) rows.push({ symbol: "CASH", shares: null, close: null, value: cash, weight: pv ? cash / pv : null });
  document.getElementById("holdings-date").textContent = `end of ${last.date}`;
  document.getElementById("holdings-body").replaceChildren(...rows.map((r) => el("tr", { "data-testid": "holding-row", "data-symbol": r.symbol },
    el("td", { text: r.symbol }), el("td", { class: "num", text: r.shares === null ? "" : fmt.shares(r.shares) }),
    el("td", { class: "num", text: r.close === null ? "" : fmt.price(r.close) }),
    el("td", { class: "num", text: fmt.money(r.value) }), el("td", { class: "num", "data-value": r.weight ?? "", text: fmt.weight(r.weight) }))));
  renderAllocation(rows);
}

function renderAllocation(rows) {
  const known = rows.filter((r) => r.weight !== null && r.weight > 0);
  const stocks = known.filter((r) => r.symbol !== "CASH");
  const slices = stocks.slice(0, TOP_SLICES).map((r, i) => ({ label: r.symbol, w: r.weight, c: color(i * 3 + 1) }));
  const other = stocks.slice(TOP_SLICES).reduce((s, r) => s + r.weight, 0);
  if (other > 0) slices.push({ label: `${stocks.length - TOP_SLICES} others`, w: other, c: "#9aa6ba" });
  const cash = known.find((r) => r.symbol === "CASH");
  if (cash) slices.push({ label: "Cash", w: cash.weight, c: "#d5dbe5" });
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 42 42");
  svg.setAttribute("width", "170");
  svg.setAttribute("height", "170");
  let offset = 25; // start at 12 o'clock
  for (const s of slices) {
    const c = document.createElementNS(ns, "circle");
    const pct = s.w * 100;
    for (const [k, v] of Object.entries({ cx: 21, cy: 21, r: 15.9155, fill: "none", stroke: s.c, "stroke-width": 6,
      "stroke-dasharray": `${pct} ${100 - pct}`, "stroke-dashoffset": offset })) c.setAttribute(k, v);
    const t = document.createElementNS(ns, "title");
    t.textContent = `${s.label} ${fmt.weight(s.w)}`;
    c.append(t);
    svg.append(c);
    offset = (offset - pct + 100) % 100;
  }
  const legend = el("div", { class: "donut-legend" }, ...slices.map((s) =>
    el("div", {}, el("span", { class: "swatch", style: `background:${s.c}` }), `${s.label} ${fmt.weight(s.w)}`)));
  document.getElementById("allocation-chart").replaceChildren(el("div", { class: "alloc" }, svg, legend));
}

function renderTrades(days) {
  const trades = [];
  for (let i = days.length - 1; i >= 0 && trades.length < RECENT_TRADES; i--) {
    for (const t of (days[i].trades || []).slice().reverse()) trades.push({ date: days[i].date, ...t });
  }
  const body = document.getElementById("trades-body");
  if (!trades.length) { body.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "muted", text: "No trades in this range." }))); return; }
  body.replaceChildren(...trades.slice(0, RECENT_TRADES).map((t) => el("tr", { "data-testid": "trade-row" },
    el("td", { text: t.date }), el("td", { class: t.action === "buy" ? "up" : t.action === "sell" ? "down" : "", text: t.action }),
    el("td", { text: t.symbol || "" }), el("td", { class: "num", text: fmt.shares(t.amount) }),
    el("td", { class: "num", text: fmt.price(t.price) }), el("td", { class: "num", text: fmt.money(t.total) }))));
}

function renderDays(days) {
  const rows = days.slice().reverse().map((d) => {
    const r = d.ai_reasoning || {};
    const usage = Object.entries(r.tool_usage || {}).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`).join(", ");
    const ret = d.daily_pnl ? d.daily_pnl.return_pct : null;
    // on or before the model's knowledge cutoff: the model may have been trained on this day
    const inWindow = d.in_training_window === true;
    const when = el("td", {}, d.date, inWindow ? el("span", { class: "badge window", "data-testid": "training-window",
      title: "in training window: on or before the model's knowledge cutoff", text: "in training window" }) : null);
    return el("tr", { "data-testid": "day-row", "data-date": d.date, "data-training-window": inWindow ? "true" : null },
      when,
      el("td", { class: "num", text: fmt.money(d.daily_pnl && d.daily_pnl.portfolio_value) }),
      el("td", { class: `num ${tone(ret)}`, text: typeof ret === "number" ? (ret > 0 ? "+" : "") + ret.toFixed(2) + "%" : "—" }),
      el("td", { class: "num", text: fmt.int(r.total_steps) }),
      el("td", { class: "text", text: r.reasoning_summary || "" }), el("td", { class: "text small", text: usage }));
  });
  document.getElementById("days-body").replaceChildren(...rows);
}
