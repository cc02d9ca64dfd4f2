import { env } from "cloudflare:workers";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { MOCK_CONTACT_FIELDS, MOCK_JSON_RESPONSE } from "../../mock-buyer/contract";

/** A unique buyer id per test, so counts at the shared mock buyer never mix between tests. */
export function uid(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export { MOCK_JSON_RESPONSE } from "../../mock-buyer/contract";

/**
 * A JSON buyer delivering to the mock buyer with the given behaviour (`accept`, `error503`,
 * `hang`, …) and query parameters. Small timeouts keep hang tests fast.
 */
export function testBuyer(id: string, behavior: string, over: Partial<BuyerConfigInput> = {}, query = ""): BuyerConfigInput {
  // The mock answers with the price it is told (default: the buyer's configured price).
  const price = over.price ?? 20;
  if (!/(^|&)price=/.test(query)) query = query ? `${query}&price=${price}` : `price=${price}`;
  return {
    id,
    name: `Test ${id}`,
    status: "active",
    verticals: ["auto_insurance", "mortgage", "solar", "legal"],
    price: 20,
    region: "enam",
    endpoint: {
      url: `${env.MOCK_BUYER_ORIGIN}/b/${id}/${behavior}?respond=json${query ? `&${query}` : ""}`,
      method: "POST",
      timeoutMs: 400,
    },
    format: { type: "json" },
    mapping: {
      fields: [...MOCK_CONTACT_FIELDS, { to: "dob", from: "lead.dob", format: { date: "MM/DD/YYYY" } }],
    },
    response: MOCK_JSON_RESPONSE,
    retry: { maxAttempts: 3, maxServerErrorAttempts: 2 },
    ...over,
  } as BuyerConfigInput;
}
