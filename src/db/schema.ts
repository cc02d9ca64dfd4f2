import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => text("created_at").notNull();

/** Lead sources: each posts with its own API key (only the SHA-256 hash is stored). */
export const sources = sqliteTable(
  "sources",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    /** First characters of the key, shown so an operator can tell keys apart. */
    keyPrefix: text("key_prefix").notNull(),
    status: text("status", { enum: ["active", "revoked"] })
      .notNull()
      .default("active"),
    /** JSON array of buyer ids this source's leads must never go to. */
    excludedBuyers: text("excluded_buyers").notNull().default("[]"),
    /** Outbound event webhooks (lead.sold / lead.unsold / lead.expired). */
    webhookUrl: text("webhook_url"),
    /** Standard Webhooks secret (whsec_…) we sign outbound events with. */
    webhookSecret: text("webhook_secret"),
    /** Quality score 0–100, moved by returns and feedback. */
    qualityScore: real("quality_score").notNull().default(100),
    createdAt: createdAt(),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("sources_key_hash_uq").on(t.keyHash)],
);

/** One row per accepted lead. `data` is the normalized lead, `raw` what the source sent. */
export const leads = sqliteTable(
  "leads",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id").notNull(),
    externalId: text("external_id"),
    idempotencyKey: text("idempotency_key"),
    /**
     * SHA-256 of the canonical body posted with the idempotency key: the same key with another
     * body is a conflict (422), not a duplicate. Null without a key (and on leads stored before).
     */
    idempotencyHash: text("idempotency_hash"),
    vertical: text("vertical").notNull(),
    status: text("status", {
      enum: ["received", "queued", "delivering", "pending", "sold", "unsold", "expired"],
    }).notNull(),
    data: text("data").notNull(),
    raw: text("raw").notNull(),
    test: integer("test", { mode: "boolean" }).notNull().default(false),
    mode: text("mode", { enum: ["async", "sync"] })
      .notNull()
      .default("async"),
    soldBuyerId: text("sold_buyer_id"),
    soldPrice: real("sold_price"),
    buyerLeadId: text("buyer_lead_id"),
    /** JSON array of {buyerId, reason} collected along the waterfall. */
    outcomeReasons: text("outcome_reasons").notNull().default("[]"),
    /** After this instant the lead is expired instead of retried. */
    expiresAt: text("expires_at").notNull(),
    /** Lease on the waterfall: one worker at a time routes a lead (queue delivery is at-least-once). */
    leaseOwner: text("lease_owner"),
    leaseUntil: text("lease_until"),
    /** When the next queued delivery job is due; the sweep re-enqueues a lead long past it. */
    nextAttemptAt: text("next_attempt_at"),
    /** Waterfall rounds run so far (a long retry starts a new round). */
    rounds: integer("rounds").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
    finalizedAt: text("finalized_at"),
    returnedAt: text("returned_at"),
  },
  (t) => [
    uniqueIndex("leads_source_external_uq").on(t.sourceId, t.externalId),
    uniqueIndex("leads_source_idem_uq").on(t.sourceId, t.idempotencyKey),
    // The sweep: received leads by age, lapsed leases, queued leads past due (one index per OR term).
    index("leads_next_attempt_idx").on(t.status, t.nextAttemptAt),
    index("leads_status_created_idx").on(t.status, t.createdAt),
    index("leads_status_lease_idx").on(t.status, t.leaseUntil),
    // Reports: leads by time, by source and time, sales by finalization time.
    index("leads_created_idx").on(t.createdAt),
    index("leads_source_created_idx").on(t.sourceId, t.createdAt),
    index("leads_status_finalized_idx").on(t.status, t.finalizedAt),
  ],
);

/** One row per (lead, buyer): the claim that this buyer gets this lead at most once. */
export const leadBuyers = sqliteTable(
  "lead_buyers",
  {
    leadId: text("lead_id").notNull(),
    buyerId: text("buyer_id").notNull(),
    /** Our delivery id, sent to the buyer and echoed back in its callbacks. */
    deliveryId: text("delivery_id").notNull(),
    state: text("state", {
      enum: ["trying", "pending", "accepted", "rejected", "failed", "expired", "returned"],
    }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    buyerLeadId: text("buyer_lead_id"),
    price: real("price"),
    reason: text("reason"),
    /** Class of the last failure; transient/server failures are tried again in a long-retry round. */
    errorClass: text("error_class"),
    /** The long-retry round this claim belongs to. */
    round: integer("round").notNull().default(0),
    /** For buyers that acknowledge first: the callback must arrive before this. */
    ackExpiresAt: text("ack_expires_at"),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("lead_buyers_pk").on(t.leadId, t.buyerId),
    uniqueIndex("lead_buyers_delivery_uq").on(t.deliveryId),
    index("lead_buyers_buyer_lead_idx").on(t.buyerId, t.buyerLeadId),
    index("lead_buyers_pending_idx").on(t.state, t.ackExpiresAt),
  ],
);

/** Every HTTP attempt (or pre-delivery refusal) against a buyer. No raw PII. */
export const deliveryAttempts = sqliteTable(
  "delivery_attempts",
  {
    id: text("id").primaryKey(),
    leadId: text("lead_id").notNull(),
    buyerId: text("buyer_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    attempt: integer("attempt").notNull(),
    endpoint: text("endpoint").notNull(),
    /** The request with PII masked (JSON: method, url, headers, body). */
    requestMasked: text("request_masked").notNull(),
    /** The exact request, AES-GCM encrypted (base64 iv.ciphertext) for compliance. */
    requestEncrypted: text("request_encrypted"),
    keyId: text("key_id"),
    statusCode: integer("status_code"),
    /** Buyer's response body, masked and truncated to 20 KB. */
    responseBody: text("response_body"),
    outcome: text("outcome").notNull(),
    errorClass: text("error_class"),
    reason: text("reason"),
    buyerLeadId: text("buyer_lead_id"),
    price: real("price"),
    elapsedMs: integer("elapsed_ms").notNull(),
    retryCount: integer("retry_count").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index("attempts_lead_idx").on(t.leadId), index("attempts_buyer_time_idx").on(t.buyerId, t.createdAt), index("attempts_time_idx").on(t.createdAt)],
);

/** The lead's timeline: status changes, buyer callbacks, returns. */
export const leadEvents = sqliteTable(
  "lead_events",
  {
    id: text("id").primaryKey(),
    leadId: text("lead_id").notNull(),
    type: text("type").notNull(),
    buyerId: text("buyer_id"),
    data: text("data").notNull().default("{}"),
    createdAt: createdAt(),
  },
  (t) => [index("lead_events_lead_idx").on(t.leadId, t.createdAt)],
);

/** Inbound buyer webhooks; the unique (buyer, event id) is the dedupe. */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    buyerId: text("buyer_id").notNull(),
    eventId: text("event_id").notNull(),
    type: text("type"),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["received", "processed", "ignored", "failed"] }).notNull(),
    error: text("error"),
    receivedAt: text("received_at").notNull(),
    processedAt: text("processed_at"),
  },
  (t) => [
    uniqueIndex("webhook_events_uq").on(t.buyerId, t.eventId),
    // The webhook sweep: stored events never enqueued, oldest first.
    index("webhook_events_status_received_idx").on(t.status, t.receivedAt),
  ],
);

export const returns = sqliteTable(
  "returns",
  {
    id: text("id").primaryKey(),
    leadId: text("lead_id").notNull(),
    buyerId: text("buyer_id").notNull(),
    sourceId: text("source_id").notNull(),
    reasonCode: text("reason_code").notNull(),
    credit: real("credit").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("returns_lead_buyer_uq").on(t.leadId, t.buyerId),
    index("returns_time_idx").on(t.createdAt),
    index("returns_source_time_idx").on(t.sourceId, t.createdAt),
  ],
);

export const conversions = sqliteTable(
  "conversions",
  {
    id: text("id").primaryKey(),
    leadId: text("lead_id").notNull(),
    buyerId: text("buyer_id").notNull(),
    sourceId: text("source_id").notNull(),
    revenue: real("revenue").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("conversions_lead_buyer_uq").on(t.leadId, t.buyerId),
    index("conversions_time_idx").on(t.createdAt),
    index("conversions_source_time_idx").on(t.sourceId, t.createdAt),
  ],
);

export const feedback = sqliteTable("feedback", {
  id: text("id").primaryKey(),
  leadId: text("lead_id").notNull(),
  buyerId: text("buyer_id").notNull(),
  sourceId: text("source_id").notNull(),
  kind: text("kind").notNull(),
  scoreDelta: real("score_delta").notNull(),
  createdAt: createdAt(),
});

/** Operator alerts: config faults (401/403/404), a buyer paused on 410, circuits opening. */
export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    buyerId: text("buyer_id"),
    message: text("message").notNull(),
    createdAt: createdAt(),
    resolvedAt: text("resolved_at"),
  },
  (t) => [
    index("alerts_time_idx").on(t.createdAt),
    // One open alert per kind and buyer: the raise checks for a recent open one.
    index("alerts_kind_buyer_idx").on(t.kind, t.buyerId, t.createdAt),
  ],
);

/** What died on a dead-letter queue and why. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("dead_letters_time_idx").on(t.createdAt)],
);

/** Operator overrides on top of buyers/*.json (e.g. paused after a 410 Gone). */
export const buyerOverrides = sqliteTable("buyer_overrides", {
  buyerId: text("buyer_id").primaryKey(),
  status: text("status").notNull(),
  reason: text("reason"),
  updatedAt: text("updated_at").notNull(),
});

/**
 * Dashboard sign-in sessions. `id` is HMAC-SHA256(ADMIN_TOKEN, the session id in the cookie):
 * the session id itself is stored nowhere, and once the admin token rotates no cookie maps to a
 * row any more, which revokes every session at once. Expired rows are deleted at each sign-in.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    createdAt: createdAt(),
    /** Idle expiry, moved forward on each use (never past `expiresAt`). */
    idleUntil: text("idle_until").notNull(),
    /** Absolute expiry from sign-in. */
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("sessions_expires_idx").on(t.expiresAt)],
);

export const nowSql = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
