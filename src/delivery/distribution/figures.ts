/**
 * What EPL and weighted routing read: each candidate's figures summed over its own local days
 * (a rolling window, today, or this month), from the bounded per-day rows of db/routing-stats —
 * one query per run, never a scan of attempts — and the statements that keep those rows.
 */
import type { AttemptResult } from "../../buyer-gate/types";
import type { Db, Stmt } from "../../db/client";
import { type StatDelta, type StatRow, statStmt, statsSince } from "../../db/routing-stats";
import type { BuyerConfig } from "../../integration/config";
import type { Run } from "../run";
import { dayMinus, localDay } from "./days";

/** A buyer's figures over some days. */
export interface Figures {
  offered: number;
  accepted: number;
  rejected: number;
  failed: number;
  revenue: number;
  returned: number;
  credit: number;
}

export const NO_FIGURES: Figures = { offered: 0, accepted: 0, rejected: 0, failed: 0, revenue: 0, returned: 0, credit: 0 };

/** The first day a buyer's figures count from: `daysBack` days before its local today (0 = today). */
export function fromDayOf(buyer: BuyerConfig, nowMs: number, daysBack: number): string {
  return dayMinus(localDay(nowMs, buyer.caps.timezone), daysBack);
}

/** Each buyer's figures summed from its own first day (`fromDay(buyer)`) on. */
export function sumFigures(rows: readonly StatRow[], buyers: readonly BuyerConfig[], fromDay: (b: BuyerConfig) => string): Map<string, Figures> {
  const out = new Map<string, Figures>();
  const from = new Map(buyers.map((b) => [b.id, fromDay(b)]));
  for (const b of buyers) out.set(b.id, { ...NO_FIGURES });
  for (const r of rows) {
    const f = out.get(r.buyerId);
    const first = from.get(r.buyerId);
    if (!f || first === undefined || r.day < first) continue;
    f.offered += r.offered;
    f.accepted += r.accepted;
    f.rejected += r.rejected;
    f.failed += r.failed;
    f.revenue += r.revenue;
    f.returned += r.returned;
    f.credit += r.credit;
  }
  return out;
}

/**
 * The stored days of these buyers from the earliest first day any of them needs, read once per
 * run (the figures change by one lead at most while a run lasts).
 */
export async function readFigures(run: Run, buyers: readonly BuyerConfig[], fromDay: (b: BuyerConfig) => string): Promise<Map<string, Figures>> {
  if (buyers.length === 0) return new Map();
  const earliest = buyers.map(fromDay).sort()[0] ?? "";
  const st = run.routing;
  let rows = st?.rows?.fromDay !== undefined && st.rows.fromDay <= earliest ? st.rows.rows : undefined;
  if (!rows) {
    rows = await statsSince(
      run.env,
      run.lead.data.vertical,
      [...run.buyers.values()].filter((b) => b.verticals.includes(run.lead.data.vertical)).map((b) => b.id),
      earliest,
    );
    if (st) st.rows = { fromDay: earliest, rows };
  }
  return sumFigures(rows, buyers, fromDay);
}

/**
 * The figures one settled attempt adds, in its settle batch. A delivery's first attempt that
 * reached for the buyer is one lead offered (its retries are not new offers); its end counts
 * once: accepted with the sale's price, rejected, or failed. A deferral (the gate never sent
 * it) and a test lead count for nothing; an acknowledgement waits for the buyer's callback.
 */
export function attemptStatStmts(
  run: Run,
  d: Db,
  buyer: BuyerConfig,
  attempt: number,
  result: AttemptResult,
  end: "sold" | "open" | "rejected" | "failed",
  salePrice: number | undefined,
  nowMs: number,
): Stmt[] {
  if (run.lead.data.test || result.outcome === "deferred") return [];
  // A repeated message of an attempt that already sold answers "accepted" without sending: counted once already.
  if (result.outcome === "accepted" && !result.sent) return [];
  const delta: StatDelta = {};
  if (attempt === 1) delta.offered = 1;
  if (end === "sold") {
    delta.accepted = 1;
    delta.revenue = salePrice ?? 0;
  } else if (end === "rejected") delta.rejected = 1;
  else if (end === "failed") delta.failed = 1;
  if (Object.keys(delta).length === 0) return [];
  return [statStmt(d, { buyerId: buyer.id, vertical: run.lead.data.vertical, day: localDay(nowMs, buyer.caps.timezone) }, delta, nowMs)];
}
