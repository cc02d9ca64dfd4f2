/**
 * Revenue caps and prepaid balances (issue 13): money reserved and committed exactly like the
 * lead caps' slots (caps.ts), beside them. Every delivery to a buyer with `caps.revenue` or
 * `caps.prepaid` reserves its price (the bid's, in ping/post) before the send, in the same
 * synchronous turn as the check; a sale commits it, a definite failure releases it, an
 * unclear outcome or an acknowledgement holds it. So N concurrent leads never take a buyer
 * past its budget. Amounts are kept in whole cents, so sums never drift.
 */
import type { BuyerConfig } from "../integration/config";
import type { SqlLike } from "./breaker";
import { keysAt, type Refusal } from "./caps";
import type { GateMeta } from "./storage";
import { CAP_WINDOWS, type CapWindow, nextWindowStart } from "./time";

type Caps = BuyerConfig["caps"];

/** One revenue window as `status()` shows it, in dollars. */
export interface RevenueUsage {
  limit: number | null;
  /** Committed sales plus live reservations in the current window. */
  used: number;
  left: number | null;
  resetsAt: string;
}

export interface SpendStatus {
  windows: Record<CapWindow, RevenueUsage>;
  /** Prepaid buyers: what is left to spend (top-ups minus sales), and what live reservations hold of it. */
  balance: number | null;
  held: number;
}

/** How long to suggest waiting when the budget is full only because of reservations that may still be released. */
const HELD_RETRY_SECONDS = 30;
/** How long to suggest waiting when a prepaid balance is spent: until an operator tops it up. */
const BALANCE_RETRY_SECONDS = 900;
const BALANCE_KEY = "balance_cents";

/** Dollars → whole cents. */
export function cents(dollars: number): number {
  return Math.round(dollars * 100);
}

function dollars(c: number): number {
  return c / 100;
}

/** $1,000 / $29.50, as reasons show money. */
export function usd(c: number): string {
  const d = dollars(c);
  return `$${d.toLocaleString("en-US", { minimumFractionDigits: Number.isInteger(d) ? 0 : 2, maximumFractionDigits: 2 })}`;
}

/** Whether a buyer's spend is tracked at all (no cap and not prepaid: no row is ever written). */
export function tracksSpend(caps: Caps): boolean {
  return caps.prepaid === true || (caps.revenue !== undefined && CAP_WINDOWS.some((w) => caps.revenue?.[w] !== undefined));
}

/** One spend row as stored (the `spend` table) and mirrored in memory; amounts in cents. */
interface SpendRow {
  id: string;
  state: "held" | "committed";
  amount: number;
  hour_key: string;
  day_key: string;
  week_key: string;
  month_key: string;
  expires_at: number | null;
  created_at: number;
}

const KEY_COLUMN = { hour: "hour_key", day: "day_key", week: "week_key", month: "month_key" } as const satisfies Record<CapWindow, keyof SpendRow>;

/**
 * The gate's spend, like its cap slots (caps.ts `Reservations`): the rows live in memory, read
 * once from SQLite when first needed (the gate is the only writer), every check reads memory
 * (committed cents kept as a sum per window key), and every change is written through before
 * it is applied in memory — none at all for a buyer without revenue caps or a prepaid balance.
 */
export class Spend {
  #rows: Map<string, SpendRow> | undefined;
  /** Held rows only (in flight, pending, ambiguous): the few the checks iterate. */
  #held = new Map<string, SpendRow>();
  /** Committed cents per `window:key`. */
  #committed = new Map<string, number>();

  constructor(
    private readonly sql: SqlLike,
    private readonly now: () => number,
    private readonly meta: GateMeta,
  ) {}

  #load(): Map<string, SpendRow> {
    if (this.#rows) return this.#rows;
    const rows = new Map<string, SpendRow>();
    for (const r of this.sql.exec<SpendRow & Record<string, SqlStorageValue>>("SELECT * FROM spend").toArray()) {
      const row: SpendRow = { ...r, state: r.state === "committed" ? "committed" : "held" };
      rows.set(row.id, row);
      if (row.state === "held") this.#held.set(row.id, row);
      else this.#count(row, row.amount);
    }
    this.#rows = rows;
    return rows;
  }

  #count(row: SpendRow, delta: number): void {
    for (const w of CAP_WINDOWS) {
      const k = `${w}:${row[KEY_COLUMN[w]]}`;
      const n = (this.#committed.get(k) ?? 0) + delta;
      if (n !== 0) this.#committed.set(k, n);
      else this.#committed.delete(k);
    }
  }

  /** Committed and live-held cents per window key, and all live held cents. */
  #sums(keys: Record<CapWindow, string>, now: number): { used: Record<CapWindow, number>; committed: Record<CapWindow, number>; held: number } {
    this.#load();
    const used = {} as Record<CapWindow, number>;
    const committed = {} as Record<CapWindow, number>;
    for (const w of CAP_WINDOWS) {
      committed[w] = this.#committed.get(`${w}:${keys[w]}`) ?? 0;
      used[w] = committed[w];
    }
    let held = 0;
    for (const r of this.#held.values()) {
      if (r.expires_at === null || r.expires_at <= now) continue;
      held += r.amount;
      for (const w of CAP_WINDOWS) if (r[KEY_COLUMN[w]] === keys[w]) used[w] += r.amount;
    }
    return { used, committed, held };
  }

  /** The prepaid balance in cents (top-ups minus committed sales). */
  balanceCents(): number {
    return Math.round(this.meta.num(BALANCE_KEY));
  }

  /** What a prepaid buyer can still be sold (balance minus live reservations), in dollars; undefined when not prepaid. */
  available(caps: Caps): number | undefined {
    if (!caps.prepaid) return undefined;
    const { held } = this.#sums(keysAt(this.now(), caps.timezone), this.now());
    return dollars(this.balanceCents() - held);
  }

  /** Revenue windows and balance, as `status()` shows them. */
  usage(caps: Caps): SpendStatus {
    const now = this.now();
    const { used, held } = this.#sums(keysAt(now, caps.timezone), now);
    const windows = {} as Record<CapWindow, RevenueUsage>;
    for (const w of CAP_WINDOWS) {
      const limit = caps.revenue?.[w];
      windows[w] = {
        limit: limit ?? null,
        used: dollars(used[w]),
        left: limit === undefined ? null : Math.max(0, dollars(cents(limit) - used[w])),
        resetsAt: new Date(nextWindowStart(now, caps.timezone, w)).toISOString(),
      };
    }
    return { windows, balance: caps.prepaid ? dollars(this.balanceCents()) : null, held: dollars(held) };
  }

  /** Why `amount` dollars cannot be reserved now, or undefined when they can. Nothing is taken. */
  refusal(caps: Caps, amount: number): Refusal | undefined {
    if (!tracksSpend(caps)) return undefined;
    const now = this.now();
    const want = cents(amount);
    const { used, committed, held } = this.#sums(keysAt(now, caps.timezone), now);
    for (const w of CAP_WINDOWS) {
      const limit = caps.revenue?.[w];
      if (limit === undefined) continue;
      const cap = cents(limit);
      if (used[w] + want <= cap) continue;
      const toWindow = Math.max(1, Math.ceil((nextWindowStart(now, caps.timezone, w) - now) / 1000));
      return {
        reason: `revenue ${w} cap reached (${usd(used[w])} of ${usd(cap)} used; this lead is ${usd(want)})`,
        // Full with sales: wait for the next window. Full with open reservations: one may be released soon.
        retryAfterSeconds: committed[w] + want > cap ? toWindow : Math.min(toWindow, HELD_RETRY_SECONDS),
      };
    }
    if (caps.prepaid) {
      const left = this.balanceCents() - held;
      if (want > left) {
        return { reason: `prepaid balance spent (${usd(Math.max(0, left))} left; this lead is ${usd(want)})`, retryAfterSeconds: BALANCE_RETRY_SECONDS };
      }
    }
    return undefined;
  }

  /** Reserves `amount` dollars for delivery `id` until `leaseUntil`. A retry of the same delivery replaces its held row; a committed one stays. */
  reserve(id: string, caps: Caps, amount: number, leaseUntil: number): void {
    if (!tracksSpend(caps)) return;
    const rows = this.#load();
    if (rows.get(id)?.state === "committed") return;
    const now = this.now();
    const keys = keysAt(now, caps.timezone);
    const want = cents(amount);
    this.sql.exec(
      `INSERT INTO spend (id, state, amount, hour_key, day_key, week_key, month_key, expires_at, created_at)
       VALUES (?, 'held', ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET amount = excluded.amount, hour_key = excluded.hour_key, day_key = excluded.day_key,
         week_key = excluded.week_key, month_key = excluded.month_key, expires_at = excluded.expires_at, created_at = excluded.created_at
       WHERE spend.state = 'held'`,
      id,
      want,
      keys.hour,
      keys.day,
      keys.week,
      keys.month,
      leaseUntil,
      now,
    );
    const row: SpendRow = {
      id,
      state: "held",
      amount: want,
      hour_key: keys.hour,
      day_key: keys.day,
      week_key: keys.week,
      month_key: keys.month,
      expires_at: leaseUntil,
      created_at: now,
    };
    rows.set(id, row);
    this.#held.set(id, row);
  }

  /**
   * A sale: the amount counts for good (at the sale's own price when it is known, else at what
   * was reserved), and a prepaid balance pays it. Idempotent: only a held row is committed.
   */
  commit(id: string, caps: Caps, amount?: number): void {
    const row = this.#load().get(id);
    if (row?.state !== "held") return;
    const final = amount === undefined ? row.amount : cents(amount);
    this.sql.exec("UPDATE spend SET state = 'committed', amount = ?, expires_at = NULL WHERE id = ? AND state = 'held'", final, id);
    row.state = "committed";
    row.amount = final;
    row.expires_at = null;
    this.#held.delete(id);
    this.#count(row, final);
    if (caps.prepaid) this.meta.set(BALANCE_KEY, String(this.balanceCents() - final));
  }

  /** The buyer acknowledged (or the outcome is unclear): keep the amount reserved until `leaseUntil`. */
  hold(id: string, leaseUntil: number): void {
    const row = this.#load().get(id);
    if (row?.state !== "held") return;
    this.sql.exec("UPDATE spend SET expires_at = ? WHERE id = ? AND state = 'held'", leaseUntil, id);
    row.expires_at = leaseUntil;
  }

  /** Not sold: the amount goes back. Idempotent; a committed sale is never released. */
  release(id: string): void {
    const rows = this.#load();
    if (rows.get(id)?.state !== "held") return;
    this.sql.exec("DELETE FROM spend WHERE id = ? AND state = 'held'", id);
    rows.delete(id);
    this.#held.delete(id);
  }

  /**
   * Adds `amount` dollars to the prepaid balance once per `reference` (an operator's retry of
   * the same top-up changes nothing). Returns the balance and whether this call added to it.
   */
  topUp(reference: string, amount: number): { balance: number; applied: boolean } {
    const done = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM topups WHERE ref = ?", reference).toArray()[0];
    if ((done?.n ?? 0) > 0) return { balance: dollars(this.balanceCents()), applied: false };
    const add = cents(amount);
    this.sql.exec("INSERT INTO topups (ref, amount, created_at) VALUES (?, ?, ?)", reference, add, this.now());
    this.meta.set(BALANCE_KEY, String(this.balanceCents() + add));
    return { balance: dollars(this.balanceCents()), applied: true };
  }

  /** Drops rows no window can count any more (committed older than ~5 weeks, leases long expired). */
  prune(): void {
    const rows = this.#load();
    const now = this.now();
    const committedBefore = now - 40 * 86_400_000;
    const heldBefore = now - 86_400_000;
    this.sql.exec("DELETE FROM spend WHERE (state = 'committed' AND created_at < ?) OR (state = 'held' AND expires_at < ?)", committedBefore, heldBefore);
    for (const [id, r] of rows) {
      if (r.state === "committed" && r.created_at < committedBefore) {
        rows.delete(id);
        this.#count(r, -r.amount);
      } else if (r.state === "held" && r.expires_at !== null && r.expires_at < heldBefore) {
        rows.delete(id);
        this.#held.delete(id);
      }
    }
  }
}
