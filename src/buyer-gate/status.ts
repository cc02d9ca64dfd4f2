import type { BuyerConfig } from "../integration/config";
import { batchStatus } from "./batch";
import type { GateParts } from "./parts";
import type { GateStatus } from "./types";

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : undefined);

/** Circuit, caps, in-flight and rate-limit state, as `GET /v1/buyers` shows it. */
export function gateStatus(g: GateParts, buyer: BuyerConfig): GateStatus {
  const now = g.clock.now();
  const s = g.breaker.snapshot();
  const counts = g.breaker.windowCounts(buyer.circuit);
  const throttled = g.meta.num("throttled_until");
  const lastSuccess = iso(g.meta.num("last_success_at"));
  const lastFailure = iso(g.meta.num("last_failure_at"));
  const openedAt = iso(s.openedAt);
  const nextProbeAt = iso(s.nextProbeAt);
  const tokens = g.rate.tokens(buyer.caps.ratePerSecond);
  const batch = batchStatus(g.batch.store);
  return {
    buyerId: buyer.id,
    now: new Date(now).toISOString(),
    circuit: {
      state: s.state,
      ...(openedAt ? { openedAt } : {}),
      ...(nextProbeAt ? { nextProbeAt } : {}),
      consecutiveFailedProbes: s.failedProbes,
      opens: s.opens,
      closes: s.closes,
      windowCalls: counts.calls,
      windowFailures: counts.failures,
    },
    caps: g.reservations.usage(buyer.caps),
    revenue: g.spend.usage(buyer.caps),
    inFlight: { count: g.reservations.inFlight(), limit: buyer.caps.maxInFlight ?? null },
    pending: g.reservations.pending(),
    rateLimit: { ratePerSecond: buyer.caps.ratePerSecond ?? null, tokens: tokens === null ? null : Math.floor(tokens * 100) / 100 },
    ...(throttled > now ? { throttledUntil: new Date(throttled).toISOString() } : {}),
    ...(lastSuccess ? { lastSuccessAt: lastSuccess } : {}),
    ...(lastFailure ? { lastFailureAt: lastFailure } : {}),
    // Issue 16: collected leads and open jobs of a batch or digest buyer.
    ...(batch ? { batch } : {}),
  };
}
