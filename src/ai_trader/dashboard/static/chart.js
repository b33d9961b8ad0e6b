// Portfolio value over time: one uPlot canvas for every signature plus the benchmark (no per-point DOM).
import { el, fmt } from "./format.js";

const BENCH_COLOR = "#222";

export class PortfolioChart {
  constructor() {
    this.root = document.getElementById("portfolio-chart");
    this.legend = document.getElementById("chart-legend");
    this.readout = document.getElementById("chart-readout");
    this.log = false;
    this.plot = null;
    this.hidden = new Set();
    this.focused = null;
    new ResizeObserver(() => this.plot && this.plot.setSize(this.size())).observe(this.root);
  }

  size() {
    return { width: Math.max(320, this.root.clientWidth), height: 380 };
  }

  // names: series names in order, columns: value arrays aligned with `dates` (null = no value that day)
  set(dates, names, columns, colors, benchmarkName) {
    this.dates = dates;
    this.names = names;
    this.columns = columns;
    this.colors = colors;
    this.benchmarkName = benchmarkName;
    this.draw();
  }

  setLog(on) {
    this.log = on;
    this.draw();
  }

  draw() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
    const n = this.names ? this.names.length : 0;
    this.root.dataset.seriesCount = String(n);
    this.root.dataset.scale = this.log ? "log" : "linear";
    this.root.dataset.seriesNames = JSON.stringify(this.names || []);
    if (!n || !this.dates.length) {
      this.root.replaceChildren(el("p", { class: "muted", text: "No portfolio values yet." }));
      this.legend.replaceChildren();
      this.root.dataset.rendered = "empty";
      return;
    }
    this.root.replaceChildren();
    const series = [{}].concat(this.names.map((name, i) => ({
      label: name,
      stroke: name === this.benchmarkName ? BENCH_COLOR : this.colors.get(name),
      width: name === this.benchmarkName ? 2 : 1.25,
      dash: name === this.benchmarkName ? [6, 4] : undefined,
      show: !this.hidden.has(name),
      points: { show: this.dates.length <= 30 },
      spanGaps: false,
    })));
    const opts = {
      ...this.size(),
      series,
      legend: { show: false },
      focus: { alpha: 0.25 },
      cursor: { focus: { prox: 24 }, drag: { x: true, y: false } },
      // x is the trading-day index (no weekend or holiday gaps); its labels are the dates
      scales: { x: { time: false }, y: { distr: this.log ? 3 : 1 } },
      axes: [
        { space: 70, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500],
          values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) && this.dates[t] ? this.dates[t].slice(5) : "")) },
        { size: 70, values: (u, ticks) => ticks.map((t) => "$" + Math.round(t).toLocaleString("en-US")) },
      ],
      hooks: {
        setSeries: [(u, i) => { this.focused = i; this.showReadout(u); }],
        setCursor: [(u) => this.showReadout(u)],
      },
    };
    this.plot = new uPlot(opts, [this.dates.map((_, i) => i), ...this.columns], this.root);
    this.renderLegend();
    this.root.dataset.rendered = "true";
    performance.mark("chart-rendered");
  }

  showReadout(u) {
    const idx = u.cursor.idx;
    if (idx === null || idx === undefined) { this.readout.innerHTML = "&nbsp;"; return; }
    const i = this.focused;
    const date = this.dates[idx];
    const b = this.names.indexOf(this.benchmarkName);
    const parts = [date];
    if (i && i > 0) parts.push(`${this.names[i - 1]}: ${fmt.money(this.columns[i - 1][idx])}`);
    if (b >= 0 && i !== b + 1) parts.push(`${this.benchmarkName}: ${fmt.money(this.columns[b][idx])}`);
    this.readout.textContent = parts.join("  ·  ");
  }

  renderLegend() {
    const frag = document.createDocumentFragment();
    this.names.forEach((name, i) => {
      const b = el("button", { type: "button", "data-testid": "legend-item", "data-series": name,
        class: this.hidden.has(name) ? "off" : null, title: "show / hide" },
        el("span", { class: "swatch", style: `background:${name === this.benchmarkName ? BENCH_COLOR : this.colors.get(name)}` }),
        name);
      b.addEventListener("click", () => {
        const show = this.hidden.has(name);
        if (show) this.hidden.delete(name); else this.hidden.add(name);
        b.classList.toggle("off", !show);
        this.plot.setSeries(i + 1, { show });
      });
      frag.append(b);
    });
    this.legend.replaceChildren(frag);
  }

  showAll() {
    this.hidden.clear();
    this.draw();
  }

  highlight(name) {
    const i = this.names ? this.names.indexOf(name) : -1;
    if (this.plot && i >= 0 && !this.hidden.has(name)) this.plot.setSeries(i + 1, { focus: true });
  }

  csv() {
    const esc = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const lines = [["date", ...this.names].map(esc).join(",")];
    this.dates.forEach((d, r) => {
      lines.push([d, ...this.columns.map((c) => (c[r] === null || c[r] === undefined ? "" : String(c[r])))].join(","));
    });
    return lines.join("\n") + "\n";
  }
}
