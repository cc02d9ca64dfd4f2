import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptPendingClaim, expireAckClaim, rejectPendingClaim, returnClaim, takeClaim } from "../../../src/db/claims";
import { changed, leadDb } from "../../../src/db/client";
import { CLAIM_STATES, type ClaimState, LEAD_MOVES, LEAD_STATUSES, type LeadMove, type LeadStatus } from "../../../src/db/lead-state";
import { endLease, leaseLead, queueLead, reofferLeadStmt, requeueLead, resumeLead, sellByCallback, sellLeased } from "../../../src/db/leads";
import { allRows, leadD1 } from "../helpers/shards";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const OWNER = "wrk_test";

/** A lead row in `status`, leased by OWNER (lease lapsed, so `lease` may take it when its state allows). */
async function leadIn(status: LeadStatus): Promise<string> {
  const id = `lead_${crypto.randomUUID().replaceAll("-", "")}`;
  const at = new Date(NOW - 60_000).toISOString();
  await leadD1(id)
    .prepare(
      `INSERT INTO leads (id, source_id, vertical, status, data, raw, expires_at, created_at, updated_at, lease_owner, lease_until, next_attempt_at)
     VALUES (?, 'src_x', 'auto_insurance', ?, '{}', '{}', ?, ?, ?, ?, ?, ?)`,
    )
    .bind(id, status, new Date(NOW + 86_400_000).toISOString(), at, at, OWNER, at, at)
    .run();
  return id;
}

async function statusOf(id: string): Promise<string | undefined> {
  return (await leadD1(id).prepare("SELECT status FROM leads WHERE id = ?").bind(id).first<{ status: string }>())?.status;
}

/** Tries one move on a lead; true when the state machine let it through. */
async function tryMove(move: LeadMove, id: string): Promise<boolean> {
  const d = leadDb(env, id);
  const run = async (stmt: Parameters<typeof d.batch>[0][number]) => changed((await d.batch([stmt]))[0]) > 0;
  switch (move) {
    case "queue":
      return queueLead(env, id, NOW, NOW);
    case "lease":
      return (await leaseLead(env, id, "wrk_other", NOW, 60_000)) !== undefined;
    case "park":
      return run(endLease(d, id, OWNER, { move: "park", nextAttemptAtMs: NOW }, [], NOW));
    case "await":
    case "giveUp":
    case "expire":
      return run(endLease(d, id, OWNER, { move }, [], NOW));
    case "sell":
      return run(sellLeased(d, id, OWNER, { buyerId: "b", price: 10, buyerLeadId: null }, [], NOW));
    case "resume":
      return run(resumeLead(d, id, NOW));
    case "requeue":
      return requeueLead(env, id, NOW, NOW);
    case "reoffer":
      return run(reofferLeadStmt(d, id, NOW + 86_400_000, NOW));
  }
}

describe("the lead state machine", () => {
  const moves = Object.keys(LEAD_MOVES) as LeadMove[];
  for (const move of moves) {
    const allowed = LEAD_MOVES[move].from as readonly LeadStatus[];
    for (const status of LEAD_STATUSES) {
      const legal = allowed.includes(status);
      it(`${move} from ${status}: ${legal ? `moves to ${LEAD_MOVES[move].to}` : "refused, nothing changes"}`, async () => {
        const id = await leadIn(status);
        expect(await tryMove(move, id)).toBe(legal);
        expect(await statusOf(id)).toBe(legal ? LEAD_MOVES[move].to : status);
      });
    }
  }

  it("a sale by callback is refused once the lead is no longer pending, queued or delivering", async () => {
    for (const status of ["sold", "unsold", "expired", "received"] as const) {
      const id = await leadIn(status);
      const d = leadDb(env, id);
      expect(changed((await d.batch([sellByCallback(d, id, "b", 10, "dlv_x", NOW)]))[0])).toBe(0);
      expect(await statusOf(id)).toBe(status);
    }
  });

  it("the lease holder's moves are refused to anyone else", async () => {
    const id = await leadIn("delivering");
    const d = leadDb(env, id);
    expect(changed((await d.batch([endLease(d, id, "wrk_intruder", { move: "giveUp" }, [], NOW)]))[0])).toBe(0);
    expect(changed((await d.batch([sellLeased(d, id, "wrk_intruder", { buyerId: "b", price: 1, buyerLeadId: null }, [], NOW)]))[0])).toBe(0);
    expect(await statusOf(id)).toBe("delivering");
  });
});

describe("the claim state machine", () => {
  async function claimIn(state: ClaimState, errorClass: string | null = null): Promise<{ leadId: string; deliveryId: string }> {
    const leadId = await leadIn("delivering");
    const deliveryId = `dlv_${crypto.randomUUID()}`;
    const at = new Date(NOW).toISOString();
    await leadD1(leadId)
      .prepare(
        `INSERT INTO lead_buyers (lead_id, buyer_id, delivery_id, state, attempts, error_class, round, ack_expires_at, created_at, updated_at)
       VALUES (?, 'b1', ?, ?, 1, ?, 0, ?, ?, ?)`,
      )
      .bind(leadId, deliveryId, state, errorClass, new Date(NOW - 1000).toISOString(), at, at)
      .run();
    return { leadId, deliveryId };
  }
  const stateOf = async (deliveryId: string) => (await allRows<{ state: string }>("SELECT state FROM lead_buyers WHERE delivery_id = ?", deliveryId))[0]?.state;

  for (const state of CLAIM_STATES.filter((s) => s !== "pending")) {
    it(`a callback decision on a ${state} claim is refused`, async () => {
      const { leadId, deliveryId } = await claimIn(state);
      const d = leadDb(env, leadId);
      const [a, r, x] = await d.batch([
        acceptPendingClaim(d, deliveryId, 10, null, NOW),
        rejectPendingClaim(d, deliveryId, "no", NOW),
        expireAckClaim(d, leadId, "b1", NOW),
      ]);
      expect([changed(a), changed(r), changed(x)]).toEqual([0, 0, 0]);
      expect(await stateOf(deliveryId)).toBe(state);
    });
  }

  for (const state of CLAIM_STATES.filter((s) => s !== "accepted")) {
    it(`a return on a ${state} claim is refused`, async () => {
      const { leadId, deliveryId } = await claimIn(state);
      const d = leadDb(env, leadId);
      expect(changed((await d.batch([returnClaim(d, leadId, "b1", "returned: x", NOW)]))[0])).toBe(0);
      expect(await stateOf(deliveryId)).toBe(state);
    });
  }

  it("a long-retry round takes back only a failed transient or server claim from an earlier round", async () => {
    for (const [state, cls, ok] of [
      ["failed", "transient", true],
      ["failed", "server", true],
      ["failed", "client", false],
      ["rejected", "rejected", false],
      ["accepted", null, false],
    ] as const) {
      const { leadId, deliveryId } = await claimIn(state, cls);
      const existing = { buyerId: "b1", deliveryId, state, attempts: 1, errorClass: cls, round: 0 };
      expect(await takeClaim(env, leadId, "b1", 1, existing, NOW)).toBe(ok ? deliveryId : undefined);
      expect(await stateOf(deliveryId)).toBe(ok ? "trying" : state);
    }
  });
});
