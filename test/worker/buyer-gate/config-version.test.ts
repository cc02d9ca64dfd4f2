import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BuyerGate } from "../../../src/buyer-gate";
import { deliverThroughGate, pingThroughGate } from "../../../src/buyer-gate/client";
import { configVersion } from "../../../src/integration/version";
import { countingGates } from "../helpers/counting";
import { gate, gateBuyer, input, received, uid } from "./fixtures";

/**
 * The gate is named its buyer by id and config version; the config goes along only when the
 * gate may not hold that version. Whatever the gate holds, the delivery uses the caller's config.
 */
describe("buyer config by version", () => {
  it("a version the gate does not hold is answered configWanted, with nothing sent and nothing reserved", async () => {
    const b = gateBuyer(uid("ver"), "accept", { caps: { day: 1, timezone: "UTC" } });
    const g = gate(b);
    const { buyer: _b, ...rest } = input(b);
    const r = await g.deliver({ ...rest, buyer: { ref: b.id, version: configVersion(b) } });
    expect(r).toMatchObject({ outcome: "deferred", configWanted: true, sent: false });
    expect(await received(b.id)).toHaveLength(0);
    expect((await g.status(b)).caps.day.used).toBe(0);
  });

  it("one RPC per delivery: the config goes along on this isolate's first call, then the version alone", async () => {
    const b = gateBuyer(uid("ver2"), "accept");
    const counted = countingGates(env.BUYER_GATE);
    const e = { BUYER_GATE: counted.ns };
    for (let i = 0; i < 3; i++) {
      const { buyer: _b, ...rest } = input(b);
      expect((await deliverThroughGate(e, b, rest)).outcome).toBe("accepted");
    }
    expect(counted.rpcs).toEqual({ deliver: 3, withConfig: 1 });
    expect(await received(b.id)).toHaveLength(3);
  });

  it("pings too: the config goes along on this isolate's first ping, then the version alone; a gate without it asks", async () => {
    const b = gateBuyer(uid("ver5"), "accept");
    const lead = input(b).lead;
    // A gate named a version it does not hold sends nothing and asks for the config.
    const asked = await gate(b).ping({ lead, pingId: uid("png"), timeoutMs: 1000, buyer: { ref: b.id, version: configVersion(b) } });
    expect(asked).toMatchObject({ configWanted: true });
    const counted = countingGates(env.BUYER_GATE);
    const e = { BUYER_GATE: counted.ns };
    for (let i = 0; i < 3; i++) expect((await pingThroughGate(e, b, { lead, pingId: uid("png"), timeoutMs: 1000 })).outcome).toBe("fixed");
    expect(counted.pings).toEqual({ ping: 3, withConfig: 1 });
  });

  it("a changed config is a new version: the gate is sent it and delivers with it", async () => {
    const id = uid("ver3");
    const v1 = gateBuyer(id, "accept", {}, { price: "11" });
    const v2 = gateBuyer(id, "accept", {}, { price: "22" });
    expect(configVersion(v1)).not.toBe(configVersion(v2));
    const { buyer: _a, ...one } = input(v1);
    expect((await deliverThroughGate(env, v1, one)).price).toBe(11);
    const { buyer: _b, ...two } = input(v2);
    expect((await deliverThroughGate(env, v2, two)).price).toBe(22);
  });

  it("after a restart the gate reads the config it stored and needs no resend", async () => {
    const b = gateBuyer(uid("ver4"), "accept");
    const g = gate(b);
    const { buyer: _a, ...first } = input(b);
    expect((await g.deliver({ ...first, buyer: { ref: b.id, version: configVersion(b), config: b } })).outcome).toBe("accepted");
    await runInDurableObject(g, (_gate: BuyerGate, state) => state.abort("restart")).catch(() => undefined);
    const { buyer: _b, ...second } = input(b);
    const r = await gate(b).deliver({ ...second, buyer: { ref: b.id, version: configVersion(b) } });
    expect(r.outcome).toBe("accepted");
    expect(r.configWanted).toBeUndefined();
  });
});
