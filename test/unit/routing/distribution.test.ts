import { describe, expect, it } from "vitest";
import { DistributionSchema, RoutingConfigSchema } from "../../../src/core/distribution";
import { DEFAULT_SALE_TERMS, SaleTermsSchema } from "../../../src/core/sale-terms";
import type { AuctionBid } from "../../../src/db/pings";
import { sourceExclusions } from "../../../src/delivery/distribution";
import { dayMinus, localDay, monthStart } from "../../../src/delivery/distribution/days";
import { eplOrder, eplScore } from "../../../src/delivery/distribution/epl";
import { NO_FIGURES, sumFigures } from "../../../src/delivery/distribution/figures";
import { highestBidOrder } from "../../../src/delivery/distribution/highest-bid";
import { multiSellTerms } from "../../../src/delivery/distribution/multi-sell";
import { seededRandom } from "../../../src/delivery/distribution/random";
import { roundRobinOrder } from "../../../src/delivery/distribution/round-robin";
import { skipCode, skipText } from "../../../src/delivery/distribution/skips";
import { waterfallOrder } from "../../../src/delivery/distribution/waterfall";
import { weightedOrder } from "../../../src/delivery/distribution/weighted";
import { rankCandidates } from "../../../src/delivery/eligibility";
import type { BidCandidate } from "../../../src/delivery/pingpost";
import { type BuyerConfig, BuyerConfigSchema } from "../../../src/integration/config";
import { distributionFor } from "../../../src/integration/routing";

function buyer(id: string, price: number, over: Record<string, unknown> = {}): BuyerConfig {
  return BuyerConfigSchema.parse({
    id,
    name: id,
    verticals: ["solar"],
    price,
    endpoint: { url: "https://buyer.example/leads" },
    format: { type: "json" },
    mapping: { fields: [{ to: "email", from: "lead.email" }] },
    response: { statusField: "status" },
    ...over,
  });
}

function cand(id: string, price: number, over: Record<string, unknown> = {}, bid?: Partial<AuctionBid>): BidCandidate {
  return {
    buyer: buyer(id, price, over),
    sandbox: false,
    ...(bid
      ? {
          bid: {
            id: `bid_${id}`,
            buyerId: id,
            kind: "ping",
            outcome: "bid",
            price: null,
            buyerBidId: null,
            expiresAtMs: null,
            latencyMs: 10,
            reason: null,
            offer: null,
            postState: null,
            ...bid,
          } as AuctionBid,
        }
      : {}),
  };
}

const ids = (o: { order: BidCandidate[] }) => o.order.map((c) => c.buyer.id);
const figures = (f: Partial<typeof NO_FIGURES>) => ({ ...NO_FIGURES, ...f });

describe("distribution methods, pure", () => {
  it("waterfall: price, then priority, then id; a live bid counts as the price", () => {
    const o = waterfallOrder([
      cand("bb", 20, { priority: 1 }),
      cand("aa", 20, { priority: 1 }),
      cand("cc", 20, { priority: 5 }),
      cand("bid", 1, {}, { price: 45 }),
    ]);
    expect(ids(o)).toEqual(["bid", "cc", "aa", "bb"]);
    expect(o.scores[0]).toMatchObject({ buyer: "bid", price: 45 });
  });

  it("highest bid: price, then the faster bidder; priority plays no part", () => {
    const o = highestBidOrder([
      cand("slow", 1, { priority: 9 }, { price: 40, latencyMs: 300 }),
      cand("fast", 1, {}, { price: 40, latencyMs: 20 }),
      cand("top", 1, {}, { price: 41, latencyMs: 900 }),
    ]);
    expect(ids(o)).toEqual(["top", "fast", "slow"]);
    expect(o.scores[1]).toMatchObject({ bidLatencyMs: 20 });
  });

  it("round robin: the taken turn first among the highest priority, the rest by how long they waited, lower priorities after", () => {
    const turns = new Map([
      ["aa", 7],
      ["bb", 3],
      ["cc", 5],
      ["low", 0],
    ]);
    const o = roundRobinOrder([cand("aa", 50), cand("bb", 10), cand("cc", 30), cand("low", 99, { priority: -1 })], turns, "cc");
    expect(ids(o)).toEqual(["cc", "bb", "aa", "low"]);
    expect(o.scores[0]).toMatchObject({ buyer: "cc", turn: "taken" });
  });

  it("weighted: furthest below its target first; a buyer without a target weighted by its lead cap for the period, else last", () => {
    const cfg = DistributionSchema.parse({ method: "weighted", targets: { aa: 100, bb: 50 } });
    if (cfg.method !== "weighted") throw new Error("parse");
    const cands = [cand("aa", 10), cand("bb", 10), cand("capped", 10, { caps: { day: 40 } }), cand("none", 90)];
    const served = new Map([
      ["aa", 30],
      ["bb", 10],
      ["capped", 20],
    ]);
    const o = weightedOrder(cands, served, cfg);
    // bb 10/50 = 0.2, aa 30/100 = 0.3, capped 20/40 = 0.5, none has no target.
    expect(ids(o)).toEqual(["bb", "aa", "capped", "none"]);
    expect(o.scores.map((s) => s.score)).toEqual([0.2, 0.3, 0.5, undefined]);
    expect(o.scores[3]).toMatchObject({ target: null, sold: 0 });
  });

  it("EPL: price × acceptance − returns per offer, a new buyer at its price, history pulling it toward what it does", () => {
    expect(eplScore(40, NO_FIGURES, 10)).toMatchObject({ score: 40, acceptance: 1, returnsPerOffer: 0, realized: null });
    // 100 offers, 40 accepted, $200 returned: (40+10)/(100+10) × 40 − 200/110.
    const s = eplScore(40, figures({ offered: 100, accepted: 40, revenue: 1600, credit: 200 }), 10);
    expect(s.acceptance).toBeCloseTo(50 / 110, 10);
    expect(s.score).toBeCloseTo(40 * (50 / 110) - 200 / 110, 10);
    expect(s.realized).toBeCloseTo((1600 - 200) / 100, 10);
    expect(eplScore(25, figures({ offered: 3, accepted: 0 }), 0).score).toBe(0);
  });

  it("EPL orders by score and explores a share of first picks with a seeded draw — the same seed, the same picks", () => {
    const cfg = DistributionSchema.parse({ method: "epl", exploration: 0.25 });
    if (cfg.method !== "epl") throw new Error("parse");
    const stats = new Map([
      ["premium", figures({ offered: 200, accepted: 80 })],
      ["steady", figures({ offered: 200, accepted: 200 })],
      ["third", figures({ offered: 200, accepted: 100 })],
    ]);
    const cands = [cand("premium", 40), cand("steady", 25), cand("third", 30)];
    expect(ids(eplOrder(cands, stats, cfg))).toEqual(["steady", "premium", "third"]);
    const run = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 2000 }, () => eplOrder(cands, stats, cfg, r));
    };
    const a = run(42);
    const b = run(42);
    expect(a.map((o) => ids(o)[0])).toEqual(b.map((o) => ids(o)[0]));
    const explored = a.filter((o) => o.explore);
    // 25 % ± 3 % of 2,000 picks explored, each putting one of the other two first, both measured.
    expect(explored.length / 2000).toBeGreaterThan(0.22);
    expect(explored.length / 2000).toBeLessThan(0.28);
    expect(new Set(explored.map((o) => ids(o)[0]))).toEqual(new Set(["premium", "third"]));
    expect(a.filter((o) => !o.explore).every((o) => ids(o)[0] === "steady")).toBe(true);
    // Without a draw (a cascade step) it never explores.
    expect(eplOrder(cands, stats, { ...cfg, exploration: 0.5 }).explore).toBeUndefined();
  });

  it("sums each buyer's figures from its own first day", () => {
    const rows = [
      {
        buyerId: "aa",
        vertical: "solar",
        day: "2026-06-01",
        offered: 5,
        accepted: 2,
        rejected: 3,
        failed: 0,
        revenue: 40,
        returned: 0,
        credit: 0,
        updatedAt: "",
      },
      {
        buyerId: "aa",
        vertical: "solar",
        day: "2026-06-09",
        offered: 4,
        accepted: 4,
        rejected: 0,
        failed: 0,
        revenue: 80,
        returned: 1,
        credit: 20,
        updatedAt: "",
      },
      {
        buyerId: "bb",
        vertical: "solar",
        day: "2026-06-01",
        offered: 1,
        accepted: 1,
        rejected: 0,
        failed: 0,
        revenue: 9,
        returned: 0,
        credit: 0,
        updatedAt: "",
      },
    ];
    const out = sumFigures(rows, [buyer("aa", 1), buyer("bb", 1)], (b) => (b.id === "aa" ? "2026-06-05" : "2026-05-01"));
    expect(out.get("aa")).toMatchObject({ offered: 4, accepted: 4, revenue: 80, returned: 1, credit: 20 });
    expect(out.get("bb")).toMatchObject({ offered: 1, accepted: 1, revenue: 9 });
  });

  it("multi-sell sells shared to its number of buyers; a source already shared keeps its own", () => {
    const ms = DistributionSchema.parse({ method: "multi_sell", maxBuyers: 3 });
    expect(multiSellTerms(DEFAULT_SALE_TERMS, ms)).toMatchObject({ mode: "shared", maxBuyers: 3 });
    const shared = SaleTermsSchema.parse({ mode: "shared", maxBuyers: 2 });
    expect(multiSellTerms(shared, ms)).toBe(shared);
    expect(multiSellTerms(DEFAULT_SALE_TERMS, { method: "waterfall" })).toBe(DEFAULT_SALE_TERMS);
    expect(DistributionSchema.parse({ method: "multi_sell" })).toEqual({ method: "multi_sell", maxBuyers: 10 });
  });
});

describe("routing config", () => {
  it("defaults every vertical to the waterfall; a vertical's own method, then the source's, win", () => {
    const c = RoutingConfigSchema.parse({ verticals: { solar: { method: "round_robin" } } });
    expect(distributionFor(c, "mortgage", undefined)).toEqual({ distribution: { method: "waterfall" }, origin: "default" });
    expect(distributionFor(c, "solar", undefined)).toEqual({ distribution: { method: "round_robin" }, origin: "vertical" });
    expect(distributionFor(c, "solar", { method: "highest_bid" })).toEqual({ distribution: { method: "highest_bid" }, origin: "source" });
    // A vertical named like an Object property is still only the config's own.
    expect(distributionFor(c, "toString", undefined).origin).toBe("default");
  });

  it("refuses unknown methods and out-of-range knobs, naming the path", () => {
    const bad = RoutingConfigSchema.safeParse({ verticals: { solar: { method: "epl", exploration: 0.9 }, legal: { method: "lottery" } } });
    expect(bad.success).toBe(false);
    const paths = bad.success ? [] : bad.error.issues.map((i) => i.path.join("."));
    expect(paths).toContain("verticals.solar.exploration");
    expect(paths).toContain("verticals.legal.method");
  });
});

describe("skip reasons", () => {
  it("the ranking names the kind of every pass-over, buyers of other verticals apart", () => {
    const lead = {
      id: "lead_1",
      source_id: "src_1",
      vertical: "solar",
      first_name: "Ann",
      last_name: "Lee",
      email: "ann@example.com",
      phone: "+12147153718",
      phone_national: "2147153718",
      address: { street: "1 Main St", city: "Dallas", state: "TX", zip: "75201" },
      consent: {},
      fields: {},
      test: false,
      received_at: "2026-06-10T16:00:00.000Z",
    };
    const { candidates, skipped, passedOver } = rankCandidates(
      [
        buyer("later", 10, { endpoint: { url: "https://x.example", mode: "async" } }),
        buyer("sandboxed", 10, { status: "sandbox" }),
        buyer("excluded", 10),
        buyer("mortgage-only", 10, { verticals: ["mortgage"] }),
        buyer("fine", 10),
      ],
      lead,
      { nowMs: Date.parse("2026-06-10T16:00:00Z"), exclude: new Set(), paused: new Set(), syncOnly: true, excluded: sourceExclusions(["excluded"]) },
    );
    expect(candidates.map((c) => c.buyer.id)).toEqual(["fine"]);
    expect(passedOver.map((p) => [p.buyerId, p.code])).toEqual([
      ["later", "sync_incompatible"],
      ["sandboxed", "sandbox"],
      ["excluded", "source_excluded"],
      ["mortgage-only", "vertical"],
    ]);
    // The plain list keeps its shape: buyer and words.
    expect(skipped[0]).toEqual({ buyerId: "later", reason: "decides later by callback: a source waiting in sync mode cannot wait for it" });
  });

  it("reads the kind of every refusal the gate can give", () => {
    const cases: [string, string][] = [
      ["day cap reached (50)", "cap"],
      ["revenue day cap reached ($990 of $1,000 used; this lead is $30)", "revenue_cap"],
      ["bid of 400 not taken: revenue day cap reached ($800 of $1,000 used; this lead is $400)", "revenue_cap"],
      ["prepaid balance spent ($10 left; this lead is $30)", "balance"],
      ["circuit open", "circuit"],
      ["circuit half-open: probe in flight", "circuit"],
      ["in-flight limit reached (5)", "in_flight"],
      ["rate limit (2/s)", "rate_limit"],
      ["buyer asked us to wait (Retry-After)", "throttled"],
      ["outside the buyer's schedule", "schedule"],
      ["buyer paused", "paused"],
      ["buyer in sandbox: test leads only", "sandbox"],
      ["the gate does not hold this config version", "unavailable"],
    ];
    for (const [reason, code] of cases) expect(skipCode(reason), reason).toBe(code);
    expect(skipText({ code: "cap", reason: "day cap reached (1)" })).toBe("passed over (cap): day cap reached (1)");
  });
});

describe("local days", () => {
  it("counts a buyer's day in its time zone and steps days by the calendar, across months and DST", () => {
    // 03:30 UTC on 1 June is still 31 May in Chicago.
    expect(localDay(Date.parse("2026-06-01T03:30:00Z"), "America/Chicago")).toBe("2026-05-31");
    expect(localDay(Date.parse("2026-06-01T03:30:00Z"), "Asia/Tokyo")).toBe("2026-06-01");
    expect(dayMinus("2026-03-09", 6)).toBe("2026-03-03");
    expect(dayMinus("2026-03-01", 1)).toBe("2026-02-28");
    expect(dayMinus("2024-03-01", 1)).toBe("2024-02-29");
    expect(monthStart("2026-11-30")).toBe("2026-11-01");
  });
});
