import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../core/errors";
import { attemptsOf } from "../db/attempts";
import { getLead } from "../db/lead-reads";
import { timelineOf } from "../db/timeline";
import { runSyncDelivery } from "../delivery/waterfall";
import { acceptLead } from "../intake/accept";
import { LeadAcceptedSchema, LeadDuplicateSchema, LeadSyncResultSchema } from "../intake/schema";
import { redact, redactBody } from "../observability/redact";
import { sourceAuth } from "./auth";
import { readJsonBody } from "./body";
import { documentedBody, errors, IdParam, json, newRouter, SOURCE_KEY } from "./openapi";

export const MAX_LEAD_BYTES = 64 * 1024;

export const leadsRouter = newRouter();
leadsRouter.use("*", sourceAuth);

const LeadBase = {
  id: z.string(),
  status: z.enum(["received", "queued", "delivering", "pending", "sold", "unsold", "expired"]),
  vertical: z.string(),
  test: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finalizedAt: z.string().nullable(),
  expiresAt: z.string(),
  lead: z.unknown().openapi({ description: "The normalized lead, PII masked" }),
};

/** What an operator sees: every attempt (request masked, secrets never included), buyer and price. */
const LeadViewSchema = z
  .object({
    ...LeadBase,
    sold: z.object({ buyer: z.string(), price: z.number().nullable(), buyerLeadId: z.string().nullable() }).nullable(),
    reasons: z.unknown(),
    attempts: z.array(z.record(z.string(), z.unknown())),
    timeline: z.array(z.object({ type: z.string(), buyer: z.string().nullable(), at: z.string(), data: z.unknown() })),
  })
  .openapi("LeadView");

/** What the lead's source sees: its status and a neutral reason — never a buyer's identity, endpoint, request, response or price. */
const SourceLeadViewSchema = z
  .object({
    ...LeadBase,
    outcome: z.string().nullable().openapi({ description: "Why the lead ended unsold or expired, in neutral words" }),
    timeline: z.array(z.object({ type: z.string(), at: z.string() })),
  })
  .openapi("SourceLeadView");

/** Timeline entries a source may see (what happened, not which buyer did it). */
const SOURCE_EVENTS = new Set(["received", "acknowledged", "sold", "returned", "ack_expired"]);

function neutralOutcome(status: string): string | null {
  if (status === "unsold") return "no buyer accepted the lead";
  if (status === "expired") return "the lead reached its maximum age without a buyer";
  return null;
}

const submitLead = createRoute({
  method: "post",
  path: "/",
  summary: "Submit a lead",
  description:
    "Validates, normalizes, stores and routes a lead. Async by default (202 at once). `?mode=sync` waits for the waterfall (sold/unsold). " +
    "A repeated `Idempotency-Key` header or `external_id` returns the original lead with 200.",
  security: SOURCE_KEY,
  request: {
    query: z.object({ mode: z.enum(["async", "sync"]).optional() }),
    headers: z.object({
      "idempotency-key": z
        .string()
        .regex(/^[\x21-\x7e]{1,255}$/, "1–255 visible ASCII characters")
        .optional(),
    }),
    body: documentedBody("LeadInput", "The lead as the source has it; every field is normalized (see the LeadInput schema)."),
  },
  responses: {
    202: json(
      z.union([LeadAcceptedSchema, LeadSyncResultSchema]),
      "Accepted and queued for delivery (in sync mode: handed to the queue, or awaiting a buyer's decision)",
    ),
    200: json(z.union([LeadSyncResultSchema, LeadDuplicateSchema]), "Sync result, or the original lead for a repeated idempotency key"),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    413: errors[413],
    415: errors[415],
  },
});

leadsRouter.openapi(submitLead, async (c) => {
  const source = c.get("source");
  if (!source) throw new ApiError("forbidden", "Only a source can submit leads.");
  const idem = c.req.valid("header")["idempotency-key"];
  const mode = c.req.valid("query").mode ?? "async";
  const { json: body } = await readJsonBody(c, MAX_LEAD_BYTES);
  const clock = c.get("clock");
  const accepted = await acceptLead(c.env, clock, source, body, { ...(idem ? { idempotencyKey: idem } : {}), mode });

  if (!accepted.created) {
    c.header("Idempotent-Replayed", "true");
    return c.json({ id: accepted.lead.id, status: accepted.status, duplicate: true as const }, 200);
  }
  if (mode === "async") return c.json({ id: accepted.lead.id, status: accepted.status === "queued" ? ("queued" as const) : ("received" as const) }, 202);

  const outcome = await runSyncDelivery(c.env, clock, accepted.lead.id, accepted.leased);
  if (outcome.status === "queued" || outcome.status === "pending") return c.json(outcome, 202);
  return c.json(outcome, 200);
});

const getLeadRoute = createRoute({
  method: "get",
  path: "/{id}",
  summary: "A lead's status, normalized data (PII masked), attempts and timeline",
  security: [...SOURCE_KEY, { adminToken: [] }],
  request: { params: IdParam },
  responses: {
    200: json(z.union([LeadViewSchema, SourceLeadViewSchema]), "The lead: the operator's view for the admin token, the source's view for its key"),
    401: errors[401],
    404: errors[404],
  },
});

leadsRouter.openapi(getLeadRoute, async (c) => {
  const { id } = c.req.valid("param");
  const source = c.get("source");
  const lead = await getLead(c.env, id, source?.id);
  // A source asking for another source's lead gets the same 404 as for a missing one.
  if (!lead) throw new ApiError("not_found", `No lead ${id}.`);
  const base = {
    id: lead.id,
    status: lead.status,
    vertical: lead.vertical,
    test: lead.test,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    finalizedAt: lead.finalizedAt,
    expiresAt: lead.expiresAt,
    lead: redact(JSON.parse(lead.data) as unknown),
  };
  if (source) {
    const events = await timelineOf(c.env, id);
    return c.json(
      {
        ...base,
        outcome: neutralOutcome(lead.status),
        timeline: events.filter((e) => SOURCE_EVENTS.has(e.type)).map((e) => ({ type: e.type, at: e.createdAt })),
      },
      200,
    );
  }
  const [attempts, events] = await Promise.all([attemptsOf(c.env, id), timelineOf(c.env, id)]);
  return c.json(
    {
      ...base,
      sold: lead.soldBuyerId ? { buyer: lead.soldBuyerId, price: lead.soldPrice, buyerLeadId: lead.buyerLeadId } : null,
      reasons: JSON.parse(lead.outcomeReasons) as unknown,
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
    },
    200,
  );
});
