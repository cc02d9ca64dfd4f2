import type { Clock } from "../core/clock";
import type { Claim } from "../db/claims";
import { leadDb } from "../db/client";
import { endLease, type FirstPick, type LeaseEnd, type OutcomeReason, type RoutingLead } from "../db/leads";
import { rollupStmt } from "../db/rollups";
import type { BuyerConfig } from "../integration/config";
import type { RoutingState } from "./distribution";
import type { PingPostState } from "./pingpost";

/** How long a lease outlasts the buyer call it covers: the settle after the call, with room to spare. */
export const LEASE_MS = 60_000;
/** A buyer's timeout when its config sets none. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** The lease a run takes: long enough for a call at the default timeout, so the first pick needs no keep-alive of its own. */
export const RUN_LEASE_MS = LEASE_MS + DEFAULT_TIMEOUT_MS;

/** A lead this worker already holds the lease on (a sync lead is stored leased by its request). */
export interface Leased {
  owner: string;
  lead: RoutingLead;
  /** The first buyer's claim, taken with the lead (see `Run.firstPick`). */
  firstPick?: FirstPick;
}

/** Where a keep-alive puts the lease before a call to `buyer` at `nowMs`: past the call's timeout, with LEASE_MS to settle. */
export function leaseNeededUntil(buyer: BuyerConfig, nowMs: number): number {
  return nowMs + LEASE_MS + (buyer.endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/**
 * Whether a lease running until `leaseUntilMs` must be kept alive before that call: only when
 * less than half of LEASE_MS would be left after the call's timeout. A lease just taken (or
 * just extended) covers the next call, so most calls write no keep-alive at all.
 */
export function leaseNeedsKeepAlive(leaseUntilMs: number, buyer: BuyerConfig, nowMs: number): boolean {
  return leaseUntilMs < leaseNeededUntil(buyer, nowMs) - LEASE_MS / 2;
}

/** How a waterfall runs: from the queue with retries, or for a source waiting in sync mode. */
export type Mode = { kind: "async"; retry?: { buyerId: string; attempt: number } } | { kind: "sync"; deadlineMs: number };

/** What one waterfall run came to, as the source sees it (sync) or the consumer logs it. */
export interface WaterfallOutcome {
  id: string;
  status: "sold" | "unsold" | "expired" | "pending" | "queued";
  buyer?: string;
  price?: number;
  buyerLeadId?: string;
  attempts: number;
  reasons?: OutcomeReason[];
}

/** The state of one waterfall run: one lease on one lead. */
export interface Run {
  env: Env;
  clock: Clock;
  /** Our lease id on the lead. */
  owner: string;
  lead: RoutingLead;
  mode: Mode;
  buyers: Map<string, BuyerConfig>;
  /** Why buyers did not take the lead, in order. */
  reasons: OutcomeReason[];
  /** Buyers whose gate deferred the lead in this run (cap, circuit, schedule, in-flight, rate). */
  deferredNow: Set<string>;
  /** The shortest wait a deferring gate suggested. */
  minDeferSeconds: number;
  /** Attempts that reached a buyer in this run. */
  attempts: number;
  /** The scheduled retry this run was started for, until it is taken. */
  retryTarget: { buyerId: string; attempt: number } | undefined;
  startedAt: number;
  /** Ping/post (issue 12): the round's auction and the buyers left out as duplicates, once loaded. */
  pp?: PingPostState;
  /** Routing (issue 13): the lead's distribution method and what it read, once loaded. */
  routing?: RoutingState;
  /**
   * The lead's claims and the paused buyers as last read: by the lease's round trip, then by
   * each settle batch that lets the waterfall go on, so every pick ranks with fresh state
   * without a round trip of its own. The run's own claim moves are applied here too.
   */
  claims: Map<string, Claim>;
  paused: Set<string>;
  /** When our lease lapses, as last written (the lease, or a claim batch that extended it). */
  leaseUntilMs: number;
  /**
   * A sync lead's first claim, taken in the batch that stored the lead (`planFirstPick`), until
   * the first pick checks it against fresh state: used when a fresh decision reads the same
   * (the same buyer first, the same `routed` entry), else let go, with its entry, in the batch
   * that claims the buyer that does.
   */
  firstPick?: FirstPick;
}

/** A run over a lead this worker holds (or, for a sync lead's first pick, is about to store). */
export function newRun(env: Env, clock: Clock, owner: string, lead: RoutingLead, mode: Mode, buyers: Map<string, BuyerConfig>): Run {
  return {
    env,
    clock,
    owner,
    lead,
    mode,
    buyers,
    reasons: lead.reasons,
    deferredNow: new Set(),
    minDeferSeconds: Number.POSITIVE_INFINITY,
    attempts: 0,
    retryTarget: mode.kind === "async" ? mode.retry : undefined,
    startedAt: clock.now(),
    claims: lead.claims,
    paused: lead.paused,
    leaseUntilMs: lead.leaseUntilMs,
  };
}

/** Ends the run's lease with a lead move (park, await, giveUp, expire); an ending move is counted in the same batch. */
export async function endRun(run: Run, end: LeaseEnd): Promise<void> {
  const d = leadDb(run.env, run.lead.id);
  const nowMs = run.clock.now();
  const lease = endLease(d, run.lead.id, run.owner, end, run.reasons, nowMs);
  if (end.move !== "giveUp" && end.move !== "expire") {
    await d.batch([lease]);
    return;
  }
  const status = end.move === "giveUp" ? "unsold" : "expired";
  await d.batch([
    lease,
    rollupStmt(d, {
      atMs: nowMs,
      source: run.lead.sourceId,
      vertical: run.lead.data.vertical,
      counts: status === "unsold" ? { unsold: 1 } : { expired: 1 },
      whenLeadEnded: { leadId: run.lead.id, status, nowMs },
    }),
  ]);
}

/** The run's outcome for the caller. */
export function outcomeOf(run: Run, status: WaterfallOutcome["status"], extra: Partial<WaterfallOutcome> = {}): WaterfallOutcome {
  return { id: run.lead.id, status, attempts: run.attempts, reasons: run.reasons, ...extra };
}
