import { env } from "cloudflare:workers";
import { createApp } from "../../../src/app";
import type { Clock } from "../../../src/core/clock";
import type { SaleTermsInput } from "../../../src/core/sale-terms";
import { SaleTermsSchema } from "../../../src/core/sale-terms";
import { setSaleTerms } from "../../../src/db/sources";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { MOCK_PING_FIELDS, MOCK_PING_RESPONSE } from "../../mock-buyer/contract";
import { type BuyerOverrides, mockUrl, testBuyer } from "../helpers/buyers";
import { allRows, leadD1 } from "../helpers/shards";
import { newSource } from "../helpers/sources";

/**
 * A ping/post buyer at the mock: its ping answers `bid` with the given price, bid id, delay and
 * expiry (or no bid); its post behaves as `post` (`accept`, `reject`, …) and sends the bid's id
 * and price back, as real ping/post buyers ask.
 */
export function bidder(
  id: string,
  bid: { price: number; bidId?: string; delayMs?: number; expiresIn?: number; noBid?: boolean },
  post: string,
  over: BuyerOverrides = {},
  postQuery: Record<string, string> = {},
): BuyerConfigInput {
  const q: Record<string, string> = { price: String(bid.price) };
  if (bid.bidId) q.bidId = bid.bidId;
  if (bid.delayMs !== undefined) q.delayMs = String(bid.delayMs);
  if (bid.expiresIn !== undefined) q.expiresIn = String(bid.expiresIn);
  if (bid.noBid) q.noBid = "1";
  const base = testBuyer(id, post, { price: 1, ...over }, postQuery);
  const fields = "fields" in base.mapping ? base.mapping.fields : [];
  return {
    ...base,
    mapping: { fields: [...fields, { to: "bid_id", from: "bid.id" }, { to: "bid_price", from: "bid.price" }] },
    ping: {
      url: mockUrl(id, "bid", q),
      mapping: { fields: [...MOCK_PING_FIELDS] },
      response: MOCK_PING_RESPONSE,
      timeoutMs: 1000,
    },
  } as unknown as BuyerConfigInput;
}

/** A fresh source with these terms of sale. */
export async function sourceWithTerms(terms: SaleTermsInput, name = "Ping Source") {
  const src = await newSource(name);
  await setSaleTerms(env, src.id, SaleTermsSchema.parse(terms));
  return src;
}

/** The app over an env whose buyers are these (HTTP tests of /v1/ping and /v1/post). */
export function appWith(buyers: BuyerConfigInput[], clock?: Clock) {
  const testEnv = { ...env, BUYER_CONFIGS: JSON.stringify(buyers) } as unknown as Env;
  const app = createApp(clock ? { clock } : {});
  const call = (path: string, key: string, body: unknown) =>
    app.request(path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) }, testEnv);
  return { env: testEnv, app, call };
}

export async function bidRows(pingId: string) {
  const r = {
    results: (await allRows<Record<string, unknown>>("SELECT * FROM bids WHERE ping_id = ?", pingId)).sort(
      (a, b) => Number(b.price ?? 0) - Number(a.price ?? 0),
    ),
  };
  return r.results;
}

export async function pingOfLead(leadId: string) {
  return leadD1(leadId).prepare("SELECT * FROM pings WHERE lead_id = ?").bind(leadId).first<Record<string, unknown>>();
}

export async function salesRows(leadId: string) {
  const r = await leadD1(leadId).prepare("SELECT * FROM sales WHERE lead_id = ? ORDER BY price DESC").bind(leadId).all<Record<string, unknown>>();
  return r.results;
}
