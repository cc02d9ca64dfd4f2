import { describe, expect, it } from "vitest";
import type { NormalizedLead } from "../../../src/core/lead";
import { inSchedule, localTime, rankCandidates } from "../../../src/delivery/eligibility";
import type { BuyerConfig } from "../../../src/integration/config";

const lead: NormalizedLead = {
  id: "lead_1",
  source_id: "src_1",
  vertical: "mortgage",
  first_name: "Ann",
  last_name: "Lee",
  email: "ann@example.com",
  phone: "+12147153718",
  phone_national: "2147153718",
  address: { street: "1 Main St", city: "Dallas", state: "TX", zip: "75201" },
  dob: "1980-01-01",
  consent: { trustedform_cert_url: "https://cert.trustedform.com/a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2" },
  fields: { credit_rating: "good", loan_amount: 300000 },
  test: false,
  received_at: "2026-11-28T00:00:00.000Z",
};

function buyer(id: string, over: Partial<BuyerConfig> = {}): BuyerConfig {
  return {
    id,
    name: id,
    status: "active",
    verticals: ["mortgage"],
    price: 20,
    priority: 0,
    filters: {},
    caps: { timezone: "America/New_York" },
    region: "enam",
    endpoint: { url: "http://x", method: "POST", headers: {}, mode: "sync", ackTimeoutSeconds: 3600, followRedirects: false },
    ...over,
  } as BuyerConfig;
}

const NOW = Date.parse("2026-11-25T15:00:00Z"); // Wednesday 10:00 in New York

describe("ranking", () => {
  it("orders by price, then priority, then id, and leaves out excluded, paused and filtered buyers", () => {
    const buyers = [
      buyer("cheap", { price: 10 }),
      buyer("rich", { price: 40 }),
      buyer("tie-b", { price: 30, priority: 1 }),
      buyer("tie-a", { price: 30, priority: 1 }),
      buyer("tie-low", { price: 30, priority: 0 }),
      buyer("solar", { verticals: ["solar"], price: 99 }),
      buyer("ca-only", { price: 99, filters: { states: ["CA"] } }),
      buyer("excluded", { price: 98 }),
      buyer("paused", { price: 97 }),
      buyer("credit", { price: 96, filters: { rules: [{ field: "fields.credit_rating", op: "in", value: ["excellent"] }] } }),
      buyer("big-loans", { price: 95, filters: { rules: [{ field: "lead.fields.loan_amount", op: "gte", value: 250000 }] } }),
    ];
    const { candidates, skipped } = rankCandidates(buyers, lead, { nowMs: NOW, exclude: new Set(["excluded"]), paused: new Set(["paused"]) });
    expect(candidates.map((c) => c.buyer.id)).toEqual(["big-loans", "rich", "tie-a", "tie-b", "tie-low", "cheap"]);
    expect(skipped.map((s) => s.buyerId).sort()).toEqual(["ca-only", "credit", "paused", "solar"]);
  });

  it("sends test leads only to buyers with a sandbox, and never real leads to sandbox-status buyers", () => {
    const buyers = [buyer("live"), buyer("sb", { status: "sandbox" }), buyer("has-sandbox", { endpoint: { ...buyer("x").endpoint, sandboxUrl: "http://sb" } })];
    const real = rankCandidates(buyers, lead, { nowMs: NOW, exclude: new Set(), paused: new Set() });
    expect(real.candidates.map((c) => c.buyer.id).sort()).toEqual(["has-sandbox", "live"]);
    const test = rankCandidates(buyers, { ...lead, test: true }, { nowMs: NOW, exclude: new Set(), paused: new Set() });
    expect(test.candidates.map((c) => c.buyer.id).sort()).toEqual(["has-sandbox", "sb"]);
    expect(test.candidates.every((c) => c.sandbox)).toBe(true);
  });

  it("applies age and consent filters", () => {
    const old = buyer("seniors", { filters: { minAge: 65 } });
    const tf = buyer("tf", { filters: { requireJornaya: true } });
    const { candidates } = rankCandidates([old, tf], lead, { nowMs: NOW, exclude: new Set(), paused: new Set() });
    expect(candidates).toEqual([]);
  });
});

describe("schedule", () => {
  it("reads local time in the buyer's zone", () => {
    expect(localTime(NOW, "America/New_York")).toEqual({ day: "wed", minutes: 600 });
    expect(localTime(NOW, "America/Los_Angeles")).toEqual({ day: "wed", minutes: 420 });
  });
  it("opens on the listed days and hours only, including windows across midnight", () => {
    const weekdays = buyer("b", {
      schedule: { timezone: "America/New_York", days: ["mon", "tue", "wed", "thu", "fri"], hours: { start: "09:00", end: "17:00" } },
    });
    expect(inSchedule(weekdays, NOW)).toBe(true);
    expect(inSchedule(weekdays, NOW + 8 * 3_600_000)).toBe(false); // 18:00
    expect(inSchedule(weekdays, Date.parse("2026-11-28T15:00:00Z"))).toBe(false); // Saturday
    const night = buyer("n", { schedule: { timezone: "America/New_York", hours: { start: "22:00", end: "06:00" } } });
    expect(inSchedule(night, Date.parse("2026-11-26T04:00:00Z"))).toBe(true); // 23:00 local
    expect(inSchedule(night, Date.parse("2026-11-26T10:00:00Z"))).toBe(true); // 05:00 local
    expect(inSchedule(night, NOW)).toBe(false);
    expect(inSchedule(buyer("always"), NOW)).toBe(true);
  });
});

describe("sync mode", () => {
  it("leaves out buyers that only acknowledge and decide later", () => {
    const asyncBuyer = buyer("later", { price: 99, endpoint: { ...buyer("x").endpoint, mode: "async" } });
    const now = buyer("now", { price: 10 });
    const sync = rankCandidates([asyncBuyer, now], lead, { nowMs: NOW, exclude: new Set(), paused: new Set(), syncOnly: true });
    expect(sync.candidates.map((c) => c.buyer.id)).toEqual(["now"]);
    const async = rankCandidates([asyncBuyer, now], lead, { nowMs: NOW, exclude: new Set(), paused: new Set() });
    expect(async.candidates.map((c) => c.buyer.id)).toEqual(["later", "now"]);
  });
});

describe("source quality", () => {
  it("keeps buyers with a minimum source quality away from low-scoring sources", () => {
    const picky = buyer("picky", { price: 50, filters: { minSourceQuality: 80 } });
    const any = buyer("any", { price: 10 });
    const low = rankCandidates([picky, any], lead, { nowMs: NOW, exclude: new Set(), paused: new Set(), sourceQuality: 62 });
    expect(low.candidates.map((c) => c.buyer.id)).toEqual(["any"]);
    expect(low.skipped).toEqual([{ buyerId: "picky", reason: "source quality 62 below 80" }]);
    const good = rankCandidates([picky, any], lead, { nowMs: NOW, exclude: new Set(), paused: new Set(), sourceQuality: 95 });
    expect(good.candidates.map((c) => c.buyer.id)).toEqual(["picky", "any"]);
  });
});
