import { describe, expect, it } from "vitest";
import { apply, bucketOf, type CanaryState, judge, proportionWorse, recordArm, startCanary, takesCandidate } from "../../../src/buyer-gate/canary";
import type { AttemptResult } from "../../../src/buyer-gate/types";
import { CanaryPolicySchema, splitBuyerFile } from "../../../src/integration/canary";

const policy = CanaryPolicySchema.parse({ steps: [10, 50, 100], minSample: 20 });
const ok: AttemptResult = { outcome: "accepted", elapsedMs: 10, warnings: [], sent: true, circuit: "closed" };
const bad: AttemptResult = { outcome: "failed", errorClass: "client", statusCode: 400, elapsedMs: 10, warnings: [], sent: true, circuit: "closed" };
const down: AttemptResult = { outcome: "failed", errorClass: "server", statusCode: 500, elapsedMs: 10, warnings: [], sent: true, circuit: "closed" };

function feed(s: CanaryState, arm: "live" | "candidate", r: AttemptResult, n: number) {
  for (let i = 0; i < n; i++) recordArm(s, arm, r);
}

describe("canary: arms, the two-proportion test, promotion and rollback", () => {
  it("puts a lead in the same bucket every time, and about share % of leads in the candidate", () => {
    expect(bucketOf("lead_abc")).toBe(bucketOf("lead_abc"));
    const s = startCanary("cand", "live", policy, 0);
    let inCandidate = 0;
    for (let i = 0; i < 10_000; i++) if (takesCandidate(s, `lead_${i.toString(36)}x`, `d${i}`)) inCandidate++;
    expect(inCandidate).toBeGreaterThan(850);
    expect(inCandidate).toBeLessThan(1150);
  });

  it("the test: 20 of 20 lost vs 0 of 180 is significant; 2 of 20 vs 9 of 180 is not", () => {
    const worse = proportionWorse(20, 20, 0, 180, 0.05, 2.326, "lost");
    expect(worse.worse).toBe(true);
    expect(worse.z).toBeGreaterThan(10);
    const noise = proportionWorse(2, 20, 9, 180, 0.05, 2.326, "lost");
    expect(noise.worse).toBe(false);
    // A difference above the margin but on too small a sample is not enough either.
    expect(proportionWorse(3, 20, 1, 20, 0.05, 2.326, "lost").worse).toBe(false);
    // No live sample in the window: the candidate's rate against the margin alone.
    expect(proportionWorse(20, 20, 0, 0, 0.05, 2.326, "lost").worse).toBe(true);
  });

  it("waits for the minimum sample, then rolls a worse candidate back with the evidence", () => {
    const s = startCanary("cand", "live", policy, 0);
    feed(s, "live", ok, 100);
    feed(s, "candidate", bad, 19);
    expect(judge(s, policy)).toEqual({ kind: "wait" });
    feed(s, "candidate", bad, 1);
    const v = judge(s, policy);
    expect(v.kind).toBe("rollback");
    apply(s, v, 1000);
    expect(s.status).toBe("rolled_back");
    expect(takesCandidate(s, "lead_any", "d")).toBe(false);
    expect(s.events.at(-1)?.evidence?.find((e) => e.metric === "lost")).toMatchObject({ candidate: 1, live: 0, worse: true });
  });

  it("rolls back on server errors too, and promotes a candidate that is not worse step by step to 100 %", () => {
    const failing = startCanary("c", "l", policy, 0);
    feed(failing, "live", ok, 50);
    feed(failing, "candidate", down, 20);
    expect(judge(failing, policy).kind).toBe("rollback");

    const s = startCanary("c", "l", policy, 0);
    feed(s, "candidate", ok, 20);
    expect(judge(s, policy)).toEqual({ kind: "wait" }); // live has no sample yet
    feed(s, "live", ok, 20);
    apply(s, judge(s, policy), 1);
    expect(s.share).toBe(50);
    expect(s.window.candidate.sent).toBe(0); // a fresh window per step
    feed(s, "candidate", ok, 20);
    feed(s, "live", ok, 20);
    apply(s, judge(s, policy), 2);
    expect(s).toMatchObject({ share: 100, status: "promoted" });
    expect(takesCandidate(s, "lead_any", "d")).toBe(true);
  });

  it("a lead the candidate lost stays with the live version", () => {
    const s = startCanary("c", "l", CanaryPolicySchema.parse({ steps: [100] }), 0);
    expect(takesCandidate(s, "lead_1", "dlv_1")).toBe(true);
    s.forcedLive.push("dlv_1");
    expect(takesCandidate(s, "lead_1", "dlv_1")).toBe(false);
  });
});

describe("a buyer file's changeNote and canary block", () => {
  const file = { id: "acme", name: "Acme", mapping: { fields: [] }, price: 10 };
  it("splits off the note and builds the candidate by replacing top-level parts", () => {
    const s = splitBuyerFile({ ...file, changeNote: "v1", canary: { config: { price: 12 }, steps: [5, 25, 100], changeNote: "v2" } });
    expect(s.problems).toEqual([]);
    expect(s.live).toEqual(file);
    expect(s.changeNote).toBe("v1");
    expect(s.canary?.raw).toEqual({ ...file, price: 12 });
    expect(s.canary?.policy).toMatchObject({ steps: [5, 25, 100], minSample: 50, thresholds: { lostRise: 0.05, z: 2.326 } });
  });

  it("names each wrong field of the canary block", () => {
    const s = splitBuyerFile({ ...file, canary: { config: { id: "other" }, steps: [50, 25] } });
    expect(s.problems.map((p) => p.path)).toContain("canary.steps");
    const t = splitBuyerFile({ ...file, canary: { config: { id: "other" } } });
    expect(t.problems).toEqual([{ path: "canary.config.id", message: expect.stringContaining("cannot change") }]);
    expect(splitBuyerFile({ ...file, canary: { config: {}, steps: [10, 50] } }).problems.map((p) => p.path)).toEqual(["canary.steps", "canary.config"]);
  });
});
