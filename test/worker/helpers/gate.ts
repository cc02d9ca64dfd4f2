import { runInDurableObject } from "cloudflare:test";
import type { BuyerGate } from "../../../src/buyer-gate";

/**
 * Moves a BuyerGate's clock `offsetMs` ahead of real time. Set through runInDurableObject on
 * the live instance: the clock is an instance field, not part of the gate's RPC surface.
 */
export async function setGateClock(stub: DurableObjectStub<BuyerGate>, offsetMs: number): Promise<void> {
  await runInDurableObject(stub, (gate: BuyerGate) => {
    gate.clock = { now: () => Date.now() + offsetMs };
  });
}
