import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseBody } from "../../../src/integration/extract";
import { type WebhookConfigInput, WebhookConfigSchema } from "../../../src/integration/webhook-config";
import { mapEvent } from "../../../src/webhooks/map";

const input: WebhookConfigInput = {
  scheme: "standard_webhooks",
  secrets: [{ secret: "ACME_WEBHOOK_SECRET" }],
  ipAllowlist: ["203.0.113.0/24", "2001:db8::/32"],
  events: {
    type: { jsonPath: "$.event" },
    types: { "lead.decision": "decision", "lead.status": "status", "lead.returned": "return", "lead.won": "conversion", "lead.feedback": "feedback" },
    decision: {
      deliveryId: { jsonPath: "$.data.reference" },
      buyerLeadId: { jsonPath: "$.data.acme_id" },
      decision: { jsonPath: "$.data.result" },
      values: { approved: "accepted", declined: "rejected" },
      price: { jsonPath: "$.data.payout" },
      reason: { jsonPath: "$.data.why" },
    },
    status: { buyerLeadId: { jsonPath: "data.acme_id" }, status: { jsonPath: "data.stage" }, values: { "Closed Lost": "closed_lost", working: "contacted" } },
    return: { buyerLeadId: { jsonPath: "data.acme_id" }, reasonCode: { jsonPath: "data.code" }, values: { BAD_PHONE: "invalid_phone" } },
    conversion: { buyerLeadId: { jsonPath: "data.acme_id" }, revenue: { regex: '"amount_cents":\\s*(\\d+)' } },
    feedback: { buyerLeadId: { jsonPath: "data.acme_id" }, kind: { jsonPath: "data.outcome" } },
  },
};
const rules = WebhookConfigSchema.parse(input).events;
const run = (body: unknown, headerId?: string) => mapEvent(rules, parseBody(JSON.stringify(body), "application/json"), headerId);

describe("webhook config schema", () => {
  it("applies defaults (300 s tolerance, 256 KB cap)", () => {
    const w = WebhookConfigSchema.parse(input);
    expect(w.toleranceSeconds).toBe(300);
    expect(w.maxBodyBytes).toBe(256 * 1024);
  });

  it("refuses a bad CIDR, a lower-case secret name, a header scheme without a header, and rules without a type", () => {
    const bad = (over: Record<string, unknown>) => WebhookConfigSchema.safeParse({ ...input, ...over }).success;
    expect(bad({ ipAllowlist: ["203.0.113.0/33"] })).toBe(false);
    expect(bad({ secrets: [{ secret: "lower" }] })).toBe(false);
    expect(bad({ secrets: [] })).toBe(false);
    expect(bad({ scheme: "header" })).toBe(false);
    expect(bad({ scheme: "header", header: "X-Sig", encoding: "base64" })).toBe(true);
    expect(bad({ events: { types: {} } })).toBe(false);
    expect(bad({ events: { defaultType: "status", status: { deliveryId: { jsonPath: "ref" }, status: { jsonPath: "s" } } } })).toBe(true);
    expect(bad({ events: { ...input.events, surprise: true } })).toBe(false);
  });
});

describe("webhook config JSON Schema", () => {
  it("exports for editors, with the scheme enum and the selector shapes", () => {
    const js = JSON.stringify(z.toJSONSchema(WebhookConfigSchema, { io: "input" }));
    expect(js).toContain('"standard_webhooks"');
    expect(js).toContain('"jsonPath"');
    expect(js).toContain('"toleranceSeconds"');
  });
});

describe("mapEvent", () => {
  it("maps a buyer's own decision shape through its value table, id from the header", () => {
    const r = run({ event: "lead.decision", data: { reference: "dlv_1", acme_id: "A-9", result: "approved", payout: "17.50" } }, "msg_1");
    expect(r).toEqual({
      kind: "event",
      eventId: "msg_1",
      event: { type: "decision", decision: "accepted", deliveryId: "dlv_1", buyerLeadId: "A-9", price: 17.5 },
    });
    const rej = run({ event: "lead.decision", data: { acme_id: "A-9", result: "declined", why: "duplicate" } }, "msg_2");
    expect(rej).toMatchObject({ kind: "event", event: { type: "decision", decision: "rejected", reason: "duplicate" } });
  });

  it("maps status, return, conversion (regex over the raw body) and feedback", () => {
    expect(run({ event: "lead.status", data: { acme_id: "A-9", stage: "Closed Lost" } }, "m")).toMatchObject({
      event: { type: "status", status: "closed_lost" },
    });
    expect(run({ event: "lead.status", data: { acme_id: "A-9", stage: "qualified" } }, "m")).toMatchObject({ event: { type: "status", status: "qualified" } });
    expect(run({ event: "lead.returned", data: { acme_id: "A-9", code: "BAD_PHONE" } }, "m")).toMatchObject({
      event: { type: "return", reasonCode: "invalid_phone" },
    });
    expect(run({ event: "lead.won", data: { acme_id: "A-9", amount_cents: 42000 } }, "m")).toMatchObject({ event: { type: "conversion", revenue: 42000 } });
    expect(run({ event: "lead.feedback", data: { acme_id: "A-9", outcome: "Wrong Number" } }, "m")).toMatchObject({
      event: { type: "feedback", kind: "wrong_number" },
    });
  });

  it("ignores a type the rules do not map, and reports what is missing or not in a table", () => {
    expect(run({ event: "account.updated" }, "m")).toEqual({ kind: "ignored", eventId: "m", buyerType: "account.updated" });
    expect(run({ event: "lead.decision", data: { acme_id: "A-9", result: "maybe" } }, "m")).toEqual({
      kind: "invalid",
      issues: [{ path: "events.decision.decision", message: 'decision "maybe" is not in the value table' }],
    });
    expect(run({ event: "lead.status", data: { stage: "qualified" } }, "m")).toMatchObject({ kind: "invalid", issues: [{ path: "events.status" }] });
    expect(run({ event: "lead.status", data: { acme_id: "A-9", stage: "qualified" } })).toMatchObject({ kind: "invalid", issues: [{ path: "events.id" }] });
    expect(run("just a string", "m")).toMatchObject({ kind: "ignored" });
  });

  it("a buyer's value named like an Object.prototype member is read as data, never as the prototype's member", () => {
    for (const name of ["toString", "valueOf", "constructor", "hasOwnProperty", "isPrototypeOf", "__proto__"]) {
      // As the event type: not in the table, so stored and ignored (not a crash, not a type).
      expect(run({ event: name, data: { acme_id: "A-9" } }, "m"), name).toEqual({ kind: "ignored", eventId: "m", buyerType: name });
      // As a decision / status / feedback value: refused as not in the table, naming the field.
      expect(run({ event: "lead.decision", data: { acme_id: "A-9", result: name } }, "m"), name).toEqual({
        kind: "invalid",
        issues: [{ path: "events.decision.decision", message: `decision "${name}" is not in the value table` }],
      });
      expect(run({ event: "lead.status", data: { acme_id: "A-9", stage: name } }, "m"), name).toMatchObject({
        kind: "invalid",
        issues: [{ path: "events.status.status" }],
      });
      // As a return reason: kept as the buyer's own text (the consumer checks it against the allowed reasons).
      expect(run({ event: "lead.returned", data: { acme_id: "A-9", code: name } }, "m"), name).toMatchObject({
        kind: "event",
        event: { type: "return", reasonCode: name },
      });
    }
  });
});
