// Loads and normalises what the page shows: the /performance leaderboard and every signature's value series.
import { getJson, query } from "./api.js";

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const pick = (...vals) => vals.find((v) => v !== undefined && v !== null);

function metricsOf(row) {
  return row && typeof row.metrics === "object" && row.metrics ? { ...row, ...row.metrics } : row || {};
}

// The additive issue-18 fields of a row: the cumulative return's interval, tier, runs and inference cost.
function statisticsOf(r) {
  const s = (r && r.statistics) || {};
  const cum = (s.metrics && s.metrics.cumulative_return) || {};
  const inf = r && r.inference;
  return {
    ci_low: num(cum.ci_low), ci_high: num(cum.ci_high), ci_mean: num(cum.mean),
    return_ci: num(cum.ci_low), interval_method: s.interval_method || null, runs: num(s.runs),
    tier: num(s.tier),
    cost_usd: inf ? num(inf.usd) : null, cost_unknown: Boolean(inf) && num(inf.usd) === null,
  };
}

// /performance → {start_date, end_date, rows: [{rank, signature, portfolio_value, ...}], benchmark}
export function normalisePerformance(p) {
  const list = pick(p.leaderboard, p.results, p.models, p.signatures, p.data) || [];
  const bm = pick(p.benchmark, p.qqq, p.QQQ);
  const b = bm ? metricsOf(bm) : null;
  const benchmark = b && {
    symbol: pick(b.symbol, b.signature, "QQQ"),
    portfolio_value: num(pick(b.portfolio_value, b.final_value, b.end_value)),
    start_value: num(b.start_value),
    cumulative_return: num(b.cumulative_return),
    sharpe: num(b.sharpe),
    max_drawdown: num(b.max_drawdown),
    trades: num(b.trades),
    series: Array.isArray(pick(b.series, b.values)) ? pick(b.series, b.values) : null,
  };
  const rows = list.map((r, i) => {
    const m = metricsOf(r);
    const cum = num(m.cumulative_return);
    const given = num(pick(m.vs_qqq, m.vs_benchmark, m.excess_return, m.relative_return));
    return {
      rank: num(pick(m.rank, i + 1)),
      signature: String(pick(m.signature, m.model, m.name, "?")),
      portfolio_value: num(pick(m.portfolio_value, m.final_value, m.end_value)),
      cumulative_return: cum,
      sharpe: num(m.sharpe),
      max_drawdown: num(m.max_drawdown),
      trades: num(m.trades),
      vs_qqq: given !== null ? given
        : cum !== null && benchmark && benchmark.cumulative_return !== null ? cum - benchmark.cumulative_return : null,
      // share of days that never used a tool (no tool call, or the finish signal on step 1): a broken integration
      no_tool_use: r.tool_use ? num(r.tool_use.no_tool_use_share) : null,
      no_tool_use_days: r.tool_use ? num(r.tool_use.no_tool_use_days) : null,
      tool_use_days: r.tool_use ? num(r.tool_use.days) : null,
      // the model's knowledge cutoff and the return over the days after it alone (null without a cutoff)
      knowledge_cutoff: pick(r.knowledge_cutoff, null),
      post_cutoff_return: num(r.post_cutoff && r.post_cutoff.metrics ? r.post_cutoff.metrics.cumulative_return : null),
      ...statisticsOf(r),
      start_date: pick(m.start_date, m.first_date, null),
      end_date: pick(m.end_date, m.last_date, null),
    };
  });
  const dates = rows.flatMap((r) => [r.start_date, r.end_date]).filter(Boolean).sort();
  return {
    start_date: pick(p.start_date, dates[0], null),
    end_date: pick(p.end_date, dates[dates.length - 1], null),
    rows,
    benchmark,
  };
}

export async function loadPerformance() {
  try {
    return normalisePerformance(await getJson("/performance"));
  } catch (e) {
    if (e.status === 404) return { start_date: null, end_date: null, rows: [], benchmark: null };
    throw e;
  }
}

// {dates: [...], bySignature: Map(signature → [{date, positions, daily_pnl}])} from the /results range.
export async function loadSeries(start, end) {
  const body = await getJson("/results?" + query({ start_date: start, end_date: end }));
  const bySignature = new Map();
  const dateSet = new Set();
  for (const r of body.results || []) {
    const days = (r.days || []).slice().sort((a, b) => (a.date < b.date ? -1 : 1));
    bySignature.set(r.model, days);
    for (const d of days) dateSet.add(d.date);
  }
  return { dates: [...dateSet].sort(), bySignature };
}

// The QQQ line: from /performance when it carries one, else from the dashboard's own price route.
export async function loadBenchmark(perf, initial) {
  const s = perf.benchmark && perf.benchmark.series;
  if (s && s.length) return { symbol: perf.benchmark.symbol || "QQQ", series: s.map(normPoint) };
  try {
    const body = await getJson("/dashboard/data/benchmark?" +
      query({ start_date: perf.start_date, end_date: perf.end_date, initial }));
    return { symbol: body.symbol || "QQQ", series: body.series || [] };
  } catch (e) {
    return { symbol: "QQQ", series: [], error: e.message };
  }
}

function normPoint(p) {
  return Array.isArray(p) ? { date: p[0], value: p[1] } : { date: p.date, value: pick(p.value, p.portfolio_value) };
}
