import { env } from "cloudflare:workers";
import type { BuyerConfigInput } from "../../../src/integration/config";

/** A unique buyer id per test, so counts at the shared mock buyer never mix between tests. */
export function uid(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** JSON response rules matching the mock buyer's JSON answers. */
export const MOCK_JSON_RESPONSE = {
  contentType: "json",
  statusField: { path: "status", accepted: ["accepted"], rejected: ["rejected"], error: ["error"], pending: ["received"] },
  buyerLeadId: ["lead_id", "ack_id"],
  reason: ["reason", "message"],
  price: "price",
} as const;

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
      fields: [
        { to: "first_name", from: "lead.first_name", required: true },
        { to: "last_name", from: "lead.last_name", required: true },
        { to: "email", from: "lead.email", required: true },
        { to: "phone", from: "lead.phone", required: true, format: { phone: "digits10" } },
        { to: "state", from: "lead.address.state" },
        { to: "zip", from: "lead.address.zip" },
        { to: "dob", from: "lead.dob", format: { date: "MM/DD/YYYY" } },
      ],
    },
    response: MOCK_JSON_RESPONSE,
    retry: { maxAttempts: 3, maxServerErrorAttempts: 2 },
    ...over,
  } as BuyerConfigInput;
}
