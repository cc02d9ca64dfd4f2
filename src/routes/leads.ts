import { OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { AppEnv } from "../context";
import { ApiError } from "../core/errors";
import { db, schema } from "../db/client";
import { runSyncDelivery } from "../delivery/engine";
import { acceptLead } from "../intake/accept";
import { redact, redactBody } from "../observability/redact";
import { sourceAuth } from "./auth";
import { readJsonBody } from "./body";

export const MAX_LEAD_BYTES = 64 * 1024;

export const leadsRouter = new OpenAPIHono<AppEnv>();
leadsRouter.use("*", sourceAuth);

leadsRouter.post("/", async (c) => {
  const source = c.get("source");
  if (!source) throw new ApiError("forbidden", "Only a source can submit leads.");
  const idem = c.req.header("idempotency-key");
  if (idem !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idem)) {
    throw new ApiError("bad_request", "The Idempotency-Key header must be 1–255 visible ASCII characters.", [
      { path: "header.Idempotency-Key", message: "1–255 visible ASCII characters" },
    ]);
  }
  const modeParam = c.req.query("mode");
  if (modeParam !== undefined && modeParam !== "sync" && modeParam !== "async") {
    throw new ApiError("bad_request", "mode must be sync or async.", [{ path: "query.mode", message: "must be sync or async" }]);
  }
  const mode = modeParam === "sync" ? "sync" : "async";
  const { json } = await readJsonBody(c, MAX_LEAD_BYTES);
  const clock = c.get("clock");
  const accepted = await acceptLead(c.env, clock, source, json, { ...(idem ? { idempotencyKey: idem } : {}), mode });

  if (!accepted.created) {
    c.header("Idempotent-Replayed", "true");
    return c.json({ id: accepted.lead.id, status: accepted.status, duplicate: true }, 200);
  }
  if (mode === "async") return c.json({ id: accepted.lead.id, status: accepted.status }, 202);

  const outcome = await runSyncDelivery(c.env, clock, accepted.lead.id);
  if (outcome.status === "queued" || outcome.status === "pending") return c.json(outcome, 202);
  return c.json(outcome, 200);
});

leadsRouter.get("/:id", async (c) => {
  const id = c.req.param("id");
  const d = db(c.env);
  const source = c.get("source");
  const lead = await d
    .select()
    .from(schema.leads)
    .where(source ? and(eq(schema.leads.id, id), eq(schema.leads.sourceId, source.id)) : eq(schema.leads.id, id))
    .get();
  // A source asking for another source's lead gets the same 404 as for a missing one.
  if (!lead) throw new ApiError("not_found", `No lead ${id}.`);
  const [attempts, events] = await Promise.all([
    d.select().from(schema.deliveryAttempts).where(eq(schema.deliveryAttempts.leadId, id)).orderBy(asc(schema.deliveryAttempts.createdAt)).all(),
    d.select().from(schema.leadEvents).where(eq(schema.leadEvents.leadId, id)).orderBy(asc(schema.leadEvents.createdAt)).all(),
  ]);
  return c.json({
    id: lead.id,
    status: lead.status,
    vertical: lead.vertical,
    test: lead.test,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    finalizedAt: lead.finalizedAt,
    expiresAt: lead.expiresAt,
    sold: lead.soldBuyerId ? { buyer: lead.soldBuyerId, price: lead.soldPrice, buyerLeadId: lead.buyerLeadId } : null,
    reasons: JSON.parse(lead.outcomeReasons) as unknown,
    lead: redact(JSON.parse(lead.data) as unknown),
    attempts: attempts.map((a) => ({
      id: a.id,
      buyer: a.buyerId,
      attempt: a.attempt,
      at: a.createdAt,
      endpoint: a.endpoint,
      statusCode: a.statusCode,
      outcome: a.outcome,
      errorClass: a.errorClass,
      reason: a.reason,
      elapsedMs: a.elapsedMs,
      price: a.price,
      buyerLeadId: a.buyerLeadId,
      request: JSON.parse(a.requestMasked) as unknown,
      response: a.responseBody === null ? null : redactBody(a.responseBody),
    })),
    timeline: events.map((e) => ({ type: e.type, buyer: e.buyerId, at: e.createdAt, data: JSON.parse(e.data) as unknown })),
  });
});
