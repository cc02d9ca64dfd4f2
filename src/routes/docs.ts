import { OpenAPIHono, z } from "@hono/zod-openapi";
import { html, raw } from "hono/html";
import type { AppEnv } from "../context";
import { ErrorSchema, LeadAcceptedSchema, LeadInputSchema, LeadSyncResultSchema } from "../intake/schema";
import { CreateSourceSchema } from "./admin";

const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const errors = {
  400: json(ErrorSchema, "Invalid input: every field path and reason is listed in error.issues"),
  401: json(ErrorSchema, "Missing, unknown or revoked key"),
  404: json(ErrorSchema, "Not found"),
};

/**
 * Documents the HTTP surface from the same zod schemas that validate it, and serves
 * `/openapi.json` and a self-contained `/docs` page (no CDN: it works offline).
 */
export function docsRouter(app: OpenAPIHono<AppEnv>) {
  const r = app.openAPIRegistry;
  r.registerComponent("securitySchemes", "sourceKey", { type: "http", scheme: "bearer", description: "A source's API key" });
  r.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "The admin token (Worker secret ADMIN_TOKEN)" });
  r.registerPath({
    method: "post",
    path: "/v1/leads",
    summary: "Submit a lead",
    description:
      "Validates, normalizes, stores and routes a lead. Async by default (202 at once). `?mode=sync` waits for the waterfall (sold/unsold). " +
      "A repeated `Idempotency-Key` header or `external_id` returns the original lead with 200.",
    security: [{ sourceKey: [] }],
    request: {
      query: z.object({ mode: z.enum(["async", "sync"]).optional() }),
      headers: z.object({ "idempotency-key": z.string().max(255).optional() }),
      body: { content: { "application/json": { schema: LeadInputSchema } }, required: true },
    },
    responses: {
      202: json(LeadAcceptedSchema, "Accepted and queued for delivery"),
      200: json(LeadSyncResultSchema, "Sync result, or the original lead for a repeated idempotency key"),
      ...errors,
      413: json(ErrorSchema, "Body over 64 KB"),
      415: json(ErrorSchema, "Content-Type is not application/json"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/v1/leads/{id}",
    summary: "A lead's status, normalized data (PII masked), attempts and timeline",
    security: [{ sourceKey: [] }, { adminToken: [] }],
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: { description: "The lead" }, ...errors },
  });
  r.registerPath({
    method: "post",
    path: "/v1/webhooks/{buyerId}",
    summary: "Signed callbacks from a buyer (decision, status, return, conversion, feedback)",
    request: { params: z.object({ buyerId: z.string() }) },
    responses: {
      200: { description: "Accepted or duplicate" },
      401: json(ErrorSchema, "Bad signature or timestamp"),
      403: json(ErrorSchema, "IP not allowed"),
      413: json(ErrorSchema, "Too large"),
    },
  });
  for (const [method, path, summary] of [
    ["get", "/v1/buyers", "Buyers with circuit state, caps used and left, in-flight count"],
    ["get", "/v1/buyers/{id}", "One buyer: config (secrets masked), gate state, mapping check"],
    ["post", "/v1/buyers/{id}/preview", "The exact request that would be sent for a lead, without sending it"],
    ["post", "/v1/buyers/{id}/test", "Send a marked test lead to the buyer's sandbox and show the parsed outcome"],
    ["post", "/v1/buyers/{id}/resume", "Lift an operator pause (e.g. after 410 Gone)"],
    ["get", "/v1/metrics", "Success rate, latency percentiles, errors by class, retries, circuits, revenue"],
    ["get", "/v1/admin/sources", "List sources"],
    ["post", "/v1/admin/sources/{id}/revoke", "Revoke a source's key"],
    ["get", "/v1/admin/alerts", "Operator alerts"],
    ["get", "/v1/admin/attempts/{id}/request", "Decrypt the exact request sent in an attempt (compliance)"],
  ] as const) {
    r.registerPath({
      method,
      path,
      summary,
      security: [{ adminToken: [] }],
      ...(path.includes("{id}") ? { request: { params: z.object({ id: z.string() }) } } : {}),
      responses: { 200: { description: "OK" }, 401: json(ErrorSchema, "Admin token required") },
    });
  }
  r.registerPath({
    method: "post",
    path: "/v1/admin/sources",
    summary: "Create a source; the API key is shown once",
    security: [{ adminToken: [] }],
    request: { body: { content: { "application/json": { schema: CreateSourceSchema } } } },
    responses: { 201: { description: "Created, with apiKey" }, ...errors },
  });

  const router = new OpenAPIHono<AppEnv>();
  const document = () =>
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "Leadwire API", version: "1.0.0", description: "Edge lead delivery: intake, routing, buyer delivery, webhooks, metrics." },
    });
  router.get("/openapi.json", (c) => c.json(document()));
  router.get("/docs", (c) => {
    const doc = document();
    const ops: { method: string; path: string; summary: string; description: string }[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, { summary?: string; description?: string }>)) {
        ops.push({ method: method.toUpperCase(), path, summary: op.summary ?? "", description: op.description ?? "" });
      }
    }
    return c.html(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Leadwire API</title>
<style>${raw("body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#1d2433}code,pre{font:13px ui-monospace,monospace}.op{border:1px solid #e3e6ec;border-radius:8px;padding:10px 14px;margin:10px 0}.m{font-weight:700;display:inline-block;min-width:56px}.POST{color:#137a3a}.GET{color:#1d4ed8}pre{background:#f6f7f9;padding:10px;overflow:auto;max-height:420px}")}</style></head>
<body><h1>Leadwire API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1, generated from the zod schemas that validate requests).</p>
${ops.map((o) => html`<div class="op"><span class="m ${o.method}">${o.method}</span> <code>${o.path}</code><div>${o.summary}</div>${o.description ? html`<p>${o.description}</p>` : ""}</div>`)}
<h2>Lead schema</h2><pre id="lead-schema">${JSON.stringify(doc.components?.schemas?.LeadInput ?? {}, null, 2)}</pre>
<h2>Error body</h2><pre>${JSON.stringify(doc.components?.schemas?.Error ?? {}, null, 2)}</pre></body></html>`);
  });
  return router;
}
