import { createRoute, z } from "@hono/zod-openapi";
import { decrypt, loadEncryptionKeys } from "../core/crypto";
import { ApiError, zodIssues } from "../core/errors";
import { listAlerts } from "../db/alerts";
import { attemptArchive } from "../db/attempts";
import { createSource, listSources, revokeSource } from "../db/sources";
import { daySpan, exportArchive, MAX_EXPORT_DAYS, parseDay } from "../ops/archive";
import { adminAuth } from "./auth";
import { readJsonBody } from "./body";
import { ADMIN_TOKEN, documentedBody, errors, IdParam, json, newRouter } from "./openapi";

export const adminRouter = newRouter();
adminRouter.use("*", adminAuth);

export const CreateSourceSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    excludedBuyers: z.array(z.string()).optional(),
  })
  .strict()
  .openapi("CreateSource");

const createSourceRoute = createRoute({
  method: "post",
  path: "/sources",
  summary: "Create a source; the API key is shown once",
  security: ADMIN_TOKEN,
  request: { body: documentedBody("CreateSource", "The new source") },
  responses: {
    201: json(
      z.object({ id: z.string(), name: z.string(), apiKey: z.string(), webhookSecret: z.string().optional() }),
      "Created: the API key (and the webhook signing secret) appear in this answer only",
    ),
    400: errors[400],
    401: errors[401],
    413: errors[413],
    415: errors[415],
  },
});

adminRouter.openapi(createSourceRoute, async (c) => {
  const { json: body } = await readJsonBody(c.req.raw, 16 * 1024);
  const parsed = CreateSourceSchema.safeParse(body);
  if (!parsed.success) throw new ApiError("validation_failed", "The source is not valid.", zodIssues(parsed.error));
  return c.json(await createSource(c.env, parsed.data, c.get("clock").now()), 201);
});

const revoke = createRoute({
  method: "post",
  path: "/sources/{id}/revoke",
  summary: "Revoke a source's key (its leads stay)",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: { 200: json(z.object({ id: z.string(), status: z.literal("revoked") }), "Revoked"), 401: errors[401], 404: errors[404] },
});

adminRouter.openapi(revoke, async (c) => {
  const { id } = c.req.valid("param");
  if (!(await revokeSource(c.env, id, c.get("clock").now()))) throw new ApiError("not_found", `No active source ${id}.`);
  return c.json({ id, status: "revoked" as const }, 200);
});

const listSourcesRoute = createRoute({
  method: "get",
  path: "/sources",
  summary: "List sources",
  security: ADMIN_TOKEN,
  responses: { 200: json(z.object({ sources: z.array(z.record(z.string(), z.unknown())) }), "Every source (key prefixes only)"), 401: errors[401] },
});

adminRouter.openapi(listSourcesRoute, async (c) => c.json({ sources: await listSources(c.env) }, 200));

const alertsRoute = createRoute({
  method: "get",
  path: "/alerts",
  summary: "Operator alerts, newest first",
  security: ADMIN_TOKEN,
  responses: { 200: json(z.object({ alerts: z.array(z.record(z.string(), z.unknown())) }), "The latest 200 alerts"), 401: errors[401] },
});

adminRouter.openapi(alertsRoute, async (c) => {
  const rows = await listAlerts(c.env, 200);
  // Column names as stored, the shape this endpoint has always answered.
  return c.json(
    { alerts: rows.map((a) => ({ id: a.id, kind: a.kind, buyer_id: a.buyerId, message: a.message, created_at: a.createdAt, resolved_at: a.resolvedAt })) },
    200,
  );
});

const archive = createRoute({
  method: "get",
  path: "/attempts/{id}/request",
  summary: "Decrypt the exact request sent in an attempt (compliance)",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: { 200: json(z.record(z.string(), z.unknown()), "The request exactly as sent"), 401: errors[401], 404: errors[404], 503: errors[503] },
});

adminRouter.openapi(archive, async (c) => {
  const { id } = c.req.valid("param");
  const row = await attemptArchive(c.env, id);
  if (!row) throw new ApiError("not_found", `No attempt ${id}.`);
  if (!row.requestEncrypted || !row.keyId) throw new ApiError("not_found", "No request was sent in this attempt.");
  const keys = loadEncryptionKeys(c.env.REQUEST_ENCRYPTION_KEYS);
  if (!keys) throw new ApiError("unavailable", "REQUEST_ENCRYPTION_KEYS is not configured.");
  return c.json(JSON.parse(await decrypt(await keys, row.keyId, row.requestEncrypted)) as Record<string, unknown>, 200);
});

const DayQuery = z.object({
  from: z.string().openapi({ description: "First day (UTC, YYYY-MM-DD) the leads were received", example: "2026-11-01" }),
  to: z.string().openapi({ description: "Last day, inclusive (at most 31 days after from)", example: "2026-11-02" }),
});

const archiveExport = createRoute({
  method: "get",
  path: "/archive/leads",
  summary: "Export the archived leads received in a day range (NDJSON, one lead per line, personal data purged)",
  security: ADMIN_TOKEN,
  request: { query: DayQuery },
  responses: {
    // 400 (a bad day, naming the field) and 401 answer as everywhere; only the stream is typed here.
    200: { description: "One archived lead record per line", content: { "application/x-ndjson": { schema: z.string() } } },
  },
});

// A stream is not a typed JSON answer: the route is documented here and served by a plain handler.
adminRouter.openAPIRegistry.registerPath(archiveExport);
adminRouter.get("/archive/leads", async (c) => {
  const from = parseDay(c.req.query("from") ?? "");
  const to = parseDay(c.req.query("to") ?? "");
  const issues = [
    ...(from ? [] : [{ path: "query.from", message: "must be a day as YYYY-MM-DD" }]),
    ...(to ? [] : [{ path: "query.to", message: "must be a day as YYYY-MM-DD" }]),
  ];
  if (from && to && daySpan(from, to) < 1) issues.push({ path: "query.to", message: "must not be before from" });
  if (from && to && daySpan(from, to) > MAX_EXPORT_DAYS) issues.push({ path: "query.to", message: `at most ${MAX_EXPORT_DAYS} days after from` });
  if (!from || !to || issues.length > 0) throw new ApiError("validation_failed", "The day range is not valid.", issues);
  return c.body(exportArchive(c.env, from, to), 200, { "Content-Type": "application/x-ndjson; charset=utf-8" });
});
