/**
 * An attempt's counts and the sale it ended go into one counter upsert (`ifLeadEnded`): the
 * attempt is counted either way, the sale only if the same batch sold the lead. A batch that
 * lost the lead to another writer counts the attempt alone. Both forms of the statement are
 * checked: the compiled one (plain keys) and the one built per use (a key read in SQL).
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { isoAt, leadDb, schema } from "../../../src/db/client";
import { leadSourceKey, rollupStmt } from "../../../src/db/rollups";
import { uid } from "../helpers/buyers";
import { harness, storeLead, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";

interface Row {
  attempts: number;
  dlv_accepted: number;
  sold: number;
  revenue: number;
}

async function buyerMinute(leadId: string, buyer: string): Promise<Row | null> {
  return leadD1(leadId)
    .prepare("SELECT attempts, dlv_accepted, sold, revenue FROM rollups WHERE grain = 'm' AND dim = 'buyer' AND key = ?")
    .bind(buyer)
    .first<Row>();
}

describe("an attempt counted with the sale it may end", () => {
  for (const form of ["compiled", "built per use"] as const) {
    it(`${form}: the sale is counted only when the same batch sold the lead`, async () => {
      const clock = testClock(Date.UTC(2031, 2, 3, 10, 15, 0));
      const h = harness([]);
      const leadId = await storeLead(h.env, clock);
      const d = leadDb(env, leadId);
      const source = form === "compiled" ? "src-guard" : leadSourceKey(leadId);
      const counted = (buyer: string, nowMs: number) =>
        rollupStmt(d, {
          atMs: nowMs,
          buyer,
          source,
          vertical: "auto_insurance",
          counts: { attempts: 1, dlv_accepted: 1 },
          ifLeadEnded: { leadId, status: "sold", nowMs, counts: { sold: 1, revenue: 25 } },
        });
      const t1 = clock.now();
      const lost = uid("lost");
      // Nobody sold the lead in this batch: the attempt is counted, the sale is not.
      await d.batch([counted(lost, t1)]);
      expect(await buyerMinute(leadId, lost)).toEqual({ attempts: 1, dlv_accepted: 1, sold: 0, revenue: 0 });

      // This batch sells the lead, then counts: both.
      const won = uid("won");
      const sell = d
        .update(schema.leads)
        .set({ status: "sold", finalizedAt: isoAt(t1) })
        .where(eq(schema.leads.id, leadId));
      await d.batch([sell, counted(won, t1)]);
      expect(await buyerMinute(leadId, won)).toEqual({ attempts: 1, dlv_accepted: 1, sold: 1, revenue: 25 });

      // A later batch that did not end it (the lead was sold earlier): the attempt alone.
      const late = uid("late");
      await d.batch([counted(late, t1 + 1000)]);
      expect(await buyerMinute(leadId, late)).toEqual({ attempts: 1, dlv_accepted: 1, sold: 0, revenue: 0 });
    });
  }

  it("refuses counts that overlap or a second guard", () => {
    const d = leadDb(env, "lead_x");
    const end = { leadId: "lead_x", status: "sold" as const, nowMs: 0, counts: { sold: 1 } };
    expect(() => rollupStmt(d, { atMs: 0, counts: { sold: 1 }, ifLeadEnded: end })).toThrow(/overlap/);
    expect(() => rollupStmt(d, { atMs: 0, counts: { attempts: 1 }, whenLeadExists: "lead_x", ifLeadEnded: end })).toThrow(/guard/);
  });
});
