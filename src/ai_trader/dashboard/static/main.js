// Wires the page: loads /performance and the value series, draws leaderboard + chart, handles selection and polling.
import { loadPerformance, loadSeries, loadBenchmark } from "./data.js";
import { Leaderboard } from "./leaderboard.js";
import { PortfolioChart } from "./chart.js";
import { loadSignature, renderSignature } from "./signature.js";
import { startJobs } from "./jobs.js";
import { color } from "./format.js";

const state = { perf: null, series: null, selected: null, colors: new Map() };
const chart = new PortfolioChart();
const board = new Leaderboard((sig) => select(sig, true));
const selectEl = document.getElementById("signature-select");

function showError(msg) {
  const b = document.getElementById("error-banner");
  b.textContent = msg || "";
  b.hidden = !msg;
}

function initialCash(series) {
  for (const days of series.bySignature.values()) {
    const d = days[0];
    if (d && d.date === series.dates[0] && d.daily_pnl && typeof d.daily_pnl.profit === "number") return +(d.daily_pnl.portfolio_value - d.daily_pnl.profit).toFixed(2);
  }
  return 10000;
}

async function load() {
  const perf = await loadPerformance();
  performance.mark("performance-loaded");
  state.perf = perf;
  perf.rows.forEach((r, i) => state.colors.set(r.signature, color(i)));
  board.set(perf, state.colors);
  document.getElementById("range").textContent = perf.start_date ? `${perf.start_date} → ${perf.end_date}` : "";
  if (!perf.rows.length || !perf.start_date) {
    chart.set([], [], [], state.colors, null);
    document.body.dataset.loaded = "true";
    return;
  }
  // The QQQ line starts from the benchmark's start value; without one, from the signatures' initial cash.
  const start = perf.benchmark && perf.benchmark.start_value;
  const seriesP = loadSeries(perf.start_date, perf.end_date).then((s) => { performance.mark("series-loaded"); return s; });
  const benchP = start ? loadBenchmark(perf, start) : seriesP.then((s) => loadBenchmark(perf, initialCash(s)));
  const [series, bench] = await Promise.all([seriesP, benchP]);
  performance.mark("benchmark-loaded");
  state.series = series;
  const names = perf.rows.map((r) => r.signature);
  const idx = new Map(series.dates.map((d, i) => [d, i]));
  const columns = names.map((name) => {
    const col = new Array(series.dates.length).fill(null);
    for (const d of series.bySignature.get(name) || []) col[idx.get(d.date)] = d.daily_pnl ? d.daily_pnl.portfolio_value : null;
    return col;
  });
  let benchName = null;
  if (bench.series.length) {
    benchName = bench.symbol;
    const col = new Array(series.dates.length).fill(null);
    for (const p of bench.series) if (idx.has(p.date)) col[idx.get(p.date)] = p.value;
    names.push(benchName);
    columns.push(col);
  } else if (bench.error) {
    showError(`Benchmark line unavailable: ${bench.error}`);
  }
  chart.set(series.dates, names, columns, state.colors, benchName);
  selectEl.replaceChildren(...perf.rows.map((r) => new Option(r.signature, r.signature)));
  const keep = state.selected && perf.rows.some((r) => r.signature === state.selected);
  await select(keep ? state.selected : perf.rows[0].signature, false);
  document.body.dataset.loaded = "true";
}

async function select(signature, scroll) {
  state.selected = signature;
  selectEl.value = signature;
  board.select(signature);
  if (scroll) chart.highlight(signature);
  const card = document.getElementById("signature-card");
  card.dataset.signature = signature;
  card.dataset.loaded = "false";
  if (scroll) card.scrollIntoView({ behavior: "smooth", block: "start" });
  try {
    const days = await loadSignature(signature, state.perf.start_date, state.perf.end_date);
    if (state.selected !== signature) return; // a later selection won
    await renderSignature(signature, days);
  } catch (e) {
    showError(`Could not load ${signature}: ${e.message}`);
  }
  if (state.selected === signature) card.dataset.loaded = "true";
}

function download(name, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  a.download = name;
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

selectEl.addEventListener("change", () => { chart.highlight(selectEl.value); select(selectEl.value, false); });
document.getElementById("log-scale").addEventListener("change", (e) => chart.setLog(e.target.checked));
document.getElementById("show-all").addEventListener("click", () => chart.showAll());
document.getElementById("export-csv").addEventListener("click", () => {
  if (state.perf && state.perf.start_date) download(`portfolio_values_${state.perf.start_date}_${state.perf.end_date}.csv`, chart.csv());
});

async function reload() {
  try { showError(null); await load(); } catch (e) { showError(`Could not load results: ${e.message}`); document.body.dataset.loaded = "error"; }
}

reload();
startJobs(3000, reload);
