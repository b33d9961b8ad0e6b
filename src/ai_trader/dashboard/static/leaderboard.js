// The leaderboard table: one row per signature (numbers exactly as /performance gives them), QQQ in the footer.
import { el, fmt, tone } from "./format.js";

const COLUMNS = [
  ["rank", fmt.int], ["signature", null], ["portfolio_value", fmt.money], ["cumulative_return", fmt.pct],
  ["sharpe", fmt.ratio], ["max_drawdown", fmt.pct], ["trades", fmt.int], ["vs_qqq", fmt.pct],
  ["no_tool_use", fmt.int], ["knowledge_cutoff", fmt.text], ["post_cutoff_return", fmt.pct],
  ["return_ci", null], ["tier", fmt.int], ["cost_usd", fmt.usd],
];
const TONED = new Set(["cumulative_return", "vs_qqq", "max_drawdown", "post_cutoff_return"]);
const TEXT = new Set(["signature", "knowledge_cutoff"]); // not right-aligned numbers
const NO_TOOL_USE_TITLE = "days that never used a tool (no tool call, or the finish signal on step 1): "
  + "usually a broken tool-calling integration, not a cautious trader";

// "—" without recorded sessions, "0", or "3 of 20 days" (flagged)
function noToolUse(row) {
  if (row.no_tool_use_days === null || row.no_tool_use_days === undefined) return fmt.int(null);
  return row.no_tool_use_days ? `${row.no_tool_use_days} of ${row.tool_use_days} days` : "0";
}

export class Leaderboard {
  constructor(onSelect) {
    this.rows = [];
    this.colors = new Map();
    this.sort = null; // {key, dir}
    this.selected = null;
    this.onSelect = onSelect;
    this.body = document.getElementById("leaderboard-body");
    this.foot = document.getElementById("leaderboard-foot");
    for (const th of document.querySelectorAll("#leaderboard th[data-key]")) {
      th.addEventListener("click", () => this.sortBy(th.dataset.key));
    }
    this.body.addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr[data-signature]");
      if (tr) this.onSelect(tr.dataset.signature);
    });
  }

  set(perf, colors) {
    this.rows = perf.rows;
    this.benchmark = perf.benchmark;
    this.colors = colors;
    const ends = this.rows.flatMap((r) => [r.ci_low, r.ci_high]).filter((v) => v !== null);
    this.scale = ends.length ? [Math.min(0, ...ends), Math.max(0, ...ends)] : null;
    document.getElementById("leaderboard-empty").hidden = this.rows.length > 0;
    this.render();
  }

  sortBy(key) {
    const dir = this.sort && this.sort.key === key && this.sort.dir === "descending" ? "ascending" : "descending";
    this.sort = { key, dir };
    for (const th of document.querySelectorAll("#leaderboard th[data-key]")) {
      if (th.dataset.key === key) th.setAttribute("aria-sort", dir);
      else th.removeAttribute("aria-sort");
    }
    this.render();
  }

  ordered() {
    if (!this.sort) return this.rows;
    const { key, dir } = this.sort;
    const sign = dir === "ascending" ? 1 : -1;
    return this.rows.slice().sort((a, b) => {
      const x = a[key], y = b[key];
      if (x === null || x === undefined) return 1; // missing values last either way
      if (y === null || y === undefined) return -1;
      return (typeof x === "string" ? x.localeCompare(y) : x - y) * sign;
    });
  }

  // "[low, high]" and an error bar on the table's common scale (0 marked, the dot at the mean over runs)
  interval(row) {
    if (row.ci_low === null || row.ci_low === undefined || row.ci_high === null) return [fmt.pct(null), null];
    const text = `[${fmt.pct(row.ci_low)}, ${fmt.pct(row.ci_high)}]`;
    if (!this.scale) return [text, null];
    const [lo, hi] = this.scale, span = hi - lo || 1, at = (v) => (((v - lo) / span) * 100).toFixed(2) + "%";
    const bar = el("span", { class: "ci-bar", "data-testid": "ci-bar", "aria-hidden": "true" },
      el("span", { class: "ci-zero", style: `left:${at(0)}` }),
      el("span", { class: "ci-range", style: `left:${at(row.ci_low)};width:${(((row.ci_high - row.ci_low) / span) * 100).toFixed(2)}%` }),
      row.ci_mean === null ? null : el("span", { class: "ci-mean", style: `left:${at(row.ci_mean)}` }));
    return [text, bar];
  }

  cells(row, testid) {
    return COLUMNS.map(([key, f]) => {
      const v = row[key];
      let text = key === "no_tool_use" ? noToolUse(row) : f ? f(v) : String(v);
      let extra = null;
      if (key === "return_ci") [text, extra] = this.interval(row);
      if (key === "cost_usd" && row.cost_unknown) text = "unknown";
      const flagged = key === "no_tool_use" && row.no_tool_use_days > 0;
      const swatch = key === "signature" ? el("span", { class: "swatch", style: `background:${this.colors.get(v) || "#222"}` }) : null;
      return el("td", {
        class: [!TEXT.has(key) && (f || key === "return_ci") ? "num" : "", TONED.has(key) ? tone(v) : "", flagged ? "warn" : ""].join(" ").trim() || null,
        "data-col": key, "data-value": v === null || v === undefined ? "" : String(v), "data-testid": testid,
        title: flagged ? NO_TOOL_USE_TITLE
          : key === "return_ci" && row.interval_method
            ? (row.interval_method === "runs" ? `across ${row.runs} runs` : "from the trading days (one run)") : null,
      }, swatch, text, extra);
    });
  }

  render() {
    const frag = document.createDocumentFragment();
    for (const row of this.ordered()) {
      const tr = el("tr", { "data-signature": row.signature, "data-testid": "leaderboard-row",
        class: row.signature === this.selected ? "selected" : null });
      tr.append(...this.cells(row));
      frag.append(tr);
    }
    this.body.replaceChildren(frag);
    this.foot.replaceChildren();
    const b = this.benchmark;
    if (b) {
      const tr = el("tr", { class: "benchmark", "data-testid": "benchmark-row" });
      tr.append(...this.cells({ rank: null, signature: `${b.symbol} (buy & hold)`, portfolio_value: b.portfolio_value,
        cumulative_return: b.cumulative_return, sharpe: b.sharpe, max_drawdown: b.max_drawdown, trades: b.trades,
        vs_qqq: null, no_tool_use: null, knowledge_cutoff: null, post_cutoff_return: null }));
      this.foot.append(tr);
    }
  }

  select(signature) {
    this.selected = signature;
    for (const tr of this.body.querySelectorAll("tr")) tr.classList.toggle("selected", tr.dataset.signature === signature);
  }
}
