import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../core/errors";
import { attemptsOf } from "../db/attempts";
import { getLead } from "../db/lead-reads";
import { recordRefusal } from "../db/rollups";
import { moneyOfLead } from "../db/sales";
import { timelineOf } from "../db/timeline";
import { runSyncDelivery } from "../delivery/waterfall";
import { acceptLead } from "../intake/accept";
import { LeadAcceptedSchema, LeadDuplicateSchema, LeadSyncResultSchema } from "../intake/schema";
import { log } from "../observability/log";
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
  lead: z.unknown().openapi({ description: "The normalized lead, PII masked (empty once purged)" }),
  purged: z.boolean().openapi({ description: "Retention removed the lead's personal data; status and timeline remain" }),
  purgedAt: z.string().nullable(),
};

/** What an operator sees: every attempt (request masked, secrets never included), buyer and price. */
const LeadViewSchema = z
  .object({
    ...LeadBase,
    sold: z.object({ buyer: z.string(), price: z.number().nullable(), buyerLeadId: z.string().nullable() }).nullable(),
    money: z
      .object({ revenue: z.number().nullable(), payout: z.number().nullable(), margin: z.number().nullable(), sales: z.number() })
      .openapi({ description: "Ping/post: the lead's revenue (every sale), the source's payout and the margin kept" }),
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
    payout: z.number().nullable().openapi({ description: "What the source is paid for this lead (its payout rule); null when not sold or no rule" }),
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
    "A repeated `Idempotency-Key` header (with the same body) or `external_id` returns the original lead with 200; " +
    "the same `Idempotency-Key` with a different body is refused with 422.",
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
    422: errors[422],
  },
});

/** The field a refused post is counted under when no issue names one. */
const REFUSAL_FIELD: Partial<Record<string, string>> = {
  malformed_json: "(body)",
  payload_too_large: "(size)",
  unsupported_media_type: "(content-type)",
};

/**
 * Counts a post refused at intake, per source and per field the refusal named, so a source can
 * be judged by its error rate. A failed count never changes the answer the source gets.
 */
async function countRefusal(env: Env, sourceId: string, err: ApiError, nowMs: number): Promise<void> {
  const fields = err.issues.length > 0 ? err.issues.map((i) => i.path) : [REFUSAL_FIELD[err.code] ?? "(body)"];
  try {
    await recordRefusal(env, { sourceId, fields, atMs: nowMs });
  } catch (e) {
    log("warn", "could not count an intake refusal", { sourceId, error: e instanceof Error ? e.message : String(e) });
  }
}

leadsRouter.openapi(submitLead, async (c) => {
  const source = c.get("source");
  if (!source) throw new ApiError("forbidden", "Only a source can submit leads.");
  const idem = c.req.valid("header")["idempotency-key"];
  const mode = c.req.valid("query").mode ?? "async";
  const clock = c.get("clock");
  let accepted: Awaited<ReturnType<typeof acceptLead>>;
  try {
    const { json: body } = await readJsonBody(c, MAX_LEAD_BYTES);
    accepted = await acceptLead(c.env, clock, source, body, { ...(idem ? { idempotencyKey: idem } : {}), mode });
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 409) await countRefusal(c.env, source.id, err, clock.now());
    throw err;
  }

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
    lead: redact(lead.lead as unknown),
    purged: lead.purgedAt !== null,
    purgedAt: lead.purgedAt,
  };
  if (source) {
    const [events, money] = await Promise.all([timelineOf(c.env, id), moneyOfLead(c.env, id)]);
    return c.json(
      {
        ...base,
        outcome: neutralOutcome(lead.status),
        payout: lead.status === "sold" ? money.payout : null,
        timeline: events.filter((e) => SOURCE_EVENTS.has(e.type)).map((e) => ({ type: e.type, at: e.createdAt })),
      },
      200,
    );
  }
  const [attempts, events, money] = await Promise.all([attemptsOf(c.env, id), timelineOf(c.env, id), moneyOfLead(c.env, id)]);
  return c.json(
    {
      ...base,
      sold: lead.soldBuyerId ? { buyer: lead.soldBuyerId, price: lead.soldPrice, buyerLeadId: lead.buyerLeadId } : null,
      money: {
        ...money,
        margin: money.revenue !== null && money.payout !== null ? Math.round((money.revenue - money.payout) * 100) / 100 : null,
      },
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
