import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uid } from "../helpers/buyers";
import { sampleLead } from "../helpers/sources";
import { appWith, bidder, bidRows, sourceWithTerms } from "./helpers";

/** The ping's non-identifying part of the sample lead. */
function pingOf(lead: Record<string, unknown>) {
  const address = lead.address as Record<string, unknown>;
  return { vertical: lead.vertical, address: { state: address.state, zip: address.zip }, fields: lead.fields };
}

/** An execution context that keeps what the request hands to waitUntil. */
function executionContext() {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException: () => undefined, props: {} };
  return { ctx: ctx as unknown as ExecutionContext, pending };
}

/**
 * A source's ping is answered before its auction is recorded (the record follows in the same
 * request's waitUntil); the post that takes the offer waits for the record.
 */
describe("ping: the auction recorded after the answer", () => {
  it("answers, then records the ping and every bid in one write; a post sent at once is sold", async () => {
    const best = uid("dr-best");
    const { app, env: testEnv } = appWith([bidder(best, { price: 60, bidId: "D-60" }, "accept"), bidder(uid("dr-2"), { price: 40 }, "accept")]);
    const src = await sourceWithTerms({ payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 600 });
    const { ctx, pending } = executionContext();
    const lead = sampleLead();
    const headers = { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" };
    const res = await app.request("/v1/ping", { method: "POST", headers, body: JSON.stringify(pingOf(lead)) }, testEnv, ctx);
    expect(res.status).toBe(200);
    const offer = await res.json<{ ping_id: string; price: number }>();
    expect(offer.price).toBe(55);
    // The record was handed to waitUntil, not written before the answer.
    expect(pending).toHaveLength(1);
    // The post, sent before that write is known to be done, waits for it and sells.
    const posted = await app.request("/v1/post", { method: "POST", headers, body: JSON.stringify({ ping_id: offer.ping_id, lead }) }, testEnv);
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ status: "sold", payout: 55 });
    await Promise.all(pending);
    expect((await bidRows(offer.ping_id)).map((b) => b.price)).toEqual([60, 40]);
  });

  it("a post whose ping another isolate is still recording finds it a moment later; an unknown fresh ping id is refused after a bounded wait", async () => {
    const best = uid("dr-late");
    const { call } = appWith([bidder(best, { price: 50 }, "accept")]);
    const src = await sourceWithTerms({ payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 600 });
    const lead = sampleLead();
    const offer = await (await call("/v1/ping", src.apiKey, pingOf(lead))).json<{ ping_id: string }>();
    // As another isolate would see it: the record not there yet, written 150 ms after the post arrives.
    const ping = await env.DB.prepare("SELECT * FROM pings WHERE id = ?").bind(offer.ping_id).first<Record<string, unknown>>();
    const bids = await bidRows(offer.ping_id);
    expect(ping).not.toBeNull();
    await env.DB.batch([
      env.DB.prepare("DELETE FROM bids WHERE ping_id = ?").bind(offer.ping_id),
      env.DB.prepare("DELETE FROM pings WHERE id = ?").bind(offer.ping_id),
    ]);
    const reinsert = (table: string, row: Record<string, unknown>) => {
      const cols = Object.keys(row);
      return env.DB.prepare(`INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).bind(...cols.map((c) => row[c] ?? null));
    };
    const written = new Promise<void>((resolve) =>
      setTimeout(async () => {
        await env.DB.batch([reinsert("pings", ping ?? {}), ...bids.map((b) => reinsert("bids", b))]);
        resolve();
      }, 150),
    );
    const posted = await call("/v1/post", src.apiKey, { ping_id: offer.ping_id, lead });
    await written;
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ status: "sold", payout: 45 });

    // A ping id made now that nobody recorded: refused as unknown once the wait (≤ 1.6 s) is over.
    const started = Date.now();
    const unknown = await call("/v1/post", src.apiKey, { ping_id: offer.ping_id.replace(/.{4}$/, "zzzz"), lead });
    expect(unknown.status).toBe(404);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
