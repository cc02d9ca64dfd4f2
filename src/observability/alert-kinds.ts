/**
 * The catalogue of alerts: each rule's kind, its severity and its thresholds, and the shape of
 * what a rule says about one subject. alert-rules.ts evaluates them.
 */

/** Every rule, by the kind of alert it raises. */
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

/** How loud an alert is. */
export type Severity = "critical" | "error" | "warning" | "info";

/** The severity of each kind of alert. */
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
