/** The hubspot-forms preset through a real BuyerGate to the mock's Forms API v3 over HTTP. */
import { describe, expect, it } from "vitest";
import { crmControl, demoBuyer, gate, input, lead } from "./helpers";

interface HsState {
  contacts: { id: string; properties: Record<string, string> }[];
  formSubmissions: { formGuid: string; fields: Record<string, string> }[];
}

describe("hubspot-forms (demo-hubspot-forms) against the mock's Forms API", () => {
  it("success: 200 inlineMessage — sold; the submission's fields reached the form", async () => {
    const b = demoBuyer("demo-hubspot-forms");
    const l = lead({ email: "sun@example.com", ip_address: "185.117.52.231" });
    const r = await gate(b).deliver(input(b, { lead: l }));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 200 });
    const portal = await crmControl<HsState>("hubspot", b.id);
    expect(portal.formSubmissions).toEqual([
      {
        formGuid: "0b8a3c4e-1111-2222-3333-444455556666",
        fields: expect.objectContaining({ email: "sun@example.com", lastname: "Lovelace", leadwire_lead_id: l.id }),
      },
    ]);
  });

  it("a value HubSpot refuses for this lead is a rejection carrying the error type", async () => {
    const b = demoBuyer("demo-hubspot-forms");
    const r = await gate(b).deliver(input(b, { lead: lead({ email: "someone@mailinator.com" }) }));
    expect(r).toMatchObject({
      outcome: "rejected",
      statusCode: 400,
      reason: "BLOCKED_EMAIL: Error in 'fields.email'. Email address is blocked; The request is not valid",
    });
  });

  it("validation error from our config (a field the form lacks) is a client error carrying FIELD_NOT_IN_FORM_DEFINITION", async () => {
    const b = demoBuyer("demo-hubspot-forms", (raw) => {
      const fields = (raw.mapping as { fields: unknown[] }).fields;
      fields.push({ to: "fields[6].name", value: "credit_band" }, { to: "fields[6].value", value: "A" });
    });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "client", statusCode: 400 });
    expect(r.reason).toMatch(/^client error \(400\): FIELD_NOT_IN_FORM_DEFINITION: Error in 'fields\.credit_band'/);
  });

  it("duplicate: Forms never answer one — a repeat e-mail is accepted and merged into the same contact", async () => {
    const b = demoBuyer("demo-hubspot-forms");
    const g = gate(b);
    expect((await g.deliver(input(b, { lead: lead({ email: "again@example.com", first_name: "Ada" }) }))).outcome).toBe("accepted");
    expect((await g.deliver(input(b, { lead: lead({ email: "again@example.com", first_name: "Augusta" }) }))).outcome).toBe("accepted");
    const portal = await crmControl<HsState>("hubspot", b.id);
    expect(portal.contacts).toHaveLength(1);
    expect(portal.contacts[0]?.properties.firstname).toBe("Augusta");
  });

  it("rate limit: 429 is transient with the wait from Retry-After", async () => {
    const b = demoBuyer("demo-hubspot-forms");
    await crmControl("hubspot", b.id, { rateLimit: { max: 0, intervalMs: 10_000 } });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "transient", statusCode: 429 });
    expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(9);
  });
});
