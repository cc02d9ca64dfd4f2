/**
 * The three dashboard views and the lead page. Figures come from the rollups (a bounded number
 * of rows per window), except the executive view's source payout and margin, which come from the
 * window's sales rows through `pingPostMetrics` — the function `/v1/metrics` (`pingPost`) answers
 * from, so both show the same numbers; the diagnostics lists read raw attempts with a bounded scan.
 */
import { html, raw } from "hono/html";
import { gateStatuses } from "../../buyer-gate/client";
import type { GateStatus } from "../../buyer-gate/types";
import { type AlertNotificationRow, type AlertRow, listAlerts, notificationsOf, openAlerts } from "../../db/alerts";
import { attemptsOf } from "../../db/attempts";
import { buyerOverrides } from "../../db/buyer-overrides";
import { recentDeadLetters } from "../../db/dead-letters";
import { findFailures } from "../../db/diagnostics";
import { getLead } from "../../db/lead-reads";
import { pingPostMetrics } from "../../db/pingpost-reports";
import { latestRegressions } from "../../db/regression";
import { windowRollups } from "../../db/reports";
import { readRefusals } from "../../db/rollups";
import { listSources } from "../../db/sources";
import { timelineOf } from "../../db/timeline";
import type { BuyerConfig } from "../../integration/config";
import { getBuyerRegistry } from "../../integration/registry";
import { type Folded, foldRollups, metricsFromRollups, type WindowName, type WindowRange, windowRange } from "../../observability/metrics";
import { redact, redactBody } from "../../observability/redact";
import { addCounts, type Counts, emptyCounts, errorsByClass, latencyOf, successRate } from "../../observability/rollup";
import { barChart, barList, downsample, lineChart, sparkline } from "./charts";
import { age, bucketLabel, type Html, ms, pct, refreshControl, usd, windowPicker } from "./layout";

/** The counters of every bucket of the window for one key, folded to at most `max` points for a chart. */
function bucketCounts(f: Folded, dim: "all" | "buyer" | "source", key: string, range: WindowRange, max: number): { label: string; c: Counts }[] {
  const s = f.series.get(`${dim}|${key}`);
  const points = range.buckets.map((b) => {
    const iso = new Date(b).toISOString();
    return { label: bucketLabel(iso, range.name), c: s?.get(iso) ?? emptyCounts() };
  });
  return downsample(points, max, (group) => ({ label: group[0]?.label ?? "", c: group.reduce((acc, p) => addCounts(acc, p.c), emptyCounts()) }));
}

// ---------------------------------------------------------------------------------------------
// Executive

/** Money kept after paying the source: the margin and its share of revenue (null without revenue). */
interface MarginCells {
  revenue: number;
  payout: number;
  margin: number;
}

/** Margin as a share of revenue; null when nothing was sold, so the page shows "—" rather than 0 %. */
export function marginShare(m: { revenue: number; margin: number }): number | null {
  return m.revenue > 0 ? m.margin / m.revenue : null;
}

const NO_MONEY: MarginCells = { revenue: 0, payout: 0, margin: 0 };

/** The payout, margin and margin % cells of a row (each marked, so a test or a reader can find it). */
function marginCells(m: MarginCells): Html {
  return html`<td class="num" data-col="payout">${usd(m.payout)}</td><td class="num" data-col="margin">${usd(m.margin)}</td><td class="num" data-col="margin-pct">${pct(marginShare(m))}</td>`;
}

/** The executive view: KPIs, trends, money by buyer and by source, sources and verticals. */
export async function executiveView(env: Env, window: WindowName, nowMs: number): Promise<Html> {
  const range = windowRange(window, nowMs);
  // Payout and margin from the same function and range as `/v1/metrics` (`pingPost`): the window's
  // non-test sales rows, so the two never disagree.
  const [read, sources, pp] = await Promise.all([windowRollups(env, range), listSources(env), pingPostMetrics(env, range.fromMs, range.toMs)]);
  const m = metricsFromRollups(
    read.rows,
    range,
    sources.map((s) => ({ id: s.id, name: s.name, qualityScore: s.qualityScore })),
    { rowsRead: read.rowsRead },
  );
  const f = foldRollups(read.rows);
  const pts = bucketCounts(f, "all", "", range, 72);
  const labels = pts.map((p) => p.label);
  const byBuyer = m.buyers.filter((b) => b.revenue > 0 || b.sold > 0).sort((a, b) => b.revenue - a.revenue);
  const bySource = m.sources.filter((s) => s.leads + s.refused > 0 || s.revenue > 0).sort((a, b) => b.revenue - a.revenue);
  const sourceMoney = new Map(pp.sources.map((s) => [s.sourceId, s]));
  const buyerMoney = pp.buyers
    .filter((b) => b.sales > 0)
    .map((b) => ({ buyerId: b.buyerId, sales: b.sales, revenue: b.revenue, payout: b.payout, margin: Math.round((b.revenue - b.payout) * 100) / 100 }))
    .sort((a, b) => b.revenue - a.revenue || a.buyerId.localeCompare(b.buyerId));
  const kpi = (k: string, label: string, value: string, sub?: string) =>
    html`<div class="card"><div class="k">${label}</div><div class="v"${raw(k ? ` data-kpi="${k}"` : "")}>${value}</div>${sub ? html`<div class="sub">${sub}</div>` : ""}</div>`;
  return html`<div class="toolbar">${windowPicker("executive", window)}<span class="muted small">${m.window.from.slice(0, 16)}Z → ${m.window.to.slice(0, 16)}Z · ${m.meta.rowsRead} rollup rows read</span></div>
<div class="cards" id="kpis">
  ${kpi("leads", "Leads", String(m.leads.total), m.leads.test ? `${m.leads.test} test` : undefined)}
  ${kpi("sold", "Sold", String(m.leads.sold))}
  ${kpi("unsold", "Unsold / expired", `${m.leads.unsold} / ${m.leads.expired}`)}
  ${kpi("sell-through", "Sell-through", pct(m.leads.sellThrough), "sold ÷ leads that ended")}
  ${kpi("revenue", "Revenue", usd(m.revenue.sold))}
  ${kpi("payout", "Source payout", usd(pp.money.payout), `${pp.money.sales} sales · ${usd(pp.money.revenue)} revenue`)}
  ${kpi("payout-margin", "Margin after payout", usd(pp.money.margin), `${pct(marginShare(pp.money))} of revenue`)}
  ${kpi("margin", "Net after returns", usd(m.revenue.net), `margin ${pct(m.revenue.margin)} · credited ${usd(m.revenue.credited)}`)}
  ${kpi("success", "Delivery success", pct(m.successRate), "deliveries that ended accepted")}
  ${kpi("p95", "p95 latency", ms(m.latencyMs.p95))}
  ${kpi("refused", "Refused at intake", String(m.leads.refused), `${pct(m.leads.refusalRate)} of posts`)}
</div>
<h2>Trends</h2>
<div class="grid2">
  ${barChart(
    "Revenue",
    labels,
    pts.map((p) => Math.round(p.c.revenue * 100) / 100),
    { unit: "$", id: "chart-revenue" },
  )}
  ${lineChart(
    "Leads, sold, unsold",
    labels,
    [
      { label: "leads", values: pts.map((p) => p.c.leads), cls: "s1" },
      { label: "sold", values: pts.map((p) => p.c.sold), cls: "s2" },
      { label: "unsold + expired", values: pts.map((p) => p.c.unsold + p.c.expired), cls: "s3" },
    ],
    { id: "chart-leads" },
  )}
  ${lineChart(
    "Sell-through and delivery success",
    labels,
    [
      {
        label: "sell-through",
        values: pts.map((p) => {
          const ended = p.c.sold + p.c.unsold + p.c.expired;
          return ended > 0 ? Math.round((p.c.sold / ended) * 1000) / 10 : null;
        }),
        cls: "s2",
      },
      {
        label: "delivery success",
        values: pts.map((p) => {
          const r = successRate(p.c);
          return r === null ? null : Math.round(r * 1000) / 10;
        }),
        cls: "s1",
      },
    ],
    { unit: "%", max: 100, id: "chart-rates" },
  )}
</div>
<div class="grid2">
  <div class="panel" id="revenue-by-buyer"><h3>Revenue by buyer</h3>${
    byBuyer.length === 0 ? html`<p class="muted">No sales in this window.</p>` : barList(byBuyer.map((b) => ({ label: b.buyerId, value: b.revenue })))
  }</div>
  <div class="panel" id="revenue-by-source"><h3>Revenue by source</h3>${
    bySource.length === 0 ? html`<p class="muted">No sales in this window.</p>` : barList(bySource.map((s) => ({ label: s.name, value: s.revenue })))
  }</div>
</div>
<h2>Buyers</h2>
${
  buyerMoney.length === 0
    ? html`<p class="muted" id="buyer-money-empty">No sales in this window.</p>`
    : html`<div class="table-wrap"><table id="buyer-money"><thead><tr><th>Buyer</th><th class="num">Sales</th><th class="num">Revenue</th><th class="num">Payout to sources</th><th class="num">Margin</th><th class="num">Margin %</th></tr></thead><tbody>
${buyerMoney.map(
  (b) =>
    html`<tr data-buyer="${b.buyerId}"><td>${b.buyerId}</td><td class="num" data-col="sales">${b.sales}</td><td class="num" data-col="revenue">${usd(b.revenue)}</td>${marginCells(b)}</tr>`,
)}
</tbody></table></div>`
}
<h2>Sources</h2>
<div class="table-wrap"><table id="sources"><thead><tr><th>Source</th><th class="num">Leads</th><th class="num">Sold</th><th class="num">Revenue</th><th class="num">Payout</th><th class="num">Margin</th><th class="num">Margin %</th><th class="num">Refused</th><th class="num">Returns</th><th class="num">Conversions</th><th class="num">Quality</th></tr></thead><tbody>
${m.sources.map(
  (s) =>
    html`<tr data-source="${s.sourceId}"><td>${s.name}</td><td class="num">${s.leads}</td><td class="num">${s.sold}</td><td class="num" data-col="revenue">${usd(s.revenue)}</td>${marginCells(sourceMoney.get(s.sourceId) ?? NO_MONEY)}<td class="num">${s.refused}${s.refusalRate ? html` <span class="muted small">(${pct(s.refusalRate)})</span>` : ""}</td><td class="num">${s.returns}</td><td class="num">${s.conversions}</td><td class="num">${s.qualityScore === null ? "—" : s.qualityScore.toFixed(0)}</td></tr>`,
)}
</tbody></table></div>
<p class="muted small">Payout and margin: the sales of the window (test leads left out), as <code>/v1/metrics</code> reports them under <code>pingPost</code>; margin = revenue − what the source is paid, margin % of that revenue.</p>
<h2>Verticals</h2>
<div class="table-wrap"><table id="verticals"><thead><tr><th>Vertical</th><th class="num">Leads</th><th class="num">Sold</th><th class="num">Unsold</th><th class="num">Expired</th><th class="num">Revenue</th></tr></thead><tbody>
${m.verticals.map((v) => html`<tr><td>${v.vertical}</td><td class="num">${v.leads}</td><td class="num">${v.sold}</td><td class="num">${v.unsold}</td><td class="num">${v.expired}</td><td class="num">${usd(v.revenue)}</td></tr>`)}
</tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------
// Operations

export const SORT_KEYS = ["buyer", "circuit", "attempts", "success", "p95", "errors", "retries", "inflight", "lastSuccess"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
const SORT_LABEL: Record<SortKey, string> = {
  buyer: "buyer",
  circuit: "circuit",
  attempts: "attempts",
  success: "success",
  p95: "p95 latency",
  errors: "errors",
  retries: "retries",
  inflight: "in flight",
  lastSuccess: "last success",
};

interface BuyerRow {
  buyer: BuyerConfig;
  status: string;
  gate: GateStatus | undefined;
  gateError: string | undefined;
  c: Counts;
  spark: (number | null)[];
  regression: { outcome: string; reason: string | null; createdAt: string } | undefined;
}

function sortValue(r: BuyerRow, key: SortKey): number | string {
  switch (key) {
    case "buyer":
      return r.buyer.id;
    case "circuit":
      return r.gate?.circuit.state === "open" ? 2 : r.gate?.circuit.state === "half_open" ? 1 : 0;
    case "attempts":
      return r.c.attempts;
    case "success":
      return successRate(r.c) ?? -1;
    case "p95":
      return latencyOf(r.c).p95 ?? -1;
    case "errors":
      return r.c.att_failed;
    case "retries":
      return r.c.retries;
    case "inflight":
      return r.gate?.inFlight.count ?? 0;
    case "lastSuccess":
      return r.gate?.lastSuccessAt ?? "";
  }
}

function capsCell(g: GateStatus | undefined): Html {
  if (!g) return html`—`;
  return html`<div class="caps">${(["hour", "day", "week", "month"] as const).map((w) => {
    const u = g.caps[w];
    const full = u.limit !== null && u.used >= u.limit;
    return html`<span class="muted">${w}</span><span class="${full ? "bad" : ""}" data-cap="${w}">${u.used}${u.limit === null ? " / ∞" : ` / ${u.limit} (${u.left} left)`}</span>`;
  })}</div>`;
}

function circuitCell(g: GateStatus | undefined, err: string | undefined, nowMs: number): Html {
  if (!g) return html`<span class="bad" title="${err ?? ""}">unknown</span>`;
  const s = g.circuit.state;
  if (s === "closed") return html`<span class="ok">closed</span>`;
  return html`<span class="bad">${s === "half_open" ? "half-open" : "open"}</span><div class="small muted">open ${age(g.circuit.openedAt, nowMs)}</div>`;
}

export async function operationsView(env: Env, window: WindowName, nowMs: number, sort: SortKey, dir: "asc" | "desc"): Promise<Html> {
  const range = windowRange(window, nowMs);
  const buyers = [...getBuyerRegistry(env).values()];
  const [read, gates, overrides, regressions, open] = await Promise.all([
    windowRollups(env, range),
    gateStatuses(env, buyers),
    buyerOverrides(env),
    latestRegressions(env, nowMs - 3 * 86_400_000),
    openAlerts(env),
  ]);
  const f = foldRollups(read.rows);
  const rows: BuyerRow[] = buyers.map((b) => {
    const g = gates[b.id];
    return {
      buyer: b,
      status: overrides.get(b.id)?.status ?? b.status,
      gate: g && "circuit" in g ? (g as GateStatus) : undefined,
      gateError: g && "error" in g ? String(g.error) : undefined,
      c: f.byBuyer.get(b.id) ?? emptyCounts(),
      spark: bucketCounts(f, "buyer", b.id, range, 48).map((p) => successRate(p.c)),
      regression: regressions.get(b.id),
    };
  });
  rows.sort((a, b) => {
    const x = sortValue(a, sort);
    const y = sortValue(b, sort);
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return dir === "asc" ? c : -c;
  });
  const th = (key: SortKey, label: string, num = false) => {
    const next = sort === key && dir === "desc" ? "asc" : "desc";
    const q = new URLSearchParams({ view: "operations", window, sort: key, dir: next });
    return html`<th class="${num ? "num" : ""}"><a class="${sort === key ? "on" : ""}" href="/dashboard?${q.toString()}" data-sort="${key}">${label}${sort === key ? (dir === "desc" ? " ▼" : " ▲") : ""}</a></th>`;
  };
  return html`<div class="toolbar">${windowPicker("operations", window, { sort, dir })}${refreshControl(30)}</div>
${alertsPanel(open, nowMs)}
<h2>Buyers</h2>
<form class="filters sortbar" method="get" action="/dashboard" id="sortbar"><input type="hidden" name="view" value="operations"><input type="hidden" name="window" value="${window}">
<label>Sort by<select name="sort">${SORT_KEYS.map((k) => html`<option value="${k}"${raw(k === sort ? " selected" : "")}>${SORT_LABEL[k]}</option>`)}</select></label>
<label>Order<select name="dir"><option value="desc"${raw(dir === "desc" ? " selected" : "")}>high to low</option><option value="asc"${raw(dir === "asc" ? " selected" : "")}>low to high</option></select></label>
<button type="submit">Sort</button></form>
<div class="table-wrap"><table id="buyers" class="stack"><thead><tr>
${th("buyer", "Buyer")}${th("circuit", "Circuit")}${th("attempts", "Attempts", true)}${th("success", "Success")}${th("p95", "p95", true)}${th("errors", "Errors by class")}${th("retries", "Retries", true)}<th>Caps used / limit</th>${th("inflight", "In flight", true)}${th("lastSuccess", "Last success")}<th>Regression</th>
</tr></thead><tbody>
${rows.map((r) => {
  const errs = errorsByClass(r.c);
  const sr = successRate(r.c);
  return html`<tr data-buyer="${r.buyer.id}"><td data-label="Buyer"><strong>${r.buyer.id}</strong>${r.status !== "active" ? html` <span class="pill ${r.status === "paused" ? "bad" : "warn"}">${r.status}</span>` : ""}<div class="small muted">${r.buyer.name}</div></td>
<td data-label="Circuit">${circuitCell(r.gate, r.gateError, nowMs)}</td>
<td class="num" data-label="Attempts">${r.c.attempts}</td>
<td data-label="Success">${sparkline(r.spark, { label: `delivery success of ${r.buyer.id}`, warnBelow: 0.9 })}<span class="${sr !== null && sr < 0.9 ? "bad" : ""}" data-success>${pct(sr)}</span></td>
<td class="num" data-label="p95">${ms(latencyOf(r.c).p95)}</td>
<td data-label="Errors">${Object.keys(errs).length === 0 ? html`<span class="muted">none</span>` : Object.entries(errs).map(([k, v]) => html`<span class="pill bad" data-error-class="${k}">${k} ${v}</span>`)}${r.c.auth_failures ? html`<span class="pill bad">401/403 ${r.c.auth_failures}</span>` : ""}</td>
<td class="num" data-label="Retries">${r.c.retries}</td>
<td data-label="Caps">${capsCell(r.gate)}</td>
<td class="num" data-label="In flight">${r.gate ? `${r.gate.inFlight.count}${r.gate.inFlight.limit ? ` / ${r.gate.inFlight.limit}` : ""}` : "—"}${r.gate?.pending ? html`<div class="small muted">${r.gate.pending} awaiting callback</div>` : ""}</td>
<td data-label="Last success">${r.gate?.lastSuccessAt ? html`${age(r.gate.lastSuccessAt, nowMs)} ago<div class="small muted">${r.gate.lastSuccessAt.slice(0, 19)}Z</div>` : "—"}</td>
<td data-label="Regression">${
    r.buyer.endpoint.sandboxUrl
      ? r.regression
        ? html`<span class="pill ${r.regression.outcome === "passed" ? "ok" : r.regression.outcome === "failed" ? "bad" : "warn"}">${r.regression.outcome}</span><div class="small muted">${r.regression.createdAt.slice(0, 16)}Z</div>`
        : html`<span class="muted">not run yet</span>`
      : html`<span class="pill warn" title="no sandbox URL: never sent to production">skipped: no sandbox</span>`
  }</td></tr>`;
})}
</tbody></table></div>
<p class="muted small">Success = deliveries that ended accepted ÷ deliveries that ended (a delivery awaiting the buyer's callback counts when it is settled). ${read.rowsRead} rollup rows read.</p>`;
}

function alertsPanel(open: AlertRow[], nowMs: number): Html {
  if (open.length === 0) return html`<div class="panel" id="open-alerts"><strong class="ok">No open alerts.</strong></div>`;
  return html`<h2>Open alerts</h2><div class="table-wrap"><table id="open-alerts" class="stack"><thead><tr><th>Since</th><th>Severity</th><th>Alert</th><th>Subject</th><th>Level</th><th>Message</th><th></th></tr></thead><tbody>
${open.map(
  (a) =>
    html`<tr id="alert-${a.id}" data-alert="${a.kind}"><td data-label="Since">${age(a.createdAt, nowMs)}</td><td data-label="Severity"><span class="pill ${a.severity === "warning" ? "warn" : "bad"}">${a.severity}</span></td><td data-label="Alert">${a.kind}</td><td data-label="Subject">${a.subject || "platform"}</td><td class="num" data-label="Level">${a.level}</td><td class="reason" data-label="Message">${a.message}</td><td data-label="">${
      a.ackedAt
        ? html`<span class="muted small">acked ${age(a.ackedAt, nowMs)} ago</span>`
        : html`<form class="inline" method="post" action="/dashboard/alerts/${a.id}/ack"><button type="submit">Acknowledge</button></form>`
    }</td></tr>`,
)}
</tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

export const ERROR_CLASSES = ["transient", "ambiguous", "client", "server", "config", "rejected"] as const;

export interface DiagnosticsFilter {
  window: WindowName;
  buyer?: string | undefined;
  source?: string | undefined;
  errorClass?: string | undefined;
  /** Optional exact range (ISO or datetime-local), narrowing the window. */
  from?: string | undefined;
  to?: string | undefined;
}

function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(/Z|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(t) ? t : undefined;
}

export async function diagnosticsView(env: Env, f: DiagnosticsFilter, nowMs: number): Promise<Html> {
  const range = windowRange(f.window, nowMs);
  const fromMs = parseTime(f.from) ?? range.fromMs;
  const toMs = parseTime(f.to) ?? range.toMs;
  const buyers = [...getBuyerRegistry(env).keys()].sort();
  const [failures, sources, refusals, read, alerts, dead] = await Promise.all([
    findFailures(env, { buyerId: f.buyer, sourceId: f.source, errorClass: f.errorClass, fromMs, toMs, limit: 200, scanLimit: 5000 }),
    listSources(env),
    readRefusals(env, range.grain, range.fromMs, range.toMs),
    windowRollups(env, range),
    listAlerts(env, 100),
    recentDeadLetters(env, 20),
  ]);
  const notes = await notificationsOf(
    env,
    alerts.map((a) => a.id),
  );
  const sourceName = new Map(sources.map((s) => [s.id, s.name]));
  const bySource = foldRollups(read.rows).bySource;
  const sel = (name: string, label: string, options: readonly (string | [string, string])[], current: string | undefined) =>
    html`<label>${label}<select name="${name}"><option value="">all</option>${options.map((o) => {
      const [v, l] = typeof o === "string" ? [o, o] : o;
      return html`<option value="${v}"${raw(v === current ? " selected" : "")}>${l}</option>`;
    })}</select></label>`;
  return html`<form class="filters" method="get" action="/dashboard" id="filters"><input type="hidden" name="view" value="diagnostics">
  ${sel("buyer", "Buyer", buyers, f.buyer)}
  ${sel(
    "source",
    "Source",
    sources.map((s) => [s.id, s.name] as [string, string]),
    f.source,
  )}
  ${sel("class", "Error class", ERROR_CLASSES, f.errorClass)}
  ${sel("window", "Window", ["1h", "24h", "7d", "30d"], f.window)}
  <label>From (UTC)<input type="datetime-local" name="from" value="${f.from ?? ""}"></label>
  <label>To (UTC)<input type="datetime-local" name="to" value="${f.to ?? ""}"></label>
  <button type="submit">Filter</button> <a href="/dashboard?view=diagnostics">clear</a></form>
<h2>Failed and rejected attempts</h2>
<p class="muted small">${failures.rows.length} shown, newest first; the ${failures.scanned} newest attempts of the range were searched${failures.scanned >= 5000 ? " (narrow the range or pick a buyer to search further back)" : ""}.</p>
<div class="table-wrap"><table id="failures"><thead><tr><th>Time (UTC)</th><th>Lead</th><th>Buyer</th><th>Source</th><th class="num">#</th><th class="num">HTTP</th><th>Class</th><th>Reason</th><th class="num">ms</th></tr></thead><tbody>
${failures.rows.map(
  (r) =>
    html`<tr><td>${r.createdAt.slice(0, 19).replace("T", " ")}</td><td><a href="/dashboard/leads/${encodeURIComponent(r.leadId)}">${r.leadId}</a></td><td>${r.buyerId}</td><td>${
      r.sourceId ? (sourceName.get(r.sourceId) ?? r.sourceId) : "—"
    }</td><td class="num">${r.attempt}</td><td class="num">${r.statusCode ?? "—"}</td><td>${r.errorClass ?? r.outcome}</td><td class="reason">${r.reason ?? ""}</td><td class="num">${r.elapsedMs}</td></tr>`,
)}
</tbody></table></div>
<h2>Intake refusals by source and field</h2>
${
  refusals.rows.length === 0
    ? html`<p class="muted">No post was refused in this window.</p>`
    : html`<div class="table-wrap"><table id="refusals"><thead><tr><th>Source</th><th>Field</th><th class="num">Refused</th><th class="num">Share of the source's posts</th></tr></thead><tbody>
${refusals.rows.map((r) => {
  const c = bySource.get(r.sourceId);
  const posts = c ? c.leads + c.refused : 0;
  return html`<tr><td>${sourceName.get(r.sourceId) ?? r.sourceId}</td><td><code>${r.field}</code></td><td class="num">${r.n}</td><td class="num">${posts > 0 ? pct(r.n / posts) : "—"}</td></tr>`;
})}
</tbody></table></div>`
}
<h2>Alerts (history)</h2>
${alertHistory(alerts, notes)}
<h2>Dead letters</h2>
${
  dead.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<div class="table-wrap"><table id="dead-letters"><tbody>${dead.map((r) => html`<tr><td>${r.createdAt}</td><td>${r.queue}</td><td class="num">${r.attempts} tries</td></tr>`)}</tbody></table></div>`
}`;
}

function alertHistory(alerts: AlertRow[], notes: AlertNotificationRow[]): Html {
  if (alerts.length === 0) return html`<p class="muted">No alerts yet.</p>`;
  const byAlert = new Map<string, AlertNotificationRow[]>();
  for (const n of notes) byAlert.set(n.alertId, [...(byAlert.get(n.alertId) ?? []), n]);
  return html`<div class="table-wrap"><table id="alerts"><thead><tr><th>Opened (UTC)</th><th>Alert</th><th>Subject</th><th>Severity</th><th class="num">Level</th><th>Acknowledged</th><th>Resolved</th><th>Message</th><th>Sent</th></tr></thead><tbody>
${alerts.map((a) => {
  const ns = byAlert.get(a.id) ?? [];
  return html`<tr id="alert-${a.id}"><td>${a.createdAt.slice(0, 19).replace("T", " ")}</td><td><span class="pill">${a.kind}</span></td><td>${a.subject || "platform"}</td><td>${a.severity}</td><td class="num">${a.level}</td><td>${
    a.ackedAt ? `${a.ackedAt.slice(0, 19).replace("T", " ")} (${a.ackedBy ?? ""})` : "—"
  }</td><td>${a.resolvedAt ? a.resolvedAt.slice(0, 19).replace("T", " ") : html`<span class="bad">open</span>`}</td><td class="reason">${a.message}</td><td class="small">${ns.map(
    (n) => html`<div>${n.event} → ${n.target}: <span class="${n.status === "sent" ? "ok" : n.status === "failed" ? "bad" : "warn"}">${n.status}</span></div>`,
  )}</td></tr>`;
})}
</tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------
// Lead page

function pretty(json: string | null): string {
  if (json === null) return "";
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** One lead: facts, masked normalized data, timeline, every attempt with its masked request and the buyer's answer. */
export async function leadView(env: Env, id: string, nowMs: number): Promise<Html | undefined> {
  const lead = await getLead(env, id);
  if (!lead) return undefined;
  const [attempts, events] = await Promise.all([attemptsOf(env, id), timelineOf(env, id)]);
  return html`<p><a href="/dashboard?view=diagnostics">← Diagnostics</a></p>
<h2>Lead <code>${lead.id}</code></h2>
${lead.purgedAt ? html`<div class="banner" id="purged">Personal data purged by retention on ${lead.purgedAt.slice(0, 10)}; status, timeline and attempt facts remain.</div>` : ""}
<div class="grid2"><div class="panel"><dl class="facts" id="lead-facts">
<dt>Status</dt><dd><strong data-status>${lead.status}</strong></dd>
<dt>Source</dt><dd>${lead.sourceId}</dd><dt>Vertical</dt><dd>${lead.vertical}</dd>
<dt>Test</dt><dd>${lead.test ? "yes" : "no"}</dd><dt>Mode</dt><dd>${lead.mode}</dd>
<dt>Received</dt><dd>${lead.createdAt} (${age(lead.createdAt, nowMs)} ago)</dd>
<dt>Ended</dt><dd>${lead.finalizedAt ?? "—"}</dd>
<dt>Sold to</dt><dd>${lead.soldBuyerId ? html`${lead.soldBuyerId} at ${usd(lead.soldPrice ?? 0)}${lead.buyerLeadId ? html` (buyer's id ${lead.buyerLeadId})` : ""}` : "—"}</dd>
</dl></div>
<div class="panel"><h3>Lead (masked)</h3><pre id="lead-masked">${JSON.stringify(redact(lead.lead), null, 2)}</pre></div></div>
<h2>Timeline</h2>
<ol class="timeline" id="timeline">${events.map(
    (e) =>
      html`<li><strong>${e.type}</strong>${e.buyerId ? html` · ${e.buyerId}` : ""} <span class="muted small">${e.createdAt}</span>${
        e.data !== "{}" ? html` <code class="small">${JSON.stringify(redact(JSON.parse(e.data) as unknown))}</code>` : ""
      }</li>`,
  )}</ol>
<h2>Attempts (${attempts.length})</h2>
${attempts.map(
  (a) =>
    html`<div class="panel" id="attempt-${a.id}" data-attempt="${a.id}"><strong>#${a.attempt} ${a.buyerId}</strong> · <span class="${a.outcome === "accepted" ? "ok" : a.outcome === "pending" ? "warn" : "bad"}">${a.outcome}</span>${
      a.errorClass ? html` (${a.errorClass})` : ""
    } · HTTP ${a.statusCode ?? "—"} · ${a.elapsedMs} ms · <span class="muted small">${a.createdAt}</span>
${a.reason ? html`<div class="reason">${a.reason}</div>` : ""}
<details><summary>Request sent (masked)</summary><pre data-request>${pretty(a.requestMasked)}</pre></details>
<details><summary>Buyer's response</summary><pre data-response>${a.responseBody === null ? "(none)" : redactBody(a.responseBody)}</pre></details>
${
  a.requestEncrypted
    ? html`<form class="inline" method="post" action="/dashboard/attempts/${a.id}/reveal"><button type="submit" data-reveal="${a.id}">Reveal the exact request (admin, logged)</button></form>`
    : html`<span class="muted small">${a.purgedAt ? "Exact request removed by retention." : "No exact request archived."}</span>`
}</div>`,
)}`;
}
