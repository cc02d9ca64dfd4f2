import { and, eq, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { NormalizedLead } from "../core/lead";
import { parseSaleTerms, type SaleTerms } from "../core/sale-terms";
import { notePausedRead, pausedIdsColumn, pausedOf } from "./buyer-overrides";
import { type Claim, claimMap, claimsInBatch, firstClaimIfLead } from "./claims";
import { changed, type Db, type DbEnv, isoAt, leadDb, leadDbs, type Stmt, schema } from "./client";
import { compiled, type P } from "./compiled";
import { type HashEnv, type LeadHash, leadHashes, leadHashStmts } from "./dedupe";
import { openLead, type SealEnv, sealJson } from "./lead-data";
import { LEAD_MOVES, type LeadMove, type LeadStatus } from "./lead-state";
import { rollupStmt } from "./rollups";
import { newLeadEntries, type TimelineEntry } from "./timeline";

const L = schema.leads;
const S = schema.sources;

/** Why a buyer did not take the lead, collected along the waterfall and shown to operators. */
export interface OutcomeReason {
  buyerId: string;
  reason: string;
}

/** The SQL guard of one move: the lead is in one of the states the move may start from. */
function from(move: LeadMove) {
  return inArray(L.status, [...LEAD_MOVES[move].from] as LeadStatus[]);
}

// ---------------------------------------------------------------------------------------
// Intake

export interface NewLead {
  id: string;
  sourceId: string;
  idempotencyKey?: string;
  /** SHA-256 of the canonical body posted under the idempotency key (a repeat with another body is refused). */
  idempotencyHash?: string;
  lead: NormalizedLead;
  raw: unknown;
  mode: "async" | "sync";
  expiresAtMs: number;
  nowMs: number;
  /**
   * `received` (the default; a sync lead, routed at once by the request) or `queued`, due at
   * `nowMs`: an async lead whose queue message follows. Stored queued and due, a lead whose
   * enqueue then fails is found by the sweep like any queued lead whose message was lost, so
   * intake needs no second write to mark it queued.
   */
  status?: "received" | "queued";
}

/** What a new lead stores: its personal data (the normalized lead, the raw post) sealed at rest, and its duplicate hashes. */
interface Sealed {
  data: string;
  raw: string;
  hashes: LeadHash[];
}

async function seal(env: SealEnv & HashEnv, n: NewLead): Promise<Sealed> {
  const [data, raw, hashes] = await Promise.all([sealJson(env, n.lead), sealJson(env, n.raw), leadHashes(env, n.lead)]);
  return { data, raw, hashes };
}

/** Every column a new lead's row is written with (the rest take their defaults). */
interface NewLeadRow extends Record<string, unknown> {
  id: string;
  sourceId: string;
  externalId: string | null;
  idempotencyKey: string | null;
  idempotencyHash: string | null;
  vertical: string;
  status: LeadStatus;
  data: string;
  raw: string;
  test: boolean;
  mode: "async" | "sync";
  expiresAt: string;
  nextAttemptAt: string | null;
  leaseOwner: string | null;
  leaseUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

function newLeadRow(n: NewLead, at: string, sealed: Sealed, state: Pick<NewLeadRow, "status" | "nextAttemptAt" | "leaseOwner" | "leaseUntil">): NewLeadRow {
  return {
    id: n.id,
    sourceId: n.sourceId,
    externalId: n.lead.external_id ?? null,
    idempotencyKey: n.idempotencyKey ?? null,
    idempotencyHash: n.idempotencyHash ?? null,
    vertical: n.lead.vertical,
    data: sealed.data,
    raw: sealed.raw,
    test: n.lead.test,
    mode: n.mode,
    expiresAt: isoAt(n.expiresAtMs),
    createdAt: at,
    updatedAt: at,
    ...state,
  };
}

/** The new lead's insert (compiled: intake's hottest statement); nothing when a lead with the same key exists. */
const insertLeadRow = compiled<NewLeadRow, Stmt>((d, p) =>
  d
    .insert(L)
    .values({
      id: p("id"),
      sourceId: p("sourceId"),
      externalId: p("externalId"),
      idempotencyKey: p("idempotencyKey"),
      idempotencyHash: p("idempotencyHash"),
      vertical: p("vertical"),
      status: p("status"),
      data: p("data"),
      raw: p("raw"),
      test: p("test"),
      mode: p("mode"),
      expiresAt: p("expiresAt"),
      nextAttemptAt: p("nextAttemptAt"),
      leaseOwner: p("leaseOwner"),
      leaseUntil: p("leaseUntil"),
      createdAt: p("createdAt"),
      updatedAt: p("updatedAt"),
    })
    .onConflictDoNothing(),
);

/**
 * What a sync lead's first pick needs: its source and the paused buyers, one row even if the
 * source is gone (compiled with the insert it rides along).
 */
const sourceForRouting = compiled((d: Db, p: P<{ sourceId: string }>) =>
  d
    .select({ excluded: S.excludedBuyers, quality: S.qualityScore, webhookUrl: S.webhookUrl, saleTerms: S.saleTerms, paused: pausedIdsColumn() })
    .from(sql`(SELECT 1) AS one`)
    .leftJoin(S, eq(S.id, p("sourceId"))),
);

/**
 * What goes with a new lead's row, each written only if the row was (an insert that lost to a
 * repeated key writes none): its first timeline entries (`received`, then `also`), the intake
 * counts, the duplicate hashes (kept after retention purges the lead).
 */
function withNewLead(d: Db, n: NewLead, sealed: Sealed, also?: Omit<TimelineEntry, "leadId">): Stmt[] {
  const received = { type: "received", data: { mode: n.mode, test: n.lead.test }, nowMs: n.nowMs };
  return [
    newLeadEntries(d, n.id, also ? [received, also] : [received]),
    rollupStmt(d, {
      atMs: n.nowMs,
      source: n.sourceId,
      vertical: n.lead.vertical,
      counts: n.lead.test ? { leads: 1, test_leads: 1 } : { leads: 1 },
      whenLeadExists: n.id,
    }),
    ...leadHashStmts(d, n.id, sealed.hashes, n.nowMs),
  ];
}

/**
 * Stores a new lead with what goes with it (see withNewLead) in one batch, or nothing. The
 * unique (source, external id) and (source, idempotency key) indexes settle races: false when a
 * lead with the same key already exists.
 */
export async function insertLead(env: DbEnv & SealEnv & HashEnv, n: NewLead): Promise<boolean> {
  const d = leadDb(env, n.id);
  const at = isoAt(n.nowMs);
  const sealed = await seal(env, n);
  const status = n.status ?? "received";
  const [ins] = await d.batch([
    insertLeadRow(d, newLeadRow(n, at, sealed, { status, nextAttemptAt: status === "queued" ? at : null, leaseOwner: null, leaseUntil: null })),
    ...withNewLead(d, n, sealed),
  ]);
  return changed(ins) > 0;
}

/** What the waterfall reads of a lead's source. */
export type SourceRouting = Pick<RoutingLead, "excludedBuyers" | "qualityScore" | "sourceHasWebhook" | "saleTerms">;

/** A new lead as the waterfall holds it: no round, no claim, nothing said yet. */
export function newRoutingLead(
  n: Pick<NewLead, "id" | "sourceId" | "lead" | "expiresAtMs">,
  source: SourceRouting,
  leaseUntilMs: number,
  paused: Set<string>,
): RoutingLead {
  return {
    id: n.id,
    sourceId: n.sourceId,
    data: n.lead,
    reasons: [],
    expiresAtMs: n.expiresAtMs,
    rounds: 0,
    nextAttemptAtMs: null,
    ...source,
    leaseUntilMs,
    claims: new Map(),
    paused,
  };
}

/**
 * A sync lead's first buyer, picked before the lead is stored (see `planFirstPick`): its claim
 * and the `routed` entry go in the batch that stores the lead, written only if the lead's row is.
 */
export interface FirstPickPlan extends FirstPick {
  /** The decision's `routed` timeline entry (id `routedId`), written with `received`, only if the lead's row is. */
  entry: Omit<TimelineEntry, "leadId"> | undefined;
}

/** A first claim taken with the lead, as the waterfall checks it (`rankAndClaim`). */
export interface FirstPick {
  buyerId: string;
  deliveryId: string;
  /** The id of the `routed` entry written with it. */
  routedId: string;
  /** The decision's summary (see `Decision.summary`): kept only if a fresh decision reads the same. */
  summary: string;
}

/**
 * A sync lead: stored and leased by the request that routes it, in one batch that also reads
 * what the first pick needs (its source, the paused buyers; a new lead has no claims). It is
 * the `received` insert and the `lease` move in one transaction — the lead is never seen
 * received and unleased. With `pick`, the same batch takes the first buyer's claim, so the
 * lead goes to that buyer with no round trip of its own (`firstPick` says it was taken; the
 * waterfall checks it against what this batch read before sending). Undefined when a lead
 * with the same key already exists (nothing written). A crashed request leaves a delivering
 * lead whose lease lapses: the sweep routes it (a claim taken here is resumed as any claim).
 */
export async function insertLeasedLead(
  env: DbEnv & SealEnv & HashEnv,
  n: NewLead,
  owner: string,
  leaseMs: number,
  pick?: FirstPickPlan,
): Promise<(RoutingLead & { firstPick?: FirstPick }) | undefined> {
  const d = leadDb(env, n.id);
  const at = isoAt(n.nowMs);
  const leaseUntilMs = n.nowMs + leaseMs;
  const sealed = await seal(env, n);
  const alongside = withNewLead(d, n, sealed, pick?.entry);
  const results = await d.batch([
    insertLeadRow(d, newLeadRow(n, at, sealed, { status: LEAD_MOVES.lease.to, nextAttemptAt: null, leaseOwner: owner, leaseUntil: isoAt(leaseUntilMs) })),
    sourceForRouting(d, { sourceId: n.sourceId }),
    ...alongside,
    ...(pick ? [firstClaimIfLead(d, { leadId: n.id, buyerId: pick.buyerId, deliveryId: pick.deliveryId, now: at })] : []),
  ]);
  const [ins, source] = results;
  if (changed(ins) === 0) return undefined;
  const src = source[0];
  const pausedIds = pausedOf(src?.paused);
  notePausedRead(env, pausedIds);
  const claimed = pick ? (results[2 + alongside.length] as unknown[] | undefined) : undefined;
  const routing = {
    excludedBuyers: src?.excluded ? (JSON.parse(src.excluded) as string[]) : [],
    qualityScore: src?.quality ?? null,
    sourceHasWebhook: Boolean(src?.webhookUrl),
    saleTerms: parseSaleTerms(src?.saleTerms ?? null),
  };
  return {
    ...newRoutingLead(n, routing, leaseUntilMs, pausedIds),
    ...(pick && claimed?.length === 1
      ? { firstPick: { buyerId: pick.buyerId, deliveryId: pick.deliveryId, routedId: pick.routedId, summary: pick.summary } }
      : {}),
  };
}

/** received → queued, due at `dueAtMs`. False when the lead was not `received`. */
export async function queueLead(env: DbEnv, leadId: string, dueAtMs: number, nowMs: number): Promise<boolean> {
  const res = await leadDb(env, leadId)
    .update(L)
    .set({ status: "queued", nextAttemptAt: isoAt(dueAtMs), updatedAt: isoAt(nowMs) })
    .where(and(eq(L.id, leadId), from("queue")))
    .returning({ id: L.id });
  return res.length > 0;
}

// ---------------------------------------------------------------------------------------
// Routing (the lease holder's moves)

/** What the waterfall needs of a lead it holds the lease on, read in the lease's round trip. */
export interface RoutingLead {
  id: string;
  sourceId: string;
  data: NormalizedLead;
  reasons: OutcomeReason[];
  expiresAtMs: number;
  rounds: number;
  nextAttemptAtMs: number | null;
  /** Buyers the source excluded. */
  excludedBuyers: string[];
  /** The source's quality score (0–100), which buyer filters may require. */
  qualityScore: number | null;
  /** Whether the source takes event webhooks (lead.sold, …). */
  sourceHasWebhook: boolean;
  /** Ping/post: the source's terms of sale (exclusive or shared, payout rule, auction deadline). */
  saleTerms: SaleTerms;
  /** When the lease taken now lapses. */
  leaseUntilMs: number;
  /** Every claim on the lead, by buyer id. */
  claims: Map<string, Claim>;
  /** Buyers paused by an operator (or a 410). */
  paused: Set<string>;
}

/**
 * Takes the lead's routing lease so that only one worker routes it, also when a queue message
 * is duplicated: received | queued | delivering (with a lapsed lease) → delivering. The same
 * round trip reads what the first pick needs: the lead with its source, its claims and the
 * paused buyers. Undefined when another worker holds it or the lead no longer needs routing.
 */
export async function leaseLead(env: DbEnv & SealEnv, leadId: string, owner: string, nowMs: number, leaseMs: number): Promise<RoutingLead | undefined> {
  const d = leadDb(env, leadId);
  const now = isoAt(nowMs);
  const [taken, row, claims] = await d.batch([
    d
      .update(L)
      .set({ status: "delivering", leaseOwner: owner, leaseUntil: isoAt(nowMs + leaseMs), updatedAt: now })
      .where(and(eq(L.id, leadId), from("lease"), or(isNull(L.leaseUntil), lt(L.leaseUntil, now))))
      .returning({ id: L.id }),
    routingQuery(d, leadId),
    claimsInBatch(d, { leadId }),
  ]);
  const r = row[0];
  if (taken.length === 0 || !r || r.leaseOwner !== owner) return undefined;
  return routingLead(env, r, { leaseUntilMs: nowMs + leaseMs, claims: claimMap(claims), paused: pausedOf(r.paused) });
}

/** The lead with what the waterfall needs of its source, and the paused buyers. */
function routingQuery(d: Db, leadId: string) {
  return d
    .select({
      id: L.id,
      sourceId: L.sourceId,
      data: L.data,
      reasons: L.outcomeReasons,
      expiresAt: L.expiresAt,
      rounds: L.rounds,
      nextAttemptAt: L.nextAttemptAt,
      leaseOwner: L.leaseOwner,
      excluded: S.excludedBuyers,
      quality: S.qualityScore,
      webhookUrl: S.webhookUrl,
      saleTerms: S.saleTerms,
      paused: pausedIdsColumn(),
    })
    .from(L)
    .leftJoin(S, eq(S.id, L.sourceId))
    .where(eq(L.id, leadId));
}

type RoutingRow = Awaited<ReturnType<typeof routingQuery>>[number];

async function routingLead(env: SealEnv, r: RoutingRow, held: Pick<RoutingLead, "leaseUntilMs" | "claims" | "paused">): Promise<RoutingLead> {
  return {
    id: r.id,
    sourceId: r.sourceId,
    data: await openLead(env, r.data),
    reasons: JSON.parse(r.reasons) as OutcomeReason[],
    expiresAtMs: Date.parse(r.expiresAt),
    rounds: r.rounds,
    nextAttemptAtMs: r.nextAttemptAt ? Date.parse(r.nextAttemptAt) : null,
    excludedBuyers: r.excluded ? (JSON.parse(r.excluded) as string[]) : [],
    qualityScore: r.quality,
    sourceHasWebhook: Boolean(r.webhookUrl),
    saleTerms: parseSaleTerms(r.saleTerms),
    ...held,
  };
}

/** Keeps the routing lease alive across a slow buyer. */
export function extendLease(d: Db, leadId: string, owner: string, untilMs: number): Stmt {
  return d
    .update(L)
    .set({ leaseUntil: isoAt(untilMs) })
    .where(and(eq(L.id, leadId), eq(L.leaseOwner, owner)));
}

/** How the lease holder lets go of a lead that is not sold. */
export type LeaseEnd =
  /** Parked until its next attempt is due (a retry, a long-retry round, a deferral). */
  | { move: "park"; nextAttemptAtMs: number; rounds?: number }
  /** Waiting for an asynchronous buyer's decision. */
  | { move: "await" }
  | { move: "giveUp" }
  | { move: "expire" };

/** The lease holder ends its lease with one of the moves above; the reasons so far are saved. */
export function endLease(d: Db, leadId: string, owner: string, end: LeaseEnd, reasons: OutcomeReason[], nowMs: number): Stmt {
  const now = isoAt(nowMs);
  const to = LEAD_MOVES[end.move].to;
  return d
    .update(L)
    .set({
      status: to,
      leaseOwner: null,
      leaseUntil: null,
      updatedAt: now,
      outcomeReasons: JSON.stringify(reasons),
      ...(end.move === "park" ? { nextAttemptAt: isoAt(end.nextAttemptAtMs), ...(end.rounds !== undefined ? { rounds: end.rounds } : {}) } : {}),
      ...(end.move === "giveUp" || end.move === "expire" ? { finalizedAt: now } : {}),
    })
    .where(and(eq(L.id, leadId), eq(L.leaseOwner, owner), from(end.move)));
}

export interface Sale {
  buyerId: string;
  price: number;
  buyerLeadId: string | null;
}

/** The lease holder sold the lead (delivering → sold). */
export function sellLeased(d: Db, leadId: string, owner: string, sale: Sale, reasons: OutcomeReason[], nowMs: number): Stmt {
  return sellLeasedRow(d, {
    leadId,
    owner,
    buyerId: sale.buyerId,
    price: sale.price,
    buyerLeadId: sale.buyerLeadId,
    now: isoAt(nowMs),
    reasons: JSON.stringify(reasons),
  });
}

/** `sellLeased`, compiled: every sync sale and every sale of the consumer writes it. */
const sellLeasedRow = compiled<
  { leadId: string; owner: string; buyerId: string; price: number; buyerLeadId: string | null; now: string; reasons: string },
  Stmt
>((d, p) =>
  d
    .update(L)
    .set({
      status: "sold",
      soldBuyerId: p("buyerId"),
      soldPrice: p("price"),
      buyerLeadId: p("buyerLeadId"),
      finalizedAt: p("now"),
      updatedAt: p("now"),
      outcomeReasons: p("reasons"),
      leaseOwner: null,
      leaseUntil: null,
    } as never)
    .where(and(eq(L.id, p("leadId") as never), eq(L.leaseOwner, p("owner") as never), from("sell"))),
);

// ---------------------------------------------------------------------------------------
// Callbacks, returns, sweep

/** A buyer's callback accepted a pending delivery: the lead is sold at `price`, with the buyer's lead id from its claim. */
export function sellByCallback(d: Db, leadId: string, buyerId: string, price: number | null, deliveryId: string, nowMs: number): Stmt {
  const now = isoAt(nowMs);
  const LB = schema.leadBuyers;
  return d
    .update(L)
    .set({
      status: "sold",
      soldBuyerId: buyerId,
      soldPrice: price,
      buyerLeadId: sql`(SELECT ${LB.buyerLeadId} FROM ${LB} WHERE ${LB.deliveryId} = ${deliveryId})`,
      finalizedAt: now,
      updatedAt: now,
    })
    .where(and(eq(L.id, leadId), from("sell")));
}

/** pending → queued: the buyer rejected by callback, or its decision never came. */
export function resumeLead(d: Db, leadId: string, nowMs: number): Stmt {
  const now = isoAt(nowMs);
  return d
    .update(L)
    .set({ status: "queued", nextAttemptAt: now, updatedAt: now })
    .where(and(eq(L.id, leadId), from("resume")));
}

/**
 * Puts a lead whose queue message or worker was lost back on the queue (clears any lease).
 * `dueAtMs` null keeps the due time it had (set to now when it had none).
 */
export async function requeueLead(env: DbEnv, leadId: string, dueAtMs: number | null, nowMs: number): Promise<boolean> {
  const res = await leadDb(env, leadId)
    .update(L)
    .set({
      status: "queued",
      leaseOwner: null,
      leaseUntil: null,
      updatedAt: isoAt(nowMs),
      nextAttemptAt: dueAtMs !== null ? isoAt(dueAtMs) : sql`COALESCE(${L.nextAttemptAt}, ${isoAt(nowMs)})`,
    })
    .where(and(eq(L.id, leadId), from("requeue")))
    .returning({ id: L.id });
  return res.length > 0;
}

/** A returned (or ended) lead is offered again with a fresh maximum age. */
export function reofferLeadStmt(d: Db, leadId: string, expiresAtMs: number, nowMs: number): Stmt {
  const now = isoAt(nowMs);
  return d
    .update(L)
    .set({
      status: "queued",
      soldBuyerId: null,
      soldPrice: null,
      buyerLeadId: null,
      finalizedAt: null,
      expiresAt: isoAt(expiresAtMs),
      nextAttemptAt: now,
      updatedAt: now,
    })
    .where(and(eq(L.id, leadId), from("reoffer")))
    .returning({ id: L.id });
}

export interface SweepQuery {
  receivedBeforeMs: number;
  leaseLapsedBeforeMs: number;
  dueBeforeMs: number;
  limit: number;
}

/** The sweep's query (exported so its plan can be checked): one indexed term per way a lead gets stuck. */
export function sweepQuery(d: Db, q: SweepQuery) {
  return d
    .select({ id: L.id })
    .from(L)
    .where(
      or(
        and(eq(L.status, "received"), lt(L.createdAt, isoAt(q.receivedBeforeMs))),
        and(eq(L.status, "delivering"), lt(L.leaseUntil, isoAt(q.leaseLapsedBeforeMs))),
        and(eq(L.status, "queued"), lt(L.nextAttemptAt, isoAt(q.dueBeforeMs))),
      ),
    )
    .limit(q.limit);
}

/** Leads that need the sweep: still `received` after intake, a lapsed lease, or queued long past due. */
export async function leadsNeedingSweep(env: DbEnv, q: SweepQuery): Promise<string[]> {
  const per = await Promise.all(leadDbs(env).map((d) => sweepQuery(d, q)));
  return per.flat().map((r) => r.id);
}

// ---------------------------------------------------------------------------------------
// Batch results (issue 16): each write guarded by "the delivery is still pending", so a
// result applied twice (at-least-once) or after the delivery expired changes nothing.

/** A batch job's result row sold the lead (pending → sold), with the buyer's id for it. */
export function sellPendingDelivery(d: Db, leadId: string, sale: Omit<Sale, "price"> & { price: number | null }, guard: SQL, nowMs: number): Stmt {
  const now = isoAt(nowMs);
  return d
    .update(L)
    .set({ status: "sold", soldBuyerId: sale.buyerId, soldPrice: sale.price, buyerLeadId: sale.buyerLeadId, finalizedAt: now, updatedAt: now })
    .where(and(eq(L.id, leadId), from("sell"), guard));
}

/** A batch job's result did not sell the lead: pending → queued, to go on to the next buyer. */
export function resumePendingLead(d: Db, leadId: string, guard: SQL, nowMs: number): Stmt {
  const now = isoAt(nowMs);
  return d
    .update(L)
    .set({ status: "queued", nextAttemptAt: now, updatedAt: now })
    .where(and(eq(L.id, leadId), from("resume"), guard));
}
