import { and, desc, eq, getTableColumns, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { type Db, type DbEnv, isoAt, leadDb, mainDb, type Stmt, schema } from "./client";
import { compiledInsert, compiledInsertRows } from "./compiled";

const P = schema.pings;
const B = schema.bids;

export type BidOutcome = (typeof B.$inferSelect)["outcome"];
export type BidPostState = NonNullable<(typeof B.$inferSelect)["postState"]>;

/** One buyer's answer in an auction. */
export interface AuctionBid {
  /** Our bid id (what a source quotes in shared mode). */
  id: string;
  buyerId: string;
  kind: "ping" | "fixed";
  outcome: BidOutcome;
  price: number | null;
  /** The buyer's own bid id or token. */
  buyerBidId: string | null;
  expiresAtMs: number | null;
  latencyMs: number;
  reason: string | null;
  /** What the source is offered for this bid. */
  offer: number | null;
  postState: BidPostState | null;
}

/** One auction and every answer in it. */
export interface Auction {
  pingId: string;
  sourceId: string;
  leadId: string | null;
  vertical: string;
  origin: "source" | "lead";
  round: number;
  mode: "exclusive" | "shared";
  maxBuyers: number;
  /** What the ping carried (non-identifying). */
  data: Record<string, unknown>;
  status: "open" | "posted" | "no_bid";
  /** Shared mode: the bids the source chose in its post; null = every live bid. */
  chosenBids: string[] | null;
  offer: number | null;
  deadlineMs: number;
  elapsedMs: number;
  expiresAtMs: number;
  createdAtMs: number;
  bids: AuctionBid[];
}

/** Stores an auction and all its answers in one batch (its ping id is new, so nothing conflicts). */
export async function insertAuction(env: DbEnv, a: Auction, nowMs: number): Promise<void> {
  const d = a.leadId ? leadDb(env, a.leadId) : mainDb(env);
  const at = isoAt(a.createdAtMs);
  const now = isoAt(nowMs);
  const ping = pingInsert(d, {
    id: a.pingId,
    sourceId: a.sourceId,
    leadId: a.leadId,
    vertical: a.vertical,
    origin: a.origin,
    round: a.round,
    mode: a.mode,
    maxBuyers: a.maxBuyers,
    data: JSON.stringify(a.data),
    status: a.status,
    chosenBids: a.chosenBids ? JSON.stringify(a.chosenBids) : null,
    offer: a.offer,
    deadlineMs: a.deadlineMs,
    elapsedMs: a.elapsedMs,
    expiresAt: isoAt(a.expiresAtMs),
    createdAt: at,
  });
  const rows = a.bids.map((b) => ({
    id: b.id,
    pingId: a.pingId,
    buyerId: b.buyerId,
    kind: b.kind,
    outcome: b.outcome,
    price: b.price,
    buyerBidId: b.buyerBidId,
    expiresAt: b.expiresAtMs === null ? null : isoAt(b.expiresAtMs),
    latencyMs: Math.round(b.latencyMs),
    reason: b.reason,
    offer: b.offer,
    postState: b.postState,
    createdAt: at,
    updatedAt: now,
  }));
  if (rows.length) await d.batch([ping, bidInserts(d, rows)]);
  else await d.batch([ping]);
}

/** Every source ping writes its auction (compiled: see compiled.ts). */
const pingInsert = compiledInsert(P);
const bidInserts = compiledInsertRows(B);

type PingRow = typeof P.$inferSelect;
type BidRow = typeof B.$inferSelect;

/** A stored answer as the waterfall reads it. */
export function toBid(b: BidRow): AuctionBid {
  return {
    id: b.id,
    buyerId: b.buyerId,
    kind: b.kind,
    outcome: b.outcome,
    price: b.price,
    buyerBidId: b.buyerBidId,
    expiresAtMs: b.expiresAt ? Date.parse(b.expiresAt) : null,
    latencyMs: b.latencyMs,
    reason: b.reason,
    offer: b.offer,
    postState: b.postState,
  };
}

/** A buyer's bids on a lead that came to nothing yet (joined with their pings), newest auction first. */
function openBidOf(leadId: string, buyerId: string) {
  return and(eq(P.leadId, leadId), eq(B.buyerId, buyerId), eq(B.outcome, "bid"), isNull(B.postState));
}
const NEWEST_PING = [desc(P.round), desc(P.createdAt)];

/**
 * The bid a buyer's post of this lead answered and that has not come to anything yet (its post
 * awaits the buyer's decision): the buyer's live bid in the lead's newest auction, with its ping id.
 */
export function openBidQuery(d: Db, leadId: string, buyerId: string) {
  // Only the bid's columns: a join that also selected the ping's `id` would collide with the bid's.
  return d
    .select(getTableColumns(B))
    .from(B)
    .innerJoin(P, eq(P.id, B.pingId))
    .where(openBidOf(leadId, buyerId))
    .orderBy(...NEWEST_PING)
    .limit(1);
}

function toAuction(p: PingRow, bids: BidRow[]): Auction {
  return {
    pingId: p.id,
    sourceId: p.sourceId,
    leadId: p.leadId,
    vertical: p.vertical,
    origin: p.origin,
    round: p.round,
    mode: p.mode,
    maxBuyers: p.maxBuyers,
    data: JSON.parse(p.data) as Record<string, unknown>,
    status: p.status,
    chosenBids: p.chosenBids ? (JSON.parse(p.chosenBids) as string[]) : null,
    offer: p.offer,
    deadlineMs: p.deadlineMs,
    elapsedMs: p.elapsedMs,
    expiresAtMs: Date.parse(p.expiresAt),
    createdAtMs: Date.parse(p.createdAt),
    bids: bids.map(toBid),
  };
}

/** The auction of a lead's waterfall round (the newest, when a source's ping and a re-run both exist). */
export async function auctionOfLead(env: DbEnv, leadId: string, round: number): Promise<Auction | undefined> {
  const d = leadDb(env, leadId);
  const [pings] = await d.batch([
    d
      .select()
      .from(P)
      .where(and(eq(P.leadId, leadId), eq(P.round, round)))
      .orderBy(desc(P.createdAt))
      .limit(1),
  ]);
  const p = pings[0];
  if (!p) return undefined;
  const bids = await d.select().from(B).where(eq(B.pingId, p.id)).all();
  return toAuction(p, bids);
}

/** A source's ping by id, only when that source sent it. */
export async function pingOfSource(env: DbEnv, pingId: string, sourceId: string): Promise<Auction | undefined> {
  const d = mainDb(env);
  const [pings, bids] = await d.batch([
    d
      .select()
      .from(P)
      .where(and(eq(P.id, pingId), eq(P.sourceId, sourceId), eq(P.origin, "source"))),
    d.select().from(B).where(eq(B.pingId, pingId)),
  ]);
  const p = pings[0];
  return p ? toAuction(p, bids) : undefined;
}

/**
 * The post takes the ping: open and unexpired → posted, for this lead, with the bids the source
 * chose. One conditional write, so a ping id is used once even by two posts at the same moment.
 */
export async function takePing(env: DbEnv, pingId: string, leadId: string, chosenBids: string[] | null, nowMs: number): Promise<boolean> {
  const res = await mainDb(env)
    .update(P)
    .set({ status: "posted", leadId, chosenBids: chosenBids ? JSON.stringify(chosenBids) : null, postedAt: isoAt(nowMs) })
    .where(and(eq(P.id, pingId), eq(P.status, "open"), gt(P.expiresAt, isoAt(nowMs))))
    .returning({ id: P.id });
  return res.length === 1;
}

/** What the post of one bid came to (accepted, rejected, failed, or skipped as expired); with `when`, only if that holds. */
export function setBidPostState(d: Db, bidId: string, state: BidPostState, nowMs: number, when?: SQL): Stmt {
  return d
    .update(B)
    .set({ postState: state, updatedAt: isoAt(nowMs) })
    .where(when ? and(eq(B.id, bidId), when) : eq(B.id, bidId));
}

/**
 * The open bid a buyer's post answered (see `openBidQuery`) ends `failed`: the buyer never
 * decided, and the acknowledgement-timeout sweep expired the delivery. A bid already decided
 * (a callback that won the race) is left as it is.
 */
export function failOpenBid(d: Db, leadId: string, buyerId: string, nowMs: number): Stmt {
  const open = d
    .select({ id: B.id })
    .from(B)
    .innerJoin(P, eq(P.id, B.pingId))
    .where(openBidOf(leadId, buyerId))
    .orderBy(...NEWEST_PING)
    .limit(1);
  return d
    .update(B)
    .set({ postState: "failed", updatedAt: isoAt(nowMs) })
    .where(and(inArray(B.id, open), isNull(B.postState)));
}

/** Several bids skipped because they expired before their turn. */
export async function markBidsExpired(env: DbEnv, leadId: string, bidIds: string[], nowMs: number): Promise<void> {
  if (bidIds.length === 0) return;
  const d = leadDb(env, leadId);
  await d.batch([
    d
      .update(B)
      .set({ postState: "expired", updatedAt: isoAt(nowMs) })
      .where(and(inArray(B.id, bidIds), sql`${B.postState} IS NULL`)),
  ]);
}
