import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { gate, gateBuyer, input, mockUrl, received, setBehavior, setGateClock, uid } from "./fixtures";

const circuit = { failureThreshold: 3, minimumCalls: 3, windowSeconds: 60, cooldownSeconds: 30, maxCooldownSeconds: 120 };

/** A buyer answering 503 whose circuit opens after three failures. */
async function openCircuit(extra: Record<string, unknown> = {}) {
  const b = gateBuyer(uid("cb"), "error503", { circuit, ...extra });
  const g = gate(b);
  await setGateClock(g, 0);
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await g.deliver(input(b)));
  expect(results.map((r) => r.circuit)).toEqual(["closed", "closed", "open"]);
  return { b, g };
}

describe("circuit breaker in the BuyerGate", () => {
  it("opens after the threshold and sends nothing while open", async () => {
    const { b, g } = await openCircuit();
    for (let i = 0; i < 5; i++) {
      const r = await g.deliver(input(b));
      expect(r).toMatchObject({ outcome: "deferred", reason: "circuit open", sent: false, circuit: "open" });
      expect(r.retryAfterSeconds).toBeGreaterThan(25);
      expect(r.retryAfterSeconds).toBeLessThanOrEqual(30);
    }
    expect(await received(b.id)).toHaveLength(3);
    const s = await g.status(b);
    expect(s.circuit).toMatchObject({ state: "open", opens: 1, consecutiveFailedProbes: 0 });
    expect(s.circuit.openedAt).toBeDefined();
  });

  it("after the cool-down exactly one probe reaches the buyer, even with 50 leads at once; success closes", async () => {
    const { b, g } = await openCircuit();
    // The buyer recovers, slowly, so the 50 calls overlap while the probe is on the wire.
    await setBehavior(b.id, "slow", { ms: "300" });
    await setGateClock(g, 31_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => g.deliver(input(b))));
    const sent = results.filter((r) => r.sent);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ outcome: "accepted", circuit: "closed" });
    expect(results.filter((r) => r.outcome === "deferred")).toHaveLength(49);
    expect(await received(b.id)).toHaveLength(4);
    // Closed again: leads flow.
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    expect((await g.status(b)).circuit).toMatchObject({ state: "closed", opens: 1, closes: 1 });
  });

  it("a failed probe reopens with a doubled cool-down", async () => {
    const { b, g } = await openCircuit();
    await setGateClock(g, 31_000);
    const probe = await g.deliver(input(b));
    expect(probe).toMatchObject({ outcome: "failed", sent: true, circuit: "open" });
    const s = await g.status(b);
    expect(s.circuit).toMatchObject({ state: "open", consecutiveFailedProbes: 1, opens: 2 });
    const wait = (Date.parse(s.circuit.nextProbeAt ?? "") - Date.parse(s.now)) / 1000;
    expect(wait).toBeGreaterThan(55);
    expect(wait).toBeLessThanOrEqual(60);
    // 31 s later is not enough any more.
    await setGateClock(g, 62_000);
    expect((await g.deliver(input(b))).outcome).toBe("deferred");
    expect(await received(b.id)).toHaveLength(4);
  });

  it("a late answer from before the circuit opened cannot close it", async () => {
    const b = gateBuyer(uid("late"), "accept", { circuit });
    const g = gate(b);
    await setBehavior(b.id, "slow", { ms: "600" });
    // One slow success starts while closed ...
    const slow = g.deliver(input(b, { timeoutMs: 5_000 }));
    await new Promise((r) => setTimeout(r, 100));
    // ... then three quick failures open the circuit before it answers.
    await setBehavior(b.id, "error503");
    for (let i = 0; i < 3; i++) await g.deliver(input(b));
    const late = await slow;
    expect(late.outcome).toBe("accepted");
    expect(late.circuit).toBe("open");
    expect((await g.status(b)).circuit.state).toBe("open");
  });

  it("the alarm moves open → half-open when the cool-down ends, with no lead arriving", async () => {
    const { b, g } = await openCircuit();
    await runDurableObjectAlarm(g);
    expect((await g.status(b)).circuit.state).toBe("open");
    await setGateClock(g, 31_000);
    await runDurableObjectAlarm(g);
    expect((await g.status(b)).circuit.state).toBe("half_open");
    expect(await received(b.id)).toHaveLength(3);
  });

  it("with a probe URL the alarm sends the probe itself and closes the circuit", async () => {
    const id = uid("probe");
    const { b, g } = await openCircuit({ id, endpoint: { url: mockUrl(id, "error503"), probeUrl: mockUrl(id, "accept") } });
    expect(b.id).toBe(id);
    await setGateClock(g, 31_000);
    await runDurableObjectAlarm(g);
    const got = await received(b.id);
    expect(got).toHaveLength(4);
    expect(got[3]?.method).toBe("GET");
    expect((await g.status(b)).circuit).toMatchObject({ state: "closed", closes: 1 });
  });

  it("client faults and rejections do not open the circuit", async () => {
    const b = gateBuyer(uid("client"), "bad-request", { circuit });
    const g = gate(b);
    for (let i = 0; i < 6; i++) expect((await g.deliver(input(b))).circuit).toBe("closed");
    expect(await received(b.id)).toHaveLength(6);
  });
});
