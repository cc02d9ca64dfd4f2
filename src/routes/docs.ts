import { OpenAPIHono } from "@hono/zod-openapi";
import { html, raw } from "hono/html";
import type { AppEnv } from "../context";
import { PingInputSchema, PostInputSchema } from "../intake/ping";
import { ErrorSchema, LeadInputSchema } from "../intake/schema";
import { CreateSourceSchema } from "./admin";
import { pageSecurity } from "./page-security";

const STYLE =
  "body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#1d2433}code,pre{font:13px ui-monospace,monospace}.op{border:1px solid #e3e6ec;border-radius:8px;padding:10px 14px;margin:10px 0}.m{font-weight:700;display:inline-block;min-width:56px}.POST{color:#137a3a}.GET{color:#1d4ed8}pre{background:#f6f7f9;padding:10px;overflow:auto;max-height:420px}";

/**
 * Serves the API description generated from the routes themselves (every route is declared
 * with `createRoute`, so the document cannot drift from what validates requests):
 * `/openapi.json` and a self-contained `/docs` page (no CDN: it works offline).
 */
export function docsRouter(app: OpenAPIHono<AppEnv>) {
  const r = app.openAPIRegistry;
  r.registerComponent("securitySchemes", "sourceKey", { type: "http", scheme: "bearer", description: "A source's API key" });
  r.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "The admin token (Worker secret ADMIN_TOKEN)" });
  // Bodies the handlers read themselves are documented by reference to these components.
  r.register("LeadInput", LeadInputSchema);
  r.register("PingInput", PingInputSchema);
  r.register("PostInput", PostInputSchema);
  r.register("CreateSource", CreateSourceSchema);
  r.register("Error", ErrorSchema);

  const router = new OpenAPIHono<AppEnv>();
  const document = () =>
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "Leadwire API", version: "1.0.0", description: "Edge lead delivery: intake, routing, buyer delivery, webhooks, metrics." },
    });
  router.get("/openapi.json", (c) => c.json(document()));
  // The page's only inline content is STYLE: the CSP allows it by hash, and no script.
  router.use("/docs", pageSecurity([STYLE]));
  router.get("/docs", (c) => {
    const doc = document();
    const ops: { method: string; path: string; summary: string; description: string }[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, { summary?: string; description?: string }>)) {
        ops.push({ method: method.toUpperCase(), path, summary: op.summary ?? "", description: op.description ?? "" });
      }
    }
    return c.html(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Leadwire API</title>
<style>${raw(STYLE)}</style></head>
<body><h1>Leadwire API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1, generated from the zod schemas that validate requests).</p>
${ops.map((o) => html`<div class="op"><span class="m ${o.method}">${o.method}</span> <code>${o.path}</code><div>${o.summary}</div>${o.description ? html`<p>${o.description}</p>` : ""}</div>`)}
<h2>Lead schema</h2><pre id="lead-schema">${JSON.stringify(doc.components?.schemas?.LeadInput ?? {}, null, 2)}</pre>
<h2>Error body</h2><pre>${JSON.stringify(doc.components?.schemas?.Error ?? {}, null, 2)}</pre></body></html>`);
  });
  return router;
}
