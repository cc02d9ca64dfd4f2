/**
 * Alert rules, pure: each reads counters from the rollups (and the gates' circuit states) and
 * says whether its condition holds now (`firing`) and whether an open alert may close
 * (`clear`). The ops cron opens at most one alert per rule and subject and resolves it when
 * its condition clears. A rule fires only on enough events in its window, so one failure of a
 * quiet buyer is not a page.
 */
import { type AlertKind, type Condition, THRESHOLDS } from "./alert-kinds";
import { type Counts, errorRate, latencyOf, successRate } from "./rollup";

export { type AlertKind, type Condition, SEVERITY, type Severity, THRESHOLDS } from "./alert-kinds";

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

/** The causes that stand for their symptoms: while one holds, the symptom rules stay quiet. */
interface Causes {
  /** Auth failures, 410 Gone or config errors in the last 15 minutes. */
  configFiring: boolean;
  circuitOpen: boolean;
  /** Any cause at all: the circuit, a config fault, or a pause. */
  circuitFiring: boolean;
}

function causesOf(b: BuyerRuleInput): Causes {
  const T = THRESHOLDS;
  const c15 = b.last15;
  const configFiring = c15.auth_failures >= T.configFault.authRun || c15.gone > 0 || c15.err_config >= T.configFault.configRun;
  const circuitOpen = b.circuit !== undefined && (b.circuit.state !== "closed" || b.circuit.opens > b.prevOpens);
  return { configFiring, circuitOpen, circuitFiring: circuitOpen || configFiring || b.paused };
}

/** One buyer rule: its condition for this buyer, given the causes. */
type BuyerRule = (b: BuyerRuleInput, causes: Causes) => Condition;

function circuitRule(b: BuyerRuleInput, { circuitOpen }: Causes): Condition {
  return cond(
    "circuit_open",
    b.buyerId,
    b.buyerId,
    circuitOpen,
    `${b.name}: circuit ${b.circuit?.state === "half_open" ? "half-open" : (b.circuit?.state ?? "unknown")}${b.circuit?.openedAt ? ` since ${b.circuit.openedAt}` : ""} (opened ${b.circuit?.opens ?? 0} time${b.circuit?.opens === 1 ? "" : "s"} so far); no lead reaches the buyer while it is open`,
  );
}

/** The last hour's success rate against the 24 hours before. */
function successDropRule(b: BuyerRuleInput, { circuitFiring }: Causes): Condition {
  const T = THRESHOLDS.successDrop;
  const cur = successRate(b.last60);
  const base = successRate(b.baseline);
  const dropEnough = ended(b.last60) >= T.minWindow && ended(b.baseline) >= T.minBaseline;
  const dropped = dropEnough && cur !== null && base !== null && base - cur >= T.drop;
  return cond(
    "success_drop",
    b.buyerId,
    b.buyerId,
    dropped && !circuitFiring,
    `${b.name}: delivery success ${pct(cur)} in the last hour against ${pct(base)} over the 24 hours before (${ended(b.last60)} deliveries)`,
    !dropped,
  );
}

/** The last 30 minutes' error rate: above a floor, a multiple of the baseline, and a real rise. */
function errorRateRule(b: BuyerRuleInput, { circuitFiring }: Causes): Condition {
  const T = THRESHOLDS.errorRate;
  const er = errorRate(b.last30) ?? 0;
  const erBase = b.baseline.attempts >= T.minWindow ? (errorRate(b.baseline) ?? 0) : 0;
  const erFiring = b.last30.attempts >= T.minWindow && er >= T.floor && er >= erBase * T.factor && er - erBase >= T.minRise;
  return cond(
    "error_rate",
    b.buyerId,
    b.buyerId,
    erFiring && !circuitFiring,
    `${b.name}: ${pct(er)} of ${b.last30.attempts} attempts failed in the last 30 minutes (24-hour baseline ${pct(erBase)})`,
    !erFiring,
  );
}

/** p95 latency close to the buyer's timeout. */
function latencyRule(b: BuyerRuleInput, { circuitFiring }: Causes): Condition {
  const T = THRESHOLDS.latency;
  const p95 = latencyOf(b.last15).p95;
  const slow = b.last15.attempts >= T.minWindow && p95 !== null && p95 > T.share * b.timeoutMs;
  return cond(
    "latency_p95",
    b.buyerId,
    b.buyerId,
    slow && !circuitFiring,
    `${b.name}: p95 latency ${p95 ?? "—"} ms over the last 15 minutes, above ${Math.round(T.share * 100)} % of its ${b.timeoutMs} ms timeout`,
    !slow,
  );
}

/** Attempts, and not one sale or acknowledgement, in the last 30 minutes. */
function noSuccessRule(b: BuyerRuleInput, { circuitFiring }: Causes): Condition {
  const healthy = b.last30.att_accepted + b.last30.att_pending + b.last30.dlv_accepted;
  const silent = b.last30.attempts >= THRESHOLDS.noSuccess.minWindow && healthy === 0;
  return cond(
    "no_success",
    b.buyerId,
    b.buyerId,
    silent && !circuitFiring,
    `${b.name}: ${b.last30.attempts} attempts and no sale or acknowledgement in the last 30 minutes`,
    !silent,
  );
}

/** Credentials or endpoint refused; clears only once the last 15 minutes are quiet. */
function configFaultRule(b: BuyerRuleInput, { configFiring }: Causes): Condition {
  const c15 = b.last15;
  const configQuiet = c15.err_client + c15.err_config + c15.auth_failures + c15.gone === 0;
  return cond(
    "config_fault",
    b.buyerId,
    b.buyerId,
    configFiring,
    `${b.name}: ${c15.auth_failures} authentication failures (401/403), ${c15.gone} × 410 Gone and ${c15.err_config} config errors in the last 15 minutes — check its credentials and endpoint`,
    configQuiet,
  );
}

function pausedRule(b: BuyerRuleInput): Condition {
  return cond("buyer_paused", b.buyerId, b.buyerId, b.paused, `${b.name} is paused${b.pausedReason ? `: ${b.pausedReason}` : ""}; resume it once fixed`);
}

/** Raised elsewhere (when an outcome is unclear); here it only clears once the hour has none. */
function ambiguousRule(b: BuyerRuleInput): Condition {
  return cond("ambiguous_outcome", b.buyerId, b.buyerId, false, `${b.name}: unclear outcomes to reconcile`, b.last60.err_ambiguous === 0);
}

function regressionRule(b: BuyerRuleInput): Condition {
  const regFailed = b.regression?.outcome === "failed";
  return cond(
    "regression_failed",
    b.buyerId,
    b.buyerId,
    regFailed,
    `${b.name}: the daily regression lead to its sandbox failed at ${b.regression?.at ?? "—"}: ${b.regression?.reason ?? "no reason"}`,
  );
}

/** Every buyer rule, in the order their conditions are reported. */
const BUYER_RULES: readonly BuyerRule[] = [
  circuitRule,
  successDropRule,
  errorRateRule,
  latencyRule,
  noSuccessRule,
  configFaultRule,
  pausedRule,
  ambiguousRule,
  regressionRule,
];

/**
 * The buyer rules. A cause stands for its symptoms: while the circuit is open, a config fault
 * holds or the buyer is paused, the symptom rules (success drop, error rate, latency, no
 * success) are not raised on their own — one alert says what is wrong, not five.
 */
export function buyerConditions(b: BuyerRuleInput): Condition[] {
  const causes = causesOf(b);
  return BUYER_RULES.map((rule) => rule(b, causes));
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
