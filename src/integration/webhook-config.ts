import ipaddr from "ipaddr.js";
import { z } from "zod";
import { SecretRefSchema } from "./secret-ref";
// The same selector machinery as buyer response parsing, so a callback shape needs no code.
import { SelectorSchema } from "./selector-schema";

/** Webhook secrets are Worker secrets referenced by name, like every other buyer secret. */
export const WebhookSecretRefSchema = SecretRefSchema;

/** Our canonical event types; each buyer's own type values map onto these. */
import { CANONICAL_TYPES, FEEDBACK_KINDS, LEAD_STATUSES } from "./webhook-events";

export { CANONICAL_TYPES, type CanonicalType, FEEDBACK_KINDS, type FeedbackKind, LEAD_STATUSES, type LeadStatus } from "./webhook-events";

const Cidr = z.string().refine((s) => ipaddr.isValidCIDR(s) || ipaddr.isValid(s), "an IPv4 or IPv6 address or CIDR, e.g. 203.0.113.0/24 or 2001:db8::/32");
const HeaderName = z.string().regex(/^[A-Za-z0-9-]+$/, "an HTTP header name");
/** A value table: the buyer's value (as text) → ours. Values not listed keep their own text. */
const valueTable = <T extends readonly [string, ...string[]]>(ours: T) => z.record(z.string(), z.enum(ours));

/** Where the lead is named in the callback: our delivery id and/or the buyer's lead id. */
const LeadRef = {
  deliveryId: SelectorSchema.optional(),
  buyerLeadId: SelectorSchema.optional(),
};

export const WebhookEventRulesSchema = z
  .object({
    /**
     * The event's id in the (signed) body. When omitted or not found, the identity is the signed
     * `webhook-id` (Standard Webhooks) or a SHA-256 of the signed body (the other schemes): never
     * an unsigned header, so a replay with a fresh delivery header is still a duplicate.
     */
    id: SelectorSchema.optional(),
    /** The event's type in the body; omitted when the buyer sends one kind only (`defaultType`). */
    type: SelectorSchema.optional(),
    /** Buyer's type value → canonical type. A type not listed is stored and ignored. */
    types: z.record(z.string(), z.enum(CANONICAL_TYPES)).default({}),
    /** Used when there is no `type` selector or it finds nothing. */
    defaultType: z.enum(CANONICAL_TYPES).optional(),
    decision: z
      .object({
        ...LeadRef,
        decision: SelectorSchema,
        /** e.g. {"approved":"accepted","declined":"rejected"}; "accepted"/"rejected" pass as they are. */
        values: valueTable(["accepted", "rejected"] as const).default({}),
        price: SelectorSchema.optional(),
        reason: SelectorSchema.optional(),
      })
      .strict()
      .optional(),
    status: z
      .object({ ...LeadRef, status: SelectorSchema, values: valueTable(LEAD_STATUSES).default({}) })
      .strict()
      .optional(),
    return: z
      .object({
        ...LeadRef,
        reasonCode: SelectorSchema,
        /** Buyer's reason wording → our reason code (checked against `returns.reasons`). */
        values: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
    conversion: z
      .object({ ...LeadRef, revenue: SelectorSchema.optional() })
      .strict()
      .optional(),
    feedback: z
      .object({ ...LeadRef, kind: SelectorSchema, values: valueTable(FEEDBACK_KINDS).default({}) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => r.type !== undefined || r.defaultType !== undefined, { message: "give a type selector or a defaultType", path: ["type"] });
export type WebhookEventRules = z.infer<typeof WebhookEventRulesSchema>;

/**
 * How a buyer's callbacks are authenticated and read. Schemes:
 * - standard_webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64> …`; secret `whsec_<base64>`.
 * - stripe: `<header>: t=<ts>,v1=<hex>[,v1=<hex>]`, signed `t.body` (header default Stripe-Signature).
 * - github: `X-Hub-Signature-256: sha256=<hex>` over the body.
 * - header: HMAC-SHA256 of the body in `<header>` as hex or base64, after an optional prefix.
 * Only Standard Webhooks signs an event id; for the others the event is identified by
 * `events.id` in the body or, failing that, by a digest of the signed body (replay-safe).
 */
export const WebhookConfigSchema = z
  .object({
    scheme: z.enum(["standard_webhooks", "stripe", "github", "header"]),
    /** Several during a rotation: a signature made with any of them passes. */
    secrets: z.array(WebhookSecretRefSchema).min(1),
    /** Signature header for stripe / header schemes. */
    header: HeaderName.optional(),
    encoding: z.enum(["hex", "base64"]).default("hex"),
    /** Text before the signature in the header, e.g. "sha256=". */
    prefix: z.string().optional(),
    /**
     * Refused by `npm run buyers:check` (kept in the schema so the check can say why): a delivery
     * id header is not covered by the signature, so it cannot identify an event (replay).
     */
    idHeader: HeaderName.optional(),
    toleranceSeconds: z.number().int().positive().max(86_400).default(300),
    /** CIDRs the buyer calls from (CF-Connecting-IP); omitted or empty = any address. */
    ipAllowlist: z.array(Cidr).optional(),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .max(1024 * 1024)
      .default(256 * 1024),
    events: WebhookEventRulesSchema,
  })
  .strict()
  .refine((w) => w.scheme !== "header" || w.header !== undefined, { message: "the header scheme needs `header`", path: ["header"] });

export type WebhookConfigInput = z.input<typeof WebhookConfigSchema>;
export type WebhookConfig = z.infer<typeof WebhookConfigSchema>;
