/**
 * Buyer-config pieces that match the mock buyer's protocol (README beside this file). Plain
 * data, no runtime imports, so the workerd tests and the Node e2e tests share one definition.
 */

/** Response rules for the mock buyer's JSON answers (accept, reject, error, async ack). */
export const MOCK_JSON_RESPONSE = {
  contentType: "json",
  statusField: { path: "status", accepted: ["accepted"], rejected: ["rejected"], error: ["error"], pending: ["received"] },
  buyerLeadId: ["lead_id", "ack_id"],
  reason: ["reason", "message"],
  price: "price",
} as const;

/** Response rules for the mock buyer's `bid` answers to a ping (ping/post buyers). */
export const MOCK_PING_RESPONSE = {
  contentType: "json",
  statusField: { path: "status", accepted: ["bid"], rejected: ["no_bid"] },
  price: "price",
  bidId: "bid_id",
  expiresIn: "expires_in",
  expiresAt: "expires_at",
  reason: "reason",
} as const;

/** What a test ping sends: nothing that identifies the consumer. */
export const MOCK_PING_FIELDS = [
  { to: "vertical", from: "lead.vertical", required: true },
  { to: "state", from: "lead.address.state", required: true },
  { to: "zip", from: "lead.address.zip", required: true },
] as const;

/** The contact fields every test buyer sends. */
export const MOCK_CONTACT_FIELDS = [
  { to: "first_name", from: "lead.first_name", required: true },
  { to: "last_name", from: "lead.last_name", required: true },
  { to: "email", from: "lead.email", required: true },
  { to: "phone", from: "lead.phone", required: true, format: { phone: "digits10" } },
  { to: "state", from: "lead.address.state" },
  { to: "zip", from: "lead.address.zip" },
] as const;

/** Webhook rules for the mock buyer's Standard Webhooks-signed `lead.decision` callback. */
export function mockCallbackWebhook(secretName: string) {
  return {
    scheme: "standard_webhooks" as const,
    secrets: [{ secret: secretName }],
    events: {
      id: { jsonPath: "$.id" },
      type: { jsonPath: "$.type" },
      types: { "lead.decision": "decision" as const },
      decision: {
        deliveryId: { jsonPath: "$.delivery_id" },
        buyerLeadId: { jsonPath: "$.lead_id" },
        decision: { jsonPath: "$.decision" },
        price: { jsonPath: "$.price" },
        reason: { jsonPath: "$.reason" },
      },
    },
  };
}
