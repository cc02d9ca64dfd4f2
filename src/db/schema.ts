import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { COUNTERS, type Counter } from "../observability/rollup";

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
    /** Ping/post (issue 12): the source's terms of sale as JSON (see SaleTermsSchema in src/db/sale-terms.ts); null = the defaults. */
    saleTerms: text("sale_terms"),
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
    /** When retention removed the lead's personal data (status, timeline and facts stay). */
    purgedAt: text("purged_at"),
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
    // Retention: the leads whose personal data is still there, oldest first.
    index("leads_unpurged_idx").on(t.createdAt).where(sql`purged_at IS NULL`),
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
    /** When retention sanitized the row (masked request, response and exact request removed). */
    purgedAt: text("purged_at"),
    /** The buyer config version the attempt ran with (issue 15: live, canary candidate or a rollback pin). */
    configVersion: text("config_version"),
  },
  (t) => [
    index("attempts_lead_idx").on(t.leadId),
    index("attempts_buyer_version_idx").on(t.buyerId, t.configVersion),
    index("attempts_buyer_time_idx").on(t.buyerId, t.createdAt),
    index("attempts_time_idx").on(t.createdAt),
    index("attempts_unpurged_idx").on(t.createdAt).where(sql`purged_at IS NULL`),
  ],
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
    /** When retention emptied the payload (a buyer's callback may echo personal data). */
    purgedAt: text("purged_at"),
  },
  (t) => [
    uniqueIndex("webhook_events_uq").on(t.buyerId, t.eventId),
    // The webhook sweep: stored events never enqueued, oldest first.
    index("webhook_events_status_received_idx").on(t.status, t.receivedAt),
    index("webhook_events_unpurged_idx").on(t.receivedAt).where(sql`purged_at IS NULL`),
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

/**
 * Operator alerts: raised by events (a config fault, a 410 pause, an unclear outcome) or by the
 * rules the ops cron evaluates every minute from the rollups (a circuit opening, a success
 * drop …). One open alert per kind and subject (a buyer, a source, or "" for the platform);
 * it resolves by itself when its condition clears, and escalates while nobody acknowledges it.
 */
export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    buyerId: text("buyer_id"),
    /** What the alert is about: the buyer id, the source id, or "" for the platform. */
    subject: text("subject").notNull().default(""),
    severity: text("severity").notNull().default("warning"),
    message: text("message").notNull(),
    /** Escalation level reached: 0 first targets, 1 after 15 minutes, 2 (the last) after an hour. */
    level: integer("level").notNull().default(0),
    /** Highest level whose targets were sent the alert (-1: none yet). */
    notifiedLevel: integer("notified_level").notNull().default(-1),
    createdAt: createdAt(),
    /** Last evaluation that found the condition still holding. */
    lastSeenAt: text("last_seen_at"),
    ackedAt: text("acked_at"),
    ackedBy: text("acked_by"),
    resolvedAt: text("resolved_at"),
  },
  (t) => [
    index("alerts_time_idx").on(t.createdAt),
    index("alerts_kind_buyer_idx").on(t.kind, t.buyerId, t.createdAt),
    // One open alert per kind and subject: concurrent raisers write one row.
    uniqueIndex("alerts_open_uq").on(t.kind, t.subject).where(sql`resolved_at IS NULL`),
    index("alerts_open_idx").on(t.createdAt).where(sql`resolved_at IS NULL`),
  ],
);

/** Every message sent (or being sent) to an alert target: trigger, escalate, acknowledge, resolve. */
export const alertNotifications = sqliteTable(
  "alert_notifications",
  {
    /** `<alert id>.<event>.<level>.<target>`: a repeated enqueue writes nothing new, and it is the webhook-id. */
    id: text("id").primaryKey(),
    alertId: text("alert_id").notNull(),
    target: text("target").notNull(),
    level: integer("level").notNull(),
    event: text("event").notNull(),
    status: text("status", { enum: ["queued", "sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    sentAt: text("sent_at"),
  },
  (t) => [index("alert_notifications_alert_idx").on(t.alertId, t.createdAt)],
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

/** Money counters are REAL, the rest INTEGER. */
const MONEY = new Set<Counter>(["revenue", "credited", "conversion_revenue", "bid_value", "latency_sum"]);

function counterColumns() {
  const cols = Object.fromEntries(COUNTERS.map((c) => [c, MONEY.has(c) ? real(c).notNull().default(0) : integer(c).notNull().default(0)]));
  return cols as unknown as Record<Counter, ReturnType<typeof counterColumn>>;
}
function counterColumn() {
  return real("c").notNull().default(0);
}

/**
 * Counters per minute (`m`) and per hour (`h`), overall (`all`, key ""), per buyer, per source
 * and per vertical, written in the same batch as the event they count (see src/db/rollups.ts
 * and the counters in src/observability/rollup.ts). Every metric and dashboard reads these.
 */
export const rollups = sqliteTable(
  "rollups",
  {
    grain: text("grain", { enum: ["m", "h"] }).notNull(),
    bucket: text("bucket").notNull(),
    dim: text("dim", { enum: ["all", "buyer", "source", "vertical"] }).notNull(),
    key: text("key").notNull(),
    ...counterColumns(),
  },
  (t) => [primaryKey({ columns: [t.grain, t.bucket, t.dim, t.key] })],
);

/** Posts refused at intake, per source and per field (the field an issue named, or `(body)`). */
export const refusalRollups = sqliteTable(
  "refusal_rollups",
  {
    grain: text("grain", { enum: ["m", "h"] }).notNull(),
    bucket: text("bucket").notNull(),
    sourceId: text("source_id").notNull(),
    field: text("field").notNull(),
    n: integer("n").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.grain, t.bucket, t.sourceId, t.field] })],
);

/**
 * What duplicate checks need of a lead once its personal data is gone: `k1:` + HMAC-SHA-256
 * under `DEDUPE_HASH_KEY` of the normalized phone (E.164) and e-mail, per vertical, written at
 * intake (rows from before the key: plain SHA-256, read until they age out — src/db/dedupe.ts).
 */
export const leadHashes = sqliteTable(
  "lead_hashes",
  {
    leadId: text("lead_id").notNull(),
    vertical: text("vertical").notNull(),
    kind: text("kind", { enum: ["phone", "email"] }).notNull(),
    hash: text("hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.leadId, t.kind] }), index("lead_hashes_lookup_idx").on(t.vertical, t.kind, t.hash, t.createdAt)],
);

/** The daily regression lead to each buyer's sandbox: one row per buyer and day. */
export const regressionRuns = sqliteTable(
  "regression_runs",
  {
    id: text("id").primaryKey(),
    buyerId: text("buyer_id").notNull(),
    day: text("day").notNull(),
    outcome: text("outcome", { enum: ["passed", "failed", "skipped"] }).notNull(),
    reason: text("reason"),
    statusCode: integer("status_code"),
    elapsedMs: integer("elapsed_ms"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("regression_runs_buyer_day_uq").on(t.buyerId, t.day)],
);

/** Small state the ops cron keeps between runs (circuit openings seen, the last regression day). */
export const opsState = sqliteTable("ops_state", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const nowSql = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

// ---------------------------------------------------------------------------------------
// Ping/post (issue 12): auctions, bids, sales and duplicate hashes.

/**
 * One auction: a source's ping (`origin` source, answered with a `ping_id`) or the auction a
 * lead's waterfall runs before it posts (`origin` lead). `data` is what the ping carried (no
 * personal data): a post must agree with it.
 */
export const pings = sqliteTable(
  "pings",
  {
    id: text("id").primaryKey(),
    sourceId: text("source_id").notNull(),
    /** The lead the auction sells (set when a source posts its ping, or at once for a lead's own auction). */
    leadId: text("lead_id"),
    vertical: text("vertical").notNull(),
    origin: text("origin", { enum: ["source", "lead"] }).notNull(),
    /** The waterfall round of the lead this auction belongs to (a long-retry round runs a new one). */
    round: integer("round").notNull().default(0),
    mode: text("mode", { enum: ["exclusive", "shared"] }).notNull(),
    maxBuyers: integer("max_buyers").notNull().default(1),
    /** The normalized ping data (non-identifying), JSON. */
    data: text("data").notNull().default("{}"),
    status: text("status", { enum: ["open", "posted", "no_bid"] }).notNull(),
    /** Shared mode: the bid ids the source chose in its post (JSON array); null = every live bid. */
    chosenBids: text("chosen_bids"),
    /** The price offered to the source (exclusive: for the top bid). */
    offer: real("offer"),
    deadlineMs: integer("deadline_ms").notNull(),
    /** How long the auction took, from the first ping to the last answer used. */
    elapsedMs: integer("elapsed_ms").notNull(),
    expiresAt: text("expires_at").notNull(),
    createdAt: createdAt(),
    postedAt: text("posted_at"),
  },
  (t) => [index("pings_lead_idx").on(t.leadId, t.round), index("pings_time_idx").on(t.createdAt), index("pings_source_time_idx").on(t.sourceId, t.createdAt)],
);

/** Every buyer's answer in an auction: a bid, no bid, late, an error, or deferred by its gate. */
export const bids = sqliteTable(
  "bids",
  {
    /** Our bid id: what a source quotes in shared mode. */
    id: text("id").primaryKey(),
    pingId: text("ping_id").notNull(),
    buyerId: text("buyer_id").notNull(),
    /** `ping`: the buyer answered a ping; `fixed`: a direct-post buyer competing at its configured price. */
    kind: text("kind", { enum: ["ping", "fixed"] }).notNull(),
    outcome: text("outcome", { enum: ["bid", "no_bid", "late", "error", "deferred"] }).notNull(),
    price: real("price"),
    /** The bid id or token the buyer gave (quoted back in the post as `bid.id`). */
    buyerBidId: text("buyer_bid_id"),
    expiresAt: text("expires_at"),
    latencyMs: integer("latency_ms").notNull(),
    reason: text("reason"),
    /** What the source is offered for this bid (its payout rule applied). */
    offer: real("offer"),
    /** What the post of this bid came to. */
    postState: text("post_state", { enum: ["accepted", "rejected", "failed", "expired"] }),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("bids_ping_buyer_uq").on(t.pingId, t.buyerId),
    index("bids_buyer_time_idx").on(t.buyerId, t.createdAt),
    index("bids_time_idx").on(t.createdAt),
  ],
);

/** One row per sale (a lead sold to a buyer): revenue, the source's payout, and the bid it answered. */
export const sales = sqliteTable(
  "sales",
  {
    leadId: text("lead_id").notNull(),
    buyerId: text("buyer_id").notNull(),
    sourceId: text("source_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    pingId: text("ping_id"),
    /** Our bid id (bids.id) and the buyer's own bid id or token. */
    bidId: text("bid_id"),
    buyerBidId: text("buyer_bid_id"),
    price: real("price").notNull(),
    /** What the source is paid for this sale (its payout rule); null when the source has none. */
    payout: real("payout"),
    test: integer("test", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.leadId, t.buyerId] }),
    index("sales_time_idx").on(t.createdAt),
    index("sales_source_time_idx").on(t.sourceId, t.createdAt),
    index("sales_buyer_time_idx").on(t.buyerId, t.createdAt),
  ],
);

// ---------------------------------------------------------------------------------------
// Hot and cold data (issue 17): which archive file holds a lead moved out of D1.

/**
 * One row per archived lead, in the main database: the R2 object (gzip NDJSON) its record is in,
 * the UTC day it was received (the file's partition) and the lead's `updated_at` when it was
 * written (the archive deletes the D1 rows only while they are still that version). A lead
 * archived twice (changed after a crash between write and delete) points at its newest file;
 * the export reads a file's lines only for the leads the index points there, so no lead is read
 * twice.
 */
export const archivedLeads = sqliteTable(
  "archived_leads",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    day: text("day").notNull(),
    shard: integer("shard").notNull(),
    sourceId: text("source_id").notNull(),
    leadUpdatedAt: text("lead_updated_at").notNull(),
    archivedAt: text("archived_at").notNull(),
  },
  (t) => [index("archived_leads_day_key_idx").on(t.day, t.key)],
);

// ---------------------------------------------------------------------------------------
// Routing (issue 13): what the distribution methods learn from and share.

/**
 * What each buyer did with the leads it was offered, per vertical and local day (the buyer's
 * caps time zone): offers, outcomes, revenue and returns. Written in the batch of the event it
 * counts (the settled attempt, the buyer's callback, the return), read by EPL (a rolling window
 * of days) and weighted routing (today or this month); rows are pruned after 90 days, so reads
 * stay bounded by buyers × days, never a scan of attempts.
 */
export const routingStats = sqliteTable(
  "routing_stats",
  {
    buyerId: text("buyer_id").notNull(),
    vertical: text("vertical").notNull(),
    /** YYYY-MM-DD in the buyer's time zone. */
    day: text("day").notNull(),
    /** Leads offered (a delivery's first attempt reached for the buyer; retries of it are not new offers). */
    offered: integer("offered").notNull().default(0),
    accepted: integer("accepted").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    /** Offers that ended in a failure (error, timeout, retries spent). */
    failed: integer("failed").notNull().default(0),
    /** Revenue of the accepted leads (sale prices). */
    revenue: real("revenue").notNull().default(0),
    returned: integer("returned").notNull().default(0),
    /** Credit given back for returns. */
    credit: real("credit").notNull().default(0),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.buyerId, t.vertical, t.day] }), index("routing_stats_vertical_day_idx").on(t.vertical, t.day)],
);

/**
 * Round robin's turns: per pool (a vertical) and buyer, the turn it last went first in. The
 * buyer with the lowest turn waited longest; taking a turn is one UPDATE … RETURNING, so
 * concurrent leads never take the same one.
 */
export const routingTurns = sqliteTable(
  "routing_turns",
  {
    pool: text("pool").notNull(),
    buyerId: text("buyer_id").notNull(),
    turn: integer("turn").notNull().default(0),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.pool, t.buyerId] })],
);
