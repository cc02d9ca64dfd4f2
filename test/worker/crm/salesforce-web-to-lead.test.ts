/**
 * The salesforce-web-to-lead preset through a real BuyerGate to the mock's Web-to-Lead servlet.
 * Web-to-Lead answers 200 whatever happens, so what Leadwire can check before sending (the
 * mapping's required fields) is the only guard — and these tests show both sides of that.
 */
import { describe, expect, it } from "vitest";
import { crmControl, demoBuyer, gate, input, lead, received } from "./helpers";

interface SfState {
  droppedWebToLead: number;
  leads: { id: string; fields: Record<string, string>; via: string }[];
}

describe("salesforce-web-to-lead (demo-salesforce-web-to-lead) against the mock's Web-to-Lead", () => {
  it("success: the form post is answered 200 with a refresh to retURL — sold, and the Lead is in the org", async () => {
    const b = demoBuyer("demo-salesforce-web-to-lead");
    const r = await gate(b).deliver(input(b, { lead: lead({ email: "w2l@example.com" }) }));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 200, redirectUrl: "https://leadwire.example/thanks" });
    const org = await crmControl<SfState>("salesforce", b.id);
    expect(org.leads).toEqual([
      expect.objectContaining({ via: "web-to-lead", fields: expect.objectContaining({ LastName: "Lovelace", Email: "w2l@example.com" }) }),
    ]);
  });

  it("a lead without a last name is refused before any request (Salesforce would drop it without a word)", async () => {
    const b = demoBuyer("demo-salesforce-web-to-lead");
    const r = await gate(b).deliver(input(b, { lead: lead({ last_name: "" }) }));
    expect(r).toMatchObject({ outcome: "rejected", sent: false });
    expect(r.reason).toMatch(/last_name/);
    expect(await received(b.id)).toEqual([]);
  });

  it("known limit: with a wrong org id Salesforce still answers 200 and drops the lead — the attempt reads as sold", async () => {
    const b = demoBuyer("demo-salesforce-web-to-lead", (raw) => {
      const oid = (raw.mapping as { fields: { to: string; value?: string }[] }).fields.find((f) => f.to === "oid");
      if (oid) oid.value = "not-an-org-id";
    });
    const r = await gate(b).deliver(input(b));
    expect(r.outcome).toBe("accepted");
    const org = await crmControl<SfState>("salesforce", b.id);
    expect(org.leads).toEqual([]);
    expect(org.droppedWebToLead).toBe(1);
  });
});
