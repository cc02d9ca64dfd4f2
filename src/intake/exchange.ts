/**
 * The inbound exchange (issue 12): a source pings with partial, non-identifying data and is
 * offered a price; it posts the full lead with the ping id, and the lead is sold to the bids
 * of that auction, best first.
 */
import type { Clock } from "../core/clock";
import { ApiError, type FieldIssue } from "../core/errors";
import { idTimeMs, newId } from "../core/ids";
import { DEFAULT_SALE_TERMS } from "../core/sale-terms";
import { settings } from "../core/settings";
import { pausedBuyerIds } from "../db/buyer-overrides";
import { insertLead } from "../db/leads";
import { type Auction, pingOfSource, takePing } from "../db/pings";
import { moneyOfLead } from "../db/sales";
import { newLeadId } from "../db/shards";
import type { SourceIdentity } from "../db/sources";
import { auctionBeingRecorded, byPrice, liveBid, runAuction } from "../delivery/auction";
import { rankCandidates } from "../delivery/eligibility";
import { runSyncDelivery } from "../delivery/waterfall";
import { getBuyerRegistry } from "../integration/registry";
import { refuseKnownDuplicate } from "./duplicates";
import { normalizeLead } from "./normalize";
import { normalizePing, PostInputSchema, postMismatches } from "./ping";

/** A bid as a source sees it: our bid id, its price after the source's payout rule, its expiry. Never the buyer. */
export interface OfferedBid {
  bid_id: string;
  price: number;
  expires_at: string;
}

export type PingAnswer =
  | { ping_id: string; status: "bid"; mode: "exclusive"; price: number; expires_at: string }
  | { ping_id: string; status: "bid"; mode: "shared"; max_buyers: number; expires_at: string; bids: OfferedBid[] }
  | { ping_id: string; status: "no_bid"; reason: string };

const iso = (ms: number) => new Date(ms).toISOString();

/** The live bids of an auction, best first, as offered to the source. */
function offered(a: Auction, nowMs: number): OfferedBid[] {
  return a.bids
    .filter((b) => liveBid(b, nowMs) && b.offer !== null)
    .sort(byPrice)
    .map((b) => ({ bid_id: b.id, price: b.offer ?? 0, expires_at: iso(b.expiresAtMs ?? a.expiresAtMs) }));
}

/**
 * `POST /v1/ping`: validates the partial lead like a lead (without the personal fields), runs
 * the auction over every eligible buyer within the source's deadline (ping/post buyers bid,
 * direct-post buyers at their price) and answers the source's price — the top bid after its
 * payout rule — with a ping id and an expiry; in shared mode, every live bid with its own id.
 */
export async function quotePing(env: Env, clock: Clock, source: SourceIdentity, raw: unknown, defer?: (write: Promise<unknown>) => void): Promise<PingAnswer> {
  const terms = source.saleTerms ?? DEFAULT_SALE_TERMS;
  if (!terms.payout) {
    throw new ApiError(
      "forbidden",
      "This source has no payout rule, so it cannot be offered a price: an operator sets one with PUT /v1/admin/sources/{id}/terms.",
    );
  }
  const nowMs = clock.now();
  const pingId = newId("png", nowMs);
  // The paused buyers are read while the ping is validated: the source waits for neither alone.
  const pausedRead = pausedBuyerIds(env);
  const r = normalizePing(raw, { id: pingId, sourceId: source.id, nowMs, policy: settings(env) });
  if (!r.ok) {
    pausedRead.catch(() => undefined);
    throw new ApiError("validation_failed", "The ping has invalid fields.", r.issues);
  }
  const { candidates } = rankCandidates(getBuyerRegistry(env).values(), r.lead, {
    nowMs,
    exclude: new Set(source.excludedBuyers),
    paused: await pausedRead,
    // The post is answered while the source waits: a buyer that decides later by callback cannot take part.
    syncOnly: true,
  });
  const auction = await runAuction(
    env,
    clock,
    {
      pingId,
      sourceId: source.id,
      leadId: null,
      origin: "source",
      round: 0,
      lead: r.lead,
      data: r.data,
      candidates,
      terms,
    },
    defer ? { defer } : {},
  );
  const bids = offered(auction, clock.now());
  const top = bids[0];
  if (!top) return { ping_id: pingId, status: "no_bid", reason: candidates.length ? "no buyer bid on this lead" : "no eligible buyer for this lead" };
  if (auction.mode === "shared") {
    return { ping_id: pingId, status: "bid", mode: "shared", max_buyers: auction.maxBuyers, expires_at: iso(auction.expiresAtMs), bids };
  }
  return { ping_id: pingId, status: "bid", mode: "exclusive", price: top.price, expires_at: iso(auction.expiresAtMs) };
}

export interface PostAnswer {
  id: string;
  ping_id: string;
  status: "sold" | "unsold" | "expired" | "pending" | "queued";
  /** What the source is paid for this lead (its payout rule over what sold); null when not sold. */
  payout: number | null;
}

/** How long after a ping a post looks again for its record before calling the ping unknown (another isolate may still be writing it). */
const RECORD_WAIT_MS = [50, 100, 200, 400, 800];

/**
 * The source's ping, once its record is written: a ping answered by this isolate whose write is
 * under way is waited for; one answered elsewhere a moment ago is looked for again, briefly.
 */
async function recordedPing(env: Env, pingId: string, sourceId: string, nowMs: number) {
  await auctionBeingRecorded(pingId);
  let ping = await pingOfSource(env, pingId, sourceId);
  const madeAt = idTimeMs(pingId);
  for (const waitMs of RECORD_WAIT_MS) {
    if (ping || madeAt === undefined || nowMs - madeAt > 5_000) break;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    ping = await pingOfSource(env, pingId, sourceId);
  }
  return ping;
}

function refuse(message: string, issues: FieldIssue[]): never {
  throw new ApiError("conflict", message, issues);
}

/**
 * `POST /v1/post`: the full lead for a ping. Refused (409, naming the field) when the ping is
 * unknown to this source, expired, already used, or when the lead does not agree with what was
 * pinged; then the ping is taken (once, atomically), the lead stored, and sold down the
 * auction's bids while the source waits. The answer says sold (with the payout) or not.
 */
export async function acceptPost(env: Env, clock: Clock, source: SourceIdentity, body: unknown): Promise<PostAnswer> {
  const parsed = PostInputSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(
      "validation_failed",
      "The post is not valid.",
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(body)", message: i.message })),
    );
  }
  const { ping_id: pingId, bid_ids: bidIds } = parsed.data;
  const nowMs = clock.now();
  const ping = await recordedPing(env, pingId, source.id, nowMs);
  if (!ping) throw new ApiError("not_found", `No ping ${pingId} from this source.`, [{ path: "ping_id", message: "unknown ping id" }]);
  if (ping.status === "posted") refuse("This ping was already posted.", [{ path: "ping_id", message: "already used: a ping id is posted once" }]);
  if (ping.status === "no_bid") refuse("This ping had no bid.", [{ path: "ping_id", message: "no bid to post to" }]);
  if (ping.expiresAtMs <= nowMs) refuse("This ping expired.", [{ path: "ping_id", message: `expired at ${iso(ping.expiresAtMs)}` }]);

  // The source's ping and its bids are on the main database (found by ping id before any lead
  // exists); its lead goes to shard 0, the main database, so the post's auction rows and the
  // lead are on one database.
  const leadId = newLeadId(env, nowMs, { shard: 0 });
  const r = normalizeLead(parsed.data.lead, { id: leadId, sourceId: source.id, nowMs, policy: settings(env) });
  if (!r.ok) {
    throw new ApiError(
      "validation_failed",
      "The lead has invalid fields.",
      r.issues.map((i) => ({ ...i, path: `lead.${i.path}` })),
    );
  }
  const lead = r.lead;
  const mismatches = postMismatches(ping.data as Record<string, string | number | boolean | null>, lead);
  if (mismatches.length) {
    refuse(
      "The lead does not match its ping.",
      mismatches.map((i) => ({ ...i, path: `lead.${i.path}` })),
    );
  }

  let chosen: string[] | null = null;
  if (bidIds) {
    if (ping.mode !== "shared")
      throw new ApiError("validation_failed", "bid_ids are for shared mode.", [{ path: "bid_ids", message: "this ping is exclusive" }]);
    if (bidIds.length > ping.maxBuyers) {
      throw new ApiError("validation_failed", "Too many bids.", [{ path: "bid_ids", message: `at most ${ping.maxBuyers} for this source` }]);
    }
    const known = new Set(ping.bids.filter((b) => b.outcome === "bid").map((b) => b.id));
    const unknown = bidIds.filter((b) => !known.has(b));
    if (unknown.length) refuse("Unknown bid ids.", [{ path: "bid_ids", message: `not bids of this ping: ${unknown.join(", ")}` }]);
    chosen = [...new Set(bidIds)];
  }

  await refuseKnownDuplicate(env, source.saleTerms, source.id, lead, undefined, nowMs);
  if (!(await takePing(env, pingId, leadId, chosen, nowMs))) {
    refuse("This ping was already posted or expired.", [{ path: "ping_id", message: "already used or expired" }]);
  }
  const created = await insertLead(env, {
    id: leadId,
    sourceId: source.id,
    lead,
    raw: parsed.data.lead,
    mode: "sync",
    expiresAtMs: nowMs + settings(env).leadMaxAgeMs,
    nowMs,
  });
  if (!created) refuse("A lead with this external_id was already received from this source.", [{ path: "lead.external_id", message: "already used" }]);
  const out = await runSyncDelivery(env, clock, leadId);
  const money = await moneyOfLead(env, leadId);
  return { id: leadId, ping_id: pingId, status: out.status, payout: out.status === "sold" ? (money.payout ?? null) : null };
}
