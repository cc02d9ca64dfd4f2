import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html, raw } from "hono/html";
import { gateStatuses } from "../buyer-gate/client";
import type { GateStatus } from "../buyer-gate/types";
import type { AppEnv } from "../context";
import { listAlerts } from "../db/alerts";
import { recentFailedAttempts } from "../db/attempts";
import { recentDeadLetters } from "../db/dead-letters";
import { computeMetrics } from "../db/reports";
import { getBuyerRegistry } from "../integration/registry";
import { parseWindow } from "../observability/metrics";
import { bearer, isAdminToken } from "./auth";
import { pageSecurity } from "./page-security";
import { endSession, hasSession, startSession } from "./session";

export const dashboardRouter = new OpenAPIHono<AppEnv>();

/** An operator: the admin token as a bearer (scripts), or a live sign-in session (browsers; see ./session). */
async function isAuthed(c: Context<AppEnv>): Promise<boolean> {
  if (!isAdminToken(c.env, c.env.ADMIN_TOKEN ?? "")) return false;
  const token = bearer(c.req.header("authorization"));
  if (token && isAdminToken(c.env, token)) return true;
  return hasSession(c);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}
header{background:#14213d;color:#fff;padding:14px 24px;display:flex;gap:24px;align-items:center}
header h1{font-size:18px;margin:0} header a{color:#cfe0ff;text-decoration:none} header a.on{color:#fff;font-weight:600}
main{padding:20px 24px;max-width:1200px} h2{font-size:16px;margin:24px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px}
.card{background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:12px 14px}
.card .k{color:#5b6475;font-size:12px;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:24px;font-weight:600;margin-top:4px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #e3e6ec;border-radius:8px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #eef0f4;font-variant-numeric:tabular-nums} th{font-size:12px;color:#5b6475;background:#fafbfc}
.ok{color:#137a3a}.bad{color:#b42318}.warn{color:#a15c00} .pill{padding:2px 8px;border-radius:10px;font-size:12px;background:#eef0f4}
form.login{background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:20px;max-width:360px;margin:60px auto}
input{width:100%;padding:8px;margin:8px 0 12px;box-sizing:border-box} button{padding:8px 14px;background:#14213d;color:#fff;border:0;border-radius:6px}
form.logout{margin:0 0 0 auto} form.logout button{background:transparent;border:1px solid #cfe0ff;color:#cfe0ff;padding:4px 10px}
`;

// Every page: the CSP allows exactly STYLE (by hash) and no script; nothing is cached.
dashboardRouter.use("*", pageSecurity([STYLE], { noStore: true }));

function page(title: string, body: ReturnType<typeof html>, view?: string) {
  const nav = (v: string, label: string) => html`<a href="/dashboard?view=${v}" class="${view === v ? "on" : ""}">${label}</a>`;
  const signOut = html`<form class="logout" method="post" action="/dashboard/logout"><button type="submit">Sign out</button></form>`;
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Leadwire</title><style>${raw(STYLE)}</style></head><body>
<header><h1>Leadwire</h1>${view ? html`${nav("executive", "Executive")}${nav("operations", "Operations")}${nav("diagnostics", "Diagnostics")}${signOut}` : ""}</header>
<main>${body}</main></body></html>`;
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null) => (x === null ? "—" : `${Math.round(x)} ms`);
const usd = (x: number) => `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

dashboardRouter.get("/", async (c) => {
  if (!(await isAuthed(c))) {
    return c.html(
      page(
        "Sign in",
        html`<form class="login" method="post" action="/dashboard/login"><h2>Operator sign-in</h2>
        <label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button></form>`,
      ),
      401,
    );
  }
  const view = c.req.query("view") ?? "executive";
  const windowMs = parseWindow(c.req.query("window")) ?? 86_400_000;
  const now = c.get("clock").now();
  const [m, circuits] = await Promise.all([computeMetrics(c.env, now - windowMs, now + 1), gateStatuses(c.env, [...getBuyerRegistry(c.env).values()])]);

  if (view === "operations") {
    const rows = Object.entries(circuits).map(([id, s]) => {
      const st = (s ?? {}) as Partial<GateStatus>;
      const bm = m.buyers.find((b) => b.buyerId === id);
      const circuit = st.circuit?.state ?? "unknown";
      const day = st.caps?.day;
      return html`<tr data-buyer="${id}"><td>${id}</td><td class="${circuit === "closed" ? "ok" : "bad"}">${circuit}</td>
        <td>${bm?.attempts ?? 0}</td><td>${pct(bm?.successRate ?? null)}</td><td>${ms(bm?.latencyMs.p50 ?? null)}</td><td>${ms(bm?.latencyMs.p95 ?? null)}</td>
        <td>${ms(bm?.latencyMs.p99 ?? null)}</td><td>${bm?.retries ?? 0}</td><td>${st.inFlight ? `${st.inFlight.count}${st.inFlight.limit ? ` / ${st.inFlight.limit}` : ""}` : "—"}</td>
        <td>${day && day.limit !== null ? `${day.used} / ${day.limit}` : day ? String(day.used) : "—"}</td><td>${st.lastSuccessAt ?? "—"}</td></tr>`;
    });
    return c.html(
      page(
        "Operations",
        html`<h2>Buyers (last ${Math.round(windowMs / 3_600_000)} h)</h2>
        <table id="buyers"><thead><tr><th>Buyer</th><th>Circuit</th><th>Attempts</th><th>Success</th><th>p50</th><th>p95</th><th>p99</th><th>Retries</th><th>In flight</th><th>Cap today</th><th>Last success</th></tr></thead>
        <tbody>${rows}</tbody></table>
        <h2>Errors by class</h2><table><tbody>${Object.entries(m.errorsByClass).map(([k, v]) => html`<tr><td>${k}</td><td>${v}</td></tr>`)}</tbody></table>`,
        view,
      ),
    );
  }

  if (view === "diagnostics") {
    const [failures, alerts, dead] = await Promise.all([recentFailedAttempts(c.env, 50), listAlerts(c.env, 50), recentDeadLetters(c.env, 20)]);
    return c.html(
      page(
        "Diagnostics",
        html`<h2>Recent failed or rejected attempts</h2>
        <table id="failures"><thead><tr><th>Time</th><th>Lead</th><th>Buyer</th><th>#</th><th>HTTP</th><th>Class</th><th>Reason</th><th>ms</th></tr></thead><tbody>
        ${failures.map((r) => html`<tr><td>${r.createdAt}</td><td>${r.leadId}</td><td>${r.buyerId}</td><td>${r.attempt}</td><td>${r.statusCode ?? "—"}</td><td>${r.errorClass ?? "—"}</td><td>${r.reason ?? ""}</td><td>${r.elapsedMs}</td></tr>`)}
        </tbody></table>
        <h2>Alerts</h2><table id="alerts"><tbody>${alerts.map((r) => html`<tr><td>${r.createdAt}</td><td><span class="pill">${r.kind}</span></td><td>${r.buyerId ?? ""}</td><td>${r.message}</td></tr>`)}</tbody></table>
        <h2>Dead letters</h2><table><tbody>${dead.map((r) => html`<tr><td>${r.createdAt}</td><td>${r.queue}</td><td>${r.attempts}</td></tr>`)}</tbody></table>`,
        view,
      ),
    );
  }

  const sold = m.leads.byStatus.sold ?? 0;
  return c.html(
    page(
      "Executive",
      html`<h2>Last ${Math.round(windowMs / 3_600_000)} hours</h2>
      <div class="cards" id="kpis">
        <div class="card"><div class="k">Leads</div><div class="v" data-kpi="leads">${m.leads.total}</div></div>
        <div class="card"><div class="k">Sold</div><div class="v" data-kpi="sold">${sold}</div></div>
        <div class="card"><div class="k">Sell-through</div><div class="v">${pct(m.leads.total ? sold / m.leads.total : null)}</div></div>
        <div class="card"><div class="k">Revenue</div><div class="v" data-kpi="revenue">${usd(m.revenue.sold)}</div></div>
        <div class="card"><div class="k">Returns credited</div><div class="v">${usd(m.revenue.credited)}</div></div>
        <div class="card"><div class="k">Delivery success</div><div class="v">${pct(m.successRate)}</div></div>
        <div class="card"><div class="k">p95 latency</div><div class="v">${ms(m.latencyMs.p95)}</div></div>
      </div>
      <h2>Sources</h2><table id="sources"><thead><tr><th>Source</th><th>Leads</th><th>Sold</th><th>Revenue</th><th>Returns</th><th>Conversions</th><th>Quality</th></tr></thead><tbody>
      ${m.sources.map((s) => html`<tr><td>${s.name}</td><td>${s.leads}</td><td>${s.sold}</td><td>${usd(s.revenue)}</td><td>${s.returns}</td><td>${s.conversions}</td><td>${s.qualityScore.toFixed(0)}</td></tr>`)}
      </tbody></table>
      <h2>Leads by status</h2><table><tbody>${Object.entries(m.leads.byStatus).map(([k, v]) => html`<tr><td>${k}</td><td>${v}</td></tr>`)}</tbody></table>`,
      "executive",
    ),
  );
});

dashboardRouter.post("/login", async (c) => {
  const form = await c.req.parseBody();
  const token = typeof form.token === "string" ? form.token : "";
  if (!isAdminToken(c.env, token)) {
    return c.html(
      page(
        "Sign in",
        html`<form class="login" method="post" action="/dashboard/login"><h2>Operator sign-in</h2><p class="bad">That token is not valid.</p>
      <label for="token">Admin token</label><input id="token" name="token" type="password" required><button type="submit">Sign in</button></form>`,
      ),
      401,
    );
  }
  await startSession(c);
  return c.redirect("/dashboard", 303);
});

dashboardRouter.post("/logout", async (c) => {
  await endSession(c);
  return c.redirect("/dashboard", 303);
});
