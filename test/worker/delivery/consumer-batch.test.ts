import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleDeliveriesBatch } from "../../../src/delivery/consumer";
import type { DeliveryJob } from "../../../src/delivery/jobs";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, leadRow, mockRequests, storeLead, testClock } from "../helpers/engine";

describe("the deliveries consumer", () => {
  it("handles a batch's messages at once, and the gate's in-flight limit still holds across them", async () => {
    // The best buyer answers after 1 s and takes one lead at a time. Handled one after another,
    // all four leads would go to it; handled at once, it takes one and its gate defers the other
    // three to the next buyer.
    const slow = uid("slow");
    const backup = uid("backup");
    const h = harness([
      testBuyer(slow, "slow", { price: 50, caps: { maxInFlight: 1, timezone: "UTC" }, endpoint: { url: "", timeoutMs: 5_000 } }, "ms=1000"),
      testBuyer(backup, "accept", { price: 10 }),
    ]);
    const clock = testClock();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await storeLead(h.env, clock));
    const batch = createMessageBatch<DeliveryJob>(
      "leadwire-deliveries",
      ids.map((leadId, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: { kind: "deliver", leadId } })),
    );
    const ctx = createExecutionContext();
    await handleDeliveriesBatch(batch, h.env, clock);
    await waitOnExecutionContext(ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(await mockRequests(slow)).toHaveLength(1);
    expect(await mockRequests(backup)).toHaveLength(3);
    const sold = await Promise.all(ids.map(async (id) => (await leadRow(id))?.sold_buyer_id));
    expect(sold.filter((b) => b === slow)).toHaveLength(1);
    expect(sold.filter((b) => b === backup)).toHaveLength(3);
  });
});
