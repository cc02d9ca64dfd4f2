import { describe, expect, it } from "vitest";
import { compileAllowlist, ipAllowed } from "../../../src/webhooks/ip";

describe("IP allowlist", () => {
  const allowed = compileAllowlist(["203.0.113.0/24", "198.51.100.7", "2001:db8:abcd::/48"]);

  it("matches IPv4 CIDRs and single addresses", () => {
    expect(allowed("203.0.113.1")).toBe(true);
    expect(allowed("203.0.113.255")).toBe(true);
    expect(allowed("203.0.114.1")).toBe(false);
    expect(allowed("198.51.100.7")).toBe(true);
    expect(allowed("198.51.100.8")).toBe(false);
  });

  it("matches IPv6 CIDRs, and IPv4-mapped IPv6 as its IPv4 address", () => {
    expect(allowed("2001:db8:abcd:12::1")).toBe(true);
    expect(allowed("2001:db8:abce::1")).toBe(false);
    expect(allowed("::ffff:203.0.113.9")).toBe(true);
    expect(allowed("::ffff:192.0.2.1")).toBe(false);
  });

  it("refuses a missing or garbage address when a list is set", () => {
    expect(allowed(undefined)).toBe(false);
    expect(allowed(null)).toBe(false);
    expect(allowed("not-an-ip")).toBe(false);
  });

  it("lets anyone through without a list", () => {
    expect(ipAllowed("192.0.2.1", undefined)).toBe(true);
    expect(ipAllowed(undefined, [])).toBe(true);
  });
});
