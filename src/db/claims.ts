import { and, eq, gt, inArray, lt, type SQL, sql } from "drizzle-orm";
import { newId } from "../core/ids";
import { type Db, type DbEnv, isoAt, leadDb, leadDbs, onEveryShard, type Stmt, schema } from "./client";
import { compiled, type P } from "./compiled";
import { CLAIM_MOVES, type ClaimMoveName, type ClaimState } from "./lead-state";

const C = schema.leadBuyers;
const L = schema.leads;

export type ClaimRow = typeof C.$inferSelect;

/** The part of a claim the waterfall decides on. */
export interface Claim {
  buyerId: string;
  deliveryId: string;
  state: ClaimState;
  attempts: number;
  errorClass: string | null;
  round: number;
}

function from(move: ClaimMoveName) {
  return inArray(C.state, [...CLAIM_MOVES[move].from] as ClaimState[]);
}

function pair(leadId: string, buyerId: string) {
  return and(eq(C.leadId, leadId), eq(C.buyerId, buyerId));
}

/** A claim's columns as the waterfall reads them (`Claim`). */
const CLAIM_COLUMNS = { buyerId: C.buyerId, deliveryId: C.deliveryId, state: C.state, attempts: C.attempts, errorClass: C.errorClass, round: C.round };

/** The claims query of one lead (batchable: the lease and the settle batches read it in the same round trip). */
export function claimsQuery(d: Db, leadId: string) {
  return d.select(CLAIM_COLUMNS).from(C).where(eq(C.leadId, leadId));
}

/** `claimsQuery` compiled, for a batch (every lease and cascading settle reads it). */
export const claimsInBatch = compiled((d: Db, p: P<{ leadId: string }>) =>
  d
    .select(CLAIM_COLUMNS)
    .from(C)
    .where(eq(C.leadId, p("leadId") as never)),
);

/** Claim rows as the waterfall keeps them, by buyer id. */
export function claimMap(rows: Claim[]): Map<string, Claim> {
  return new Map(rows.map((r) => [r.buyerId, r]));
}

/** Every claim on a lead, by buyer id. */
export async function claimsOf(env: DbEnv, leadId: string): Promise<Map<string, Claim>> {
  return claimMap(await claimsQuery(leadDb(env, leadId), leadId).all());
}

/** A failed claim that a later long-retry round may try again (its failure was transient or server-side). */
export function retryableInRound(c: Claim, round: number): boolean {
  return c.state === "failed" && (c.errorClass === "transient" || c.errorClass === "server") && c.round < round;
}

/**
 * The statement that claims (lead, buyer) for this round under `deliveryId` (a fresh one for a
 * new pair; the existing one for a long-retry round), returning a row only when it took the
 * claim. A new pair is a unique insert; an existing one may only be taken again by a
 * long-retry round after a transient or server failure. Batchable: the waterfall sends it in
 * one round trip with the lease keep-alive.
 */
export function claimStmt(d: Db, leadId: string, buyerId: string, round: number, existing: Claim | undefined, deliveryId: string, nowMs: number) {
  const now = isoAt(nowMs);
  if (existing) {
    return d
      .update(C)
      .set({ state: "trying", attempts: 0, round, updatedAt: now })
      .where(and(pair(leadId, buyerId), from("retryRound"), inArray(C.errorClass, ["transient", "server"]), lt(C.round, round)))
      .returning({ id: C.deliveryId });
  }
  return newClaim(d, { leadId, buyerId, deliveryId, round, now });
}

/** A first claim on (lead, buyer), compiled: every delivery takes one. */
const newClaim = compiled<{ leadId: string; buyerId: string; deliveryId: string; round: number; now: string }, Stmt>((d, p) =>
  d
    .insert(C)
    .values({
      leadId: p("leadId"),
      buyerId: p("buyerId"),
      deliveryId: p("deliveryId"),
      state: "trying",
      attempts: 0,
      round: p("round"),
      createdAt: p("now"),
      updatedAt: p("now"),
    } as never)
    .onConflictDoNothing()
    .returning({ id: C.deliveryId }),
);

/**
 * A sync lead's first claim, in the batch that stores the lead (see `insertLeasedLead`): written
 * only if that lead's row exists, so a lead that lost to a repeated key (its new id never
 * stored) claims nothing. Returns a row only when it took the claim.
 */
export const firstClaimIfLead = compiled<{ leadId: string; buyerId: string; deliveryId: string; now: string }, Stmt>((d, p) =>
  d
    .insert(C)
    .select(
      d
        .select({
          leadId: L.id,
          buyerId: sql<string>`${p("buyerId")}`.as("buyer_id"),
          deliveryId: sql<string>`${p("deliveryId")}`.as("delivery_id"),
          state: sql<ClaimState>`'trying'`.as("state"),
          attempts: sql<number>`0`.as("attempts"),
          buyerLeadId: sql<null>`null`.as("buyer_lead_id"),
          price: sql<null>`null`.as("price"),
          reason: sql<null>`null`.as("reason"),
          errorClass: sql<null>`null`.as("error_class"),
          round: sql<number>`0`.as("round"),
          ackExpiresAt: sql<null>`null`.as("ack_expires_at"),
          createdAt: sql<string>`${p("now")}`.as("created_at"),
          updatedAt: sql<string>`${p("now")}`.as("updated_at"),
        } as never)
        .from(L)
        .where(eq(L.id, p("leadId"))),
    )
    .onConflictDoNothing()
    .returning({ id: C.deliveryId }),
);

/** The delivery id a claim would be taken under: the existing one for a long-retry round, else a new one. */
export function claimDeliveryId(existing: Claim | undefined, nowMs: number): string {
  return existing ? existing.deliveryId : newId("dlv", nowMs);
}

/**
 * Claims (lead, buyer) for this round and returns the delivery id, or undefined when another
 * worker or an earlier round holds it (see `claimStmt`).
 */
export async function takeClaim(
  env: DbEnv,
  leadId: string,
  buyerId: string,
  round: number,
  existing: Claim | undefined,
  nowMs: number,
): Promise<string | undefined> {
  const d = leadDb(env, leadId);
  const deliveryId = claimDeliveryId(existing, nowMs);
  const [res] = await d.batch([claimStmt(d, leadId, buyerId, round, existing, deliveryId, nowMs)]);
  return res.length === 1 ? deliveryId : undefined;
}

/** Drops a claim whose lead never left for the buyer, so a later round may claim it again. */
export function freeUnsentClaim(d: Db, leadId: string, buyerId: string): Stmt {
  return d.delete(C).where(and(pair(leadId, buyerId), eq(C.state, "trying"), eq(C.attempts, 0)));
}

/** A retry that the buyer's gate deferred (throttled, circuit open): parked as retryable for the long-retry round. */
export function parkDeferredRetry(d: Db, leadId: string, buyerId: string, reason: string, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state: "failed", errorClass: "transient", reason: `deferred: ${reason}`, updatedAt: isoAt(nowMs) })
    .where(and(pair(leadId, buyerId), eq(C.state, "trying"), gt(C.attempts, 0)));
}

/** An attempt failed and the same buyer will be tried again: the claim stays `trying`. */
export function noteFailedAttempt(d: Db, leadId: string, buyerId: string, errorClass: string, reason: string, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ attempts: sql`${C.attempts} + 1`, errorClass, reason, updatedAt: isoAt(nowMs) })
    .where(and(pair(leadId, buyerId), eq(C.state, "trying")));
}

/** The buyer took the lead. */
export function acceptClaim(d: Db, leadId: string, buyerId: string, sale: { price: number; buyerLeadId: string | null }, nowMs: number): Stmt {
  return acceptClaimRow(d, { leadId, buyerId, buyerLeadId: sale.buyerLeadId, price: sale.price, now: isoAt(nowMs) });
}

/** `acceptClaim`, compiled: every sale writes it. */
const acceptClaimRow = compiled<{ leadId: string; buyerId: string; buyerLeadId: string | null; price: number; now: string }, Stmt>((d, p) =>
  d
    .update(C)
    .set({
      state: "accepted",
      attempts: sql`${C.attempts} + 1`,
      buyerLeadId: p("buyerLeadId"),
      price: p("price"),
      errorClass: null,
      reason: null,
      updatedAt: p("now"),
    } as never)
    .where(and(eq(C.leadId, p("leadId") as never), eq(C.buyerId, p("buyerId") as never), eq(C.state, "trying"))),
);

/** The buyer acknowledged and decides later, by callback, before `ackExpiresAtMs`. */
export function awaitDecisionClaim(d: Db, leadId: string, buyerId: string, buyerLeadId: string | null, ackExpiresAtMs: number, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state: "pending", attempts: sql`${C.attempts} + 1`, buyerLeadId, ackExpiresAt: isoAt(ackExpiresAtMs), updatedAt: isoAt(nowMs) })
    .where(and(pair(leadId, buyerId), from("await")));
}

/** The buyer said no (`rejected`) or failed for good this round (`failed`). */
export function closeClaim(d: Db, leadId: string, buyerId: string, state: "rejected" | "failed", errorClass: string, reason: string, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state, attempts: sql`${C.attempts} + 1`, errorClass, reason, updatedAt: isoAt(nowMs) })
    .where(and(pair(leadId, buyerId), eq(C.state, "trying")));
}

// ---------------------------------------------------------------------------------------
// Callbacks

/** A claim found from a buyer's callback, with what the callback handlers need of its lead. */
export interface ClaimMatch {
  leadId: string;
  buyerId: string;
  deliveryId: string;
  state: ClaimState;
  price: number | null;
  sourceId: string;
  soldPrice: number | null;
  soldBuyerId: string | null;
  leadStatus: string;
  /** A test lead: its sale adds no revenue. */
  leadTest: boolean;
  /** When this buyer's sale happened (the lead's finalization, else the claim's last change). */
  soldAt: string;
}

/**
 * The claim a buyer's callback names: by our delivery id (X-Leadwire-Delivery-Id echoed back),
 * else by the buyer's own lead id. Only this buyer's claims match.
 */
export async function findClaimByRef(
  env: DbEnv,
  buyerId: string,
  ref: { deliveryId?: string | undefined; buyerLeadId?: string | undefined },
): Promise<ClaimMatch | undefined> {
  const conds = [ref.deliveryId ? eq(C.deliveryId, ref.deliveryId) : undefined, ref.buyerLeadId ? eq(C.buyerLeadId, ref.buyerLeadId) : undefined];
  for (const cond of conds) {
    if (!cond) continue;
    // Every shard at once: a delivery id does not say which shard its lead is on.
    const rows = await Promise.all(
      leadDbs(env).map((d) =>
        d
          .select({
            leadId: C.leadId,
            buyerId: C.buyerId,
            deliveryId: C.deliveryId,
            state: C.state,
            price: C.price,
            sourceId: L.sourceId,
            soldPrice: L.soldPrice,
            soldBuyerId: L.soldBuyerId,
            leadStatus: L.status,
            leadTest: L.test,
            soldAt: sql<string>`CASE WHEN ${L.soldBuyerId} = ${C.buyerId} AND ${L.finalizedAt} IS NOT NULL THEN ${L.finalizedAt} ELSE ${C.updatedAt} END`,
          })
          .from(C)
          .innerJoin(L, eq(L.id, C.leadId))
          .where(and(eq(C.buyerId, buyerId), cond))
          .get(),
      ),
    );
    const row = rows.find((r) => r !== undefined);
    if (row) return row;
  }
  return undefined;
}

/** A pending delivery the buyer accepted by callback (the conditional update decides who settles). */
export function acceptPendingClaim(d: Db, deliveryId: string, price: number | null, buyerLeadId: string | null, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state: "accepted", price, buyerLeadId: sql`COALESCE(${buyerLeadId}, ${C.buyerLeadId})`, updatedAt: isoAt(nowMs) })
    .where(and(eq(C.deliveryId, deliveryId), eq(C.state, "pending")))
    .returning({ id: C.deliveryId });
}

/** A pending delivery the buyer rejected by callback. */
export function rejectPendingClaim(d: Db, deliveryId: string, reason: string, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state: "rejected", reason, updatedAt: isoAt(nowMs) })
    .where(and(eq(C.deliveryId, deliveryId), eq(C.state, "pending")))
    .returning({ id: C.deliveryId });
}

/** The expired-acknowledgement query (exported so its plan can be checked). */
export function expiredAcksQuery(d: Db, nowMs: number, limit: number) {
  return d
    .select({ leadId: C.leadId, buyerId: C.buyerId, deliveryId: C.deliveryId })
    .from(C)
    .where(and(eq(C.state, "pending"), lt(C.ackExpiresAt, isoAt(nowMs))))
    .limit(limit);
}

/** Pending deliveries whose buyer never called back before the acknowledgement timeout. */
export async function expiredAcks(env: DbEnv, nowMs: number, limit: number): Promise<{ leadId: string; buyerId: string; deliveryId: string }[]> {
  const per = await Promise.all(leadDbs(env).map((d) => expiredAcksQuery(d, nowMs, limit)));
  return per.flat().slice(0, limit);
}

/** pending → expired: no callback came in time. */
export function expireAckClaim(d: Db, leadId: string, buyerId: string, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state: "expired", reason: "no callback before the acknowledgement timeout", updatedAt: isoAt(nowMs) })
    .where(and(pair(leadId, buyerId), from("expireAck")))
    .returning({ id: C.deliveryId });
}

/** A dead-lettered job's claims in flight are failed (retryable in a later round). */
export function failTryingClaims(d: Db, leadId: string, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state: "failed", errorClass: "transient", reason: "dead-lettered", updatedAt: isoAt(nowMs) })
    .where(and(eq(C.leadId, leadId), eq(C.state, "trying")));
}

/** On re-offer: a buyer that never had the lead gets a closed claim, so the waterfall skips it. */
export function excludeOnReoffer(d: Db, leadId: string, buyerId: string, nowMs: number): Stmt {
  const now = isoAt(nowMs);
  return d
    .insert(C)
    .values({ leadId, buyerId, deliveryId: newId("dlv", nowMs), state: "returned", reason: "excluded on re-offer", createdAt: now, updatedAt: now })
    .onConflictDoNothing();
}

/** accepted → returned. */
export function returnClaim(d: Db, leadId: string, buyerId: string, reason: string, nowMs: number): Stmt {
  return d
    .update(C)
    .set({ state: "returned", reason, updatedAt: isoAt(nowMs) })
    .where(and(pair(leadId, buyerId), from("return")));
}

// ---------------------------------------------------------------------------------------
// Batch results (issue 16)

/** "The delivery is still pending" — the guard of every write a batch result makes (applied last, the claim's own move). */
export function deliveryPending(deliveryId: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${C} WHERE ${C.deliveryId} = ${deliveryId} AND ${C.state} = 'pending')`;
}

/** A pending delivery and what settling it needs of its lead, by delivery id. */
export interface PendingDelivery {
  deliveryId: string;
  leadId: string;
  buyerId: string;
  state: ClaimState;
  sourceId: string;
  vertical: string;
  test: boolean;
}

/** The claims of these deliveries (any state) with their lead's source, vertical and test flag. */
export async function deliveriesById(env: DbEnv, deliveryIds: readonly string[]): Promise<Map<string, PendingDelivery>> {
  const out = new Map<string, PendingDelivery>();
  if (deliveryIds.length === 0) return out;
  // A delivery id does not name its lead: every lead shard is asked at once (each holds its own claims).
  const perShard = await onEveryShard(env, (d) =>
    d
      .select({ deliveryId: C.deliveryId, leadId: C.leadId, buyerId: C.buyerId, state: C.state, sourceId: L.sourceId, vertical: L.vertical, test: L.test })
      .from(C)
      .innerJoin(L, eq(L.id, C.leadId))
      .where(inArray(C.deliveryId, [...deliveryIds])),
  );
  for (const r of perShard.flat()) out.set(r.deliveryId, r);
  return out;
}
