import { z } from "zod";
import { AuthConfigSchema } from "../auth/schema";
import { FormatConfigSchema } from "../formats/schema";
import { MappingConfigSchema } from "../mapping/schema";
import { ExtractSchema, ResponseRulesSchema } from "../response/schema";
import { SecretRefSchema } from "../secret-ref";
import { PII_FIELDS } from "./pii-fields";

// The PII field list lives apart (pii-fields.ts): the PII check of a config needs it without this schema.
export { PII_FIELDS, type PiiField } from "./pii-fields";

/**
 * How the buyer answers a ping: the usual response rules decide accepted (a bid) or rejected
 * (no bid); `price` is the bid; `bidId` the id or token to quote in the post; the expiry is an
 * instant (`expiresAt`: ISO 8601 or epoch seconds/ms) or a number of seconds (`expiresIn`).
 */
export const PingResponseSchema = ResponseRulesSchema.extend({
  bidId: ExtractSchema.optional(),
  expiresAt: ExtractSchema.optional(),
  expiresIn: ExtractSchema.optional(),
});
export type PingResponseRules = z.infer<typeof PingResponseSchema>;

/**
 * The ping half of a ping/post buyer. URL and mapping are its own; method, headers, format and
 * auth default to the post's (`endpoint`, `format`, `auth`).
 */
export const PingConfigSchema = z
  .object({
    /** `${NAME}` is replaced from the Worker's vars, as for the post URL. */
    url: z.string().min(1),
    sandboxUrl: z.string().optional(),
    method: z.enum(["GET", "POST", "PUT", "PATCH"]).optional(),
    headers: z.record(z.string(), z.union([z.string(), SecretRefSchema])).optional(),
    format: FormatConfigSchema.optional(),
    auth: AuthConfigSchema.optional(),
    /** What the ping sends: non-identifying fields only (see `allowPii`). */
    mapping: MappingConfigSchema,
    response: PingResponseSchema,
    /** How long we wait for this buyer's bid; the auction deadline cuts it shorter when it must. */
    timeoutMs: z.number().int().positive().max(10_000).default(1000),
    /** How long a bid stays good when the buyer's answer gives no expiry. */
    bidTtlSeconds: z.number().int().positive().max(86_400).default(120),
    /**
     * Personal fields this buyer is allowed to receive in a ping (its contract says so), e.g.
     * `["phone"]` for a buyer that takes the area code or `["email"]` for a hashed e-mail.
     */
    allowPii: z.array(z.enum(PII_FIELDS)).default([]),
  })
  .strict();
export type PingConfig = z.infer<typeof PingConfigSchema>;

/** "No lead I already bought in the last N days": matched on the phone's and e-mail's hashes per vertical. */
export const DedupeConfigSchema = z
  .object({
    days: z.number().int().positive().max(365),
  })
  .strict();
