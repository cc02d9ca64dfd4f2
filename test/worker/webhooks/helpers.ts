import { env } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import acme from "../../../buyers/acme-auto.json";
import { createApp } from "../../../src/app";
import type { Clock } from "../../../src/core/clock";
import { newLeadId } from "../../../src/db/shards";
import type { BuyerConfigInput } from "../../../src/integration/config";
import type { WebhookConfigInput } from "../../../src/integration/webhook-config";
import { countAll, leadD1 } from "../helpers/shards";
import { newSource, recordingQueue } from "../helpers/sources";

/** The whsec_ secret the test buyers sign with (a binding on the test env, never in a config). */
export const KEY = Buffer.from("leadwire-webhook-test-key-32byte");
export const SECRET = `whsec_${KEY.toString("base64")}`;
export const OLD_SECRET = `whsec_${Buffer.from("leadwire-old-webhook-test-key-32").toString("base64")}`;

export const WEBHOOK: WebhookConfigInput = {
  scheme: "standard_webhooks",
  secrets: [{ secret: "WH_TEST_SECRET" }, { secret: "WH_TEST_SECRET_OLD" }],
  ipAllowlist: ["203.0.113.0/24", "2001:db8::/32"],
  maxBodyBytes: 2048,
  events: {
    type: { jsonPath: "$.type" },
    types: { "lead.decision": "decision", "lead.status": "status", "lead.return": "return", "lead.converted": "conversion", "lead.feedback": "feedback" },
    decision: {
      deliveryId: { jsonPath: "$.data.delivery_id" },
      buyerLeadId: { jsonPath: "$.data.lead_id" },
      decision: { jsonPath: "$.data.decision" },
      values: { yes: "accepted", no: "rejected" },
      price: { jsonPath: "$.data.price" },
    },
    status: { deliveryId: { jsonPath: "$.data.delivery_id" }, buyerLeadId: { jsonPath: "$.data.lead_id" }, status: { jsonPath: "$.data.status" } },
    return: { deliveryId: { jsonPath: "$.data.delivery_id" }, buyerLeadId: { jsonPath: "$.data.lead_id" }, reasonCode: { jsonPath: "$.data.reason" } },
    conversion: { deliveryId: { jsonPath: "$.data.delivery_id" }, buyerLeadId: { jsonPath: "$.data.lead_id" }, revenue: { jsonPath: "$.data.revenue" } },
    feedback: { deliveryId: { jsonPath: "$.data.delivery_id" }, buyerLeadId: { jsonPath: "$.data.lead_id" }, kind: { jsonPath: "$.data.kind" } },
  },
};

export function buyerConfig(id: string, over: Partial<BuyerConfigInput> = {}): BuyerConfigInput {
  const base = { ...(acme as unknown as BuyerConfigInput) };
  delete (base as { $schema?: string }).$schema;
  return { ...base, id, name: `Webhook test ${id}`, webhook: WEBHOOK, returns: { windowDays: 7, reasons: ["invalid_phone", "duplicate"] }, ...over };
}

/** A test env with the given buyers, recording queues and the webhook secrets as bindings. */
export function webhookHarness(buyers: BuyerConfigInput[], opts: { eventsFail?: boolean; deliveriesFail?: boolean } = {}) {
  const events = recordingQueue({ fail: opts.eventsFail ?? false });
  const deliveries = recordingQueue({ fail: opts.deliveriesFail ?? false });
  const testEnv = {
    ...env,
    BUYER_CONFIGS: JSON.stringify(buyers),
    EVENTS: events,
    DELIVERIES: deliveries,
    WH_TEST_SECRET: SECRET,
    WH_TEST_SECRET_OLD: OLD_SECRET,
  } as unknown as Env;
  return { env: testEnv, events, deliveries };
}

/** Standard Webhooks headers for `body`, signed the way the reference library does. */
export function signed(body: string, opts: { id?: string; ts?: number; secret?: string; ip?: string } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const key = Buffer.from((opts.secret ?? SECRET).slice("whsec_".length), "base64");
  const sig = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
  return {
    "content-type": "application/json",
    "cf-connecting-ip": opts.ip ?? "203.0.113.10",
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": `v1,${sig}`,
  };
}

/** POSTs through the real app (router, error handler) in workerd, with the test env and clock. */
export function post(testEnv: Env, buyerId: string, body: string | ReadableStream, headers: Record<string, string>, clock?: Clock) {
  const app = createApp(clock ? { clock } : {});
  return app.request(`https://leadwire.test/v1/webhooks/${buyerId}`, { method: "POST", headers, body }, testEnv);
}

export async function countRows(table: string, where = "1=1", ...binds: unknown[]): Promise<number> {
  // Every database: lead rows are on their shard, platform rows on the main one.
  return countAll(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, ...binds);
}

/**
 * A lead sold to `buyerId` at `soldAtMs` for `price`, with our delivery id and the buyer's lead
 * id, as the delivery engine leaves it.
 */
export async function soldLead(
  _testEnv: Env,
  buyerId: string,
  soldAtMs: number,
  price = 28,
  state: "accepted" | "pending" = "accepted",
  opts: { shard?: number } = {},
) {
  const src = await newSource();
  // Inserted directly: these tests are about what callbacks do to a sold lead, not about intake.
  // `shard` puts it on a given lead shard (test/worker/db/shards.test.ts); otherwise its id's hash decides.
  const leadId = opts.shard === undefined ? `lead_wh_${crypto.randomUUID()}` : newLeadId(env, soldAtMs - 60_000, { shard: opts.shard });
  const created = new Date(soldAtMs - 60_000).toISOString();
  await leadD1(leadId)
    .prepare(
      `INSERT INTO leads (id, source_id, vertical, status, data, raw, expires_at, created_at, updated_at) VALUES (?, ?, 'auto_insurance', 'delivering', '{}', '{}', ?, ?, ?)`,
    )
    .bind(leadId, src.id, new Date(soldAtMs + 86_400_000).toISOString(), created, created)
    .run();
  const deliveryId = `dlv_${crypto.randomUUID()}`;
  const buyerLeadId = `B-${crypto.randomUUID().slice(0, 8)}`;
  const iso = new Date(soldAtMs).toISOString();
  const d1 = leadD1(leadId);
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO lead_buyers (lead_id, buyer_id, delivery_id, state, attempts, buyer_lead_id, price, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      )
      .bind(leadId, buyerId, deliveryId, state, buyerLeadId, state === "accepted" ? price : null, iso, iso),
    state === "accepted"
      ? d1
          .prepare(`UPDATE leads SET status = 'sold', sold_buyer_id = ?, sold_price = ?, buyer_lead_id = ?, finalized_at = ?, updated_at = ? WHERE id = ?`)
          .bind(buyerId, price, buyerLeadId, iso, iso, leadId)
      : d1.prepare(`UPDATE leads SET status = 'pending', updated_at = ? WHERE id = ?`).bind(iso, leadId),
  ]);
  return { leadId, deliveryId, buyerLeadId, sourceId: src.id };
}
