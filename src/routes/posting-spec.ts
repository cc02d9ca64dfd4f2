/**
 * Posting instructions (issue 13): `GET /v1/sources/me/posting-spec` for a source (its key),
 * `GET /v1/admin/sources/{id}/posting-spec` and the printable page
 * `/dashboard/posting-spec?source=<id>` for operators. JSON, or HTML with `?format=html` (or
 * `Accept: text/html`). The page has no script and one inline style, allowed by its hash.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { AppEnv } from "../context";
import { ApiError } from "../core/errors";
import { DEFAULT_SALE_TERMS } from "../core/sale-terms";
import { settings } from "../core/settings";
import { sourceById } from "../db/sources";
import { type Answers, buildPostingSpec, type PostingSpec } from "../intake/posting-spec";
import { getBuyerRegistry } from "../integration/registry";
import { adminAuth, bearer, isAdminToken, sourceAuth } from "./auth";
import { ADMIN_TOKEN, errors, IdParam, newRouter, SOURCE_KEY } from "./openapi";
import { pageSecurity } from "./page-security";
import { hasSession } from "./session";

const STYLE = `
body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:20px 24px;color:#1d2433}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #14213d;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid #e3e6ec}
th{font-size:12px;color:#5b6475;background:#fafbfc}code,pre{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}td code{word-break:break-all}
pre{background:#f6f7f9;border:1px solid #e3e6ec;border-radius:6px;padding:10px;white-space:pre-wrap;word-break:break-all}
.muted{color:#5b6475}.req{font-weight:600;color:#b42318}.need{color:#a15c00}.vertical{break-before:page}.vertical:first-of-type{break-before:auto}
ul{margin:4px 0 10px 18px;padding:0}
@media print{body{max-width:none;padding:0;font-size:11px}pre{font-size:10px}a{color:inherit;text-decoration:none}}
`;

/** The documented answers of the three source endpoints, read from the app's own OpenAPI document. */
function answersOf(app: OpenAPIHono<AppEnv>): Answers {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "Leadwire API", version: "1.0.0" } });
  const of = (path: string): { status: number; meaning: string }[] => {
    const op = (doc.paths?.[path] as { post?: { responses?: Record<string, { description?: string }> } } | undefined)?.post;
    return Object.entries(op?.responses ?? {}).map(([status, r]) => ({ status: Number(status), meaning: r.description ?? "" }));
  };
  return { leads: of("/v1/leads"), ping: of("/v1/ping"), post: of("/v1/post") };
}

function wantsHtml(c: Context<AppEnv>): boolean {
  const f = c.req.query("format");
  if (f === "html") return true;
  if (f === "json") return false;
  return (c.req.header("accept") ?? "").split(",")[0]?.trim().startsWith("text/html") ?? false;
}

function origin(c: Context<AppEnv>): string {
  return new URL(c.req.url).origin;
}

async function specFor(c: Context<AppEnv>, app: OpenAPIHono<AppEnv>, audience: "source" | "operator", sourceId: string | undefined): Promise<PostingSpec> {
  const env = c.env;
  let source: Parameters<typeof buildPostingSpec>[0]["source"] = null;
  const own = c.get("source");
  if (own) source = { id: own.id, name: own.name, excludedBuyers: own.excludedBuyers, saleTerms: own.saleTerms ?? DEFAULT_SALE_TERMS };
  else if (sourceId) {
    const row = await sourceById(env, sourceId);
    if (!row) throw new ApiError("not_found", `No source ${sourceId}.`);
    source = { id: row.id, name: row.name, excludedBuyers: row.excludedBuyers, saleTerms: row.saleTerms ?? DEFAULT_SALE_TERMS };
  }
  const s = settings(env);
  return buildPostingSpec({
    origin: origin(c),
    audience,
    source,
    buyers: [...getBuyerRegistry(env).values()],
    env,
    policy: s,
    syncDeadlineMs: s.syncDeadlineMs,
    answers: answersOf(app),
    nowMs: c.get("clock").now(),
  });
}

/** The printable page of a spec. */
export function specPage(spec: PostingSpec) {
  const title = spec.source ? `Posting instructions — ${spec.source.name}` : "Posting instructions";
  const served = spec.verticals.filter((v) => v.buyers > 0);
  const unserved = spec.verticals.filter((v) => v.buyers === 0);
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Leadwire</title><style>${raw(STYLE)}</style></head><body>
<h1>${title}</h1>
<p class="muted">Generated ${spec.generatedAt} from the lead schema and the buyers of each vertical.${spec.audience === "operator" ? " Operator view: buyers are named." : ""}</p>
<h2>How to post</h2>
<ul>${spec.rules.map((r) => html`<li>${r}</li>`)}</ul>
<table id="endpoints"><thead><tr><th>Endpoint</th><th>What it does</th><th>Answers</th></tr></thead><tbody>
${spec.endpoints.map(
  (e) => html`<tr><td><strong>${e.name}</strong><br><code>${e.method} ${e.url}</code></td><td>${e.description}</td>
<td>${e.answers.map((a) => html`<div><code>${a.status}</code> ${a.meaning}</div>`)}</td></tr>`,
)}</tbody></table>
<h3>Error codes</h3>
<p class="muted">Every error is <code>{"error":{"code","message","requestId","issues":[{"path","message"}]}}</code>.</p>
<table id="errors"><thead><tr><th>HTTP</th><th>code</th><th>Meaning</th></tr></thead><tbody>
${spec.errors.map((e) => html`<tr><td>${e.status}</td><td><code>${e.code}</code></td><td>${e.meaning}</td></tr>`)}</tbody></table>
${served.map(
  (v) => html`<section class="vertical" id="vertical-${v.vertical}" data-vertical="${v.vertical}">
<h2>${v.vertical}</h2>
<p>${v.buyers} buyer${v.buyers === 1 ? "" : "s"} buy this vertical${v.distribution ? html` · routing: <code>${JSON.stringify(v.distribution)}</code>` : ""}.
${v.accepted.states ? html` States: ${v.accepted.states.join(", ")}.` : " Any state."}${v.accepted.zipPrefixes ? html` ZIPs starting ${v.accepted.zipPrefixes.join(", ")}.` : ""}${
  v.accepted.age ? html` Age ${v.accepted.age.min ?? ""}–${v.accepted.age.max ?? ""}.` : ""
}</p>
<table class="fields"><thead><tr><th>Field</th><th>Required</th><th>Format</th><th>Accepted</th><th>Example</th></tr></thead><tbody>
${v.fields.map(
  (f) => html`<tr data-field="${f.path}"><td><code>${f.path}</code>${f.inPing ? "" : html` <span class="muted">(not in a ping)</span>`}</td>
<td>${f.required ? html`<span class="req">required</span>` : f.neededBy > 0 ? html`<span class="need">needed by ${f.neededBy} of ${v.buyers}</span>${f.neededByBuyers?.length ? html`<br><span class="muted">${f.neededByBuyers.join(", ")}</span>` : ""}` : html`<span class="muted">optional</span>`}</td>
<td>${f.format}${f.maxLength !== undefined ? html` <span class="muted">(≤ ${f.maxLength})</span>` : ""}</td>
<td>${f.accepted ? f.accepted.join(", ") : ""}</td><td>${f.example === undefined ? "" : html`<code>${JSON.stringify(f.example)}</code>`}</td></tr>`,
)}</tbody></table>
${
  v.buyerDetails
    ? html`<h3>Buyers</h3><table class="buyers"><thead><tr><th>Buyer</th><th>Price</th><th>Priority</th><th>Needs</th><th>Filters</th></tr></thead><tbody>
${v.buyerDetails.map((b) => html`<tr><td><code>${b.id}</code></td><td>${b.price}</td><td>${b.priority}</td><td>${b.needs.join("; ")}</td><td>${b.filters.join("; ")}</td></tr>`)}</tbody></table>`
    : ""
}
<h3>Example lead</h3><pre class="example">${JSON.stringify(v.example, null, 2)}</pre>
<h3>curl</h3><pre class="curl">${v.curl.direct}</pre><pre class="curl">${v.curl.sync}</pre>
${v.curl.ping ? html`<h3>Ping, then post</h3><pre class="curl">${v.curl.ping}</pre><pre class="curl">${v.curl.post ?? ""}</pre>` : ""}
</section>`,
)}
${unserved.length ? html`<h2>Not bought now</h2><p>No buyer takes ${unserved.map((v) => v.vertical).join(", ")} at the moment; such leads are accepted and end unsold.</p>` : ""}
</body></html>`;
}

const SpecSchema = z.record(z.string(), z.unknown()).openapi("PostingSpec", {
  description:
    "Per vertical: the fields (required, needed by how many buyers, format, accepted values, example), where the buyers buy, an example lead intake accepts, curl lines; the endpoints with their answers, the error codes, the rules.",
});
const FormatQuery = z.object({
  format: z.enum(["json", "html"]).optional().openapi({ description: "html: the printable page (also chosen by Accept: text/html)" }),
});
const htmlOrJson = (description: string) => ({
  description,
  content: { "application/json": { schema: SpecSchema }, "text/html": { schema: { type: "string" as const } } },
});

/** `/v1/sources/me/posting-spec`, mounted at /v1/sources; it reads the app's OpenAPI document for the answers. */
export function sourceSpecRouter(app: OpenAPIHono<AppEnv>) {
  const r = newRouter();
  r.use("/me/posting-spec", sourceAuth);
  r.use("/me/posting-spec", pageSecurity([STYLE]));
  r.openapi(
    createRoute({
      method: "get",
      path: "/me/posting-spec",
      summary: "Posting instructions for this source: fields per vertical, formats, accepted values, examples, endpoints, answers, error codes, curl",
      security: SOURCE_KEY,
      request: { query: FormatQuery },
      responses: { 200: htmlOrJson("The spec (JSON, or the printable page)"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      if (!c.get("source")) {
        throw new ApiError("bad_request", "This is a source's own spec: use its API key, or GET /v1/admin/sources/{id}/posting-spec as an operator.");
      }
      const spec = await specFor(c, app, "source", undefined);
      if (wantsHtml(c)) return c.html(specPage(spec));
      return c.json(spec as unknown as Record<string, unknown>, 200);
    },
  );
  return r;
}

/** `/v1/admin/sources/{id}/posting-spec`, mounted at /v1/admin (operator view: buyers named). */
export function adminSpecRouter(app: OpenAPIHono<AppEnv>) {
  const r = newRouter();
  r.use("/sources/:id/posting-spec", adminAuth);
  r.use("/sources/:id/posting-spec", pageSecurity([STYLE], { noStore: true }));
  r.openapi(
    createRoute({
      method: "get",
      path: "/sources/{id}/posting-spec",
      summary: "A source's posting instructions, as an operator sees them (buyers named, routing methods)",
      security: ADMIN_TOKEN,
      request: { params: IdParam, query: FormatQuery },
      responses: { 200: htmlOrJson("The spec"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const spec = await specFor(c, app, "operator", c.req.valid("param").id);
      if (wantsHtml(c)) return c.html(specPage(spec));
      return c.json(spec as unknown as Record<string, unknown>, 200);
    },
  );
  return r;
}

/** `/dashboard/posting-spec?source=<id>`: the printable page for a signed-in operator (every source when none is named). */
export function dashboardSpecRouter(app: OpenAPIHono<AppEnv>) {
  const r = newRouter();
  r.use("*", pageSecurity([STYLE], { noStore: true }));
  r.get("/", async (c) => {
    const token = bearer(c.req.header("authorization"));
    const authed = isAdminToken(c.env, c.env.ADMIN_TOKEN ?? "") && ((token !== undefined && isAdminToken(c.env, token)) || (await hasSession(c)));
    if (!authed) return c.redirect("/dashboard", 302);
    const spec = await specFor(c, app, "operator", c.req.query("source") || undefined);
    return c.html(specPage(spec));
  });
  return r;
}
