import type { BuyerConfig } from "../integration/config";
import type { GateStatus } from "./types";

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
