/**
 * Charts drawn on the server as inline SVG: no script, no CDN, nothing for a strict CSP to
 * block (presentation attributes only, no `style`). Every chart scales with its container
 * through its viewBox, so the same markup serves a laptop and a phone.
 */
import { html, raw } from "hono/html";

type Html = ReturnType<typeof html>;

export interface Series {
  label: string;
  /** One value per point (null = no data: a gap). */
  values: (number | null)[];
  /** A CSS class from the dashboard stylesheet naming the colour (`s1` … `s4`). */
  cls: string;
}

const W = 640;
const H = 180;
const PAD = { l: 44, r: 10, t: 10, b: 22 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v: number) => (v >= 1000 ? `${Math.round(v / 100) / 10}k` : Number.isInteger(v) ? String(v) : v.toFixed(1));

/** Folds `n` points into at most `max` by summing (counts) — long windows stay readable. */
export function downsample<T>(points: readonly T[], max: number, merge: (group: T[]) => T): T[] {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / max);
  const out: T[] = [];
  for (let i = 0; i < points.length; i += size) out.push(merge(points.slice(i, i + size)));
  return out;
}

function axis(labels: readonly string[], max: number, unit: string): string {
  const ticks = [0, max / 2, max];
  const plotH = H - PAD.t - PAD.b;
  let out = "";
  for (const t of ticks) {
    const y = PAD.t + plotH - (t / max) * plotH;
    out += `<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`;
    out += `<text class="tick" x="${PAD.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(unit === "$" ? `$${fmt(t)}` : `${fmt(t)}${unit}`)}</text>`;
  }
  const n = labels.length;
  const step = Math.max(1, Math.ceil(n / 6));
  for (let i = 0; i < n; i += step) {
    const x = PAD.l + ((i + 0.5) / n) * (W - PAD.l - PAD.r);
    out += `<text class="tick" x="${x.toFixed(1)}" y="${H - 6}" text-anchor="middle">${esc(labels[i] ?? "")}</text>`;
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function legend(series: readonly Series[]): Html {
  return html`<div class="legend">${series.map((s) => html`<span class="key ${s.cls}">${s.label}</span>`)}</div>`;
}

/** A line chart of one or more series over the same labels (e.g. leads and sold per hour). */
export function lineChart(title: string, labels: readonly string[], series: readonly Series[], opts: { unit?: string; id?: string; max?: number } = {}): Html {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = opts.max ?? niceMax(Math.max(0, ...all));
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const n = Math.max(1, labels.length);
  let paths = "";
  for (const s of series) {
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      const x = PAD.l + ((i + 0.5) / n) * plotW;
      const y = PAD.t + plotH - (Math.min(v, max) / max) * plotH;
      d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
      pen = true;
      // A point with no neighbour draws no line: show it as a dot.
      if ((s.values[i - 1] ?? null) === null && (s.values[i + 1] ?? null) === null)
        paths += `<circle class="dot ${s.cls}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3"/>`;
    });
    paths += `<path class="line ${s.cls}" d="${d}"/>`;
  }
  return html`<figure class="chart"${opts.id ? raw(` id="${esc(opts.id)}"`) : ""}><figcaption>${title}</figcaption>
<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}">${raw(axis(labels, max, opts.unit ?? ""))}${raw(paths)}</svg>${legend(series)}</figure>`;
}

/** A bar chart of one series (e.g. revenue per hour). */
export function barChart(title: string, labels: readonly string[], values: readonly number[], opts: { unit?: string; id?: string; cls?: string } = {}): Html {
  const max = niceMax(Math.max(0, ...values));
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const n = Math.max(1, values.length);
  const bw = Math.max(1, (plotW / n) * 0.8);
  let bars = "";
  values.forEach((v, i) => {
    const h = (v / max) * plotH;
    const x = PAD.l + (i / n) * plotW + (plotW / n - bw) / 2;
    bars += `<rect class="bar ${opts.cls ?? "s1"}" x="${x.toFixed(1)}" y="${(PAD.t + plotH - h).toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(labels[i] ?? "")}: ${esc(opts.unit === "$" ? `$${v.toFixed(2)}` : String(v))}</title></rect>`;
  });
  return html`<figure class="chart"${opts.id ? raw(` id="${esc(opts.id)}"`) : ""}><figcaption>${title}</figcaption>
<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}">${raw(axis(labels, max, opts.unit ?? ""))}${raw(bars)}</svg></figure>`;
}

/** A horizontal bar list (revenue by buyer, by source): label, bar, value. */
export function barList(rows: readonly { label: string; value: number; href?: string }[], unit: "$" | "" = "$"): Html {
  const max = Math.max(0, ...rows.map((r) => r.value)) || 1;
  return html`<ul class="barlist">${rows.map(
    (r) =>
      html`<li><span class="bl-label">${r.href ? html`<a href="${r.href}">${r.label}</a>` : r.label}</span><svg class="bl-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="bar s1" x="0" y="0" height="10" width="${((r.value / max) * 100).toFixed(1)}"/></svg><span class="bl-value">${unit === "$" ? `$${r.value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : String(r.value)}</span></li>`,
  )}</ul>`;
}

/**
 * A sparkline: the trend of a rate (0–1) per bucket, gaps where nothing ended. Points below
 * `warnBelow` are marked, so a dip shows at a glance.
 */
export function sparkline(values: readonly (number | null)[], opts: { label: string; warnBelow?: number } = { label: "" }): Html {
  const w = 120;
  const h = 28;
  const n = Math.max(1, values.length);
  let d = "";
  let pen = false;
  let marks = "";
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = ((i + 0.5) / n) * w;
    const y = 2 + (1 - Math.max(0, Math.min(1, v))) * (h - 4);
    d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
    if ((values[i - 1] ?? null) === null && (values[i + 1] ?? null) === null)
      marks += `<circle class="dot s1" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="1.8"/>`;
    if (opts.warnBelow !== undefined && v < opts.warnBelow) marks += `<circle class="dip" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="1.8"/>`;
  });
  const empty = d === "" ? `<line class="grid" x1="0" x2="${w}" y1="${h / 2}" y2="${h / 2}"/>` : "";
  return html`<svg class="spark" viewBox="0 0 ${w} ${h}" role="img" aria-label="${opts.label}">${raw(empty)}<path class="line s1" d="${d}"/>${raw(marks)}</svg>`;
}
