/**
 * The sharded data layer (issue 17) with the test setup's two lead shards (LEAD_SHARDS =
 * "DB,DB_LEADS_1"): leads spread over both, each lead's rows only on the shard its id names,
 * and every lead-level operation — delivery, the status API, a buyer's callback, a return —
 * finds the lead on its shard.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import type { Clock } from "../../../src/core/clock";
import { leadShard } from "../../../src/db/client";
import { fnv1a, newLeadId, shardCount, shardIndex } from "../../../src/db/shards";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { handleEventsBatch } from "../../../src/webhooks/consumer";
import type { EventJob } from "../../../src/webhooks/jobs";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, testClock } from "../helpers/engine";
import { everyD1, leadD1 } from "../helpers/shards";
import { ADMIN, newSource, sampleLead } from "../helpers/sources";
import { buyerConfig, post, signed, soldLead, webhookHarness } from "../webhooks/helpers";

const DAY = 86_400_000;

/** How many rows of `table` keyed by `leadId` each database holds, in shard order. */
async function rowsPerShard(table: string, leadId: string): Promise<number[]> {
  const col = table === "leads" ? "id" : "lead_id";
  return Promise.all(everyD1().map(async (d) => Number(await d.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${col} = ?`).bind(leadId).first("n"))));
}

/** The shard count vector of a lead living only on `shard`, with `n` rows. */
function only(shard: number, n = 1): number[] {
  return everyD1().map((_, i) => (i === shard ? n : 0));
}

async function postLead(app: ReturnType<typeof createApp>, testEnv: Env, key: string, nowMs: number, over: Record<string, unknown> = {}) {
  const res = await app.fetch(
    new Request("https://leadwire.test/v1/leads", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(sampleLead(over, nowMs)),
    }),
    testEnv,
  );
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

describe("lead shards", () => {
  it("the test setup has two shards; a lead's shard is a hash of its id's random part, not of its time prefix", () => {
    expect(shardCount(env)).toBe(2);
    // Same random part, different times: the same shard.
    const a = "lead_01m8njyy4s84tm069tpdztn8qn";
    const b = "lead_zzzzzzzzzz84tm069tpdztn8qn";
    expect(shardIndex(a, 7)).toBe(shardIndex(b, 7));
    expect(shardIndex(a, 7)).toBe(fnv1a("84tm069tpdztn8qn") % 7);
    // Ids minted for a shard land there.
    for (const s of [0, 1]) for (let i = 0; i < 20; i++) expect(leadShard(env, newLeadId(env, Date.now(), { shard: s }))).toBe(s);
    // A key pins every id minted for it to one shard.
    const pinned = new Set(Array.from({ length: 20 }, () => leadShard(env, newLeadId(env, Date.now(), { key: "src_x:order-1" }))));
    expect(pinned.size).toBe(1);
  });

  it("intake spreads leads over both shards; each lead's rows are only on its own shard", async () => {
    const h = harness([]);
    const src = await newSource("Shard spread");
    const app = createApp({ clock: testClock() });
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push(await postLead(app, h.env, src.apiKey, Date.now()));
    const shards = ids.map((id) => leadShard(env, id));
    // 24 leads on one shard only would take a 1-in-8-million draw.
    expect(new Set(shards)).toEqual(new Set([0, 1]));
    for (const [i, id] of ids.entries()) {
      const s = shards[i] ?? -1;
      expect(await rowsPerShard("leads", id), id).toEqual(only(s));
      expect(await rowsPerShard("lead_events", id)).toEqual(only(s));
      expect(await rowsPerShard("lead_hashes", id)).toEqual(only(s, 2));
    }
  });

  it("a repeated Idempotency-Key finds its lead whichever shard it is on, also under concurrency", async () => {
    const h = harness([]);
    const src = await newSource("Shard idempotency");
    const app = createApp({ clock: testClock() });
    const lead = sampleLead();
    const send = () =>
      app.fetch(
        new Request("https://leadwire.test/v1/leads", {
          method: "POST",
          headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json", "idempotency-key": `order-${uid("k")}` },
          body: JSON.stringify(lead),
        }),
        h.env,
      );
    // Different keys, same external_id: pinned to the external id's shard, so the unique index decides.
    const answers = await Promise.all([send(), send(), send(), send()]);
    const bodies = await Promise.all(answers.map((r) => r.json<{ id: string; duplicate?: boolean }>()));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(bodies.filter((b) => b.duplicate !== true)).toHaveLength(1);
  });

  for (const shard of [0, 1]) {
    it(`a lead on shard ${shard}: the queue delivers and sells it, the status API answers it with its attempt and timeline`, async () => {
      const buyer = uid(`sh${shard}`);
      const h = harness([testBuyer(buyer, "accept", { price: 40 })]);
      const clock = testClock();
      const src = await newSource(`Shard ${shard}`);
      const app = createApp({ clock });
      let id = "";
      for (let i = 0; i < 64 && !id; i++) {
        const got = await postLead(app, h.env, src.apiKey, clock.now());
        if (leadShard(env, got) === shard) id = got;
      }
      expect(leadShard(env, id)).toBe(shard);
      expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer });
      expect(await rowsPerShard("delivery_attempts", id)).toEqual(only(shard));
      expect(await rowsPerShard("lead_buyers", id)).toEqual(only(shard));
      const view = await (await app.fetch(new Request(`https://leadwire.test/v1/leads/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } }), h.env)).json<{
        status: string;
        archived: boolean;
        sold: { buyer: string };
        attempts: unknown[];
        timeline: { type: string }[];
      }>();
      expect(view).toMatchObject({ status: "sold", archived: false, sold: { buyer } });
      expect(view.attempts).toHaveLength(1);
      expect(view.timeline.map((e) => e.type)).toContain("sold");
      // The source sees it too, through its key.
      const asSource = await app.fetch(new Request(`https://leadwire.test/v1/leads/${id}`, { headers: { authorization: `Bearer ${src.apiKey}` } }), h.env);
      expect(await asSource.json()).toMatchObject({ id, status: "sold" });
    });

    it(`a lead on shard ${shard}: a buyer's callback settles its pending delivery, and a return re-offers it`, async () => {
      const buyer = `wh-shard-${shard}-${uid("b")}`;
      const h = webhookHarness([buyerConfig(buyer)]);
      const clock = testClock(Date.parse("2026-06-10T12:00:00Z"));
      const receive = async (payload: unknown): Promise<EventJob> => {
        const body = JSON.stringify(payload);
        const res = await post(h.env, buyer, body, signed(body, { ts: Math.floor(clock.now() / 1000) }), clock);
        expect(res.status).toBe(200);
        const job = h.events.sent.at(-1)?.body as EventJob | undefined;
        if (!job) throw new Error("nothing was enqueued");
        return job;
      };
      const consume = async (job: EventJob, c: Clock) => {
        const batch = createMessageBatch<EventJob>("leadwire-events", [{ id: crypto.randomUUID(), timestamp: c.now(), attempts: 1, body: job }]);
        const ctx = createExecutionContext();
        await handleEventsBatch(batch, h.env, ctx, c);
        return getQueueResult(batch, ctx);
      };
      const lead = await soldLead(h.env, buyer, clock.now() - DAY, 0, "pending", { shard });
      expect(leadShard(env, lead.leadId)).toBe(shard);
      // The callback names our delivery id only: the consumer finds the claim on whichever shard holds it.
      expect(
        (await consume(await receive({ type: "lead.decision", data: { delivery_id: lead.deliveryId, decision: "yes", price: 29 } }), clock)).explicitAcks,
      ).toHaveLength(1);
      const d1 = leadD1(lead.leadId);
      expect(await d1.prepare("SELECT status, sold_buyer_id, sold_price FROM leads WHERE id = ?").bind(lead.leadId).first()).toEqual({
        status: "sold",
        sold_buyer_id: buyer,
        sold_price: 29,
      });
      // A return a day later: credited on the lead's shard, the lead re-offered, the source's score moved in every copy.
      clock.advance(DAY);
      await consume(await receive({ type: "lead.return", data: { delivery_id: lead.deliveryId, reason: "invalid_phone" } }), clock);
      expect(await rowsPerShard("returns", lead.leadId)).toEqual(only(shard));
      expect(await d1.prepare("SELECT status FROM leads WHERE id = ?").bind(lead.leadId).first("status")).toBe("queued");
      const scores = await Promise.all(
        everyD1().map((d) => d.prepare("SELECT quality_score FROM sources WHERE id = ?").bind(lead.sourceId).first("quality_score")),
      );
      expect(new Set(scores).size).toBe(1);
      expect(Number(scores[0])).toBeLessThan(100);
    });
  }
});
