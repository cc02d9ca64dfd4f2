/**
 * A buyer that acknowledges first and decides later, end to end: the worker delivers over real
 * HTTP, the mock buyer answers 202 and later POSTs a Standard Webhooks–signed decision to
 * /v1/webhooks/:buyerId; the worker verifies it with the secret named in the buyer's config,
 * queues it on `events`, and settles the lead (sold, or cascade to the backup buyer).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOCK_CONTACT_FIELDS, MOCK_JSON_RESPONSE, mockCallbackWebhook } from "../mock-buyer/contract";
import { type Stack, startStack } from "./harness";
import { getLead, type LeadView, pollLeads, postLead, validLead } from "./helpers";

// A fresh secret per run, so a pass proves the worker verified with *this* value (handed to it
// as the secret the config names) and not with the demo default both sides happen to know.
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString("base64")}`;

const MAPPING = { fields: [{ to: "ref", from: "lead.id", required: true }, ...MOCK_CONTACT_FIELDS] };

// HARBOR_WEBHOOK_SECRET is a secret the stack already knows (.dev.vars.example), so the
// override below lands in the secrets env file, not in a plain --var.
const WEBHOOK = mockCallbackWebhook("HARBOR_WEBHOOK_SECRET");

function buyer(id: string, vertical: string, price: number, behavior: string, query: string, async: boolean) {
  return {
    id,
    name: `E2E ${id}`,
    status: "active",
    verticals: [vertical],
    price,
    region: "enam",
    endpoint: {
      url: `\${MOCK_BUYER_ORIGIN}/b/${id}/${behavior}?respond=json&${query}`,
      method: "POST",
      timeoutMs: 5000,
      ...(async ? { mode: "async", ackTimeoutSeconds: 600 } : {}),
    },
    format: { type: "json" },
    mapping: MAPPING,
    response: MOCK_JSON_RESPONSE,
    ...(async ? { webhook: WEBHOOK } : {}),
  };
}

const BUYERS = [
  // auto_insurance: one async buyer that accepts.
  buyer("e2e-async-yes", "auto_insurance", 40, "async", "delayMs=300&decision=accept&price=40", true),
  // mortgage: an async buyer that rejects, ranked first by price, and a sync backup.
  buyer("e2e-async-no", "mortgage", 55, "async", "delayMs=300&decision=reject&reason=Outside%20our%20area", true),
  buyer("e2e-backup", "mortgage", 20, "accept", "price=20", false),
];

const SETTLED = (v: LeadView) => v.status === "sold" || v.status === "unsold" || v.status === "expired";

describe("async buyer acknowledgement settled by a signed callback (end to end)", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ buyerConfigs: BUYERS, vars: { HARBOR_WEBHOOK_SECRET: WEBHOOK_SECRET }, mock: { webhookSecret: WEBHOOK_SECRET } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("accept: the lead is acknowledged (pending), the verified callback sells it at the callback's price", async () => {
    const { status, body } = await postLead(stack, validLead("auto_insurance", 0, "e2e-async"));
    expect(status, JSON.stringify(body)).toBe(202);
    const id = String(body["id"]);

    const views = await pollLeads(stack, [id], SETTLED, 20_000);
    const view = views.get(id)?.view;
    expect(view?.status, JSON.stringify(view?.attempts)).toBe("sold");
    expect(view?.sold).toMatchObject({ buyer: "e2e-async-yes", price: 40 });
    expect(view?.sold?.buyerLeadId).toMatch(/^MB-\d+$/);
    // The callback's sale is booked like a synchronous one: one `sales` row with its revenue.
    expect(view?.money).toMatchObject({ revenue: 40, sales: 1 });

    // One delivery, answered 202 and recorded as pending: the sale came from the callback.
    expect(view?.attempts).toHaveLength(1);
    expect(view?.attempts[0]).toMatchObject({ buyer: "e2e-async-yes", outcome: "pending", statusCode: 202 });
    const types = view?.timeline.map((t) => t.type) ?? [];
    expect(types).toContain("acknowledged");
    expect(types.indexOf("sold")).toBeGreaterThan(types.indexOf("acknowledged"));

    // The mock buyer received the lead once and its signed callback was answered 200.
    expect(stack.mock.requests({ buyer: "e2e-async-yes", leadId: id })).toHaveLength(1);
    const cbs = stack.mock.callbacks().filter((c) => c.buyerId === "e2e-async-yes");
    expect(cbs).toHaveLength(1);
    expect(cbs[0]).toMatchObject({ decision: "accepted", status: 200 });
  });

  it("reject: the callback's rejection cascades the lead to the backup buyer, which buys it", async () => {
    const { status, body } = await postLead(stack, validLead("mortgage", 0, "e2e-async"));
    expect(status, JSON.stringify(body)).toBe(202);
    const id = String(body["id"]);

    const views = await pollLeads(stack, [id], SETTLED, 20_000);
    const view = views.get(id)?.view;
    expect(view?.status, JSON.stringify(view?.attempts)).toBe("sold");
    expect(view?.sold).toMatchObject({ buyer: "e2e-backup", price: 20 });

    // First the better-paying async buyer (acknowledged), then the backup (accepted).
    expect(view?.attempts.map((a) => `${a.buyer}:${a.outcome}`)).toEqual(["e2e-async-no:pending", "e2e-backup:accepted"]);
    const cbs = stack.mock.callbacks().filter((c) => c.buyerId === "e2e-async-no");
    expect(cbs).toHaveLength(1);
    expect(cbs[0]).toMatchObject({ decision: "rejected", status: 200 });
    // The async buyer got the lead once: a rejection is final, never retried.
    expect(stack.mock.requests({ buyer: "e2e-async-no", leadId: id })).toHaveLength(1);
    expect(stack.mock.requests({ buyer: "e2e-backup", leadId: id })).toHaveLength(1);
  });

  it("a callback signed with the wrong secret is refused 401 and settles nothing", async () => {
    const { body } = await postLead(stack, validLead("auto_insurance", 1, "e2e-async-forged"));
    const id = String(body["id"]);
    const forged = JSON.stringify({ id: "evt_forged", type: "lead.decision", lead_id: "MB-999", decision: "accepted", price: 1 });
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${stack.baseUrl}/v1/webhooks/e2e-async-yes`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "evt_forged",
        "webhook-timestamp": String(ts),
        "webhook-signature": `v1,${randomBytes(32).toString("base64")}`,
      },
      body: forged,
    });
    expect(res.status).toBe(401);
    const err = (await res.json()) as { error: { code: string; message: string } };
    expect(err.error.message).not.toMatch(/whsec_|expected/i);

    // The genuine callback still settles this lead at the price the buyer named (40), not 1.
    const views = await pollLeads(stack, [id], SETTLED, 20_000);
    expect(views.get(id)?.view.sold).toMatchObject({ buyer: "e2e-async-yes", price: 40 });
    const { view } = await getLead(stack, id);
    expect(view.timeline.filter((t) => t.type === "sold")).toHaveLength(1);
  });
});
