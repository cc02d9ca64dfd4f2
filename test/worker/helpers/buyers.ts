import { env } from "cloudflare:workers";
import { type BuyerConfig, type BuyerConfigInput, BuyerConfigSchema } from "../../../src/integration/config";
import { MOCK_CONTACT_FIELDS, MOCK_JSON_RESPONSE } from "../../mock-buyer/contract";

/** A unique id per test (buyer ids above all), so counts at the shared mock buyer never mix between tests. */
export function uid(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export { MOCK_JSON_RESPONSE } from "../../mock-buyer/contract";

/** The mock buyer's endpoint for `behavior` (`accept`, `error503`, `hang`, …) with query parameters. */
export function mockUrl(buyerId: string, behavior: string, query: Record<string, string> = {}): string {
  const q = new URLSearchParams({ respond: "json", ...query });
  return `${env.MOCK_BUYER_ORIGIN}/b/${buyerId}/${behavior}?${q}`;
}

/**
 * The one test buyer builder: a JSON buyer delivering to the mock buyer with the given
 * behaviour and query parameters. Small timeouts keep hang tests fast. `over` replaces
 * top-level parts of the config (endpoint parts are merged).
 */
export type BuyerOverrides = Omit<Partial<BuyerConfigInput>, "endpoint"> & { endpoint?: Partial<BuyerConfigInput["endpoint"]> };

export function testBuyer(id: string, behavior: string, over: BuyerOverrides = {}, query: string | Record<string, string> = ""): BuyerConfigInput {
  // The mock answers with the price it is told (default: the buyer's configured price).
  const q: Record<string, string> = typeof query === "string" ? Object.fromEntries(new URLSearchParams(query)) : { ...query };
  q.price ??= String(over.price ?? 20);
  return {
    id,
    name: `Test ${id}`,
    status: "active",
    verticals: ["auto_insurance", "mortgage", "solar", "legal"],
    price: 20,
    region: "enam",
    format: { type: "json" },
    mapping: { fields: [...MOCK_CONTACT_FIELDS, { to: "dob", from: "lead.dob", format: { date: "MM/DD/YYYY" } }] },
    response: MOCK_JSON_RESPONSE,
    retry: { maxAttempts: 3, maxServerErrorAttempts: 2 },
    ...over,
    endpoint: { method: "POST", timeoutMs: 400, ...over.endpoint, url: over.endpoint?.url || mockUrl(id, behavior, q) },
  } as BuyerConfigInput;
}

/** The same buyer, parsed by the real schema (what a BuyerGate receives). */
export function testBuyerConfig(...args: Parameters<typeof testBuyer>): BuyerConfig {
  return BuyerConfigSchema.parse(testBuyer(...args));
}
