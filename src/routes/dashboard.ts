import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../context";
import { decrypt, loadEncryptionKeys } from "../core/crypto";
import { attemptArchive } from "../db/attempts";
import { log } from "../observability/log";
import { isWindowName, type WindowName } from "../observability/metrics";
import { acknowledgeAlert } from "../ops/alerts";
import { DASHBOARD_CSS, DASHBOARD_JS } from "./dashboard/assets";
import { isAuthed, sameOrigin, signIn, signOut } from "./dashboard/auth";
import { CSP, type Html, page, type View } from "./dashboard/layout";
import { diagnosticsView, ERROR_CLASSES, executiveView, leadView, operationsView, SORT_KEYS, type SortKey } from "./dashboard/views";

/**
 * `/dashboard`: Executive (money and trends), Operations (one row per buyer, auto-refreshing,
 * sortable), Diagnostics (failures by buyer, source, class and time; refusals by source and
 * field; alert history) and a page per lead. Server-rendered HTML with inline SVG charts, one
 * stylesheet and one small script served from here, under a strict CSP.
 */
export const dashboardRouter = new OpenAPIHono<AppEnv>();

dashboardRouter.use("*", async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CSP);
  c.header("X-Content-Type-Options", "nosniff");
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on our own forms, and the forms check it.
  c.header("Referrer-Policy", "same-origin");
  c.header("X-Frame-Options", "DENY");
  if (!c.req.path.startsWith("/dashboard/assets/")) c.header("Cache-Control", "no-store");
});

dashboardRouter.get("/assets/dashboard.css", (c) =>
  c.body(DASHBOARD_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }),
);
dashboardRouter.get("/assets/dashboard.js", (c) =>
  c.body(DASHBOARD_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }),
);

function loginForm(error?: string): Html {
  return html`<form class="login" method="post" action="/dashboard/login"><h2>Operator sign-in</h2>${error ? html`<p class="bad">${error}</p>` : ""}
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`;
}

function loginPage(c: Context<AppEnv>, error?: string) {
  return c.html(page("Sign in", loginForm(error)), 401);
}

const windowOf = (s: string | undefined, fallback: WindowName): WindowName => (s && isWindowName(s) ? s : fallback);

dashboardRouter.get("/", async (c) => {
  if (!(await isAuthed(c))) return loginPage(c);
  const q = c.req.query();
  const now = c.get("clock").now();
  const view: View = q.view === "operations" || q.view === "diagnostics" ? q.view : "executive";
  if (view === "operations") {
    const sort: SortKey = (SORT_KEYS as readonly string[]).includes(q.sort ?? "") ? (q.sort as SortKey) : "buyer";
    const dir = q.dir === "desc" ? "desc" : "asc";
    return c.html(page("Operations", await operationsView(c.env, windowOf(q.window, "24h"), now, sort, dir), { view, signedIn: true }));
  }
  if (view === "diagnostics") {
    const errorClass = (ERROR_CLASSES as readonly string[]).includes(q.class ?? "") ? q.class : undefined;
    const body = await diagnosticsView(
      c.env,
      {
        window: windowOf(q.window, "24h"),
        buyer: q.buyer || undefined,
        source: q.source || undefined,
        errorClass,
        from: q.from || undefined,
        to: q.to || undefined,
      },
      now,
    );
    return c.html(page("Diagnostics", body, { view, signedIn: true }));
  }
  return c.html(page("Executive", await executiveView(c.env, windowOf(q.window, "24h"), now), { view, signedIn: true }));
});

dashboardRouter.post("/login", async (c) => {
  const form = await c.req.parseBody();
  const token = typeof form.token === "string" ? form.token : "";
  if (!(await signIn(c, token))) return loginPage(c, "That token is not valid.");
  return c.redirect("/dashboard", 303);
});

dashboardRouter.post("/logout", async (c) => {
  if (!sameOrigin(c)) return c.text("Cross-site request refused.", 403);
  await signOut(c);
  return c.redirect("/dashboard", 303);
});

dashboardRouter.get("/leads/:id", async (c) => {
  if (!(await isAuthed(c))) return loginPage(c);
  const id = c.req.param("id");
  const body = await leadView(c.env, id, c.get("clock").now());
  if (!body)
    return c.html(page("Not found", html`<p>No lead ${id}.</p><p><a href="/dashboard?view=diagnostics">← Diagnostics</a></p>`, { signedIn: true }), 404);
  return c.html(page(`Lead ${id}`, body, { view: "diagnostics", signedIn: true }));
});

dashboardRouter.post("/attempts/:id/reveal", async (c) => {
  if (!(await isAuthed(c))) return loginPage(c);
  if (!sameOrigin(c)) return c.text("Cross-site request refused.", 403);
  const id = c.req.param("id");
  const row = await attemptArchive(c.env, id);
  const keys = loadEncryptionKeys(c.env.REQUEST_ENCRYPTION_KEYS);
  if (!row?.requestEncrypted || !row.keyId || !keys) {
    return c.html(page("Not available", html`<p>No exact request is archived for attempt ${id} (or no key is configured).</p>`, { signedIn: true }), 404);
  }
  const plain = await decrypt(await keys, row.keyId, row.requestEncrypted);
  // Who saw a lead's exact request is worth a line in the logs (no content).
  log("info", "exact request revealed", { attemptId: id, requestId: c.get("requestId") });
  let pretty = plain;
  try {
    pretty = JSON.stringify(JSON.parse(plain), null, 2);
  } catch {
    // not JSON: shown as it is
  }
  return c.html(
    page(
      `Attempt ${id}`,
      html`<p><a href="/dashboard?view=diagnostics">← Diagnostics</a></p><h2>Exact request of attempt <code>${id}</code></h2>
<div class="banner">Decrypted for an administrator; this holds the lead's personal data. Do not copy it elsewhere.</div><pre id="exact-request">${pretty}</pre>`,
      { view: "diagnostics", signedIn: true },
    ),
  );
});

dashboardRouter.post("/alerts/:id/ack", async (c) => {
  if (!(await isAuthed(c))) return loginPage(c);
  if (!sameOrigin(c)) return c.text("Cross-site request refused.", 403);
  await acknowledgeAlert(c.env, c.req.param("id"), "dashboard", c.get("clock").now());
  return c.redirect("/dashboard?view=operations", 303);
});
