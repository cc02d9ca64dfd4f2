import { z } from "zod";
import { AuthConfigSchema } from "./auth/schema";
import { BatchConfigSchema, OnConflictSchema } from "./channels/schema";
import { EmailDeliverySchema } from "./email/mime";
import { FormatConfigSchema } from "./formats/schema";
import { MappingConfigSchema } from "./mapping/schema";
import { DedupeConfigSchema, PingConfigSchema } from "./ping/schema";
import { ResponseRulesSchema } from "./response/schema";
import { SecretRefSchema } from "./secret-ref";
import { SpecSchema } from "./spec-schema";
import { WebhookConfigSchema } from "./webhook-config";

export { type SecretRef, SecretRefSchema } from "./secret-ref";

const Hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 24-hour");
const Weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

export const ScheduleSchema = z
  .object({
    timezone: z.string().default("America/New_York"),
    /** Days open; omitted = every day. */
    days: z.array(Weekday).optional(),
    /** Open from `start` to `end` local time each open day; omitted = all day. */
    hours: z.object({ start: Hhmm, end: Hhmm }).strict().optional(),
  })
  .strict();

/** Revenue caps in dollars per hour, day, week (from Monday) and calendar month. */
export const RevenueCapsSchema = z
  .object({
    hour: z.number().positive().optional(),
    day: z.number().positive().optional(),
    week: z.number().positive().optional(),
    month: z.number().positive().optional(),
  })
  .strict();

export const CapsSchema = z
  .object({
    hour: z.number().int().positive().optional(),
    day: z.number().int().positive().optional(),
    week: z.number().int().positive().optional(),
    month: z.number().int().positive().optional(),
    /** Time zone the hour/day/week/month windows are counted in. */
    timezone: z.string().default("America/New_York"),
    /** Most deliveries awaiting the buyer's answer at once. */
    maxInFlight: z.number().int().positive().optional(),
    /** Requests per second sent to the buyer (token bucket). */
    ratePerSecond: z.number().positive().optional(),
    // --- routing (issue 13) ---
    /**
     * The most revenue (dollars) sold to the buyer per window, counted in `timezone` like the lead
     * caps: each delivery reserves its price (the bid's, in ping/post) before the send, so
     * concurrent leads never take the buyer past its budget.
     */
    revenue: RevenueCapsSchema.optional(),
    /** The buyer pays in advance: a lead goes to it only while its balance covers the price; spent → paused with an alert. */
    prepaid: z.boolean().optional(),
  })
  .strict();

export const FiltersSchema = z
  .object({
    states: z.array(z.string().length(2)).optional(),
    excludeStates: z.array(z.string().length(2)).optional(),
    /** ZIP codes or 3-digit prefixes. */
    zips: z.array(z.string().regex(/^\d{3}(\d{2})?$/)).optional(),
    rules: z
      .array(
        z
          .object({
            /** Path into the canonical lead, e.g. `fields.credit_rating` or `homeowner`. */
            field: z.string(),
            op: z.enum(["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "exists", "regex"]),
            value: z.unknown().optional(),
          })
          .strict(),
      )
      .optional(),
    /** Minimum age computed from date of birth. */
    minAge: z.number().int().optional(),
    maxAge: z.number().int().optional(),
    requireTrustedForm: z.boolean().optional(),
    requireJornaya: z.boolean().optional(),
    /** Only leads from sources whose quality score (0–100, moved by returns and feedback) is at least this. */
    minSourceQuality: z.number().min(0).max(100).optional(),
  })
  .strict();

export const EndpointSchema = z
  .object({
    /** `${NAME}` is replaced from the Worker's vars (e.g. ${MOCK_BUYER_ORIGIN}). */
    url: z.string().min(1),
    sandboxUrl: z.string().optional(),
    method: z.enum(["GET", "POST", "PUT", "PATCH"]).default("POST"),
    headers: z.record(z.string(), z.union([z.string(), SecretRefSchema])).default({}),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
    /** sync: the answer is the decision. async: the answer is an acknowledgement; the decision comes by webhook. */
    mode: z.enum(["sync", "async"]).default("sync"),
    /** How long an async acknowledgement may wait for the buyer's callback. */
    ackTimeoutSeconds: z.number().int().positive().default(3600),
    followRedirects: z.boolean().default(false),
    /** GET target for the circuit breaker's probe when the cool-down ends with no lead waiting. */
    probeUrl: z.string().optional(),
  })
  .strict();

export const RetrySchema = z
  .object({
    /** Fast retries (2, 4, 8, 16, 32 s …) before the long retry. */
    maxAttempts: z.number().int().min(1).max(10).default(6),
    baseDelaySeconds: z.number().positive().default(2),
    maxDelaySeconds: z.number().positive().default(60),
    /** Jitter added on top of each delay: 0–25 % by default. */
    jitter: z.number().min(0).max(1).default(0.25),
    /** Long retry interval bounds (seconds) once fast retries are spent. */
    longRetryMinSeconds: z.number().int().positive().default(300),
    longRetryMaxSeconds: z.number().int().positive().default(900),
    /** Server errors (500/502/504) get fewer retries than transient ones. */
    maxServerErrorAttempts: z.number().int().min(1).default(3),
  })
  .strict();

export const CircuitSchema = z
  .object({
    failureThreshold: z.number().int().positive().default(10),
    windowSeconds: z.number().int().positive().default(300),
    minimumCalls: z.number().int().positive().default(10),
    /** Share of the window's calls that must have failed as well (0–1): 10 failures among 1,000 sales do not open it. */
    failureRate: z.number().min(0).max(1).default(0.5),
    cooldownSeconds: z.number().int().positive().default(60),
    maxCooldownSeconds: z.number().int().positive().default(900),
  })
  .strict();

export const ReturnsSchema = z
  .object({
    windowDays: z.number().int().positive().default(7),
    reasons: z.array(z.string()).default(["invalid_phone", "wrong_number", "duplicate", "not_interested", "fraud"]),
  })
  .strict();

export const BuyerConfigSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lower-case letters, digits and dashes"),
    name: z.string().min(1),
    status: z.enum(["active", "paused", "sandbox"]).default("active"),
    /** Where this buyer is live (the Worker's ENVIRONMENT var); omitted = everywhere. Demo buyers say ["development"]. */
    environments: z.array(z.string().min(1)).min(1).optional(),
    /** Which CRM preset this buyer uses, if any (salesforce-web-to-lead, hubspot-forms, …). */
    preset: z.string().optional(),
    verticals: z.array(z.string()).min(1),
    price: z.number().nonnegative(),
    priority: z.number().int().default(0),
    filters: FiltersSchema.prefault({}),
    schedule: ScheduleSchema.optional(),
    caps: CapsSchema.prefault({}),
    /** Durable Object location hint nearest the buyer's endpoint. */
    region: z.enum(["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"]).default("enam"),
    endpoint: EndpointSchema,
    format: FormatConfigSchema,
    auth: AuthConfigSchema.default({ type: "none" }),
    mapping: MappingConfigSchema,
    response: ResponseRulesSchema,
    retry: RetrySchema.prefault({}),
    circuit: CircuitSchema.prefault({}),
    returns: ReturnsSchema.prefault({}),
    webhook: WebhookConfigSchema.optional(),
    /** What the buyer's API requires; validateMapping checks the mapping against it. */
    spec: SpecSchema.optional(),
    // --- ping/post (issue 12) ---
    /** A ping/post buyer: bids on non-identifying data first; only the winning bid gets the post. */
    ping: PingConfigSchema.optional(),
    /** Leave this buyer out of the ping and the post of a lead it already bought within N days (same phone or e-mail, same vertical). */
    dedupe: DedupeConfigSchema.optional(),
    // --- enterprise channels (issue 16) ---
    /** A batch buyer: leads collected in its BuyerGate and sent as one job (Salesforce Bulk API 2.0). */
    batch: BatchConfigSchema.optional(),
    /** An e-mail buyer: leads go out through the `send_email` binding, one mail per lead or an hourly CSV digest. */
    email: EmailDeliverySchema.optional(),
    /** HubSpot contacts: a 409 CONFLICT rejects the lead as a duplicate (default) or updates the existing contact. */
    onConflict: OnConflictSchema.optional(),
  })
  .strict();

export type BuyerConfigInput = z.input<typeof BuyerConfigSchema>;
export type BuyerConfig = z.infer<typeof BuyerConfigSchema>;
