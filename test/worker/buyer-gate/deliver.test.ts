import { describe, expect, it } from "vitest";
import { gate, gateBuyer, input, lead, pinGateClock, received, setGateClock, uid } from "./fixtures";

describe("BuyerGate.deliver against the mock buyer", () => {
  it("accepts: buyer lead id, price, the exact request and the response are captured", async () => {
    const b = gateBuyer(uid("acc"), "accept");
    const inp = input(b);
    const r = await gate(b).deliver(inp);
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 200, price: 25, sent: true, circuit: "closed" });
    expect(r.buyerLeadId).toMatch(/^MB-\d+$/);
    expect(r.request?.headers["Idempotency-Key"]).toBe(inp.idempotencyKey);
    expect(r.response?.body).toContain("accepted");
    expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
    const got = await received(b.id);
    expect(got).toHaveLength(1);
    // What we report as sent is what the buyer got.
    expect(got[0]?.body).toBe(r.request?.body);
    expect(got[0]?.headers["idempotency-key"]).toBe(inp.idempotencyKey);
  });

  it("rejects with the buyer's reason", async () => {
    const b = gateBuyer(uid("rej"), "reject");
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "rejected", errorClass: "rejected", reason: "Duplicate lead", sent: true });
  });

  it.each([
    ["bad-request", "client", 400],
    ["unauthorized", "client", 401],
    ["forbidden", "client", 403],
    ["not-found", "client", 404],
    ["gone", "client", 410],
    ["error500", "server", 500],
    ["error502", "server", 502],
    ["error503", "transient", 503],
    ["rate-limit", "transient", 429],
  ])("%s → %s (%i)", async (behavior, errorClass, status) => {
    const b = gateBuyer(uid(behavior), behavior);
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass, statusCode: status, sent: true });
    // A 401 without OAuth is final: no refresh, no resend.
    expect(await received(b.id)).toHaveLength(1);
  });

  it("a connection reset after sending is ambiguous: the buyer may have the lead", async () => {
    const b = gateBuyer(uid("reset"), "reset");
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "ambiguous", sent: true });
    expect(r.statusCode).toBeUndefined();
  });

  it("a hanging buyer times out at timeoutMs: ambiguous", async () => {
    const b = gateBuyer(uid("hang"), "hang");
    const t0 = Date.now();
    const r = await gate(b).deliver(input(b, { timeoutMs: 300 }));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "ambiguous", sent: true });
    expect(r.reason).toMatch(/timeout/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("uses the buyer's own timeout when the router gives none", async () => {
    const b = gateBuyer(uid("slow"), "slow", { endpoint: { url: "", timeoutMs: 250 } }, { ms: "1500" });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "ambiguous" });
    // Given more time, the same slow buyer answers.
    const ok = await gate(b).deliver(input(b, { timeoutMs: 5_000 }));
    expect(ok.outcome).toBe("accepted");
  });

  it("a lead missing a required field is refused before any HTTP call (cascades, no alert) and frees its slot", async () => {
    const b = gateBuyer(uid("map"), "accept", { caps: { day: 1, timezone: "UTC" } });
    await pinGateClock(gate(b));
    const r = await gate(b).deliver(input(b, { lead: lead({ phone: "" }) }));
    expect(r).toMatchObject({ outcome: "rejected", errorClass: "rejected", sent: false });
    expect(r.reason).toMatch(/lead cannot be mapped/);
    expect(await received(b.id)).toHaveLength(0);
    // The day cap of 1 is still free.
    expect((await gate(b).deliver(input(b))).outcome).toBe("accepted");
  });

  it("an async buyer's acknowledgement is pending", async () => {
    const b = gateBuyer(uid("ack"), "async", { endpoint: { url: "", mode: "async", ackTimeoutSeconds: 600 } }, { delayMs: "600000" });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "pending", statusCode: 202, sent: true });
  });

  it("a paused buyer or a closed schedule defers without an HTTP call", async () => {
    const paused = gateBuyer(uid("paused"), "accept", { status: "paused" });
    expect(await gate(paused).deliver(input(paused))).toMatchObject({ outcome: "deferred", errorClass: "deferred", sent: false });
    // Open only one minute a day, the minute that is not now.
    const now = new Date();
    const hh = (now.getUTCHours() + 12) % 24;
    const start = `${String(hh).padStart(2, "0")}:00`;
    const end = `${String(hh).padStart(2, "0")}:01`;
    const closed = gateBuyer(uid("sched"), "accept", { schedule: { timezone: "UTC", hours: { start, end } } });
    const r = await gate(closed).deliver(input(closed));
    expect(r).toMatchObject({ outcome: "deferred", reason: "outside the buyer's schedule" });
    expect(r.retryAfterSeconds).toBeGreaterThan(10 * 3600);
    expect(r.retryAfterSeconds).toBeLessThanOrEqual(13 * 3600);
    expect(await received(paused.id)).toHaveLength(0);
    expect(await received(closed.id)).toHaveLength(0);
  });

  it("a sandbox buyer takes only sandbox deliveries", async () => {
    const b = gateBuyer(uid("sbx"), "accept", { status: "sandbox" });
    expect((await gate(b).deliver(input(b))).outcome).toBe("deferred");
    const r = await gate(b).deliver(input(b, { sandbox: true }));
    expect(r.outcome).toBe("accepted");
    expect(r.request?.headers["X-Leadwire-Test"]).toBe("true");
  });
});

describe("Retry-After", () => {
  it("a 429 carries Retry-After and holds every send to the buyer until then", async () => {
    const b = gateBuyer(uid("429"), "rate-limit", {}, { retryAfter: "7" });
    const g = gate(b);
    await setGateClock(g, 0);
    const r = await g.deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "transient", retryAfterSeconds: 7 });
    const next = await g.deliver(input(b));
    expect(next).toMatchObject({ outcome: "deferred", sent: false });
    expect(next.retryAfterSeconds).toBeGreaterThanOrEqual(6);
    expect(next.retryAfterSeconds).toBeLessThanOrEqual(7);
    expect(await received(b.id)).toHaveLength(1);
    // A 429 is not a health failure: the circuit stays closed.
    expect(next.circuit).toBe("closed");
    await setGateClock(g, 7_500);
    expect((await g.deliver(input(b))).sent).toBe(true);
    expect(await received(b.id)).toHaveLength(2);
  });

  it("a 503 Retry-After given as an HTTP date is read in seconds", async () => {
    const when = new Date(Date.now() + 120_000).toUTCString();
    const b = gateBuyer(uid("503d"), "error503", {}, { retryAfter: when });
    const r = await gate(b).deliver(input(b));
    expect(r.errorClass).toBe("transient");
    expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(115);
    expect(r.retryAfterSeconds).toBeLessThanOrEqual(121);
  });
});
