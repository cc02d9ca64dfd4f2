import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { payoutFor, SaleTermsSchema } from "../../../src/core/sale-terms";
import { buildRequest } from "../../../src/integration/build";
import { type BuyerConfig, BuyerConfigSchema } from "../../../src/integration/config";
import { mapLead } from "../../../src/integration/mapping/request";
import { pingPiiProblems } from "../../../src/integration/ping/pii";
import { preparePingRequest, readPingAnswer } from "../../../src/integration/ping/request";
import { loadBuyers } from "../../../src/integration/registry";
import { validateMapping } from "../../../src/integration/validate";
import { ctx, lead, NOW } from "./helpers";

const RULES = {
  contentType: "json",
  statusField: { path: "status", accepted: ["bid"], rejected: ["no_bid"] },
  price: "price",
  bidId: "bid_id",
  expiresIn: "expires_in",
  expiresAt: "expires_at",
  reason: "reason",
} as const;

function pingBuyer(pingFields: unknown[], extra: Record<string, unknown> = {}): BuyerConfig {
  return BuyerConfigSchema.parse({
    id: "bidder",
    name: "Bidder",
    verticals: ["auto_insurance"],
    price: 1,
    endpoint: { url: "https://buyer.example/post" },
    format: { type: "json" },
    auth: { type: "api_key", name: "X-Key", value: { secret: "ACME_API_KEY" } },
    mapping: {
      fields: [
        { to: "phone", from: "lead.phone", format: { phone: "digits10" } },
        { to: "token", from: "bid.id", required: true },
        { to: "paid", from: "bid.price" },
      ],
    },
    response: { statusField: "status" },
    ping: { url: "https://buyer.example/ping", mapping: { fields: pingFields }, response: RULES, ...extra },
  });
}

const json = (body: unknown, status = 200) => ({ status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("ping requests", () => {
  it("builds the ping from its own URL and mapping, with the post's auth and format, naming the auction", async () => {
    const b = pingBuyer(
      [
        { to: "state", from: "lead.address.state" },
        { to: "area", from: "lead.phone", format: { phone: "area_code" } },
        { to: "email_sha", from: "lead.email", format: { trim: true, case: "lower", sha256: true } },
      ],
      { allowPii: ["phone", "email"] },
    );
    const { request } = await preparePingRequest(b, lead(), { ...ctx(), pingId: "png_1" });
    expect(request.url).toBe("https://buyer.example/ping");
    expect(request.headers["X-Key"]).toBe("acme-key-123456");
    expect(request.headers["X-Leadwire-Ping-Id"]).toBe("png_1");
    expect(JSON.parse(request.body ?? "")).toEqual({
      state: "TX",
      area: "202",
      email_sha: createHash("sha256").update("renee.obrien@example.com").digest("hex"),
    });
  });

  it("lets the post mapping read the winning bid (bid.id, bid.price); a required bid field without a bid is an issue", () => {
    const b = pingBuyer([{ to: "state", from: "lead.address.state" }]);
    const { request } = buildRequest(b, lead(), { ...ctx(), bid: { id: "B-9", price: 41.5, expires_at: null, ping_id: "png_1" } });
    expect(JSON.parse(request.body ?? "")).toMatchObject({ token: "B-9", paid: 41.5, phone: "2025550123" });
    expect(mapLead(b, lead(), () => NOW).issues).toEqual([{ field: "token", message: "required field is missing" }]);
  });

  it("templates read bid.* and offer sha256() and areaCode()", () => {
    const b = BuyerConfigSchema.parse({
      ...pingBuyer([{ to: "state", from: "lead.address.state" }]),
      mapping: { template: '{"t":"{{bid.id}}","p":{{bid.price}},"a":"{{areaCode(lead.phone)}}","h":"{{sha256(lead.address.zip)}}"}' },
    });
    const { request } = buildRequest(b, lead(), { ...ctx(), bid: { id: "T-1", price: 12, expires_at: null, ping_id: "p" } });
    expect(JSON.parse(request.body ?? "")).toEqual({ t: "T-1", p: 12, a: "202", h: createHash("sha256").update("75201").digest("hex") });
  });
});

describe("ping answers", () => {
  it("reads a bid with its price, bid id and expiry (seconds or an instant)", () => {
    expect(
      readPingAnswer(
        BuyerConfigSchema.shape.ping.unwrap().shape.response.parse(RULES),
        json({ status: "bid", price: "$42.50", bid_id: "b1", expires_in: 30 }),
        NOW,
        120,
      ),
    ).toEqual({
      kind: "bid",
      price: 42.5,
      bidId: "b1",
      expiresAtMs: NOW + 30_000,
    });
    const rules = pingBuyer([{ to: "s", from: "lead.address.state" }]).ping?.response;
    if (!rules) throw new Error("no rules");
    expect(readPingAnswer(rules, json({ status: "bid", price: 10, expires_at: "2026-11-28T15:01:00Z" }), NOW, 120)).toMatchObject({
      expiresAtMs: NOW + 60_000,
      bidId: null,
    });
    expect(readPingAnswer(rules, json({ status: "bid", price: 10 }), NOW, 120)).toMatchObject({ expiresAtMs: NOW + 120_000 });
  });

  it("tells no bid from an answer that cannot be used", () => {
    const rules = pingBuyer([{ to: "s", from: "lead.address.state" }]).ping?.response;
    if (!rules) throw new Error("no rules");
    expect(readPingAnswer(rules, json({ status: "no_bid", reason: "Not in area" }), NOW, 60)).toEqual({ kind: "no_bid", reason: "Not in area" });
    expect(readPingAnswer(rules, json({ status: "bid" }), NOW, 60)).toEqual({ kind: "invalid", reason: "a bid without a price" });
    expect(readPingAnswer(rules, json({ status: "bid", price: 0 }), NOW, 60).kind).toBe("invalid");
    expect(readPingAnswer(rules, { status: 200, headers: {}, body: "<html>oops" }, NOW, 60).kind).toBe("invalid");
    expect(readPingAnswer(rules, json({ status: "error" }, 500), NOW, 60)).toEqual({ kind: "invalid", reason: "status 500" });
    expect(readPingAnswer(rules, json({ status: "bid", price: 5, expires_at: "soon" }), NOW, 60).kind).toBe("invalid");
  });
});

describe("a ping carries no personal data", () => {
  it("refuses reads of name, e-mail, phone, street and date of birth — by from, compute, when or template — unless allowed", () => {
    const b = pingBuyer([
      { to: "fn", from: "lead.first_name" },
      { to: "e", from: "email", format: { sha256: true } },
      { to: "addr", from: "lead.address" },
      { to: "age", compute: { fn: "age", args: ["lead.dob"] } },
      { to: "x", value: 1, when: { field: "lead.phone", exists: true } },
      { to: "zip", from: "lead.address.zip" },
    ]);
    const problems = pingPiiProblems(b.ping ?? ({} as never));
    expect(problems.map((p) => p.path)).toEqual([
      "ping.mapping.fields[0] (fn)",
      "ping.mapping.fields[1] (e)",
      "ping.mapping.fields[2] (addr)",
      "ping.mapping.fields[3] (age)",
      "ping.mapping.fields[4] (x).when",
    ]);
    expect(problems[1]?.message).toContain('list "email" in ping.allowPii');
    expect(validateMapping(b).problems.map((p) => p.path)).toContain("ping.mapping.fields[0] (fn)");
    const tpl = BuyerConfigSchema.parse({ ...b, ping: { ...b.ping, mapping: { template: '{"p":"{{formatPhone(lead.phone, "dashed")}}"}' } } });
    expect(pingPiiProblems(tpl.ping ?? ({} as never)).map((p) => p.path)).toEqual(["ping.mapping.template"]);
  });

  it("allows a field the buyer's contract allows, and the registry refuses a buyer whose ping would leak", () => {
    const allowed = pingBuyer([{ to: "area", from: "lead.phone", format: { phone: "area_code" } }], { allowPii: ["phone"] });
    expect(pingPiiProblems(allowed.ping ?? ({} as never))).toEqual([]);
    expect(validateMapping(allowed)).toEqual({ ok: true, problems: [] });
    const leaky = pingBuyer([{ to: "last", from: "last_name" }]);
    const loaded = loadBuyers([leaky, { ...allowed, id: "fine" }]);
    expect(loaded.buyers.map((x) => x.id)).toEqual(["fine"]);
    expect(loaded.errors[0]?.issues[0]?.message).toContain("lead.last_name");
  });
});

describe("terms of sale", () => {
  it("pays a margin or a share, in cents; shared needs the mode", () => {
    expect(payoutFor({ type: "margin", amount: 5 }, 40)).toBe(35);
    expect(payoutFor({ type: "margin", amount: 50 }, 40)).toBe(0);
    expect(payoutFor({ type: "share", percent: 72.5 }, 33.33)).toBe(24.16);
    expect(payoutFor(undefined, 40)).toBeUndefined();
    expect(SaleTermsSchema.safeParse({ maxBuyers: 3 }).success).toBe(false);
    expect(SaleTermsSchema.parse({ mode: "shared", maxBuyers: 3 })).toMatchObject({ auctionDeadlineMs: 1500, pingTtlSeconds: 60 });
  });
});
