import type { NormalizedLead } from "../../../src/core/lead";
import type { BuyerConfig, BuyerConfigInput } from "../../../src/integration/config";
import { BuyerConfigSchema } from "../../../src/integration/config";
import { sampleLead } from "../../../src/integration/mapping/sample-lead";
import type { BuildContext } from "../../../src/integration/types";

export const NOW = Date.parse("2026-11-28T15:00:00Z");

/** A build context with fixed secrets/vars and a fixed clock. */
export function ctx(over: Partial<BuildContext> = {}): BuildContext {
  const secrets: Record<string, string> = {
    ACME_API_KEY: "acme-key-123456",
    SUNRISE_PASSWORD: "sunrise-pass-123",
    MERIDIAN_CLIENT_SECRET: "meridian-secret-1",
    LEXLINK_HMAC_SECRET: "lexlink-hmac-secret",
  };
  const vars: Record<string, string> = { MOCK_BUYER_ORIGIN: "http://127.0.0.1:8788" };
  return {
    secret: (n) => secrets[n],
    vars: (n) => vars[n],
    now: () => NOW,
    deliveryId: "dlv_1",
    idempotencyKey: "idem_1",
    ...over,
  };
}

/** A lead with overrides (deep for address/consent/fields). */
export function lead(over: Partial<NormalizedLead> = {}, vertical = "auto_insurance"): NormalizedLead {
  const base = sampleLead(vertical);
  return {
    ...base,
    ...over,
    address: { ...base.address, ...over.address },
    consent: { ...base.consent, ...over.consent },
    fields: { ...base.fields, ...over.fields },
  };
}

/** A minimal valid buyer config around a mapping and a format. */
export function buyer(over: Partial<BuyerConfigInput>): BuyerConfig {
  return BuyerConfigSchema.parse({
    id: "test-buyer",
    name: "Test buyer",
    verticals: ["auto_insurance"],
    price: 10,
    endpoint: { url: "https://buyer.example/leads" },
    format: { type: "json" },
    mapping: { fields: [{ to: "first", from: "first_name" }] },
    response: {},
    ...over,
  });
}
