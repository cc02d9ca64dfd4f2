import { describe, expect, it } from "vitest";
import { LEASE_MS, leaseNeedsKeepAlive, RUN_LEASE_MS } from "../../../src/delivery/run";
import type { BuyerConfig } from "../../../src/integration/config";

const buyer = (timeoutMs?: number) => ({ endpoint: { timeoutMs } }) as unknown as BuyerConfig;

describe("the routing lease's keep-alive", () => {
  it("is not written for the first call after the lease is taken, at the default timeout", () => {
    const t0 = 1_000_000;
    expect(leaseNeedsKeepAlive(t0 + RUN_LEASE_MS, buyer(), t0)).toBe(false);
    expect(leaseNeedsKeepAlive(t0 + RUN_LEASE_MS, buyer(10_000), t0 + 5_000)).toBe(false);
  });

  it("is written before a call the lease would not outlast with half of LEASE_MS to settle", () => {
    const t0 = 1_000_000;
    expect(leaseNeedsKeepAlive(t0 + RUN_LEASE_MS, buyer(60_000), t0)).toBe(true);
    expect(leaseNeedsKeepAlive(t0 + RUN_LEASE_MS, buyer(), t0 + LEASE_MS / 2 + 1)).toBe(true);
  });
});
