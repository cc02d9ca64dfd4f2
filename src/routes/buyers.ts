import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { ApiError } from "../core/errors";
import { newId } from "../core/ids";
import { gateFor, idempotencyKeyFor } from "../delivery/engine";
import { normalizeLead } from "../intake/normalize";
import { ConfigError } from "../integration/auth/errors";
import type { BuyerConfig } from "../integration/config";
import { MappingError } from "../integration/mapping/errors";
import { previewRequest } from "../integration/preview";
import { getBuyerRegistry } from "../integration/registry";
import { validateMapping } from "../integration/validate";
import { redactHeaders } from "../observability/redact";
import { adminAuth } from "./auth";
import { readJsonBody } from "./body";

export const buyersRouter = new OpenAPIHono<AppEnv>();
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

async function overrides(env: Env): Promise<Map<string, { status: string; reason: string | null }>> {
  const { results } = await env.DB.prepare(`SELECT buyer_id, status, reason FROM buyer_overrides`).all<{
    buyer_id: string;
    status: string;
    reason: string | null;
  }>();
  return new Map(results.map((r) => [r.buyer_id, { status: r.status, reason: r.reason }]));
}

function getBuyer(env: Env, id: string): BuyerConfig {
  const buyer = getBuyerRegistry(env).get(id);
  if (!buyer) throw new ApiError("not_found", `No buyer ${id}.`);
  return buyer;
}

async function health(env: Env, buyer: BuyerConfig) {
  try {
    return await gateFor(env, buyer).status(buyer);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

buyersRouter.get("/", async (c) => {
  const ov = await overrides(c.env);
  const buyers = [...getBuyerRegistry(c.env).values()];
  const states = await Promise.all(buyers.map((b) => health(c.env, b)));
  return c.json({
    buyers: buyers.map((b, i) => ({
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
      gate: states[i],
    })),
  });
});

buyersRouter.get("/:id", async (c) => {
  const buyer = getBuyer(c.env, c.req.param("id"));
  const ov = (await overrides(c.env)).get(buyer.id);
  return c.json({
    config: publicConfig(buyer),
    status: ov?.status ?? buyer.status,
    statusReason: ov?.reason ?? null,
    gate: await health(c.env, buyer),
    mapping: validateMapping(buyer),
  });
});

/** Lift an operator pause (e.g. after a 410 Gone was fixed on the buyer's side). */
buyersRouter.post("/:id/resume", async (c) => {
  const buyer = getBuyer(c.env, c.req.param("id"));
  await c.env.DB.prepare(`DELETE FROM buyer_overrides WHERE buyer_id = ?`).bind(buyer.id).run();
  return c.json({ id: buyer.id, status: buyer.status });
});

async function leadFromBody(c: Context<AppEnv>) {
  const { json } = await readJsonBody(c, 64 * 1024);
  const raw = json !== null && typeof json === "object" && "lead" in json ? (json as { lead: unknown }).lead : json;
  const nowMs = c.get("clock").now();
  const r = normalizeLead(raw, { id: newId("lead", nowMs), sourceId: "src_preview", nowMs });
  if (!r.ok)
    throw new ApiError(
      "validation_failed",
      "The lead has invalid fields.",
      r.issues.map((i) => ({ ...i, path: `lead.${i.path}` })),
    );
  return r.lead;
}

/** The exact request that would be sent for this lead, without sending it. */
buyersRouter.post("/:id/preview", async (c) => {
  const buyer = getBuyer(c.env, c.req.param("id"));
  const lead = await leadFromBody(c);
  const env = c.env as unknown as Record<string, unknown>;
  const str = (name: string) => (typeof env[name] === "string" ? (env[name] as string) : undefined);
  let preview: Awaited<ReturnType<typeof previewRequest>>;
  try {
    preview = await previewRequest(buyer, lead, {
      secret: str,
      vars: str,
      now: () => c.get("clock").now(),
      deliveryId: "dlv_preview",
      idempotencyKey: idempotencyKeyFor(lead.id, buyer.id),
      sandbox: c.req.query("sandbox") === "1",
      tokens: { getToken: async () => "<access token from the buyer's token endpoint>" },
    });
  } catch (err) {
    if (err instanceof MappingError) {
      throw new ApiError(
        "validation_failed",
        "This lead cannot be mapped for this buyer.",
        err.issues.map((i) => ({ path: `mapping.${i.field}`, message: i.message })),
      );
    }
    if (err instanceof ConfigError) throw new ApiError("conflict", `The buyer's configuration is incomplete: ${err.message}`);
    throw err;
  }
  return c.json({ buyer: buyer.id, ...preview });
});

/** Sends a marked test lead to the buyer's sandbox endpoint and shows the parsed outcome. */
buyersRouter.post("/:id/test", async (c) => {
  const buyer = getBuyer(c.env, c.req.param("id"));
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
  return c.json({
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
  });
});
