import type { CanaryPolicy } from "../integration/canary";
import type { BuyerConfig } from "../integration/config";
import { log } from "../observability/log";
import { apply, type CanaryState, forceLive, isLost, judge, recordArm, rollbackMessage, startCanary, takesCandidate } from "./canary";
import type { GateParts } from "./parts";
import type { AttemptResult, LostAttempt, PinInfo, VersionState } from "./types";

const PIN = "pin";
const CANARY = "canary_state";
const CANDIDATE = "canary_config";

/**
 * Which version of the buyer's config a lead goes through: a rollback pin (an operator's,
 * held until released), else the canary's candidate for its share of leads, else the live
 * version the deploy names. The state lives in the gate's storage (meta facts, written
 * through), so it survives restarts, config reloads and deploys; git stays the source of the
 * configs themselves.
 */
export class CanaryRunner {
  #pin: (PinInfo & { config: BuyerConfig }) | null | undefined;
  #canary: CanaryState | null | undefined;

  constructor(
    private readonly g: GateParts,
    private readonly buyerId: () => string,
  ) {}

  /** The pinned version and its config, if an operator pinned one. */
  pinned(): (PinInfo & { config: BuyerConfig }) | null {
    if (this.#pin === undefined) {
      const raw = this.g.meta.get(PIN);
      this.#pin = raw ? (JSON.parse(raw) as PinInfo & { config: BuyerConfig }) : null;
    }
    return this.#pin;
  }

  pin(version: string, config: BuyerConfig, reason?: string): PinInfo {
    const p = { version, pinnedAt: new Date(this.g.clock.now()).toISOString(), ...(reason ? { reason } : {}), config };
    this.g.meta.set(PIN, JSON.stringify(p));
    this.#pin = p;
    log("warn", "buyer version pinned", { buyerId: config.id, version, reason });
    return { version: p.version, pinnedAt: p.pinnedAt, ...(reason ? { reason } : {}) };
  }

  unpin(): PinInfo | null {
    const p = this.pinned();
    if (!p) return null;
    this.g.meta.set(PIN, "");
    this.#pin = null;
    log("info", "buyer version pin released", { buyerId: this.buyerId(), version: p.version });
    return { version: p.version, pinnedAt: p.pinnedAt, ...(p.reason ? { reason: p.reason } : {}) };
  }

  state(): VersionState {
    const p = this.pinned();
    return { pin: p ? { version: p.version, pinnedAt: p.pinnedAt, ...(p.reason ? { reason: p.reason } : {}) } : null, canary: this.#stored() };
  }

  #stored(): CanaryState | null {
    if (this.#canary === undefined) {
      const raw = this.g.meta.get(CANARY);
      this.#canary = raw ? (JSON.parse(raw) as CanaryState) : null;
    }
    return this.#canary;
  }

  /**
   * The canary of this candidate version: the stored one, or a new one at its first step when
   * the deploy brought a candidate the gate has not run (a new candidate replaces the old;
   * a rolled-back one stays rolled back for as long as the file carries it).
   */
  canaryFor(candidate: string, live: string, policy: CanaryPolicy): CanaryState {
    const s = this.#stored();
    if (s && s.candidate === candidate) {
      if (s.live !== live) s.live = live;
      return s;
    }
    const fresh = startCanary(candidate, live, policy, this.g.clock.now());
    this.#canary = fresh;
    this.#save();
    log("info", "canary started", { buyerId: this.buyerId(), candidate, live, share: fresh.share, steps: policy.steps, minSample: policy.minSample });
    return fresh;
  }

  takesCandidate(s: CanaryState, leadId: string, deliveryId: string): boolean {
    return takesCandidate(s, leadId, deliveryId);
  }

  lost(r: AttemptResult): boolean {
    return isLost(r);
  }

  forceLive(s: CanaryState, deliveryId: string): void {
    forceLive(s, deliveryId);
    s.totals.reoffered++;
    this.#save();
  }

  /** What the waterfall records of the candidate's lost attempt (its own attempt row). */
  lostAttempt(r: AttemptResult, version: string): LostAttempt {
    return {
      configVersion: version,
      outcome: r.outcome,
      ...(r.errorClass ? { errorClass: r.errorClass } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.statusCode !== undefined ? { statusCode: r.statusCode } : {}),
      ...(r.request ? { request: r.request } : {}),
      ...(r.response ? { response: r.response } : {}),
      elapsedMs: r.elapsedMs,
    };
  }

  /**
   * Counts an attempt in its arm and judges the step: a promotion moves to the next share
   * with a fresh window; a rollback sends every lead to the live version at once and raises
   * an alert naming the buyer, the version and the evidence.
   */
  async record(s: CanaryState, policy: CanaryPolicy, arm: "live" | "candidate", r: AttemptResult): Promise<void> {
    if (s.status !== "running" || r.outcome === "deferred") return;
    recordArm(s, arm, r);
    const verdict = judge(s, policy);
    const nowMs = this.g.clock.now();
    const window = { candidate: { ...s.window.candidate }, live: { ...s.window.live } };
    apply(s, verdict, nowMs);
    this.#save();
    const buyerId = this.buyerId();
    if (verdict.kind === "promote") {
      log("info", "canary promoted", { buyerId, candidate: s.candidate, share: s.share, status: s.status, window });
    } else if (verdict.kind === "rollback") {
      const message = rollbackMessage(buyerId, { ...s, window }, verdict.evidence);
      log("error", "canary rolled back", { buyerId, candidate: s.candidate, live: s.live, share: s.share, window, evidence: verdict.evidence });
      try {
        // D1 (drizzle and the schema) is imported here, on a rollback, not when a gate's isolate starts.
        const { raiseAlert } = await import("../db/alerts");
        await raiseAlert(this.g.env, { kind: "canary_rollback", buyerId, subject: `${buyerId}@${s.candidate}`, severity: "critical", message, nowMs });
      } catch (err) {
        // The rollback itself is done and stored; a failed alert write must not fail the lead.
        log("error", "canary rollback alert failed", { buyerId, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  storedCandidate(version: string): BuyerConfig | undefined {
    const raw = this.g.meta.get(CANDIDATE);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as { version: string; config: BuyerConfig };
    return stored.version === version ? stored.config : undefined;
  }

  storeCandidate(version: string, config: BuyerConfig): void {
    this.g.meta.set(CANDIDATE, JSON.stringify({ version, config }));
  }

  #save(): void {
    if (this.#canary) this.g.meta.set(CANARY, JSON.stringify(this.#canary));
  }
}
