import { DurableObject } from "cloudflare:workers";
import { type Clock, systemClock } from "../core/clock";
import type { BuyerConfig } from "../integration/config";
import { loadXPath, usesXPath } from "../integration/extract";
import { configVersion, rememberVersion } from "../integration/version";
import { log } from "../observability/log";
import { runAttempt } from "./attempt";
import { type BatchResult, BatchStore } from "./batch";
import { CircuitBreaker, SqlBreakerStore, type Transition } from "./breaker";
import { CanaryRunner } from "./canary-runner";
import { RateLimiter, Reservations } from "./caps";
import { runBatch } from "./channels";
import type { GateParts } from "./parts";
import { type PingRequest, type PingResult, runPing } from "./ping";
import { probeFromAlarm } from "./probe";
import { Scheduler } from "./scheduler";
import { Spend } from "./spend";
import { gateStatus } from "./status";
import { GateMeta } from "./storage";
import { TokenCache } from "./tokens";
import { Connections } from "./transport";
import type { AttemptResult, BuyerRef, DeliverInput, GateStatus, PinInfo, VersionState } from "./types";

export type { BatchResult, BatchResultsJob } from "./batch";
export type { PingInput, PingRequest, PingResult } from "./ping";
export type { AttemptResult, BuyerRef, DeliverInput, GateStatus, PinInfo, VersionState } from "./types";

const PRUNE_EVERY_MS = 3_600_000;
/** Simultaneous requests to the buyer (a Worker's open-connection limit). */
export const OUTBOUND_CONNECTIONS = 6;
/** Config versions held at once: during a deploy, Workers of two versions may call the same gate. */
const HELD_VERSIONS = 4;

function isRef(b: BuyerConfig | BuyerRef): b is BuyerRef {
  return typeof (b as Partial<BuyerRef>).ref === "string" && typeof (b as Partial<BuyerRef>).version === "string";
}

/**
 * One per buyer, placed near the buyer's endpoint. Owns everything that must be decided in
 * one place for a buyer: the circuit breaker, caps and in-flight leases, the rate limit, the
 * OAuth token and the alarm that drives the breaker's probe. The public methods are the RPC
 * surface; the work is in attempt.ts, status.ts and probe.ts, the storage in storage.ts.
 */
export class BuyerGate extends DurableObject<Env> {
  /** The gate's clock. Not part of the RPC surface (an instance field); tests set it through runInDurableObject. */
  clock: Clock = systemClock;
  #parts: GateParts;
  #scheduler: Scheduler;
  #buyerId = "";
  /** The buyer's config by version, oldest first; the object is reused while its version is current (see #remember). */
  #configs = new Map<string, BuyerConfig>();
  /** Rollback pin and canary: which version a lead goes through (canary-runner.ts). */
  #versions: CanaryRunner;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    const now = () => this.clock.now();
    const meta = new GateMeta(sql);
    this.#scheduler = new Scheduler(sql, ctx.storage, () => this.clock);
    const gate = this;
    this.#parts = {
      env,
      get clock() {
        return gate.clock;
      },
      meta,
      breaker: new CircuitBreaker(new SqlBreakerStore(sql), now, (t) => this.#onTransition(t)),
      reservations: new Reservations(sql, now),
      spend: new Spend(sql, now, meta),
      rate: new RateLimiter(sql, now),
      tokens: new TokenCache(sql, now),
      connections: new Connections(OUTBOUND_CONNECTIONS),
      // Issue 16: batch and digest buyers' collected leads; their work runs on the "batch" alarm entry.
      batch: { store: new BatchStore(sql), wakeAt: (at) => this.#scheduler.schedule("batch", "batch", at) },
    };
    this.#versions = new CanaryRunner(this.#parts, () => this.#buyerId);
    void ctx.blockConcurrencyWhile(async () => {
      meta.migrate();
      this.#buyerId = meta.get("buyer_id") ?? "";
    });
  }

  /** Liveness for smoke tests. */
  async health(): Promise<string> {
    return "ok";
  }

  /**
   * One delivery attempt: checks, reservation, build, send, parse, classify, commit or release.
   * The buyer comes as its config, or as its id and config version; a version the gate does
   * not hold is answered `configWanted` (nothing done), and the caller sends the config.
   */
  async deliver(received: DeliverInput): Promise<AttemptResult> {
    // A rollback pin wins over whatever version the caller names: it holds until released.
    const pinned = this.#versions.pinned();
    if (pinned) return this.#attempt(received, pinned.config, pinned.version, "pinned");
    const buyer = this.#resolve(received.buyer);
    const canary = isRef(received.buyer) ? received.buyer.canary : undefined;
    const candidate = canary ? this.#resolveCandidate(canary) : undefined;
    if (!buyer || (canary && !candidate)) {
      return {
        outcome: "deferred",
        errorClass: "deferred",
        reason: "the gate does not hold this config version",
        configWanted: true,
        sent: false,
        warnings: [],
        elapsedMs: 0,
        circuit: this.#parts.breaker.snapshot().state,
      };
    }
    const liveVersion = isRef(received.buyer) ? received.buyer.version : configVersion(buyer);
    if (!canary || !candidate) return this.#attempt(received, buyer, liveVersion, "live");
    const state = this.#versions.canaryFor(canary.version, liveVersion, canary.policy);
    if (!this.#versions.takesCandidate(state, received.lead.id, received.deliveryId)) {
      const r = await this.#attempt(received, buyer, liveVersion, "live");
      await this.#versions.record(state, canary.policy, "live", r);
      return r;
    }
    const tried = await this.#attempt(received, candidate, canary.version, "candidate");
    await this.#versions.record(state, canary.policy, "candidate", tried);
    if (!this.#versions.lost(tried)) return tried;
    // The candidate lost this lead (rejected, or our request was wrong): it goes to the live
    // version at once, and every later attempt of this delivery too. Not counted in live's arm:
    // it is not a random live lead.
    this.#versions.forceLive(state, received.deliveryId);
    const live = await this.#attempt(received, buyer, liveVersion, "live");
    return { ...live, canaryLost: this.#versions.lostAttempt(tried, canary.version) };
  }

  /** One attempt with a resolved config, labelled with the version and arm it ran with. */
  async #attempt(received: DeliverInput, buyer: BuyerConfig, version: string, arm: "live" | "candidate" | "pinned"): Promise<AttemptResult> {
    this.#maybePrune();
    // The XPath engine is loaded on first need: only for a buyer whose rules read XML with XPath.
    if (usesXPath(buyer)) await loadXPath();
    const r = await runAttempt(this.#parts, { ...received, buyer });
    return { ...r, configVersion: version, arm };
  }

  /** Pins a version (an operator's rollback): every lead goes through it, whatever deploys bring, until `unpin`. */
  async pin(version: string, config: BuyerConfig, reason?: string): Promise<PinInfo> {
    rememberVersion(config, version);
    if (this.#buyerId !== config.id) {
      this.#buyerId = config.id;
      this.#parts.meta.set("buyer_id", config.id);
    }
    return this.#versions.pin(version, config, reason);
  }

  /** Releases the pin: the version the deploy names (and its canary) run again. Returns the pin released, if any. */
  async unpin(): Promise<PinInfo | null> {
    return this.#versions.unpin();
  }

  /** The pin and the canary's progress. */
  async versionState(): Promise<VersionState> {
    return this.#versions.state();
  }

  /** Ping/post (issue 12): the pre-delivery checks, then one ping for a bid (a direct-post buyer answers its price). Work in ping.ts. */
  async ping(received: PingRequest): Promise<PingResult> {
    const buyer = this.#versions.pinned()?.config ?? this.#resolve(received.buyer);
    // Named by a version this gate does not hold: nothing was done, the caller sends the config.
    if (!buyer) return { outcome: "error", reason: "the gate does not hold this config version", latencyMs: 0, configWanted: true };
    return runPing(this.#parts, { ...received, buyer });
  }

  /** An async decision arrived (or its wait expired): commit or release the held slot. Idempotent. */
  async settle(deliveryId: string, accepted: boolean): Promise<void> {
    if (accepted) this.#parts.reservations.commit(deliveryId);
    else this.#parts.reservations.release(deliveryId);
    // Issue 16: a collected lead whose wait ran out leaves the batch it has not been sent in.
    if (!accepted) this.#parts.batch.store.withdraw(deliveryId);
    // Routing (issue 13): the revenue held for it too (committed at the amount reserved).
    const version = this.#parts.meta.get("buyer_config_version");
    const caps = ((version !== undefined ? this.#configs.get(version) : undefined) ?? this.#storedConfig())?.caps;
    if (accepted && caps) this.#parts.spend.commit(deliveryId, caps);
    else if (!accepted) this.#parts.spend.release(deliveryId);
  }

  /** Issue 16: settled batch and digest results the Worker has not written to D1 yet, oldest first (batch.ts). */
  async batchResults(limit: number): Promise<BatchResult[]> {
    return this.#parts.batch.store.results(Math.max(1, Math.min(limit, 500)));
  }

  /** Issue 16: the Worker wrote these results to D1; the gate forgets them. Idempotent. */
  async ackBatchResults(deliveryIds: string[]): Promise<number> {
    return this.#parts.batch.store.ack(deliveryIds);
  }

  /**
   * Routing (issue 13): adds to a prepaid buyer's balance, once per `reference` (a repeated
   * top-up changes nothing). Returns the balance and whether this call added to it.
   */
  async topUp(reference: string, amount: number): Promise<{ balance: number; applied: boolean }> {
    return this.#parts.spend.topUp(reference, amount);
  }

  /** Circuit, caps, in-flight and rate-limit state for the admin API. */
  async status(buyer: BuyerConfig): Promise<GateStatus> {
    return gateStatus(this.#parts, this.#remember(buyer, configVersion(buyer)));
  }

  /** Runs due schedule entries: the breaker's cool-down end (and its probe when the buyer has a probe URL). */
  override async alarm(): Promise<void> {
    for (const row of this.#scheduler.takeDue()) {
      try {
        if (row.kind === "probe") await probeFromAlarm(this.#parts, this.#storedConfig());
        // Issue 16: start due batch jobs and digests, take open jobs a step further (channels/index.ts).
        else if (row.kind === "batch") await runBatch(this.#parts, this.#storedConfig());
      } catch (err) {
        log("error", "buyer gate alarm task failed", { buyerId: this.#buyerId, kind: row.kind, error: err instanceof Error ? err.message : String(err) });
        // Issue 16: collected leads must not be stranded by one failed run: try again in a minute.
        if (row.kind === "batch") this.#scheduler.schedule("batch", "batch", this.clock.now() + 60_000);
      }
    }
    this.#scheduler.arm();
  }

  /** The config an attempt names: sent along, held in memory, or (after a restart) the one last stored. */
  #resolve(b: BuyerConfig | BuyerRef): BuyerConfig | undefined {
    if (!isRef(b)) return this.#remember(b, configVersion(b));
    if (b.config) return this.#remember(b.config, b.version);
    const held = this.#configs.get(b.version);
    if (held) return held;
    const stored = this.#parts.meta.get("buyer_config_version") === b.version ? this.#storedConfig() : undefined;
    return stored ? this.#remember(stored, b.version) : undefined;
  }

  /**
   * Keeps each config version seen (the latest also stored, for the alarm's probe when no lead
   * is around) and returns the canonical object for it. RPC hands us a fresh copy whenever a
   * config is sent; returning the same object while its version is current lets the
   * integration engine's per-config compile cache hit, so mapping is compiled once per buyer
   * config instead of once per lead.
   */
  #remember(buyer: BuyerConfig, version: string): BuyerConfig {
    const held = this.#configs.get(version);
    if (held) return held;
    rememberVersion(buyer, version);
    this.#configs.set(version, buyer);
    for (const old of this.#configs.keys()) {
      if (this.#configs.size <= HELD_VERSIONS) break;
      this.#configs.delete(old);
    }
    if (this.#buyerId !== buyer.id) {
      this.#buyerId = buyer.id;
      this.#parts.meta.set("buyer_id", buyer.id);
    }
    if (this.#parts.meta.get("buyer_config_version") !== version) {
      this.#parts.meta.set("buyer_config", JSON.stringify(buyer));
      this.#parts.meta.set("buyer_config_version", version);
    }
    return buyer;
  }

  /** The candidate's config: sent along, held in memory, or (after a restart) the one stored. Not the gate's "current" config. */
  #resolveCandidate(c: NonNullable<BuyerRef["canary"]>): BuyerConfig | undefined {
    const held = this.#configs.get(c.version);
    if (held) return held;
    const config = c.config ?? this.#versions.storedCandidate(c.version);
    if (!config) return undefined;
    rememberVersion(config, c.version);
    this.#configs.set(c.version, config);
    if (c.config) this.#versions.storeCandidate(c.version, c.config);
    return config;
  }

  #storedConfig(): BuyerConfig | undefined {
    const raw = this.#parts.meta.get("buyer_config");
    return raw ? (JSON.parse(raw) as BuyerConfig) : undefined;
  }

  #maybePrune(): void {
    const now = this.clock.now();
    if (this.#parts.meta.num("next_prune_at") > now) return;
    this.#parts.meta.set("next_prune_at", String(now + PRUNE_EVERY_MS));
    this.#parts.reservations.prune();
    this.#parts.spend.prune();
  }

  #onTransition(t: Transition): void {
    const fields = { buyerId: this.#buyerId, from: t.from, to: t.to, opens: t.snapshot.opens, closes: t.snapshot.closes };
    if (t.to === "open") {
      log("warn", "circuit opened", {
        ...fields,
        failedProbes: t.snapshot.failedProbes,
        nextProbeAt: t.snapshot.nextProbeAt ? new Date(t.snapshot.nextProbeAt).toISOString() : null,
      });
      if (t.snapshot.nextProbeAt !== null) this.#scheduler.schedule("probe", "probe", t.snapshot.nextProbeAt);
    } else if (t.to === "closed") {
      log("info", "circuit closed", fields);
    } else {
      log("info", "circuit half-open", fields);
    }
  }
}
