import type { BuyerConfig } from "../integration/config";

export type CircuitPolicy = BuyerConfig["circuit"];
export type CircuitState = "closed" | "open" | "half_open";

/** Everything the breaker persists besides its call log. */
export interface BreakerSnapshot {
  state: CircuitState;
  /** Bumped on every state change; a result carries the epoch its call started in. */
  epoch: number;
  openedAt: number | null;
  nextProbeAt: number | null;
  /** Failed probes since the circuit last opened from closed; drives the cool-down growth. */
  failedProbes: number;
  /** While half-open: the single probe permit is out until then (a lease, so a crash cannot wedge it). */
  probeLeaseUntil: number | null;
  opens: number;
  closes: number;
}

/** Storage the breaker runs on: SQLite in the BuyerGate, a map in unit tests. Synchronous on purpose. */
export interface BreakerStore {
  load(): BreakerSnapshot | undefined;
  save(s: BreakerSnapshot): void;
  addCall(at: number, failure: boolean): void;
  countSince(since: number): { calls: number; failures: number };
  pruneBefore(at: number): void;
  clearCalls(): void;
}

/** A right to send one request, taken before the `await fetch` and handed back with its result. */
export interface Permit {
  epoch: number;
  probe: boolean;
}

/** How a finished call counts: failure = transient or server class; neutral = the buyer answered but said no or refused the request. */
export type Verdict = "success" | "failure" | "neutral";

export type CheckResult = { allowed: true; probe: boolean } | { allowed: false; reason: string; retryAfterSeconds: number };

export interface Transition {
  from: CircuitState;
  to: CircuitState;
  snapshot: BreakerSnapshot;
}

const INITIAL: BreakerSnapshot = {
  state: "closed",
  epoch: 0,
  openedAt: null,
  nextProbeAt: null,
  failedProbes: 0,
  probeLeaseUntil: null,
  opens: 0,
  closes: 0,
};

/** How long a delivery refused while the probe is in flight waits before it asks again. */
export const PROBE_ANSWER_WAIT_SECONDS = 10;

/**
 * The per-buyer circuit breaker. Every method is synchronous, so inside a Durable Object a
 * check followed by `acquire` runs in one turn of the input gate: no other request can slip
 * between them, and the probe permit is stored before the caller awaits its fetch. That is
 * what makes "exactly one probe" hold with 50 concurrent deliveries.
 */
export class CircuitBreaker {
  #store: BreakerStore;
  #now: () => number;
  #onTransition: (t: Transition) => void;

  constructor(store: BreakerStore, now: () => number, onTransition: (t: Transition) => void = () => {}) {
    this.#store = store;
    this.#now = now;
    this.#onTransition = onTransition;
  }

  /** The persisted state. */
  snapshot(): BreakerSnapshot {
    return this.#store.load() ?? { ...INITIAL };
  }

  /** Calls and failures in the current window (status pages). */
  windowCounts(policy: CircuitPolicy): { calls: number; failures: number } {
    return this.#store.countSince(this.#now() - policy.windowSeconds * 1000);
  }

  /** Whether a request may be sent now; does not take anything. */
  check(): CheckResult {
    const s = this.snapshot();
    const now = this.#now();
    if (s.state === "closed") return { allowed: true, probe: false };
    if (s.state === "open") {
      const at = s.nextProbeAt ?? now;
      if (now >= at) return { allowed: true, probe: true };
      return { allowed: false, reason: "circuit open", retryAfterSeconds: Math.max(1, Math.ceil((at - now) / 1000)) };
    }
    if (s.probeLeaseUntil !== null && now < s.probeLeaseUntil) {
      // The lease covers the probe's whole timeout, but a probe usually answers within the
      // buyer's latency: the others look again soon rather than wait out the lease.
      const leaseLeft = Math.max(1, Math.ceil((s.probeLeaseUntil - now) / 1000));
      return { allowed: false, reason: "circuit half-open: probe in flight", retryAfterSeconds: Math.min(leaseLeft, PROBE_ANSWER_WAIT_SECONDS) };
    }
    return { allowed: true, probe: true };
  }

  /**
   * Takes the permit `check` allowed. For a probe the lease is stored here, before the caller
   * awaits anything. Throws when the circuit does not allow a request (a caller bug).
   */
  acquire(probeLeaseMs: number): Permit {
    const c = this.check();
    if (!c.allowed) throw new Error(`circuit does not allow a request: ${c.reason}`);
    if (!c.probe) return { epoch: this.snapshot().epoch, probe: false };
    let s = this.snapshot();
    if (s.state === "open") s = this.#transition(s, { state: "half_open" });
    s = { ...s, probeLeaseUntil: this.#now() + probeLeaseMs };
    this.#store.save(s);
    return { epoch: s.epoch, probe: true };
  }

  /** Gives back a permit whose request was never sent (the build failed), without any verdict. */
  release(permit: Permit): void {
    const s = this.snapshot();
    if (!permit.probe || permit.epoch !== s.epoch || s.state !== "half_open") return;
    this.#store.save({ ...s, probeLeaseUntil: null });
  }

  /**
   * Records a finished call. A result whose permit is from an older epoch is ignored: the
   * state changed while it was in flight, and a late answer must not flip it back.
   * Returns false when ignored.
   */
  record(permit: Permit, verdict: Verdict, policy: CircuitPolicy): boolean {
    const s = this.snapshot();
    if (permit.epoch !== s.epoch) return false;
    const now = this.#now();
    if (permit.probe) {
      if (s.state !== "half_open") return false;
      if (verdict === "failure") {
        const failedProbes = s.failedProbes + 1;
        this.#open(s, failedProbes, policy);
      } else {
        // The buyer answered: even a refusal proves it is reachable again.
        this.#transition(s, { state: "closed", openedAt: null, nextProbeAt: null, failedProbes: 0, probeLeaseUntil: null, closes: s.closes + 1 });
        this.#store.clearCalls();
      }
      return true;
    }
    if (s.state !== "closed") return false;
    this.#store.addCall(now, verdict === "failure");
    const since = now - policy.windowSeconds * 1000;
    this.#store.pruneBefore(since);
    if (verdict !== "failure") return true;
    const { calls, failures } = this.#store.countSince(since);
    // Both a count and a rate: a busy buyer with a few failures among many successes stays in
    // service (its retries handle them); one that mostly fails is cut off.
    if (calls >= policy.minimumCalls && failures >= policy.failureThreshold && failures / calls >= policy.failureRate) this.#open(s, 0, policy);
    return true;
  }

  /** The alarm's move: open → half-open once the cool-down is over, even with no lead waiting. */
  tick(): boolean {
    const s = this.snapshot();
    if (s.state !== "open" || s.nextProbeAt === null || this.#now() < s.nextProbeAt) return false;
    this.#transition(s, { state: "half_open", probeLeaseUntil: null });
    return true;
  }

  /** Cool-down after `failedProbes` failed probes: base · 2^n, capped. */
  static cooldownSeconds(policy: CircuitPolicy, failedProbes: number): number {
    return Math.min(policy.cooldownSeconds * 2 ** failedProbes, Math.max(policy.maxCooldownSeconds, policy.cooldownSeconds));
  }

  #open(s: BreakerSnapshot, failedProbes: number, policy: CircuitPolicy): void {
    const now = this.#now();
    this.#transition(s, {
      state: "open",
      openedAt: now,
      nextProbeAt: now + CircuitBreaker.cooldownSeconds(policy, failedProbes) * 1000,
      failedProbes,
      probeLeaseUntil: null,
      opens: s.opens + 1,
    });
    this.#store.clearCalls();
  }

  #transition(s: BreakerSnapshot, patch: Partial<BreakerSnapshot>): BreakerSnapshot {
    const next: BreakerSnapshot = { ...s, ...patch, epoch: s.epoch + 1 };
    this.#store.save(next);
    if (next.state !== s.state) this.#onTransition({ from: s.state, to: next.state, snapshot: next });
    return next;
  }
}

/** Minimal view of the Durable Object SQL API the stores need (SqlStorage satisfies it). */
export interface SqlLike {
  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): { toArray(): T[] };
}

/** How often the persisted call log is pruned (the one in memory is pruned on every call). */
const SQL_PRUNE_EVERY_MS = 60_000;

/**
 * The breaker's tables in the BuyerGate's SQLite storage (created by the gate's schema), with
 * the state kept in memory: the gate is their only writer, so the snapshot and the call log
 * are read once when the object starts and every change is written through (the snapshot
 * only when it changes, one insert per call). Reads — five or so per delivery — cost no
 * statement. Old calls are dropped from memory at once and from SQLite at most once a
 * minute: a call older than the window never counts, wherever it is kept.
 */
export class SqlBreakerStore implements BreakerStore {
  #snapshot: BreakerSnapshot | null | undefined;
  #calls: { at: number; failure: boolean }[] | undefined;
  #sqlPrunedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly sql: SqlLike) {}

  load(): BreakerSnapshot | undefined {
    if (this.#snapshot === undefined) {
      const row = this.sql.exec<{ data: string }>("SELECT data FROM breaker WHERE id = 1").toArray()[0];
      this.#snapshot = row ? (JSON.parse(row.data) as BreakerSnapshot) : null;
    }
    return this.#snapshot ? { ...this.#snapshot } : undefined;
  }

  save(s: BreakerSnapshot): void {
    this.sql.exec("INSERT INTO breaker (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data", JSON.stringify(s));
    this.#snapshot = { ...s };
  }

  #log(): { at: number; failure: boolean }[] {
    this.#calls ??= this.sql
      .exec<{ at: number; failure: number }>("SELECT at, failure FROM breaker_calls ORDER BY at")
      .toArray()
      .map((r) => ({ at: r.at, failure: r.failure === 1 }));
    return this.#calls;
  }

  addCall(at: number, failure: boolean): void {
    const log = this.#log();
    this.sql.exec("INSERT INTO breaker_calls (at, failure) VALUES (?, ?)", at, failure ? 1 : 0);
    log.push({ at, failure });
  }

  countSince(since: number): { calls: number; failures: number } {
    let calls = 0;
    let failures = 0;
    for (const c of this.#log()) {
      if (c.at < since) continue;
      calls++;
      if (c.failure) failures++;
    }
    return { calls, failures };
  }

  pruneBefore(at: number): void {
    const log = this.#log();
    let i = 0;
    while (i < log.length && (log[i]?.at ?? at) < at) i++;
    if (i === 0) return;
    log.splice(0, i);
    if (at - this.#sqlPrunedAt < SQL_PRUNE_EVERY_MS) return;
    this.sql.exec("DELETE FROM breaker_calls WHERE at < ?", at);
    this.#sqlPrunedAt = at;
  }

  clearCalls(): void {
    this.sql.exec("DELETE FROM breaker_calls");
    this.#calls = [];
  }
}
