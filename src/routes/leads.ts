import { createRoute, z } from "@hono/zod-openapi";
import type { Clock } from "../core/clock";
import { ApiError } from "../core/errors";
import { settings } from "../core/settings";
import { attemptsOf } from "../db/attempts";
import { getLead } from "../db/lead-reads";
import { recordRefusal } from "../db/rollups";
import { moneyOfLead } from "../db/sales";
import type { SourceIdentity } from "../db/sources";
import { timelineOf } from "../db/timeline";
import { runSyncDelivery } from "../delivery/waterfall";
import { acceptLead } from "../intake/accept";
import { LeadAcceptedSchema, LeadDuplicateSchema, LeadSyncResultSchema } from "../intake/schema";
import { log } from "../observability/log";
import { redact, redactBody } from "../observability/redact";
import { readArchivedLead } from "../ops/archive";
import { answerHeaders, errorResponse, requestIdOf } from "./answer";
import { bearer, sourceAuth, sourceOfKey } from "./auth";
import { readJsonBody } from "./body";
import { documentedBody, errors, IdParam, json, newRouter, SOURCE_KEY, validRequestPart } from "./openapi";

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
  archived: z.boolean().openapi({ description: "Moved from D1 to the archive past the hot window (ARCHIVE_AFTER_DAYS); read from R2, personal data purged" }),
};

/** A lead's revenue and payout from its sales rows (an archived lead's, read from its record). */
function moneyOfSales(sales: readonly { price: number; payout: number | null }[]): { revenue: number | null; payout: number | null; sales: number } {
  if (sales.length === 0) return { revenue: null, payout: null, sales: 0 };
  const payouts = sales.filter((s) => s.payout !== null);
  return {
    revenue: sales.reduce((a, s) => a + s.price, 0),
    payout: payouts.length > 0 ? payouts.reduce((a, s) => a + (s.payout ?? 0), 0) : null,
    sales: sales.length,
  };
}

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

const SubmitQuery = z.object({ mode: z.enum(["async", "sync"]).optional() });
const SubmitHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1–255 visible ASCII characters")
    .optional(),
});

const submitLeadRoute = createRoute({
  method: "post",
  path: "/",
  summary: "Submit a lead",
  description:
    "Validates, normalizes, stores and routes a lead. Async by default (202 at once). `?mode=sync` waits for the waterfall (sold/unsold). " +
    "A repeated `Idempotency-Key` header (with the same body) or `external_id` returns the original lead with 200; " +
    "the same `Idempotency-Key` with a different body is refused with 422.",
  security: SOURCE_KEY,
  request: {
    query: SubmitQuery,
    headers: SubmitHeaders,
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

/** The answer's status and body, as the route documents them; `replayed`: a repeated key or external id, `Idempotent-Replayed: true`. */
type SubmitAnswer =
  | { status: 200; body: z.infer<typeof LeadSyncResultSchema> | z.infer<typeof LeadDuplicateSchema>; replayed: boolean }
  | { status: 202; body: z.infer<typeof LeadAcceptedSchema> | z.infer<typeof LeadSyncResultSchema>; replayed: false };

/** Submits a lead for an authenticated source: what `POST /v1/leads` answers, by the router or the direct entry. */
async function submitLead(
  env: Env,
  clock: Clock,
  source: SourceIdentity,
  request: Request,
  opts: { mode: "async" | "sync"; idempotencyKey: string | undefined },
): Promise<SubmitAnswer> {
  const { mode, idempotencyKey } = opts;
  let accepted: Awaited<ReturnType<typeof acceptLead>>;
  try {
    const { json: body } = await readJsonBody(request, MAX_LEAD_BYTES);
    accepted = await acceptLead(env, clock, source, body, { ...(idempotencyKey ? { idempotencyKey } : {}), mode });
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 409) await countRefusal(env, source.id, err, clock.now());
    throw err;
  }

  if (!accepted.created) return { status: 200, body: { id: accepted.lead.id, status: accepted.status, duplicate: true as const }, replayed: true };
  if (mode === "async") {
    return { status: 202, body: { id: accepted.lead.id, status: accepted.status === "queued" ? ("queued" as const) : ("received" as const) }, replayed: false };
  }
  const outcome = await runSyncDelivery(env, clock, accepted.lead.id, accepted.leased);
  if (outcome.status === "queued" || outcome.status === "pending") return { status: 202, body: outcome, replayed: false };
  return { status: 200, body: outcome, replayed: false };
}

leadsRouter.openapi(submitLeadRoute, async (c) => {
  const source = c.get("source");
  if (!source) throw new ApiError("forbidden", "Only a source can submit leads.");
  const answer = await submitLead(c.env, c.get("clock"), source, c.req.raw, {
    mode: c.req.valid("query").mode ?? "async",
    idempotencyKey: c.req.valid("header")["idempotency-key"],
  });
  if (answer.replayed) c.header("Idempotent-Replayed", "true");
  return answer.status === 200 ? c.json(answer.body, 200) : c.json(answer.body, 202);
});

/**
 * `POST /v1/leads` without the router: the Worker's entry sends the one route every lead comes
 * through straight here, which spares each lead the router's matching and middleware (see
 * README, Benchmark). The same steps in the same order and the same answers as the route above
 * (test/worker/intake/direct-entry.test.ts compares them): request id and settings, the
 * source's key, the query and headers, then the lead. `url` is the request's, as the entry
 * parsed it to pick the route.
 */
export async function postLeadDirect(request: Request, url: URL, env: Env, clock: Clock): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  try {
    settings(env);
    const source = await sourceOfKey(env, bearer(request.headers.get("authorization") ?? undefined), clock.now());
    // As the router reads a query: one value as a string, a repeated parameter as the list of its values.
    const modes = url.searchParams.getAll("mode");
    const { mode = "async" } = validRequestPart("query", SubmitQuery, { mode: modes.length > 1 ? modes : modes[0] });
    const { "idempotency-key": idempotencyKey } = validRequestPart("header", SubmitHeaders, {
      "idempotency-key": request.headers.get("idempotency-key") ?? undefined,
    });
    const answer = await submitLead(env, clock, source, request, { mode, idempotencyKey });
    const headers = answerHeaders(requestId);
    if (answer.replayed) headers.push(["Idempotent-Replayed", "true"]);
    return Response.json(answer.body, { status: answer.status, headers });
  } catch (err) {
    return errorResponse(err, requestId, { method: request.method, path: "/v1/leads" });
  }
}

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
  const hot = await getLead(c.env, id, source?.id);
  // Not in D1: maybe moved to the R2 archive past the hot window (issue 17), its personal data purged.
  const cold = hot ? undefined : await readArchivedLead(c.env, id, source?.id);
  const lead = hot ?? (cold ? { ...cold.lead, lead: {} } : undefined);
  // A source asking for another source's lead gets the same 404 as for a missing one.
  if (!lead) throw new ApiError("not_found", `No lead ${id}.`);
  const detail = cold
    ? {
        attempts: async () => cold.attempts,
        events: async () => cold.events,
        money: async () => moneyOfSales(cold.sales),
      }
    : { attempts: () => attemptsOf(c.env, id), events: () => timelineOf(c.env, id), money: () => moneyOfLead(c.env, id) };
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
    archived: cold !== undefined,
  };
  if (source) {
    const [events, money] = await Promise.all([detail.events(), detail.money()]);
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
  const [attempts, events, money] = await Promise.all([detail.attempts(), detail.events(), detail.money()]);
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
