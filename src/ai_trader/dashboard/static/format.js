// One number format per kind of value, used by every table so the same number always reads the same.
const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const DASH = "—";
const isNum = (v) => typeof v === "number" && Number.isFinite(v);

export const fmt = {
  money: (v) => (isNum(v) ? (v < 0 ? "-$" : "$") + money.format(Math.abs(v)) : DASH),
  // fractions (0.0123) shown as signed percentages (+1.23%)
  pct: (v) => (isNum(v) ? (v > 0 ? "+" : "") + (v * 100).toFixed(2) + "%" : DASH),
  weight: (v) => (isNum(v) ? (v * 100).toFixed(2) + "%" : DASH),
  ratio: (v) => (isNum(v) ? v.toFixed(2) : DASH),
  int: (v) => (isNum(v) ? String(Math.round(v)) : DASH),
  shares: (v) => (isNum(v) ? String(v) : DASH),
  price: (v) => (isNum(v) ? money.format(v) : DASH),
  text: (v) => (v === null || v === undefined || v === "" ? DASH : String(v)),
};

export function tone(v) {
  return isNum(v) ? (v > 0 ? "up" : v < 0 ? "down" : "") : "";
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

// A stable, well-spread colour per series index (golden-angle hues).
export function color(i) {
  return `hsl(${Math.round((i * 137.508) % 360)}, 62%, ${i % 2 ? 38 : 48}%)`;
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : DASH;
}
