/**
 * At volume: 200,000 attempts over 24 hours, written as raw rows and into the rollups (summed
 * per minute and buyer with the production statement), then `/v1/metrics?window=24h` answers
 * from a bounded number of rollup rows — the same figures as a full scan of the raw rows.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { mainDb } from "../../../src/db/client";
import { rollupStmt } from "../../../src/db/rollups";
import { windowRange } from "../../../src/observability/metrics";
import { addCounts, attemptCounts, type Counts, emptyCounts, errorsByClass, latencyOf, MINUTE_MS, successRate } from "../../../src/observability/rollup";
import { uid } from "../helpers/buyers";
import { testClock } from "../helpers/engine";
import { fullScanAttempts, opsHarness } from "../helpers/ops";
import { ADMIN } from "../helpers/sources";

const N = 200_000;
const NOW = Date.UTC(2031, 5, 1, 12, 30, 0);

/** mulberry32: a seeded PRNG, so the data (and the test) are the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Gen {
  buyer: number;
  at: number;
  outcome: "accepted" | "rejected" | "failed" | "pending";
  errorClass: string | null;
  status: number | null;
  attempt: number;
  elapsed: number;
}

function generate(fromMs: number, toMs: number): Gen[] {
  const rnd = prng(14);
  const out: Gen[] = [];
  for (let i = 0; i < N; i++) {
    const r = rnd();
    const buyer = Math.floor(rnd() * 5);
    const at = fromMs + Math.floor(rnd() * (toMs - fromMs));
    const elapsed = Math.min(45_000, Math.floor(Math.exp(rnd() * 7.5 + (buyer === 4 ? 2 : 0))));
    const attempt = rnd() < 0.8 ? 1 : rnd() < 0.7 ? 2 : 3;
    if (r < 0.7) out.push({ buyer, at, outcome: "accepted", errorClass: null, status: 200, attempt, elapsed });
    else if (r < 0.8) out.push({ buyer, at, outcome: "rejected", errorClass: "rejected", status: 200, attempt, elapsed });
    else if (r < 0.95) {
      const k = rnd();
      const [errorClass, status] = k < 0.5 ? ["transient", 503] : k < 0.75 ? ["server", 500] : k < 0.9 ? ["client", 403] : ["ambiguous", null];
      out.push({ buyer, at, outcome: "failed", errorClass: String(errorClass), status: status as number | null, attempt, elapsed });
    } else out.push({ buyer, at, outcome: "pending", errorClass: null, status: 202, attempt, elapsed });
  }
  return out;
}

describe("metrics at volume", () => {
  it("answers /v1/metrics?window=24h over 200,000 attempts from a bounded number of rollup rows, equal to a full scan", { timeout: 600_000 }, async () => {
    const tag = uid("vol");
    const buyers = [0, 1, 2, 3, 4].map((i) => `${tag}-b${i}`);
    const range = windowRange("24h", NOW);
    const rows = generate(range.fromMs, NOW);

    // Raw rows: literal multi-row inserts (our own generated values), 400 rows per statement.
    const sqlText = (g: Gen, i: number) =>
      `('${tag}-a${i}','${tag}-l${i}','${buyers[g.buyer]}','${tag}-d${i}',${g.attempt},'x','{}',${g.status ?? "NULL"},'${g.outcome}',${g.errorClass ? `'${g.errorClass}'` : "NULL"},${g.elapsed},${g.attempt - 1},'${new Date(g.at).toISOString()}')`;
    const stmts: D1PreparedStatement[] = [];
    for (let i = 0; i < rows.length; i += 400) {
      const values = rows
        .slice(i, i + 400)
        .map((g, j) => sqlText(g, i + j))
        .join(",");
      stmts.push(
        env.DB.prepare(
          `INSERT INTO delivery_attempts (id, lead_id, buyer_id, delivery_id, attempt, endpoint, request_masked, status_code, outcome, error_class, elapsed_ms, retry_count, created_at) VALUES ${values}`,
        ),
      );
    }
    for (let i = 0; i < stmts.length; i += 25) await env.DB.batch(stmts.slice(i, i + 25));

    // Rollups: what each attempt's own batch adds, summed per minute and buyer, written with the production statement.
    const perMinute = new Map<string, { at: number; buyer: number; c: Counts }>();
    for (const g of rows) {
      const at = Math.floor(g.at / MINUTE_MS) * MINUTE_MS;
      const key = `${at}|${g.buyer}`;
      let e = perMinute.get(key);
      if (!e) perMinute.set(key, (e = { at, buyer: g.buyer, c: emptyCounts() }));
      addCounts(
        e.c,
        attemptCounts({
          outcome: g.outcome,
          errorClass: g.errorClass ?? undefined,
          statusCode: g.status ?? undefined,
          elapsedMs: g.elapsed,
          attempt: g.attempt,
        }),
      );
      // Every generated attempt is the last of its own delivery: it ends it unless it awaits a callback.
      if (g.outcome === "accepted") e.c.dlv_accepted++;
      else if (g.outcome === "rejected") e.c.dlv_rejected++;
      else if (g.outcome === "failed") e.c.dlv_failed++;
    }
    const d = mainDb(env);
    const entries = [...perMinute.values()];
    for (let i = 0; i < entries.length; i += 100) {
      const batch = entries
        .slice(i, i + 100)
        .map((e) => rollupStmt(d, { atMs: e.at, buyer: buyers[e.buyer], source: `${tag}-src${e.buyer % 3}`, vertical: `v${e.buyer % 2}`, counts: e.c }));
      const [first, ...rest] = batch;
      if (first) await d.batch([first, ...rest]);
    }

    const h = opsHarness([]);
    const res = await createApp({ clock: testClock(NOW) }).fetch(
      new Request("https://leadwire.test/v1/metrics?window=24h", { headers: { authorization: `Bearer ${ADMIN}` } }),
      h.env,
    );
    expect(res.status).toBe(200);
    const m = await res.json<{
      attempts: number;
      buyers: {
        buyerId: string;
        attempts: number;
        accepted: number;
        rejected: number;
        failed: number;
        pending: number;
        retries: number;
        successRate: number;
        errorsByClass: Record<string, number>;
        latencyMs: { p50: number; p95: number; p99: number };
      }[];
      meta: { rowsRead: number; rollupRows: number };
    }>();
    const scan = await fullScanAttempts(range.fromMs, range.toMs);
    console.log(
      `volume: ${N} attempts; /v1/metrics?window=24h read ${m.meta.rowsRead} rows (${m.meta.rollupRows} rollup rows returned); the full scan read ${scan.rowsRead} rows`,
    );
    // Bounded: at most 24 hourly buckets × (overall + 5 buyers + 3 sources + 2 verticals), whatever the volume.
    expect(m.meta.rollupRows).toBeLessThanOrEqual(24 * (1 + 5 + 3 + 2));
    // D1 reads the rows it returns and the one that ends the primary-key range.
    expect(m.meta.rowsRead).toBeLessThanOrEqual(m.meta.rollupRows + 1);
    expect(scan.rowsRead).toBeGreaterThanOrEqual(N);
    expect(scan.total.attempts).toBe(N);
    expect(m.attempts).toBe(N);
    for (const id of buyers) {
      const b = m.buyers.find((x) => x.buyerId === id);
      const raw = scan.byBuyer.get(id);
      if (!b || !raw) throw new Error(`no figures for ${id}`);
      expect(b).toEqual(
        expect.objectContaining({
          attempts: raw.attempts,
          accepted: raw.att_accepted,
          rejected: raw.att_rejected,
          failed: raw.att_failed,
          pending: raw.att_pending,
          retries: raw.retries,
          successRate: successRate(raw),
          errorsByClass: errorsByClass(raw),
          latencyMs: latencyOf(raw),
        }),
      );
    }
  });
});
