import type { NormalizedLead } from "../core/lead";
import type { CanaryPolicy } from "../integration/canary";
import type { BuyerConfig } from "../integration/config";
import type { BidFields, BuyerResponse, MappingWarning, OutboundRequest } from "../integration/types";
import type { CircuitState } from "./breaker";
import type { CanaryState } from "./canary";
import type { CapUsage } from "./caps";
import type { ErrorClass } from "./classify";
import type { SpendStatus } from "./spend";
import type { CapWindow } from "./time";

export type { CircuitState } from "./breaker";
export type { ErrorClass } from "./classify";

/**
 * A buyer named by its id and config version (see integration/version.ts). The waterfall sends
 * this instead of the whole config, with `config` only when the gate may not hold that
 * version yet (the first call from a Worker isolate, or when the gate asked for it).
 */
export interface BuyerRef {
  ref: string;
  version: string;
  config?: BuyerConfig;
  /** The buyer's candidate version (its file's `canary` block): the gate sends its share of leads through it. */
  canary?: CanaryRef;
}

/** A candidate named to the gate; its config goes along when the live config does. */
export interface CanaryRef {
  version: string;
  policy: CanaryPolicy;
  config?: BuyerConfig;
}

/** An attempt the candidate lost (rejected, client or config error) before its lead went to the live version. */
export interface LostAttempt {
  configVersion: string;
  outcome: AttemptOutcome;
  errorClass?: ErrorClass;
  reason?: string;
  statusCode?: number;
  request?: OutboundRequest;
  response?: BuyerResponse;
  elapsedMs: number;
}

/** One delivery attempt handed to a buyer's gate. */
export interface DeliverInput {
  /** The buyer's config, or a reference to a version of it the gate holds. */
  buyer: BuyerConfig | BuyerRef;
  lead: NormalizedLead;
  /** Our delivery id (lead × buyer); also the reservation id, so a retry reuses its slot. */
  deliveryId: string;
  /** Stable per lead and buyer; sent as the Idempotency-Key header. */
  idempotencyKey: string;
  /** 1-based attempt number for this delivery. */
  attempt: number;
  /** Send to the sandbox URL (only a sandbox-status buyer accepts it). */
  sandbox?: boolean;
  /** Overrides the buyer's timeout (sync mode passes what is left of its deadline). */
  timeoutMs?: number;
  /** Ping/post: the bid this post answers (the post mapping reads it as `bid.*`). */
  bid?: BidFields;
}

export type AttemptOutcome = "accepted" | "rejected" | "pending" | "failed" | "deferred";

/** What one attempt came to. */
export interface AttemptResult {
  outcome: AttemptOutcome;
  errorClass?: ErrorClass;
  reason?: string;
  statusCode?: number;
  /** When to come back: Retry-After from the buyer, or the gate's own hint for a deferral. */
  retryAfterSeconds?: number;
  buyerLeadId?: string;
  price?: number;
  redirectUrl?: string;
  /**
   * The request as sent (the last one, when a 401 made us resend), with every secret and
   * credential masked by value: the buyer's secrets never leave its gate.
   */
  request?: OutboundRequest;
  /**
   * Issue 16: earlier exchanges of this same attempt, masked like `request` — a HubSpot 409
   * CONFLICT before the PATCH that updated the existing contact.
   */
  prior?: { request: OutboundRequest; response: BuyerResponse }[];
  /** The exact request, AES-GCM encrypted inside the gate (key id for rotation), for compliance. */
  archive?: { keyId: string; data: string };
  /** The buyer's answer, body truncated to 20 KB. */
  response?: BuyerResponse;
  elapsedMs: number;
  warnings: MappingWarning[];
  /** Whether a request left for the buyer. */
  sent: boolean;
  /** Routing (issue 13): a prepaid buyer's balance left to spend after this attempt (dollars, live reservations deducted). */
  balance?: number;
  /** Circuit state after this attempt. */
  circuit: CircuitState;
  /** The gate did not hold the config version it was named by: nothing was done, send it the config. */
  configWanted?: true;
  /** The config version this attempt ran with (live, canary candidate, or a rollback pin). */
  configVersion?: string;
  /** Which version that was. */
  arm?: "live" | "candidate" | "pinned";
  /** The candidate lost this lead first; this result is the live version's attempt that followed at once. */
  canaryLost?: LostAttempt;
}

/** An attempt as the gate's modules run it: the buyer's config resolved. */
export type ResolvedInput = Omit<DeliverInput, "buyer"> & { buyer: BuyerConfig };

/** A rollback pin held in the gate's storage. */
export interface PinInfo {
  version: string;
  pinnedAt: string;
  reason?: string;
}

/** The gate's live version state, for `GET /v1/buyers/:id/versions`. */
export interface VersionState {
  pin: PinInfo | null;
  canary: CanaryState | null;
}

/** A buyer's health and capacity, for `GET /v1/buyers`. */
export interface GateStatus {
  buyerId: string;
  now: string;
  circuit: {
    state: CircuitState;
    openedAt?: string;
    nextProbeAt?: string;
    consecutiveFailedProbes: number;
    opens: number;
    closes: number;
    /** Calls and failures counted in the current breaker window (closed state). */
    windowCalls: number;
    windowFailures: number;
  };
  caps: Record<CapWindow, CapUsage>;
  /** Routing (issue 13): revenue caps used and left per window, and a prepaid buyer's balance. */
  revenue: SpendStatus;
  inFlight: { count: number; limit: number | null };
  /** Async acknowledgements awaiting the buyer's decision. */
  pending: number;
  rateLimit: { ratePerSecond: number | null; tokens: number | null };
  /** A 429/503 Retry-After holds every send to this buyer until then. */
  throttledUntil?: string;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  /** Issue 16: a batch or digest buyer's collected leads and open jobs (batch.ts). */
  batch?: BatchStatus;
}

/** Leads collected for a batch job or digest, the jobs under way, and results the Worker has not written yet. */
export interface BatchStatus {
  waiting: number;
  oldestWaitingSince?: string;
  jobs: { id: string; kind: string; step: string; remoteId: string | null; remoteState: string | null; polls: number; leads: number; nextAt: string }[];
  unreported: number;
}
