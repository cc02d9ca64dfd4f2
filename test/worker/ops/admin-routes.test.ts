import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordConversion, recordReturn } from "../../../src/db/closed-loop";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { MIDWEEK_NOON } from "../../fixtures/time";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, storeLead, testClock } from "../helpers/engine";
import { setGateClock } from "../helpers/gate";
import { ADMIN, sampleLead } from "../helpers/sources";

const BASE = "https://leadwire.test";
const admin = { authorization: `Bearer ${ADMIN}` };

function call(path: string, init: RequestInit = {}) {
  return exports.default.fetch(`${BASE}${path}`, init);
}

describe("buyers (admin)", () => {
  it("lists the demo buyers with their gate state, and shows one with secrets masked", async () => {
    expect((await call("/v1/buyers")).status).toBe(401);
    const res = await call("/v1/buyers", { headers: admin });
    expect(res.status).toBe(200);
    const { buyers } = await res.json<{ buyers: { id: string; gate: { circuit: { state: string }; caps: { day: { limit: number | null } } } }[] }>();
    const ids = buyers.map((b) => b.id);
    expect(ids).toEqual(expect.arrayContaining(["acme-auto", "sunrise-solar", "meridian-mortgage", "lexlink-legal", "overflow-exchange", "harbor-auto"]));
    const acme = buyers.find((b) => b.id === "acme-auto");
    expect(acme?.gate.circuit.state).toBe("closed");
    expect(acme?.gate.caps.day.limit).toBe(500);

    const one = await call("/v1/buyers/acme-auto", { headers: admin });
    const text = await one.text();
    expect(text).toContain("ACME_API_KEY");
    expect(text).not.toContain("acme-demo-key");
    expect((await call("/v1/buyers/nope", { headers: admin })).status).toBe(404);
  });

  it("previews the exact request for a lead without sending it, secrets masked", async () => {
    const before = await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/stats`)).json<{ perBuyer: Record<string, { total: number }> }>();
    const res = await call("/v1/buyers/acme-auto/preview", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ lead: sampleLead() }),
    });
    expect(res.status).toBe(200);
    const p = await res.json<{ method: string; url: string; headers: Record<string, string>; body: string }>();
    expect(p.method).toBe("POST");
    expect(p.url).toBe(`${env.MOCK_BUYER_ORIGIN}/b/acme-auto/accept?respond=json`);
    expect(JSON.stringify(p.headers)).not.toContain("acme-demo-key");
    const body = JSON.parse(p.body) as { applicant: { phones: { number: string }[] } };
    expect(body.applicant.phones[0]?.number).toBe("214-715-3718");
    const after = await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/stats`)).json<{ perBuyer: Record<string, { total: number }> }>();
    expect(after.perBuyer["acme-auto"]?.total ?? 0).toBe(before.perBuyer["acme-auto"]?.total ?? 0);

    const bad = await call("/v1/buyers/acme-auto/preview", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ lead: sampleLead({ phone: "1" }) }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { issues: { path: string }[] } }>()).error.issues[0]?.path).toBe("lead.phone");
  });

  it("sends a marked test lead to the sandbox and shows the parsed outcome", async () => {
    // acme-auto takes leads Mon–Sat 07:00–21:00 in Chicago: its gate runs on a Wednesday noon,
    // so this passes on a Sunday night too (the real clock would defer it).
    const acme = env.BUYER_GATE.get(env.BUYER_GATE.idFromName("acme-auto"));
    await setGateClock(acme, MIDWEEK_NOON - Date.now());
    let res: Response;
    try {
      res = await call("/v1/buyers/acme-auto/test", {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify(sampleLead()),
      });
    } finally {
      await setGateClock(acme, 0);
    }
    expect(res.status).toBe(200);
    const t = await res.json<{ outcome: string; buyerLeadId: string; request: { url: string; headers: Record<string, string> } }>();
    expect(t.outcome).toBe("accepted");
    expect(t.buyerLeadId).toMatch(/^MB-/);
    expect(t.request.url).toContain("sandbox=1");
    expect(t.request.headers["X-Api-Key"] ?? t.request.headers["x-api-key"]).toBe("[redacted]");
    const seen = await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/requests?buyer=acme-auto`)).json<
      { headers: Record<string, string>; query: Record<string, string> }[]
    >();
    expect(seen.some((r) => r.headers["x-leadwire-test"] === "true")).toBe(true);
  });
});

describe("metrics and alerts (admin)", () => {
  it("reports success rate, latency percentiles, errors by class and revenue per buyer", async () => {
    const good = uid("m-good");
    const bad = uid("m-bad");
    const h = harness([testBuyer(bad, "forbidden", { price: 50 }), testBuyer(good, "accept", { price: 30 })]);
    const clock = testClock();
    for (let i = 0; i < 4; i++) {
      const id = await storeLead(h.env, clock);
      await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    }
    // Closed loop: the buyer reported one conversion and returned one lead (recorded the way the
    // events consumer records them, so the rollups count them).
    const soldLeads = await env.DB.prepare("SELECT id, source_id, sold_price FROM leads WHERE sold_buyer_id = ? LIMIT 2")
      .bind(good)
      .all<{ id: string; source_id: string; sold_price: number }>();
    const [l1, l2] = soldLeads.results;
    if (!l1 || !l2) throw new Error("expected two sold leads");
    const nowMs = Date.now();
    const effect = (l: { id: string; source_id: string }, tag: string) => ({
      leadId: l.id,
      buyerId: good,
      sourceId: l.source_id,
      rowId: `${tag}-${l.id}`,
      timelineId: `evt-${tag}-${l.id}`,
      eventId: `ev-${tag}`,
      nowMs,
    });
    await recordConversion(env, { ...effect(l1, "cv"), revenue: 900 });
    await recordReturn(env, { ...effect(l2, "rt"), reasonCode: "wrong_number", credit: l2.sold_price, scoreDelta: -5 });
    const res = await call("/v1/metrics?window=1h", { headers: admin });
    expect(res.status).toBe(200);
    const m = await res.json<{
      buyers: {
        buyerId: string;
        attempts: number;
        successRate: number;
        latencyMs: { p50: number; p95: number; p99: number };
        errorsByClass: Record<string, number>;
        revenue: number;
      }[];
      circuits: Record<string, unknown>;
    }>();
    const g = m.buyers.find((b) => b.buyerId === good);
    const b = m.buyers.find((x) => x.buyerId === bad);
    // Every lead tried the higher-priced buyer first (403), then sold to the good one.
    expect(g).toMatchObject({ attempts: 4, successRate: 1, revenue: 120, conversions: 1, conversionRevenue: 900, returns: 1, credited: 30 });
    expect(b).toMatchObject({ attempts: 4, successRate: 0, errorsByClass: { client: 4 } });
    expect(g?.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect((g?.latencyMs.p99 ?? 0) >= (g?.latencyMs.p50 ?? 0)).toBe(true);
    expect((await call("/v1/metrics?window=forever", { headers: admin })).status).toBe(400);
    const alerts = await (await call("/v1/admin/alerts", { headers: admin })).json<{ alerts: { buyer_id: string }[] }>();
    // Four leads hit the same 403: one alert, not four (the attempts hold the detail).
    expect(alerts.alerts.filter((a) => a.buyer_id === bad)).toHaveLength(1);
  });

  it("lets an admin decrypt the exact request of an attempt, and nobody else", async () => {
    const buyer = uid("enc");
    const h = harness([testBuyer(buyer, "accept")]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    const att = await env.DB.prepare("SELECT id FROM delivery_attempts WHERE lead_id = ?").bind(id).first<{ id: string }>();
    expect((await call(`/v1/admin/attempts/${att?.id}/request`)).status).toBe(401);
    const res = await call(`/v1/admin/attempts/${att?.id}/request`, { headers: admin });
    const req = await res.json<{ body: string; headers: Record<string, string> }>();
    expect(JSON.parse(req.body)).toMatchObject({ phone: "2147153718", email: "liam.obrien@example.com" });
  });
});

describe("dashboard", () => {
  it("asks for the admin token, then shows the views", async () => {
    const login = await call("/dashboard");
    expect(login.status).toBe(401);
    expect(await login.text()).toContain("Admin token");
    const wrong = await call("/dashboard/login", { method: "POST", body: new URLSearchParams({ token: "wrong" }) });
    expect(wrong.status).toBe(401);
    const ok = await call("/dashboard/login", { method: "POST", body: new URLSearchParams({ token: ADMIN }), redirect: "manual" });
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect(cookie).toMatch(/^lw_session=/);
    expect(cookie).not.toContain(ADMIN);
    for (const view of ["executive", "operations", "diagnostics"]) {
      const page = await call(`/dashboard?view=${view}`, { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Leadwire");
    }
  });
});
