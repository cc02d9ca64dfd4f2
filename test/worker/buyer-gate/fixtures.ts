import { env } from "cloudflare:workers";
import type { DeliverInput } from "../../../src/buyer-gate/types";
import type { NormalizedLead } from "../../../src/core/lead";
import type { BuyerConfig, BuyerConfigInput } from "../../../src/integration/config";
import { MIDWEEK_NOON } from "../../fixtures/time";
import { testBuyerConfig } from "../helpers/buyers";

/**
 * Every BuyerConfig these tests use is built here, through the real schema, so a change in the
 * mapping / format / response sub-schemas is adjusted in one place.
 */

export { mockUrl, uid } from "../helpers/buyers";

import { mockUrl } from "../helpers/buyers";

export { setGateClock } from "../helpers/gate";

import { setGateClock } from "../helpers/gate";

/**
 * A JSON buyer at the mock buyer for the gate tests: the shared test buyer with the four
 * fields and the response rules these tests read. `over` replaces top-level parts of the config.
 */
export function gateBuyer(id: string, behavior: string, over: Partial<BuyerConfigInput> = {}, query: Record<string, string> = {}): BuyerConfig {
  return testBuyerConfig(id, behavior, {
    verticals: ["auto_insurance"],
    mapping: {
      fields: [
        { to: "first_name", from: "lead.first_name", required: true },
        { to: "phone", from: "lead.phone", required: true },
        { to: "email", from: "lead.email" },
        { to: "zip", from: "lead.address.zip" },
      ],
    },
    response: { statusField: "status", buyerLeadId: "lead_id", reason: "reason", price: "price" },
    retry: {},
    ...over,
    endpoint: { method: "POST", timeoutMs: 2_000, ...over.endpoint, url: over.endpoint?.url || mockUrl(id, behavior, query) },
  });
}

/** A canonical lead (test: false, so caps count it). */
export function lead(over: Partial<NormalizedLead> = {}): NormalizedLead {
  const id = `lead_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  return {
    id,
    source_id: "src_gate",
    vertical: "auto_insurance",
    first_name: "Ada",
    last_name: "Lovelace",
    email: "ada@example.com",
    phone: "+12025550123",
    phone_national: "2025550123",
    address: { street: "1 Main St", city: "Dallas", state: "TX", zip: "75201" },
    consent: {},
    fields: {},
    test: false,
    received_at: new Date().toISOString(),
    ...over,
  };
}

/** A DeliverInput with fresh delivery and idempotency ids. */
export function input(buyer: BuyerConfig, over: Partial<DeliverInput> = {}): DeliverInput {
  const l = over.lead ?? lead();
  return { buyer, lead: l, deliveryId: `dlv_${crypto.randomUUID()}`, idempotencyKey: `lw-${l.id}-${buyer.id}`, attempt: 1, ...over };
}

/** The buyer's gate, as the router reaches it. */
export function gate(buyer: BuyerConfig) {
  return env.BUYER_GATE.get(env.BUYER_GATE.idFromName(buyer.id), { locationHint: buyer.region });
}

/**
 * Pins the gate's clock at `start` (default MIDWEEK_NOON; from there it runs on in real time), so
 * cap windows and schedules do not follow the real date; `advance(ms)` moves it on from `start`.
 */
export async function pinGateClock(g: ReturnType<typeof gate>, start = MIDWEEK_NOON) {
  const base = start - Date.now();
  await setGateClock(g, base);
  return { base, advance: (ms: number) => setGateClock(g, base + ms) };
}

export interface Recorded {
  method: string;
  headers: Record<string, string>;
  body: string;
  status: number | null;
  behavior: string;
}

/** What the mock buyer received for one buyer. */
export async function received(buyerId: string): Promise<Recorded[]> {
  const res = await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/requests?buyer=${encodeURIComponent(buyerId)}`);
  return (await res.json()) as Recorded[];
}

/** Overrides the behaviour of one buyer at the mock (null restores the path's). */
export async function setBehavior(buyerId: string, behavior: string | null, params: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/behavior`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ buyerId, behavior, params }),
  });
  if (!res.ok) throw new Error(`mock behavior: ${res.status} ${await res.text()}`);
}
