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

const keysMemo = new Map<string, { minute: number; keys: Record<CapWindow, string> }>();

/**
 * The cap window keys of `ms` in `timeZone`, remembered for the minute: every zone's windows
 * turn on a whole minute, and a busy gate asks on every delivery.
 */
export function keysAt(ms: number, timeZone: string): Record<CapWindow, string> {
  const minute = Math.floor(ms / 60_000);
  const hit = keysMemo.get(timeZone);
  if (hit?.minute === minute) return hit.keys;
  const keys = windowKeys(ms, timeZone);
  keysMemo.set(timeZone, { minute, keys });
  return keys;
}

/** One reservation as stored (the `reservations` table) and mirrored in memory. */
interface ReservationRow {
  id: string;
  state: "held" | "committed";
  hour_key: string;
  day_key: string;
  week_key: string;
  month_key: string;
  in_flight: number;
  expires_at: number | null;
  created_at: number;
}

const KEY_COLUMN = { hour: "hour_key", day: "day_key", week: "week_key", month: "month_key" } as const satisfies Record<CapWindow, keyof ReservationRow>;

/**
 * Cap slots and in-flight leases as reservation rows. A row is `held` (counts while its lease
 * lives) or `committed` (a sale, counts for good). The check counts committed + live held
 * rows, so reserving before the fetch and committing on acceptance can never sell more than
 * the cap, and a crash only holds a slot until its lease expires.
 *
 * The gate is the only writer of its storage, so the rows live in memory as well, read once
 * from SQLite when the object starts: every check reads memory (committed sales are kept as a
 * count per window key), and every change is written through to SQLite before it is applied
 * in memory — one statement per reserve, commit, hold or release, and none when nothing
 * changes. A restarted object reads back exactly what was written.
 */
export class Reservations {
  #rows: Map<string, ReservationRow> | undefined;
  /** Held rows only (in flight, pending, ambiguous): the few the checks iterate. */
  #held = new Map<string, ReservationRow>();
  /** Committed sales per `window:key`. */
  #committed = new Map<string, number>();

  constructor(
    private readonly sql: SqlLike,
    private readonly now: () => number,
  ) {}

  #load(): Map<string, ReservationRow> {
    if (this.#rows) return this.#rows;
    const rows = new Map<string, ReservationRow>();
    for (const r of this.sql.exec<ReservationRow & Record<string, SqlStorageValue>>("SELECT * FROM reservations").toArray()) {
      const row: ReservationRow = { ...r, state: r.state === "committed" ? "committed" : "held" };
      rows.set(row.id, row);
      if (row.state === "held") this.#held.set(row.id, row);
      else this.#count(row, 1);
    }
    this.#rows = rows;
    return rows;
  }

  #count(row: ReservationRow, delta: number): void {
    for (const w of CAP_WINDOWS) {
      const k = `${w}:${row[KEY_COLUMN[w]]}`;
      const n = (this.#committed.get(k) ?? 0) + delta;
      if (n > 0) this.#committed.set(k, n);
      else this.#committed.delete(k);
    }
  }

  /** Committed sales plus live reservations in each window of `keys`, and the committed part alone. */
  #used(keys: Record<CapWindow, string>, now: number): { used: Record<CapWindow, number>; committed: Record<CapWindow, number> } {
    this.#load();
    const committed = {} as Record<CapWindow, number>;
    const used = {} as Record<CapWindow, number>;
    for (const w of CAP_WINDOWS) {
      committed[w] = this.#committed.get(`${w}:${keys[w]}`) ?? 0;
      used[w] = committed[w];
    }
    for (const r of this.#held.values()) {
      if (r.expires_at === null || r.expires_at <= now) continue;
      for (const w of CAP_WINDOWS) if (r[KEY_COLUMN[w]] === keys[w]) used[w]++;
    }
    return { used, committed };
  }

  /** Used and left per window, as `status()` shows them. */
  usage(caps: CapsPolicy): Record<CapWindow, CapUsage> {
    const now = this.now();
    const { used } = this.#used(keysAt(now, caps.timezone), now);
    const out = {} as Record<CapWindow, CapUsage>;
    for (const w of CAP_WINDOWS) {
      const limit = caps[w] ?? null;
      out[w] = {
        limit,
        used: used[w],
        left: limit === null ? null : Math.max(0, limit - used[w]),
        resetsAt: new Date(nextWindowStart(now, caps.timezone, w)).toISOString(),
      };
    }
    return out;
  }

  /** Deliveries whose HTTP call is under way (live in-flight leases). */
  inFlight(): number {
    const now = this.now();
    this.#load();
    let n = 0;
    for (const r of this.#held.values()) if (r.in_flight === 1 && r.expires_at !== null && r.expires_at > now) n++;
    return n;
  }

  /** Async deliveries acknowledged and holding a slot until the buyer's decision. */
  pending(): number {
    const now = this.now();
    this.#load();
    let n = 0;
    for (const r of this.#held.values()) if (r.in_flight === 0 && r.expires_at !== null && r.expires_at > now) n++;
    return n;
  }

  /** Why a new reservation cannot be made now, or undefined when it can. */
  refusal(caps: CapsPolicy): Refusal | undefined {
    const now = this.now();
    const windows = CAP_WINDOWS.filter((w) => caps[w] !== undefined);
    if (windows.length > 0) {
      const { used, committed } = this.#used(keysAt(now, caps.timezone), now);
      for (const w of windows) {
        const limit = caps[w];
        if (limit !== undefined && used[w] >= limit) {
          const toWindow = Math.max(1, Math.ceil((nextWindowStart(now, caps.timezone, w) - now) / 1000));
          // Full with sales: wait for the next window. Full with open reservations: one may be released soon.
          return { reason: `${w} cap reached (${limit})`, retryAfterSeconds: committed[w] >= limit ? toWindow : Math.min(toWindow, HELD_RETRY_SECONDS) };
        }
      }
    }
    if (caps.maxInFlight !== undefined && this.inFlight() >= caps.maxInFlight) {
      let at: number | undefined;
      for (const r of this.#held.values()) {
        if (r.in_flight === 1 && r.expires_at !== null && r.expires_at > now && (at === undefined || r.expires_at < at)) at = r.expires_at;
      }
      const hint = at ? Math.max(1, Math.ceil((at - now) / 1000)) : 1;
      return { reason: `in-flight limit reached (${caps.maxInFlight})`, retryAfterSeconds: Math.min(hint, 5) };
    }
    return undefined;
  }

  /** Reserves a cap slot and an in-flight lease for `id` until `leaseUntil`. A retry of the same delivery replaces its row; a committed one stays. */
  reserve(id: string, caps: CapsPolicy, leaseUntil: number): void {
    const rows = this.#load();
    if (rows.get(id)?.state === "committed") return;
    const now = this.now();
    const keys = keysAt(now, caps.timezone);
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
      now,
    );
    const row: ReservationRow = {
      id,
      state: "held",
      hour_key: keys.hour,
      day_key: keys.day,
      week_key: keys.week,
      month_key: keys.month,
      in_flight: 1,
      expires_at: leaseUntil,
      created_at: now,
    };
    rows.set(id, row);
    this.#held.set(id, row);
  }

  /** A sale: the slot counts for good. Idempotent. */
  commit(id: string): void {
    const row = this.#load().get(id);
    if (row?.state !== "held") return;
    this.sql.exec("UPDATE reservations SET state = 'committed', in_flight = 0, expires_at = NULL WHERE id = ? AND state = 'held'", id);
    row.state = "committed";
    row.in_flight = 0;
    row.expires_at = null;
    this.#held.delete(id);
    this.#count(row, 1);
  }

  /** The buyer acknowledged and will decide later: keep the slot, free the in-flight lease. */
  hold(id: string, leaseUntil: number): void {
    const row = this.#load().get(id);
    if (row?.state !== "held") return;
    this.sql.exec("UPDATE reservations SET in_flight = 0, expires_at = ? WHERE id = ? AND state = 'held'", leaseUntil, id);
    row.in_flight = 0;
    row.expires_at = leaseUntil;
  }

  /** Not sold: the slot goes back. Idempotent; a committed sale is never released. */
  release(id: string): void {
    const rows = this.#load();
    if (rows.get(id)?.state !== "held") return;
    this.sql.exec("DELETE FROM reservations WHERE id = ? AND state = 'held'", id);
    rows.delete(id);
    this.#held.delete(id);
  }

  /** Whether `id` holds a live or committed slot. */
  state(id: string): "held" | "committed" | undefined {
    return this.#load().get(id)?.state;
  }

  /** Drops rows no window can count any more (committed older than ~5 weeks, leases long expired). */
  prune(): void {
    const rows = this.#load();
    const now = this.now();
    const committedBefore = now - 40 * 86_400_000;
    const heldBefore = now - 86_400_000;
    this.sql.exec(
      "DELETE FROM reservations WHERE (state = 'committed' AND created_at < ?) OR (state = 'held' AND expires_at < ?)",
      committedBefore,
      heldBefore,
    );
    for (const [id, r] of rows) {
      if (r.state === "committed" && r.created_at < committedBefore) {
        rows.delete(id);
        this.#count(r, -1);
      } else if (r.state === "held" && r.expires_at !== null && r.expires_at < heldBefore) {
        rows.delete(id);
        this.#held.delete(id);
      }
    }
  }
}

/**
 * Token bucket for `caps.ratePerSecond`: a burst of one second's worth, refilled continuously.
 * The bucket lives in memory (read once from SQLite) and every take is written through.
 */
export class RateLimiter {
  #bucket: { tokens: number; updated_at: number } | null | undefined;

  constructor(
    private readonly sql: SqlLike,
    private readonly now: () => number,
  ) {}

  #load(): { tokens: number; updated_at: number } | null {
    if (this.#bucket === undefined) {
      this.#bucket = this.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM bucket WHERE id = 1").toArray()[0] ?? null;
    }
    return this.#bucket;
  }

  /** Tokens available now (null when the buyer has no rate limit). */
  tokens(rate: number | undefined): number | null {
    if (rate === undefined) return null;
    const capacity = Math.max(1, rate);
    const row = this.#load();
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
    const now = this.now();
    this.sql.exec(
      "INSERT INTO bucket (id, tokens, updated_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
      t - 1,
      now,
    );
    this.#bucket = { tokens: t - 1, updated_at: now };
  }
}
