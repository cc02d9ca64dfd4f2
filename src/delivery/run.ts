import type { Clock } from "../core/clock";
import { leadDb } from "../db/client";
import { endLease, type LeaseEnd, type OutcomeReason, type RoutingLead } from "../db/leads";
import { leadEndedNow, rollupStmt } from "../db/rollups";
import type { BuyerConfig } from "../integration/config";
import type { RoutingState } from "./distribution";
import type { PingPostState } from "./pingpost";

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
      when: leadEndedNow(run.lead.id, status, nowMs),
    }),
  ]);
}

/** The run's outcome for the caller. */
export function outcomeOf(run: Run, status: WaterfallOutcome["status"], extra: Partial<WaterfallOutcome> = {}): WaterfallOutcome {
  return { id: run.lead.id, status, attempts: run.attempts, reasons: run.reasons, ...extra };
}
