import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expiredAcksQuery } from "../../../src/db/claims";
import { dbOf } from "../../../src/db/client";
import { sweepQuery } from "../../../src/db/leads";
import { unqueuedEventsQuery } from "../../../src/db/webhook-events";

const NOW = Date.parse("2026-06-01T12:00:00Z");

/** SQLite's plan for a drizzle query, one line per step. */
async function plan(q: { toSQL(): { sql: string; params: unknown[] } }): Promise<string[]> {
  const { sql, params } = q.toSQL();
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

/** A plan that reads `table` only through indexes (no full scan of it). */
function indexedOnly(steps: string[], table: string): boolean {
  return steps.some((s) => s.includes(`${table} USING`) || s.includes("INDEX")) && !steps.some((s) => new RegExp(`^SCAN ${table}( |$)`).test(s));
}

describe("the queries that run every minute use indexes (EXPLAIN QUERY PLAN)", () => {
  const d = dbOf(env.DB);

  it("the lead sweep (received, lapsed lease, overdue queued) searches an index for each term", async () => {
    const steps = await plan(sweepQuery(d, { receivedBeforeMs: NOW, leaseLapsedBeforeMs: NOW, dueBeforeMs: NOW, limit: 100 }));
    expect(steps.join(" | ")).toMatch(/MULTI-INDEX OR/);
    expect(indexedOnly(steps, "leads"), steps.join(" | ")).toBe(true);
  });

  it("expired acknowledgements search the pending index", async () => {
    const steps = await plan(expiredAcksQuery(d, NOW, 100));
    expect(steps.join(" | ")).toMatch(/lead_buyers_pending_idx/);
    expect(indexedOnly(steps, "lead_buyers"), steps.join(" | ")).toBe(true);
  });

  it("the webhook sweep searches stored events by status and age", async () => {
    const steps = await plan(unqueuedEventsQuery(d, { flaggedBeforeMs: NOW, silentBeforeMs: NOW, limit: 100 }));
    expect(steps.join(" | ")).toMatch(/webhook_events_status_received_idx/);
    expect(indexedOnly(steps, "webhook_events"), steps.join(" | ")).toBe(true);
  });
});
