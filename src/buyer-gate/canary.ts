import type { CanaryPolicy } from "../integration/canary";
import { fingerprint } from "../integration/version";
import type { AttemptResult } from "./types";

/** One arm's figures over the current step's window. */
export interface ArmStats {
  /** Attempts that reached the buyer (or failed building the request): the sample. */
  sent: number;
  accepted: number;
  /** Acknowledged, decided later by callback: not a loss. */
  pending: number;
  rejected: number;
  /** Client and config errors (a 4xx, a request that cannot be built). */
  client: number;
  /** Server, transient and unclear failures. */
  errors: number;
  /** Sum of the attempts' elapsed time. */
  latencyMs: number;
}

export type CanaryStatus = "running" | "promoted" | "rolled_back";

/** The evidence of one comparison: both arms' rates and the test's z. */
export interface Comparison {
  metric: "lost" | "errors" | "latency";
  candidate: number;
  live: number;
  z?: number;
  worse: boolean;
}

/** A canary's state in its BuyerGate's storage (one per buyer, for one candidate version). */
export interface CanaryState {
  candidate: string;
  live: string;
  status: CanaryStatus;
  /** Index into policy.steps. */
  step: number;
  share: number;
  startedAt: number;
  stepStartedAt: number;
  window: { live: ArmStats; candidate: ArmStats };
  /** Over the canary's whole life: candidate attempts, and leads it lost that went back to the live version. */
  totals: { candidateAttempts: number; lost: number; reoffered: number };
  /** Deliveries whose lead the candidate lost: every later attempt of theirs goes to the live version. */
  forcedLive: string[];
  events: { at: number; event: "started" | "promoted" | "rolled_back"; share: number; evidence?: Comparison[] }[];
}

const FORCED_LIVE_KEPT = 5000;

function emptyArm(): ArmStats {
  return { sent: 0, accepted: 0, pending: 0, rejected: 0, client: 0, errors: 0, latencyMs: 0 };
}

/** A new canary at its first step. */
export function startCanary(candidate: string, live: string, policy: CanaryPolicy, nowMs: number): CanaryState {
  const share = policy.steps[0] ?? 100;
  return {
    candidate,
    live,
    status: share >= 100 ? "promoted" : "running",
    step: 0,
    share,
    startedAt: nowMs,
    stepStartedAt: nowMs,
    window: { live: emptyArm(), candidate: emptyArm() },
    totals: { candidateAttempts: 0, lost: 0, reoffered: 0 },
    forcedLive: [],
    events: [{ at: nowMs, event: "started", share }],
  };
}

/** The lead's bucket in [0, 100): a hash of its id, so a lead always falls in the same arm. */
export function bucketOf(leadId: string): number {
  return (Number.parseInt(fingerprint(leadId).slice(-8), 16) % 10_000) / 100;
}

/** Whether this delivery goes through the candidate: running or promoted, the lead's bucket inside the share, never a lead the candidate lost. */
export function takesCandidate(s: CanaryState, leadId: string, deliveryId: string): boolean {
  if (s.status === "rolled_back") return false;
  if (s.forcedLive.includes(deliveryId)) return false;
  return s.status === "promoted" || bucketOf(leadId) < s.share;
}

/** Whether an attempt's result is a lead the candidate lost (the buyer said no to the request, not to the buyer's capacity). */
export function isLost(r: AttemptResult): boolean {
  return r.outcome === "rejected" || (r.outcome === "failed" && (r.errorClass === "client" || r.errorClass === "config"));
}

/** Adds one attempt to its arm (a deferral sent nothing and counts nowhere). */
export function recordArm(s: CanaryState, arm: "live" | "candidate", r: AttemptResult): void {
  if (r.outcome === "deferred") return;
  const a = s.window[arm];
  a.sent++;
  a.latencyMs += r.elapsedMs;
  if (r.outcome === "accepted") a.accepted++;
  else if (r.outcome === "pending") a.pending++;
  else if (r.outcome === "rejected") a.rejected++;
  else if (r.errorClass === "client" || r.errorClass === "config") a.client++;
  else a.errors++;
  if (arm === "candidate") s.totals.candidateAttempts++;
}

/** Marks a delivery the candidate lost, so its lead goes to the live version from now on. */
export function forceLive(s: CanaryState, deliveryId: string): void {
  s.totals.lost++;
  if (!s.forcedLive.includes(deliveryId)) s.forcedLive.push(deliveryId);
  if (s.forcedLive.length > FORCED_LIVE_KEPT) s.forcedLive.splice(0, s.forcedLive.length - FORCED_LIVE_KEPT);
}

/**
 * One-sided two-proportion z-test: is the candidate's rate (x1 of n1) above live's (x2 of n2)
 * by more than `rise`, and significantly so (z ≥ zCrit with the pooled standard error)? With
 * no live sample in the window the candidate's rate is compared with `rise` alone.
 */
export function proportionWorse(x1: number, n1: number, x2: number, n2: number, rise: number, zCrit: number, metric: "lost" | "errors"): Comparison {
  const p1 = n1 > 0 ? x1 / n1 : 0;
  if (n2 === 0) return { metric, candidate: p1, live: 0, worse: n1 > 0 && p1 > rise };
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = se > 0 ? (p1 - p2) / se : 0;
  return { metric, candidate: p1, live: p2, z: Math.round(z * 100) / 100, worse: p1 - p2 > rise && z >= zCrit };
}

export type Verdict = { kind: "wait" } | { kind: "promote"; share: number } | { kind: "rollback"; evidence: Comparison[] };

/**
 * Judges the current step once the candidate has its minimum sample: worse on lost leads,
 * errors or latency → roll back; otherwise, once live has its minimum sample too, promote to
 * the next step. The window restarts at every step, so both arms are always compared over the
 * same stretch of time.
 */
export function judge(s: CanaryState, policy: CanaryPolicy): Verdict {
  if (s.status !== "running") return { kind: "wait" };
  const c = s.window.candidate;
  const l = s.window.live;
  if (c.sent < policy.minSample) return { kind: "wait" };
  const t = policy.thresholds;
  const lost = proportionWorse(c.rejected + c.client, c.sent, l.rejected + l.client, l.sent, t.lostRise, t.z, "lost");
  const errors = proportionWorse(c.errors, c.sent, l.errors, l.sent, t.errorRise, t.z, "errors");
  const cMean = c.latencyMs / c.sent;
  const lMean = l.sent > 0 ? l.latencyMs / l.sent : cMean;
  const latency: Comparison = {
    metric: "latency",
    candidate: Math.round(cMean),
    live: Math.round(lMean),
    worse: l.sent >= policy.minSample && cMean > lMean * t.latencyRatio && cMean - lMean >= t.latencyFloorMs,
  };
  const evidence = [lost, errors, latency];
  if (evidence.some((e) => e.worse)) return { kind: "rollback", evidence };
  if (l.sent < policy.minSample) return { kind: "wait" };
  const next = policy.steps[s.step + 1];
  return next === undefined ? { kind: "wait" } : { kind: "promote", share: next };
}

/** Applies a verdict: the next step (a fresh window), or the rollback. */
export function apply(s: CanaryState, v: Verdict, nowMs: number): void {
  if (v.kind === "promote") {
    s.step++;
    s.share = v.share;
    s.stepStartedAt = nowMs;
    s.window = { live: emptyArm(), candidate: emptyArm() };
    if (v.share >= 100) s.status = "promoted";
    s.events.push({ at: nowMs, event: "promoted", share: v.share });
  } else if (v.kind === "rollback") {
    s.status = "rolled_back";
    s.events.push({ at: nowMs, event: "rolled_back", share: s.share, evidence: v.evidence });
  }
}

/** The alert's words: the buyer, the version, the evidence. */
export function rollbackMessage(buyerId: string, s: CanaryState, evidence: Comparison[]): string {
  const c = s.window.candidate;
  const l = s.window.live;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const parts = evidence
    .filter((e) => e.worse)
    .map((e) =>
      e.metric === "latency"
        ? `mean latency ${e.candidate} ms vs ${e.live} ms`
        : `${e.metric === "lost" ? "rejected or client errors" : "server/transient errors"} ${pct(e.candidate)} vs live ${pct(e.live)}${e.z !== undefined ? ` (z = ${e.z})` : ""}`,
    );
  return (
    `Canary ${s.candidate} of buyer ${buyerId} rolled back at ${s.share} %: ${parts.join("; ")} ` +
    `over ${c.sent} candidate and ${l.sent} live attempts (candidate: ${c.accepted} accepted, ${c.rejected} rejected, ${c.client} client errors, ${c.errors} errors). ` +
    `Live version ${s.live} takes every lead again; leads the candidate lost go back to it.`
  );
}
