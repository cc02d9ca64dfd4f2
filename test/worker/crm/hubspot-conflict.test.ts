/**
 * HubSpot contacts, `"onConflict": "update"` (issue 16): a 409 CONFLICT is followed by a PATCH of
 * the existing contact at the mock's HubSpot over HTTP; its 200 is a sale with the existing id,
 * and the attempt's record keeps both exchanges. The default (`reject`) is unchanged.
 */
import { describe, expect, it } from "vitest";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { harness, storeLead, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { crmControl, demoBuyer, gate, input, lead, received } from "./helpers";

interface HsState {
  contacts: { id: string; properties: Record<string, string> }[];
}

const updating = (edit: (raw: Record<string, unknown>) => void = () => undefined) =>
  demoBuyer("demo-hubspot-contacts", (raw) => {
    raw.onConflict = "update";
    edit(raw);
  });

describe("hubspot-contacts with onConflict update", () => {
  it("409 CONFLICT → PATCH the existing contact → sold with the existing id; the portal still has one contact, updated", async () => {
    const b = updating();
    const g = gate(b);
    const first = await g.deliver(input(b, { lead: lead({ email: "repeat@example.com", first_name: "Ada" }) }));
    expect(first).toMatchObject({ outcome: "accepted", statusCode: 201 });
    const again = lead({ email: "repeat@example.com", first_name: "Augusta" });
    const r = await g.deliver(input(b, { lead: again }));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 200, buyerLeadId: first.buyerLeadId, sent: true });
    expect(r.reason).toBe(`CONFLICT: Contact already exists. Existing ID: ${first.buyerLeadId} → updated the existing contact ${first.buyerLeadId}`);
    // The attempt's record: the PATCH as its request, the 409 before it as its earlier exchange.
    expect(r.request).toMatchObject({ method: "PATCH", headers: { Authorization: "Bearer ****" } });
    expect(r.request?.url).toMatch(new RegExp(`/crm/v3/objects/contacts/${first.buyerLeadId}$`));
    expect(r.prior).toEqual([
      expect.objectContaining({
        request: expect.objectContaining({ method: "POST", headers: expect.objectContaining({ Authorization: "Bearer ****" }) }),
        response: expect.objectContaining({ status: 409 }),
      }),
    ]);
    const portal = await crmControl<HsState>("hubspot", b.id);
    expect(portal.contacts).toHaveLength(1);
    expect(portal.contacts[0]?.properties).toMatchObject({ email: "repeat@example.com", firstname: "Augusta", leadwire_lead_id: again.id });
    const calls = (await received(b.id)) as unknown as { method: string; status: number }[];
    expect(calls.map((c) => [c.method, c.status])).toEqual([
      ["POST", 201],
      ["POST", 409],
      ["PATCH", 200],
    ]);
  });

  it("without onConflict the 409 is still a duplicate rejection, and nothing is patched", async () => {
    const b = demoBuyer("demo-hubspot-contacts");
    const g = gate(b);
    await g.deliver(input(b, { lead: lead({ email: "dup2@example.com" }) }));
    const r = await g.deliver(input(b, { lead: lead({ email: "dup2@example.com" }) }));
    expect(r).toMatchObject({ outcome: "rejected", statusCode: 409 });
    expect(r.prior).toBeUndefined();
    expect(((await received(b.id)) as unknown as { method: string }[]).map((c) => c.method)).toEqual(["POST", "POST"]);
  });

  it("through the waterfall: the lead is sold with the existing contact id, the attempt row holds the 409 and the PATCH", async () => {
    const b = updating((raw) => {
      raw.verticals = ["auto_insurance"];
      raw.price = 500;
    });
    const g = gate(b);
    const first = await g.deliver(input(b, { lead: lead({ email: "liam.obrien@example.com" }) }));
    const h = harness([b]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "sold", buyer: b.id, buyerLeadId: first.buyerLeadId, attempts: 1 });
    const row = await leadD1(id)
      .prepare("SELECT outcome, status_code, buyer_lead_id, reason, request_masked FROM delivery_attempts WHERE lead_id = ?")
      .bind(id)
      .first<{ outcome: string; status_code: number; buyer_lead_id: string; reason: string; request_masked: string }>();
    expect(row).toMatchObject({ outcome: "accepted", status_code: 200, buyer_lead_id: first.buyerLeadId });
    expect(row?.reason).toMatch(/^CONFLICT: Contact already exists\. Existing ID: \d+ → updated the existing contact/);
    const masked = JSON.parse(row?.request_masked ?? "{}") as { method: string; prior: { method: string; status: number; response: string }[] };
    expect(masked.method).toBe("PATCH");
    expect(masked.prior).toEqual([expect.objectContaining({ method: "POST", status: 409 })]);
    expect(masked.prior[0]?.response).toContain("Contact already exists");
    // The lead's e-mail is masked in the record, in both exchanges.
    expect(row?.request_masked).not.toContain("liam.obrien@example.com");
  });
});
