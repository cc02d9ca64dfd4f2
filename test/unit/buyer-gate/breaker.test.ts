import { beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker, type CircuitPolicy, type Transition } from "../../../src/buyer-gate/breaker";
import { CircuitSchema } from "../../../src/integration/config";
import { MemoryBreakerStore } from "./memory-store";

const policy: CircuitPolicy = CircuitSchema.parse({ failureThreshold: 3, minimumCalls: 5, windowSeconds: 60, cooldownSeconds: 10, maxCooldownSeconds: 35 });

describe("CircuitBreaker", () => {
  let t: number;
  let store: MemoryBreakerStore;
  let transitions: Transition[];
  let cb: CircuitBreaker;

  beforeEach(() => {
    t = 1_000_000;
    store = new MemoryBreakerStore();
    transitions = [];
    cb = new CircuitBreaker(
      store,
      () => t,
      (x) => transitions.push(x),
    );
  });

  /** One full call: permit, then its verdict. */
  function call(verdict: "success" | "failure" | "neutral") {
    const c = cb.check();
    if (!c.allowed) return c;
    const p = cb.acquire(30_000);
    cb.record(p, verdict, policy);
    return c;
  }

  function open() {
    for (let i = 0; i < 2; i++) call("success");
    for (let i = 0; i < 3; i++) call("failure");
    expect(cb.snapshot().state).toBe("open");
  }

  it("opens at the failure threshold once the minimum call count is reached", () => {
    call("failure");
    call("failure");
    call("failure");
    // 3 failures but only 3 calls: below minimumCalls (5), stays closed.
    expect(cb.snapshot().state).toBe("closed");
    call("success");
    expect(cb.snapshot().state).toBe("closed");
    call("failure");
    expect(cb.snapshot().state).toBe("open");
    expect(cb.snapshot().opens).toBe(1);
    expect(transitions.map((x) => x.to)).toEqual(["open"]);
  });

  it("stays closed for a busy buyer whose failures are a small share of its calls", () => {
    for (let i = 0; i < 20; i++) call("success");
    for (let i = 0; i < 5; i++) call("failure");
    // 5 failures (over the threshold of 3) but 20 % of 25 calls: under the 50 % failure rate.
    expect(cb.snapshot().state).toBe("closed");
    for (let i = 0; i < 20; i++) call("failure");
    expect(cb.snapshot().state).toBe("open");
  });

  it("does not count client faults and rejections as failures", () => {
    for (let i = 0; i < 20; i++) call("neutral");
    call("failure");
    call("failure");
    expect(cb.snapshot().state).toBe("closed");
  });

  it("only counts failures inside the window", () => {
    for (let i = 0; i < 4; i++) call("failure");
    expect(cb.snapshot().state).toBe("closed");
    t += 61_000; // the four failures age out
    call("failure");
    call("success");
    call("success");
    call("success");
    call("failure");
    expect(cb.snapshot().state).toBe("closed");
    call("failure");
    expect(cb.snapshot().state).toBe("open");
  });

  it("refuses while open and tells how long the cool-down has left", () => {
    open();
    t += 4_000;
    const c = cb.check();
    expect(c).toEqual({ allowed: false, reason: "circuit open", retryAfterSeconds: 6 });
  });

  it("lets exactly one probe through after the cool-down, however many ask", () => {
    open();
    t += 10_000;
    const answers = Array.from({ length: 50 }, () => {
      const c = cb.check();
      if (!c.allowed) return "refused";
      cb.acquire(30_000);
      return "probe";
    });
    expect(answers.filter((a) => a === "probe")).toHaveLength(1);
    expect(cb.snapshot().state).toBe("half_open");
  });

  it("tells the deliveries refused while the probe is out to look again within 10 s, or when the lease ends if sooner", () => {
    open();
    t += 10_000;
    cb.acquire(30_000);
    expect(cb.check()).toEqual({ allowed: false, reason: "circuit half-open: probe in flight", retryAfterSeconds: 10 });
    t += 27_000;
    expect(cb.check()).toEqual({ allowed: false, reason: "circuit half-open: probe in flight", retryAfterSeconds: 3 });
  });

  it("closes on a successful probe", () => {
    open();
    t += 10_000;
    const p = cb.acquire(30_000);
    expect(p.probe).toBe(true);
    cb.record(p, "success", policy);
    expect(cb.snapshot()).toMatchObject({ state: "closed", failedProbes: 0, closes: 1 });
    expect(cb.check()).toEqual({ allowed: true, probe: false });
    expect(transitions.map((x) => x.to)).toEqual(["open", "half_open", "closed"]);
  });

  it("reopens on a failed probe with a doubling cool-down up to the cap", () => {
    open();
    const cooldowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = cb.snapshot();
      if (s.nextProbeAt === null) throw new Error("no probe time");
      t = s.nextProbeAt;
      const p = cb.acquire(30_000);
      cb.record(p, "failure", policy);
      const after = cb.snapshot();
      expect(after.state).toBe("open");
      cooldowns.push(((after.nextProbeAt ?? 0) - t) / 1000);
    }
    expect(cooldowns).toEqual([20, 35, 35, 35]);
    expect(cb.snapshot().failedProbes).toBe(4);
    // The cool-down starts over from the base once a probe closes the circuit and it opens again.
    t = cb.snapshot().nextProbeAt ?? t;
    cb.record(cb.acquire(30_000), "success", policy);
    open();
    expect(((cb.snapshot().nextProbeAt ?? 0) - t) / 1000).toBe(10);
  });

  it("ignores a late result from a call started before the state changed", () => {
    const early = cb.acquire(30_000); // started while closed
    open();
    t += 10_000;
    const probe = cb.acquire(30_000);
    // The early call answers fine, late: it must not close the circuit.
    expect(cb.record(early, "success", policy)).toBe(false);
    expect(cb.snapshot().state).toBe("half_open");
    cb.record(probe, "failure", policy);
    expect(cb.snapshot().state).toBe("open");
    // And a late failure cannot reopen a circuit that has since closed.
    t = cb.snapshot().nextProbeAt ?? t;
    const probe2 = cb.acquire(30_000);
    cb.record(probe2, "success", policy);
    expect(cb.record(probe, "failure", policy)).toBe(false);
    expect(cb.snapshot().state).toBe("closed");
  });

  it("a failure from a call started two states ago does not count in the new closed window", () => {
    const early = cb.acquire(30_000);
    open();
    t += 10_000;
    cb.record(cb.acquire(30_000), "success", policy);
    expect(cb.snapshot().state).toBe("closed");
    expect(cb.record(early, "failure", policy)).toBe(false);
    expect(cb.windowCounts(policy)).toEqual({ calls: 0, failures: 0 });
  });

  it("a probe whose request was never sent gives its permit back", () => {
    open();
    t += 10_000;
    const p = cb.acquire(30_000);
    expect(cb.check().allowed).toBe(false);
    cb.release(p);
    expect(cb.check()).toEqual({ allowed: true, probe: true });
    expect(cb.snapshot().state).toBe("half_open");
  });

  it("a probe permit that is never answered lapses with its lease", () => {
    open();
    t += 10_000;
    cb.acquire(5_000);
    t += 4_000;
    expect(cb.check().allowed).toBe(false);
    t += 1_001;
    expect(cb.check()).toEqual({ allowed: true, probe: true });
  });

  it("the alarm tick moves open to half-open only after the cool-down", () => {
    open();
    t += 9_999;
    expect(cb.tick()).toBe(false);
    expect(cb.snapshot().state).toBe("open");
    t += 1;
    expect(cb.tick()).toBe(true);
    expect(cb.snapshot().state).toBe("half_open");
    expect(cb.check()).toEqual({ allowed: true, probe: true });
  });

  it("persists: a new breaker over the same store sees the open circuit", () => {
    open();
    const again = new CircuitBreaker(store, () => t);
    expect(again.check().allowed).toBe(false);
  });
});
