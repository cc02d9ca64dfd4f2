import type { BuyerConfig } from "../integration/config";
import type { SqlLike } from "./breaker";
import { CAP_WINDOWS, type CapWindow, nextWindowStart, windowKeys } from "./time";

export type CapsPolicy = BuyerConfig["caps"];

export type Refusal = { reason: string; retryAfterSeconds?: number };

export interface CapUsage {
  limit: number | null;
  /** Committed sales plus live reservations in the current window. */
  used: number;
  left: number | null;
  /** When the current window ends (ISO, UTC). */
  resetsAt: string;
}

/** How long to suggest waiting when the cap is full only because of reservations that may still be released. */
const HELD_RETRY_SECONDS = 30;

/**
 * Cap slots and in-flight leases as reservation rows. A row is `held` (counts while its lease
 * lives) or `committed` (a sale, counts for good). The check counts committed + live held
 * rows, so reserving before the fetch and committing on acceptance can never sell more than
 * the cap, and a crash only holds a slot until its lease expires.
 */
export class Reservations {
  constructor(
    private readonly sql: SqlLike,
    private readonly now: () => number,
  ) {}

  /** Used and left per window, as `status()` shows them. */
  usage(caps: CapsPolicy): Record<CapWindow, CapUsage> {
    const now = this.now();
    const keys = windowKeys(now, caps.timezone);
    const row = this.sql
      .exec<{ hour: number | null; day: number | null; week: number | null; month: number | null }>(
        `SELECT SUM(hour_key = ?) AS hour, SUM(day_key = ?) AS day, SUM(week_key = ?) AS week, SUM(month_key = ?) AS month
         FROM reservations WHERE state = 'committed' OR expires_at > ?`,
        keys.hour,
        keys.day,
        keys.week,
        keys.month,
        now,
      )
      .toArray()[0];
    const out = {} as Record<CapWindow, CapUsage>;
    for (const w of CAP_WINDOWS) {
      const used = row?.[w] ?? 0;
      const limit = caps[w] ?? null;
      out[w] = {
        limit,
        used,
        left: limit === null ? null : Math.max(0, limit - used),
        resetsAt: new Date(nextWindowStart(now, caps.timezone, w)).toISOString(),
      };
    }
    return out;
  }

  /** Deliveries whose HTTP call is under way (live in-flight leases). */
  inFlight(): number {
    const row = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE in_flight = 1 AND expires_at > ?", this.now()).toArray()[0];
    return row?.n ?? 0;
  }

  /** Async deliveries acknowledged and holding a slot until the buyer's decision. */
  pending(): number {
    const row = this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE state = 'held' AND in_flight = 0 AND expires_at > ?", this.now())
      .toArray()[0];
    return row?.n ?? 0;
  }

  /** Why a new reservation cannot be made now, or undefined when it can. */
  refusal(caps: CapsPolicy): Refusal | undefined {
    const now = this.now();
    const windows = CAP_WINDOWS.filter((w) => caps[w] !== undefined);
    if (windows.length > 0) {
      const usage = this.usage(caps);
      for (const w of windows) {
        const u = usage[w];
        if (u.left !== null && u.left <= 0) {
          const committed = this.#committedIn(w, windowKeys(now, caps.timezone)[w]);
          const toWindow = Math.max(1, Math.ceil((Date.parse(u.resetsAt) - now) / 1000));
          // Full with sales: wait for the next window. Full with open reservations: one may be released soon.
          return {
            reason: `${w} cap reached (${u.limit})`,
            retryAfterSeconds: u.limit !== null && committed >= u.limit ? toWindow : Math.min(toWindow, HELD_RETRY_SECONDS),
          };
        }
      }
    }
    if (caps.maxInFlight !== undefined && this.inFlight() >= caps.maxInFlight) {
      const row = this.sql
        .exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM reservations WHERE in_flight = 1 AND expires_at > ?", now)
        .toArray()[0];
      const hint = row?.at ? Math.max(1, Math.ceil((row.at - now) / 1000)) : 1;
      return { reason: `in-flight limit reached (${caps.maxInFlight})`, retryAfterSeconds: Math.min(hint, 5) };
    }
    return undefined;
  }

  /** Reserves a cap slot and an in-flight lease for `id` until `leaseUntil`. A retry of the same delivery replaces its row. */
  reserve(id: string, caps: CapsPolicy, leaseUntil: number): void {
    const keys = windowKeys(this.now(), caps.timezone);
    this.sql.exec(
      `INSERT INTO reservations (id, state, hour_key, day_key, week_key, month_key, in_flight, expires_at, created_at)
       VALUES (?, 'held', ?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = 'held', hour_key = excluded.hour_key, day_key = excluded.day_key,
         week_key = excluded.week_key, month_key = excluded.month_key, in_flight = 1, expires_at = excluded.expires_at,
         created_at = excluded.created_at
       WHERE reservations.state = 'held'`,
      id,
      keys.hour,
      keys.day,
      keys.week,
      keys.month,
      leaseUntil,
      this.now(),
    );
  }

  /** A sale: the slot counts for good. Idempotent. */
  commit(id: string): void {
    this.sql.exec("UPDATE reservations SET state = 'committed', in_flight = 0, expires_at = NULL WHERE id = ? AND state = 'held'", id);
  }

  /** The buyer acknowledged and will decide later: keep the slot, free the in-flight lease. */
  hold(id: string, leaseUntil: number): void {
    this.sql.exec("UPDATE reservations SET in_flight = 0, expires_at = ? WHERE id = ? AND state = 'held'", leaseUntil, id);
  }

  /** Not sold: the slot goes back. Idempotent; a committed sale is never released. */
  release(id: string): void {
    this.sql.exec("DELETE FROM reservations WHERE id = ? AND state = 'held'", id);
  }

  /** Whether `id` holds a live or committed slot. */
  state(id: string): "held" | "committed" | undefined {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM reservations WHERE id = ?", id).toArray()[0];
    return row?.state === "held" || row?.state === "committed" ? row.state : undefined;
  }

  /** Drops rows no window can count any more (committed older than ~5 weeks, leases long expired). */
  prune(): void {
    const now = this.now();
    this.sql.exec(
      "DELETE FROM reservations WHERE (state = 'committed' AND created_at < ?) OR (state = 'held' AND expires_at < ?)",
      now - 40 * 86_400_000,
      now - 86_400_000,
    );
  }

  #committedIn(w: CapWindow, key: string): number {
    const row = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM reservations WHERE state = 'committed' AND ${w}_key = ?`, key).toArray()[0];
    return row?.n ?? 0;
  }
}

/** Token bucket for `caps.ratePerSecond`: a burst of one second's worth, refilled continuously. */
export class RateLimiter {
  constructor(
    private readonly sql: SqlLike,
    private readonly now: () => number,
  ) {}

  /** Tokens available now (null when the buyer has no rate limit). */
  tokens(rate: number | undefined): number | null {
    if (rate === undefined) return null;
    const capacity = Math.max(1, rate);
    const row = this.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM bucket WHERE id = 1").toArray()[0];
    if (!row) return capacity;
    const elapsed = Math.max(0, this.now() - row.updated_at) / 1000;
    return Math.min(capacity, row.tokens + elapsed * rate);
  }

  /** Why a request cannot go now, or undefined. */
  refusal(rate: number | undefined): Refusal | undefined {
    const t = this.tokens(rate);
    if (t === null || rate === undefined || t >= 1) return undefined;
    return { reason: `rate limit (${rate}/s)`, retryAfterSeconds: Math.max(1, Math.ceil((1 - t) / rate)) };
  }

  /** Takes one token (call only after `refusal` said none). */
  take(rate: number | undefined): void {
    const t = this.tokens(rate);
    if (t === null) return;
    this.sql.exec(
      "INSERT INTO bucket (id, tokens, updated_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
      t - 1,
      this.now(),
    );
  }
}
