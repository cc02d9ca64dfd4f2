/**
 * Alert rules, pure: each reads counters from the rollups (and the gates' circuit states) and
 * says whether its condition holds now (`firing`) and whether an open alert may close
 * (`clear`). The ops cron opens at most one alert per rule and subject and resolves it when
 * its condition clears. A rule fires only on enough events in its window, so one failure of a
 * quiet buyer is not a page.
 */
import { type Counts, errorRate, latencyOf, successRate } from "./rollup";

export type AlertKind =
  | "circuit_open"
  | "success_drop"
  | "error_rate"
  | "latency_p95"
  | "no_success"
  | "config_fault"
  | "buyer_paused"
  | "ambiguous_outcome"
  | "regression_failed"
  | "refusal_spike"
  | "queue_backlog"
  | "dead_letters";

export type Severity = "critical" | "error" | "warning" | "info";

export const SEVERITY: Record<AlertKind, Severity> = {
  circuit_open: "critical",
  no_success: "critical",
  config_fault: "error",
  buyer_paused: "error",
  queue_backlog: "error",
  dead_letters: "error",
  success_drop: "warning",
  error_rate: "warning",
  latency_p95: "warning",
  ambiguous_outcome: "warning",
  regression_failed: "warning",
  refusal_spike: "warning",
};

/** The thresholds of every rule (documented in the README, "Alerts"). */
export const THRESHOLDS = {
  /** success_drop: ended deliveries needed in the last hour and in the 24 h baseline; the drop (absolute). */
  successDrop: { minWindow: 20, minBaseline: 50, drop: 0.1 },
  /** error_rate: attempts needed in the last 30 min; the rate must double the baseline, rise 5 points and reach 10 %. */
  errorRate: { minWindow: 20, minBaseline: 50, factor: 2, minRise: 0.05, floor: 0.1 },
  /** latency_p95: attempts needed in the last 15 min; p95 over this share of the buyer's timeout. */
  latency: { minWindow: 20, share: 0.8 },
  /** no_success: attempts in the last 30 min with no sale and no acknowledgement. */
  noSuccess: { minWindow: 5 },
  /** config_fault: in the last 15 min, this many 401/403 (a run), any 410, or this many config errors. */
  configFault: { authRun: 3, configRun: 3 },
  /** refusal_spike: posts needed in the last hour; the rate must reach 20 %, double the baseline and rise 10 points. */
  refusal: { minWindow: 20, minBaseline: 50, floor: 0.2, factor: 2, minRise: 0.1 },
  /** queue_backlog: leads overdue on the queue (resolves under half of it). */
  backlog: { open: 100 },
} as const;

/** What one rule says about one subject now. */
export interface Condition {
  kind: AlertKind;
  /** Buyer id, source id, or "" for the platform. */
  subject: string;
  buyerId: string | null;
  firing: boolean;
  /** An open alert of this kind and subject may resolve. */
  clear: boolean;
  message: string;
}

export interface BuyerRuleInput {
  buyerId: string;
  name: string;
  /** The buyer's request timeout (ms). */
  timeoutMs: number;
  last15: Counts;
  last30: Counts;
  last60: Counts;
  /** The 24 hours before the last hour. */
  baseline: Counts;
  circuit?: { state: string; openedAt?: string | undefined; opens: number; windowFailures: number } | undefined;
  /** Circuit openings counted at the previous evaluation (an opening and closing between two runs still shows). */
  prevOpens: number;
  paused: boolean;
  pausedReason?: string | null | undefined;
  regression?: { outcome: string; reason: string | null; at: string } | undefined;
}

export interface SourceRuleInput {
  sourceId: string;
  name: string;
  last60: Counts;
  baseline: Counts;
}

export interface PlatformRuleInput {
  last15: Counts;
  /** Leads overdue on the delivery queue (bounded count). */
  backlog: number;
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)} %`);
const ended = (c: Counts) => c.dlv_accepted + c.dlv_rejected + c.dlv_failed;

function cond(kind: AlertKind, subject: string, buyerId: string | null, firing: boolean, message: string, clear = !firing): Condition {
  return { kind, subject, buyerId, firing, clear, message };
}

/**
 * The buyer rules. A cause stands for its symptoms: while the circuit is open, a config fault
 * holds or the buyer is paused, the symptom rules (success drop, error rate, latency, no
 * success) are not raised on their own — one alert says what is wrong, not five.
 */
export function buyerConditions(b: BuyerRuleInput): Condition[] {
  const out: Condition[] = [];
  const T = THRESHOLDS;
  const c15 = b.last15;
  const configFiring = c15.auth_failures >= T.configFault.authRun || c15.gone > 0 || c15.err_config >= T.configFault.configRun;
  const circuitOpen = b.circuit !== undefined && (b.circuit.state !== "closed" || b.circuit.opens > b.prevOpens);
  const circuitFiring = circuitOpen || configFiring || b.paused;
  out.push(
    cond(
      "circuit_open",
      b.buyerId,
      b.buyerId,
      circuitOpen,
      `${b.name}: circuit ${b.circuit?.state === "half_open" ? "half-open" : (b.circuit?.state ?? "unknown")}${b.circuit?.openedAt ? ` since ${b.circuit.openedAt}` : ""} (opened ${b.circuit?.opens ?? 0} time${b.circuit?.opens === 1 ? "" : "s"} so far); no lead reaches the buyer while it is open`,
    ),
  );

  const cur = successRate(b.last60);
  const base = successRate(b.baseline);
  const dropEnough = ended(b.last60) >= T.successDrop.minWindow && ended(b.baseline) >= T.successDrop.minBaseline;
  const dropped = dropEnough && cur !== null && base !== null && base - cur >= T.successDrop.drop;
  out.push(
    cond(
      "success_drop",
      b.buyerId,
      b.buyerId,
      dropped && !circuitFiring,
      `${b.name}: delivery success ${pct(cur)} in the last hour against ${pct(base)} over the 24 hours before (${ended(b.last60)} deliveries)`,
      !dropped,
    ),
  );

  const er = errorRate(b.last30) ?? 0;
  const erBase = b.baseline.attempts >= T.errorRate.minWindow ? (errorRate(b.baseline) ?? 0) : 0;
  const erFiring =
    b.last30.attempts >= T.errorRate.minWindow && er >= T.errorRate.floor && er >= erBase * T.errorRate.factor && er - erBase >= T.errorRate.minRise;
  out.push(
    cond(
      "error_rate",
      b.buyerId,
      b.buyerId,
      erFiring && !circuitFiring,
      `${b.name}: ${pct(er)} of ${b.last30.attempts} attempts failed in the last 30 minutes (24-hour baseline ${pct(erBase)})`,
      !erFiring,
    ),
  );

  const p95 = latencyOf(b.last15).p95;
  const slow = b.last15.attempts >= T.latency.minWindow && p95 !== null && p95 > T.latency.share * b.timeoutMs;
  out.push(
    cond(
      "latency_p95",
      b.buyerId,
      b.buyerId,
      slow && !circuitFiring,
      `${b.name}: p95 latency ${p95 ?? "—"} ms over the last 15 minutes, above ${Math.round(T.latency.share * 100)} % of its ${b.timeoutMs} ms timeout`,
      !slow,
    ),
  );

  const healthy = b.last30.att_accepted + b.last30.att_pending + b.last30.dlv_accepted;
  const silent = b.last30.attempts >= T.noSuccess.minWindow && healthy === 0;
  out.push(
    cond(
      "no_success",
      b.buyerId,
      b.buyerId,
      silent && !circuitFiring,
      `${b.name}: ${b.last30.attempts} attempts and no sale or acknowledgement in the last 30 minutes`,
      !silent,
    ),
  );

  const configQuiet = c15.err_client + c15.err_config + c15.auth_failures + c15.gone === 0;
  out.push(
    cond(
      "config_fault",
      b.buyerId,
      b.buyerId,
      configFiring,
      `${b.name}: ${c15.auth_failures} authentication failures (401/403), ${c15.gone} × 410 Gone and ${c15.err_config} config errors in the last 15 minutes — check its credentials and endpoint`,
      configQuiet,
    ),
  );

  out.push(cond("buyer_paused", b.buyerId, b.buyerId, b.paused, `${b.name} is paused${b.pausedReason ? `: ${b.pausedReason}` : ""}; resume it once fixed`));
  out.push(cond("ambiguous_outcome", b.buyerId, b.buyerId, false, `${b.name}: unclear outcomes to reconcile`, b.last60.err_ambiguous === 0));
  const regFailed = b.regression?.outcome === "failed";
  out.push(
    cond(
      "regression_failed",
      b.buyerId,
      b.buyerId,
      regFailed,
      `${b.name}: the daily regression lead to its sandbox failed at ${b.regression?.at ?? "—"}: ${b.regression?.reason ?? "no reason"}`,
    ),
  );
  return out;
}

/** A source whose share of refused posts jumps. */
export function sourceConditions(s: SourceRuleInput): Condition[] {
  const T = THRESHOLDS.refusal;
  const posted = s.last60.leads + s.last60.refused;
  const cur = posted > 0 ? s.last60.refused / posted : 0;
  const basePosted = s.baseline.leads + s.baseline.refused;
  const base = basePosted >= T.minBaseline ? s.baseline.refused / basePosted : 0;
  const firing = posted >= T.minWindow && cur >= T.floor && cur >= base * T.factor && cur - base >= T.minRise;
  return [
    cond(
      "refusal_spike",
      s.sourceId,
      null,
      firing,
      `Source ${s.name}: ${pct(cur)} of ${posted} posts refused in the last hour (24-hour baseline ${pct(base)}); see Diagnostics → refusals by field`,
    ),
  ];
}

/** Platform rules: the delivery queue's backlog and dead letters. */
export function platformConditions(p: PlatformRuleInput): Condition[] {
  const T = THRESHOLDS.backlog;
  return [
    cond(
      "queue_backlog",
      "",
      null,
      p.backlog >= T.open,
      `${p.backlog}${p.backlog >= 1000 ? "+" : ""} leads are overdue on the delivery queue`,
      p.backlog < T.open / 2,
    ),
    cond("dead_letters", "", null, p.last15.dead_letters > 0, `${p.last15.dead_letters} messages dead-lettered in the last 15 minutes`),
  ];
}

/** Escalation: level 0 at once, level 1 after 15 minutes unacknowledged, level 2 (the last) after an hour. */
export const ESCALATION_MS = [0, 15 * 60_000, 60 * 60_000] as const;

/** The level an unacknowledged alert opened at `openedAtMs` has reached by `nowMs`. */
export function escalationLevel(openedAtMs: number, nowMs: number): number {
  let level = 0;
  ESCALATION_MS.forEach((after, i) => {
    if (nowMs - openedAtMs >= after) level = i;
  });
  return level;
}
