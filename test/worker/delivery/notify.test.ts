import { env } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DeliveryJob } from "../../../src/delivery/jobs";
import { sendNotification } from "../../../src/delivery/notify";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, storeLead, testClock } from "../helpers/engine";
import { newSource } from "../helpers/sources";

interface Recorded {
  headers: Record<string, string>;
  body: string;
}

describe("outbound event webhooks to the source", () => {
  it("sends lead.sold signed with the Standard Webhooks scheme, verifiable with the source's secret", async () => {
    const hook = uid("src-hook");
    const source = await newSource("Hooked", { webhookUrl: `${env.MOCK_BUYER_ORIGIN}/b/${hook}/accept` });
    const buyer = uid("buyer");
    const h = harness([testBuyer(buyer, "accept", { price: 33 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock, {}, source);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold" });
    const notify = h.queue.sent.map((m) => m.body as DeliveryJob).find((b) => b.kind === "notify");
    expect(notify).toEqual({ kind: "notify", leadId: id, event: "lead.sold", attempt: 1 });
    if (notify?.kind !== "notify") throw new Error("no notify job");

    expect(await sendNotification(h.env, clock.now(), notify)).toBeUndefined();
    const got = (await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/requests?buyer=${hook}`)).json()) as Recorded[];
    expect(got).toHaveLength(1);
    const r = got[0] as Recorded;
    const event = JSON.parse(r.body) as { type: string; data: { leadId: string; buyer: string; price: number } };
    expect(event).toMatchObject({ type: "lead.sold", data: { leadId: id, buyer, price: 33 } });
    // Verify exactly as a source would: HMAC-SHA256 over id.timestamp.body with the decoded secret.
    const key = Buffer.from((source.webhookSecret ?? "").replace(/^whsec_/, ""), "base64");
    const expected = createHmac("sha256", key).update(`${r.headers["webhook-id"]}.${r.headers["webhook-timestamp"]}.${r.body}`).digest("base64");
    expect(r.headers["webhook-signature"]).toBe(`v1,${expected}`);
  });

  it("retries a refused notification with backoff and gives up after the last attempt", async () => {
    const hook = uid("src-down");
    const source = await newSource("Down hook", { webhookUrl: `${env.MOCK_BUYER_ORIGIN}/b/${hook}/error503` });
    const h = harness([testBuyer(uid("b"), "reject")]);
    const clock = testClock();
    const id = await storeLead(h.env, clock, {}, source);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    const delay = await sendNotification(h.env, clock.now(), { kind: "notify", leadId: id, event: "lead.unsold", attempt: 1 });
    expect(delay).toBeGreaterThanOrEqual(5);
    expect(delay).toBeLessThanOrEqual(5 * 1.25);
    expect(await sendNotification(h.env, clock.now(), { kind: "notify", leadId: id, event: "lead.unsold", attempt: 8 })).toBeUndefined();
  });

  it("sends nothing for a source without a webhook URL", async () => {
    const h = harness([testBuyer(uid("b"), "accept")]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(h.queue.sent.some((m) => (m.body as DeliveryJob).kind === "notify")).toBe(false);
  });
});
