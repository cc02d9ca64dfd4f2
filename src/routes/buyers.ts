import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { gateFor, gateStatuses } from "../buyer-gate/client";
import type { AppEnv } from "../context";
import { ApiError } from "../core/errors";
import { newId } from "../core/ids";
import { readSecret, settings } from "../core/settings";
import { buyerOverrides, resumeBuyer } from "../db/buyer-overrides";
import { idempotencyKeyFor } from "../delivery/keys";
import { normalizeLead } from "../intake/normalize";
import type { BuyerConfig } from "../integration/config";
import { IntegrationError, MappingError } from "../integration/errors";
import { previewRequest } from "../integration/preview";
import { getBuyerRegistry } from "../integration/registry";
import { validateMapping } from "../integration/validate";
import { redactHeaders } from "../observability/redact";
import { adminAuth } from "./auth";
import { readJsonBody } from "./body";
import { ADMIN_TOKEN, documentedBody, errors, IdParam, json, newRouter } from "./openapi";

export const buyersRouter = newRouter();
buyersRouter.use("*", adminAuth);

/** The config as an operator may see it: secret *names* stay, literal header values are masked. */
function publicConfig(buyer: BuyerConfig) {
  return {
    ...buyer,
    endpoint: {
      ...buyer.endpoint,
      headers: redactHeaders(
        Object.fromEntries(Object.entries(buyer.endpoint.headers).map(([k, v]) => [k, typeof v === "string" ? v : `{secret:${v.secret}}`])),
      ),
    },
  };
}

function getBuyer(env: Env, id: string): BuyerConfig {
  const buyer = getBuyerRegistry(env).get(id);
  if (!buyer) throw new ApiError("not_found", `No buyer ${id}.`);
  return buyer;
}

const BuyerSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    statusReason: z.string().nullable(),
    verticals: z.array(z.string()),
    price: z.number(),
    priority: z.number(),
    region: z.string().optional(),
    format: z.string(),
    auth: z.string(),
    gate: z.unknown().openapi({ description: "Circuit, caps used and left, in-flight, rate limit (from the buyer's BuyerGate)" }),
  })
  .openapi("BuyerSummary");

const listBuyers = createRoute({
  method: "get",
  path: "/",
  summary: "Buyers with circuit state, caps used and left, in-flight count",
  security: ADMIN_TOKEN,
  responses: { 200: json(z.object({ buyers: z.array(BuyerSummarySchema) }), "Every buyer"), 401: errors[401] },
});

buyersRouter.openapi(listBuyers, async (c) => {
  const ov = await buyerOverrides(c.env);
  const buyers = [...getBuyerRegistry(c.env).values()];
  const states = await gateStatuses(c.env, buyers);
  return c.json(
    {
      buyers: buyers.map((b) => ({
        id: b.id,
        name: b.name,
        status: ov.get(b.id)?.status ?? b.status,
        statusReason: ov.get(b.id)?.reason ?? null,
        verticals: b.verticals,
        price: b.price,
        priority: b.priority,
        region: b.region,
        format: b.format.type,
        auth: b.auth.type,
        gate: states[b.id] ?? null,
      })),
    },
    200,
  );
});

const getBuyerRoute = createRoute({
  method: "get",
  path: "/{id}",
  summary: "One buyer: config (secrets masked), gate state, mapping check",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: {
    200: json(z.object({ config: z.unknown(), status: z.string(), statusReason: z.string().nullable(), gate: z.unknown(), mapping: z.unknown() }), "The buyer"),
    401: errors[401],
    404: errors[404],
  },
});

buyersRouter.openapi(getBuyerRoute, async (c) => {
  const buyer = getBuyer(c.env, c.req.valid("param").id);
  const [ov, states] = await Promise.all([buyerOverrides(c.env), gateStatuses(c.env, [buyer])]);
  const o = ov.get(buyer.id);
  return c.json(
    {
      config: publicConfig(buyer),
      status: o?.status ?? buyer.status,
      statusReason: o?.reason ?? null,
      gate: states[buyer.id] ?? null,
      mapping: validateMapping(buyer),
    },
    200,
  );
});

const resume = createRoute({
  method: "post",
  path: "/{id}/resume",
  summary: "Lift an operator pause (e.g. after 410 Gone)",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: { 200: json(z.object({ id: z.string(), status: z.string() }), "Resumed"), 401: errors[401], 404: errors[404] },
});

buyersRouter.openapi(resume, async (c) => {
  const buyer = getBuyer(c.env, c.req.valid("param").id);
  await resumeBuyer(c.env, buyer.id);
  return c.json({ id: buyer.id, status: buyer.status }, 200);
});

/** The raw lead in the body (`{ "lead": {...} }` or the lead itself), normalized like intake does. */
async function leadFromBody(c: Context<AppEnv>) {
  const { json: body } = await readJsonBody(c.req.raw, 64 * 1024);
  const raw = body !== null && typeof body === "object" && "lead" in body ? (body as { lead: unknown }).lead : body;
  const nowMs = c.get("clock").now();
  const r = normalizeLead(raw, { id: newId("lead", nowMs), sourceId: "src_preview", nowMs, policy: settings(c.env) });
  if (!r.ok)
    throw new ApiError(
      "validation_failed",
      "The lead has invalid fields.",
      r.issues.map((i) => ({ ...i, path: `lead.${i.path}` })),
    );
  return r.lead;
}

const PreviewSchema = z
  .object({
    buyer: z.string(),
    method: z.string(),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string().optional(),
    warnings: z.array(z.object({ field: z.string(), message: z.string() })),
  })
  .openapi("RequestPreview");

const preview = createRoute({
  method: "post",
  path: "/{id}/preview",
  summary: "The exact request that would be sent for a lead, without sending it",
  description: 'Body: a raw lead as a source would post it (or `{"lead": …}`). Secrets are masked; token schemes show a placeholder token.',
  security: ADMIN_TOKEN,
  request: { params: IdParam, query: z.object({ sandbox: z.enum(["0", "1"]).optional() }), body: documentedBody("LeadInput", "A raw lead") },
  responses: { 200: json(PreviewSchema, "The request"), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
});

buyersRouter.openapi(preview, async (c) => {
  const buyer = getBuyer(c.env, c.req.valid("param").id);
  const lead = await leadFromBody(c);
  try {
    const p = await previewRequest(buyer, lead, {
      secret: (name) => readSecret(c.env, name),
      vars: (name) => readSecret(c.env, name),
      now: () => c.get("clock").now(),
      deliveryId: "dlv_preview",
      idempotencyKey: idempotencyKeyFor(lead.id, buyer.id),
      sandbox: c.req.valid("query").sandbox === "1",
      tokens: { getToken: async () => "<access token from the buyer's token endpoint>" },
    });
    return c.json({ buyer: buyer.id, ...p }, 200);
  } catch (err) {
    if (err instanceof MappingError) {
      throw new ApiError(
        "validation_failed",
        "This lead cannot be mapped for this buyer.",
        err.issues.map((i) => ({ path: `mapping.${i.field}`, message: i.message })),
      );
    }
    if (err instanceof IntegrationError) throw new ApiError("conflict", `The buyer's configuration cannot be used: ${err.message}`);
    throw err;
  }
});

const TestResultSchema = z
  .object({
    buyer: z.string(),
    sandbox: z.boolean(),
    outcome: z.string(),
    errorClass: z.string().nullable(),
    reason: z.string().nullable(),
    statusCode: z.number().nullable(),
    buyerLeadId: z.string().nullable(),
    price: z.number().nullable(),
    elapsedMs: z.number(),
    request: z.unknown(),
    response: z.unknown(),
    warnings: z.array(z.object({ field: z.string(), message: z.string() })),
  })
  .openapi("BuyerTestResult");

const testBuyer = createRoute({
  method: "post",
  path: "/{id}/test",
  summary: "Send a marked test lead to the buyer's sandbox and show the parsed outcome",
  security: ADMIN_TOKEN,
  request: { params: IdParam, body: documentedBody("LeadInput", "A raw lead; it is sent marked as a test") },
  responses: { 200: json(TestResultSchema, "What the buyer answered, parsed"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

buyersRouter.openapi(testBuyer, async (c) => {
  const buyer = getBuyer(c.env, c.req.valid("param").id);
  const lead = { ...(await leadFromBody(c)), test: true };
  const deliveryId = newId("dlv", c.get("clock").now());
  const result = await gateFor(c.env, buyer).deliver({
    buyer,
    lead,
    deliveryId,
    idempotencyKey: idempotencyKeyFor(lead.id, buyer.id),
    attempt: 1,
    sandbox: true,
  });
  return c.json(
    {
      buyer: buyer.id,
      sandbox: Boolean(buyer.endpoint.sandboxUrl),
      outcome: result.outcome,
      errorClass: result.errorClass ?? null,
      reason: result.reason ?? null,
      statusCode: result.statusCode ?? null,
      buyerLeadId: result.buyerLeadId ?? null,
      price: result.price ?? null,
      elapsedMs: Math.round(result.elapsedMs),
      request: result.request
        ? { method: result.request.method, url: result.request.url, headers: redactHeaders(result.request.headers), body: result.request.body ?? null }
        : null,
      response: result.response ?? null,
      warnings: result.warnings,
    },
    200,
  );
});
