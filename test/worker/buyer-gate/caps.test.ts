import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { gate, gateBuyer, input, pinGateClock, received, setBehavior, setGateClock, uid } from "./fixtures";

// Every gate here runs on a pinned clock (pinGateClock): a day cap must not reset half-way
// through a test because the real clock passed midnight somewhere.

describe("caps, in-flight and rate limit", () => {
  it("200 concurrent leads against a day cap of 50 sell exactly 50", async () => {
    const b = gateBuyer(uid("cap"), "accept", { caps: { day: 50, timezone: "America/New_York" } });
    const g = gate(b);
    await pinGateClock(g);
    const results = await Promise.all(Array.from({ length: 200 }, () => g.deliver(input(b))));
    expect(results.filter((r) => r.outcome === "accepted")).toHaveLength(50);
    const deferred = results.filter((r) => r.outcome === "deferred");
    expect(deferred).toHaveLength(150);
    expect(deferred[0]?.reason).toBe("day cap reached (50)");
    expect(await received(b.id)).toHaveLength(50);
    const s = await g.status(b);
    expect(s.caps.day).toMatchObject({ limit: 50, used: 50, left: 0 });
    expect(s.inFlight.count).toBe(0);
  }, 60_000);

  it("a full day cap defers until local midnight", async () => {
    const b = gateBuyer(uid("cap1"), "accept", { caps: { day: 1, timezone: "Asia/Tokyo" } });
    const g = gate(b);
    await pinGateClock(g);
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    const r = await g.deliver(input(b));
    expect(r.outcome).toBe("deferred");
    const s = await g.status(b);
    const toMidnight = Math.ceil((Date.parse(s.caps.day.resetsAt) - Date.parse(s.now)) / 1000);
    expect(Math.abs((r.retryAfterSeconds ?? 0) - toMidnight)).toBeLessThanOrEqual(2);
    // Tokyo midnight is 15:00 UTC.
    expect(s.caps.day.resetsAt).toMatch(/T15:00:00\.000Z$/);
  });

  it("a failed delivery gives its cap slot back", async () => {
    const b = gateBuyer(uid("rel"), "accept", { caps: { day: 1, timezone: "UTC" } });
    const g = gate(b);
    await pinGateClock(g);
    await setBehavior(b.id, "error503");
    expect((await g.deliver(input(b))).outcome).toBe("failed");
    await setBehavior(b.id, "reject");
    expect((await g.deliver(input(b))).outcome).toBe("rejected");
    await setBehavior(b.id, null);
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    expect((await g.deliver(input(b))).outcome).toBe("deferred");
  });

  it("a reservation left by a crash stops counting when its lease runs out", async () => {
    const b = gateBuyer(uid("crash"), "accept", { caps: { day: 1, timezone: "UTC" } });
    const g = gate(b);
    const clock = await pinGateClock(g);
    await g.status(b);
    await runInDurableObject(g, (_instance, state) => {
      const now = Date.now() + clock.base;
      const day = new Date(now).toISOString().slice(0, 10);
      state.storage.sql.exec(
        "INSERT INTO reservations (id, state, hour_key, day_key, week_key, month_key, in_flight, expires_at, created_at) VALUES ('dlv_crashed', 'held', 'h', ?, 'w', 'm', 1, ?, ?)",
        day,
        now + 20_000,
        now,
      );
    });
    // A crash restarts the object, which reads its storage back (it keeps its state in memory
    // and is the only writer of its storage, so a row is only ever found this way).
    await runInDurableObject(g, (_instance, state) => state.abort("crash")).catch(() => undefined);
    const restarted = gate(b);
    await setGateClock(restarted, clock.base);
    expect((await restarted.deliver(input(b))).outcome).toBe("deferred");
    await setGateClock(restarted, clock.base + 21_000);
    expect((await restarted.deliver(input(b))).outcome).toBe("accepted");
  });

  it("holds the slot of an acknowledged async delivery until settle()", async () => {
    const b = gateBuyer(
      uid("pend"),
      "async",
      { endpoint: { url: "", mode: "async", ackTimeoutSeconds: 600 }, caps: { day: 1, timezone: "UTC" } },
      { delayMs: "600000" },
    );
    const g = gate(b);
    await pinGateClock(g);
    const first = input(b);
    expect((await g.deliver(first)).outcome).toBe("pending");
    expect((await g.deliver(input(b))).outcome).toBe("deferred");
    expect((await g.status(b)).pending).toBe(1);
    await g.settle(first.deliveryId, false);
    const second = input(b);
    expect((await g.deliver(second)).outcome).toBe("pending");
    await g.settle(second.deliveryId, true);
    // Idempotent: a repeated or contradictory late settle changes nothing.
    await g.settle(second.deliveryId, true);
    await g.settle(second.deliveryId, false);
    expect((await g.status(b)).caps.day).toMatchObject({ used: 1, left: 0 });
    expect((await g.deliver(input(b))).outcome).toBe("deferred");
    expect(await received(b.id)).toHaveLength(2);
  });

  it("an unanswered async acknowledgement frees its slot after ackTimeoutSeconds", async () => {
    const b = gateBuyer(
      uid("ackexp"),
      "async",
      { endpoint: { url: "", mode: "async", ackTimeoutSeconds: 60 }, caps: { day: 1, timezone: "UTC" } },
      { delayMs: "600000" },
    );
    const g = gate(b);
    const clock = await pinGateClock(g);
    expect((await g.deliver(input(b))).outcome).toBe("pending");
    expect((await g.deliver(input(b))).outcome).toBe("deferred");
    await clock.advance(61_000);
    expect((await g.deliver(input(b))).outcome).toBe("pending");
  });

  it("max in flight: only that many requests on the wire at once", async () => {
    const b = gateBuyer(uid("inflight"), "slow", { caps: { maxInFlight: 2, timezone: "UTC" } }, { ms: "300" });
    const g = gate(b);
    const results = await Promise.all(Array.from({ length: 5 }, () => g.deliver(input(b))));
    expect(results.filter((r) => r.outcome === "accepted")).toHaveLength(2);
    const deferred = results.filter((r) => r.outcome === "deferred");
    expect(deferred).toHaveLength(3);
    expect(deferred[0]?.reason).toBe("in-flight limit reached (2)");
    // Once they answered, the next one goes.
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
  });

  it("rate limit: a token bucket of ratePerSecond, deferring with the refill time", async () => {
    const b = gateBuyer(uid("rate"), "accept", { caps: { ratePerSecond: 2, timezone: "UTC" } });
    const g = gate(b);
    const clock = await pinGateClock(g);
    const results = await Promise.all(Array.from({ length: 5 }, () => g.deliver(input(b))));
    expect(results.filter((r) => r.sent)).toHaveLength(2);
    const deferred = results.filter((r) => r.outcome === "deferred");
    expect(deferred).toHaveLength(3);
    expect(deferred[0]).toMatchObject({ reason: "rate limit (2/s)", retryAfterSeconds: 1 });
    await clock.advance(1_000);
    expect((await g.deliver(input(b))).sent).toBe(true);
  });

  it("a duplicate of an attempt that already sold is not sent again", async () => {
    const b = gateBuyer(uid("dup"), "accept");
    const g = gate(b);
    const inp = input(b);
    expect((await g.deliver(inp)).outcome).toBe("accepted");
    const again = await g.deliver({ ...inp, attempt: 2 });
    expect(again).toMatchObject({ outcome: "accepted", sent: false });
    expect(await received(b.id)).toHaveLength(1);
  });
});
