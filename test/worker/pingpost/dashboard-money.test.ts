import { describe, expect, it } from "vitest";
import { mockUrl, testBuyer, uid } from "../helpers/buyers";
import { testClock } from "../helpers/engine";
import { ADMIN, newSource, sampleLead } from "../helpers/sources";
import { appWith, bidder, salesRows, sourceWithTerms } from "./helpers";

// The executive dashboard's payout and margin, per source, per buyer and in total, against
// `/v1/metrics` (`pingPost`) for the same window: sales made through the real routes (a sync
// lead sold at a fixed price, a ping/post lead sold to a bid with a margin payout rule) to
// buyers at the mock buyer on loopback.

const BASE = "https://leadwire.test";

interface Money {
  revenue: number;
  payout: number;
  margin: number;
}

interface PingPostMetrics {
  pingPost: {
    money: Money & { sales: number };
    sources: (Money & { sourceId: string; sales: number })[];
    buyers: (Omit<Money, "margin"> & { buyerId: string; sales: number })[];
  };
}

/** "$1,234.50" → 1234.5; "—" → null. */
function dollars(text: string): number | null {
  const t = text.trim();
  if (t === "—") return null;
  expect(t).toMatch(/^-?\$[\d,]+\.\d\d$/);
  return Number(t.replace(/[$,]/g, ""));
}

/** "12.5%" → 0.125; "—" → null. */
function share(text: string): number | null {
  const t = text.trim();
  if (t === "—") return null;
  expect(t).toMatch(/^-?\d+\.\d%$/);
  return Number(t.slice(0, -1)) / 100;
}

/** The cells of the row marked `attr="value"` in the table with this id, by their `data-col`. */
function rowOf(page: string, table: string, attr: string, value: string): Record<string, string> {
  const t = page.match(new RegExp(`<table id="${table}">([\\s\\S]*?)</table>`))?.[1];
  if (t === undefined) throw new Error(`no table #${table} on the page`);
  const row = t.match(new RegExp(`<tr ${attr}="${value}">([\\s\\S]*?)</tr>`))?.[1];
  if (row === undefined) throw new Error(`no row ${attr}=${value} in #${table}`);
  return Object.fromEntries([...row.matchAll(/data-col="([\w-]+)">([^<]*)</g)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

function kpi(page: string, key: string): string {
  const v = page.match(new RegExp(`data-kpi="${key}">([^<]*)<`))?.[1];
  if (v === undefined) throw new Error(`no KPI ${key} on the page`);
  return v;
}

/** What the page should show for a row: the money of /v1/metrics, margin % of its revenue. */
function expected(m: Omit<Money, "margin">) {
  const margin = Math.round((m.revenue - m.payout) * 100) / 100;
  return { payout: m.payout, margin, share: m.revenue > 0 ? Math.round((margin / m.revenue) * 1000) / 1000 : null };
}

describe("the executive dashboard's payout and margin", () => {
  it("shows per source, per buyer and in total the revenue, payout and margin /v1/metrics reports for the same window", async () => {
    const fixed = uid("dash-fixed");
    const best = uid("dash-bid");
    const clock = testClock();
    // The fixed-price buyer only buys mortgage leads, the bidder only auto: each lead has one buyer.
    const {
      app,
      call,
      env: testEnv,
    } = appWith(
      [
        testBuyer(fixed, "accept", {
          price: 25,
          verticals: ["mortgage"],
          // Test leads go to the sandbox URL only: this one sells them too.
          endpoint: { sandboxUrl: mockUrl(fixed, "accept", { price: "25", sandbox: "1" }) },
        }),
        bidder(best, { price: 60, bidId: "D-60" }, "accept", { verticals: ["auto_insurance"] }),
      ],
      clock,
    );
    const direct = await newSource(`Dash direct ${fixed}`);
    const pinger = await sourceWithTerms({ payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 800 }, `Dash ping ${best}`);

    // A sync lead sold at the buyer's fixed price; its source has no payout rule, so it is paid nothing.
    const mortgage = sampleLead({ vertical: "mortgage" });
    const sync = await call("/v1/leads?mode=sync", direct.apiKey, mortgage);
    expect(sync.status).toBe(200);
    expect(await sync.json()).toMatchObject({ status: "sold", buyer: fixed, price: 25 });
    // A test lead sold the same way counts nowhere: neither /v1/metrics nor the page adds it.
    const testSale = await call("/v1/leads?mode=sync", direct.apiKey, sampleLead({ vertical: "mortgage", test: true }));
    expect(testSale.status).toBe(200);
    const tested = await testSale.json<{ id: string }>();
    expect(tested).toMatchObject({ status: "sold", buyer: fixed, price: 25 });
    expect(await salesRows(tested.id)).toEqual([expect.objectContaining({ buyer_id: fixed, source_id: direct.id, price: 25, test: 1 })]);

    // A ping/post lead sold to the bid of 60; the source's margin rule pays it 60 − 5.
    const lead = sampleLead();
    const address = lead.address as Record<string, unknown>;
    const pinged = await call("/v1/ping", pinger.apiKey, {
      vertical: lead.vertical,
      address: { state: address.state, zip: address.zip, city: address.city },
      homeowner: lead.homeowner,
      fields: lead.fields,
    });
    expect(pinged.status).toBe(200);
    const offer = await pinged.json<{ ping_id: string; price: number }>();
    expect(offer.price).toBe(55);
    const posted = await call("/v1/post", pinger.apiKey, { ping_id: offer.ping_id, lead });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ status: "sold", payout: 55 });

    const metricsRes = await app.request("/v1/metrics?window=24h", { headers: { authorization: `Bearer ${ADMIN}` } }, testEnv);
    expect(metricsRes.status).toBe(200);
    const pp = (await metricsRes.json<PingPostMetrics>()).pingPost;
    expect(pp.sources.find((s) => s.sourceId === direct.id)).toMatchObject({ sales: 1, revenue: 25, payout: 0, margin: 25 });
    expect(pp.sources.find((s) => s.sourceId === pinger.id)).toMatchObject({ sales: 1, revenue: 60, payout: 55, margin: 5 });

    const login = await app.request(`${BASE}/dashboard/login`, { method: "POST", body: new URLSearchParams({ token: ADMIN }), redirect: "manual" }, testEnv);
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
    const res = await app.request(`${BASE}/dashboard?view=executive&window=24h`, { headers: { cookie } }, testEnv);
    expect(res.status).toBe(200);
    const page = await res.text();

    // Per source: the page's payout, margin and margin % are /v1/metrics' for that source.
    for (const [src, want] of [
      [direct.id, { payout: 0, margin: 25, share: 1 }],
      [pinger.id, { payout: 55, margin: 5, share: 0.083 }],
    ] as const) {
      const m = pp.sources.find((s) => s.sourceId === src);
      if (!m) throw new Error(`/v1/metrics has no source ${src}`);
      expect(expected(m)).toEqual(want);
      const row = rowOf(page, "sources", "data-source", src);
      expect(dollars(row.revenue ?? "")).toBe(m.revenue);
      expect(dollars(row.payout ?? "")).toBe(m.payout);
      expect(dollars(row.margin ?? "")).toBe(m.margin);
      expect(share(row["margin-pct"] ?? "")).toBe(want.share);
    }

    // Per buyer: revenue, the payout its leads cost, margin.
    for (const [buyer, want] of [
      [fixed, { revenue: 25, payout: 0, margin: 25, share: 1 }],
      [best, { revenue: 60, payout: 55, margin: 5, share: 0.083 }],
    ] as const) {
      const m = pp.buyers.find((b) => b.buyerId === buyer);
      if (!m) throw new Error(`/v1/metrics has no buyer ${buyer}`);
      expect({ revenue: m.revenue, ...expected(m) }).toEqual(want);
      const row = rowOf(page, "buyer-money", "data-buyer", buyer);
      expect(row.sales).toBe("1");
      expect(dollars(row.revenue ?? "")).toBe(want.revenue);
      expect(dollars(row.payout ?? "")).toBe(want.payout);
      expect(dollars(row.margin ?? "")).toBe(want.margin);
      expect(share(row["margin-pct"] ?? "")).toBe(want.share);
    }

    // The KPI cards: total payout and margin, as /v1/metrics sums them over every sale of the window.
    expect(dollars(kpi(page, "payout"))).toBe(pp.money.payout);
    expect(dollars(kpi(page, "payout-margin"))).toBe(pp.money.margin);
    expect(pp.money.payout).toBeGreaterThanOrEqual(55);
  });

  it("a source with no sales in the window shows no payout, no margin and no margin % (not 0 %)", async () => {
    const clock = testClock();
    const { app, env: testEnv } = appWith([], clock);
    const idle = await newSource(`Dash idle ${uid("idle")}`);
    const login = await app.request(`${BASE}/dashboard/login`, { method: "POST", body: new URLSearchParams({ token: ADMIN }), redirect: "manual" }, testEnv);
    const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
    const page = await (await app.request(`${BASE}/dashboard?view=executive&window=1h`, { headers: { cookie } }, testEnv)).text();
    const row = rowOf(page, "sources", "data-source", idle.id);
    expect(row).toMatchObject({ revenue: "$0.00", payout: "$0.00", margin: "$0.00", "margin-pct": "—" });
  });
});
