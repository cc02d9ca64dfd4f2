import type { BuyerConfig } from "../integration/config";
import { canaryOf } from "../integration/registry";
import { configVersion } from "../integration/version";
import type { PingRequest, PingResult } from "./ping";
import type { AttemptResult, BuyerRef, DeliverInput, GateStatus } from "./types";

/** The Durable Object that guards one buyer, created near the buyer's endpoint (its region as `locationHint`). */
export function gateFor(env: { BUYER_GATE: Env["BUYER_GATE"] }, buyer: Pick<BuyerConfig, "id" | "region">) {
  return env.BUYER_GATE.get(env.BUYER_GATE.idFromName(buyer.id), { locationHint: buyer.region });
}

/** Every buyer's gate status (circuit, caps, in-flight), read in parallel; a gate that cannot answer reports its error. */
export async function gateStatuses(env: { BUYER_GATE: Env["BUYER_GATE"] }, buyers: BuyerConfig[]): Promise<Record<string, GateStatus | { error: string }>> {
  const states = await Promise.all(
    buyers.map(async (b) => {
      try {
        return await gateFor(env, b).status(b);
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return Object.fromEntries(buyers.map((b, i) => [b.id, states[i] ?? { error: "no answer" }]));
}

/** Buyer id → the config version (and candidate version) this isolate last saw its gate hold. */
const held = new Map<string, string>();
/** Buyer id → the live config version this isolate last saw its gate hold for a ping (no candidate: pings go to the live version). */
const heldForPing = new Map<string, string>();

/**
 * One ping through the buyer's gate (ping/post), the buyer named by reference like a delivery:
 * the config goes along on this isolate's first ping of that version, or when the gate asks.
 */
export async function pingThroughGate(env: { BUYER_GATE: Env["BUYER_GATE"] }, buyer: BuyerConfig, input: Omit<PingRequest, "buyer">): Promise<PingResult> {
  const stub = gateFor(env, buyer);
  const version = configVersion(buyer);
  const ref = (withConfig: boolean): BuyerRef => ({ ref: buyer.id, version, ...(withConfig ? { config: buyer } : {}) });
  let result = await stub.ping({ ...input, buyer: ref(heldForPing.get(buyer.id) !== version) });
  if (result.configWanted) result = await stub.ping({ ...input, buyer: ref(true) });
  heldForPing.set(buyer.id, version);
  return result;
}

/**
 * One delivery attempt through the buyer's gate. The gate is named the buyer by id and config
 * version; the config itself goes along only on this isolate's first call for that version
 * (a gate that restarted reads it back from its storage), and once more if the gate answers
 * that it does not hold that version. So a delivery costs one RPC, without the config's copy.
 */
export async function deliverThroughGate(
  env: { BUYER_GATE: Env["BUYER_GATE"] },
  buyer: BuyerConfig,
  input: Omit<DeliverInput, "buyer">,
): Promise<AttemptResult> {
  const stub = gateFor(env, buyer);
  const version = configVersion(buyer);
  // A buyer file's candidate version (canary) rides along by reference too; the gate picks the arm.
  const canary = canaryOf(buyer);
  const key = canary ? `${version}+${canary.version}` : version;
  const ref = (withConfig: boolean): BuyerRef => ({
    ref: buyer.id,
    version,
    ...(withConfig ? { config: buyer } : {}),
    ...(canary ? { canary: { version: canary.version, policy: canary.policy, ...(withConfig ? { config: canary.config } : {}) } } : {}),
  });
  let result = await stub.deliver({ ...input, buyer: ref(held.get(buyer.id) !== key) });
  if (result.configWanted) result = await stub.deliver({ ...input, buyer: ref(true) });
  held.set(buyer.id, key);
  return result;
}
