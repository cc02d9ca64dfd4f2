/** The velocify preset through a real BuyerGate to the mock's Import.aspx over HTTP. */
import { describe, expect, it } from "vitest";
import { crmControl, demoBuyer, gate, input, lead } from "./helpers";

interface VState {
  leads: { id: string; campaignId: string; fields: Record<string, string> }[];
}

describe("velocify (demo-velocify) against the mock's Import.aspx", () => {
  it("success: <Success LeadId> — sold with Velocify's lead id", async () => {
    const b = demoBuyer("demo-velocify");
    const l = lead();
    const r = await gate(b).deliver(input(b, { lead: l }));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 200 });
    expect(r.buyerLeadId).toMatch(/^\d+$/);
    const client = await crmControl<VState>("velocify", b.id);
    expect(client.leads).toEqual([
      { id: r.buyerLeadId, campaignId: "35", fields: expect.objectContaining({ LastName: "Lovelace", DayPhone: l.phone_national, LeadwireId: l.id }) },
    ]);
  });

  it("validation error: Velocify's own words are the reason (its answers carry no codes; every <Error> is a rejection)", async () => {
    const b = demoBuyer("demo-velocify", (raw) => {
      const e = raw.endpoint as { url: string };
      e.url = e.url.replace("CampaignId=35", "CampaignId=0");
    });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "rejected", statusCode: 200, reason: "Invalid CampaignId: 0" });
  });

  it("duplicate: the same phone in the campaign is rejected naming the first lead", async () => {
    const b = demoBuyer("demo-velocify");
    const g = gate(b);
    const first = await g.deliver(input(b, { lead: lead({ phone: "+12025550199", phone_national: "2025550199" }) }));
    const second = await g.deliver(input(b, { lead: lead({ phone: "+12025550199", phone_national: "2025550199" }) }));
    expect(second).toMatchObject({ outcome: "rejected", errorClass: "rejected", reason: `Duplicate lead: matches lead ${first.buyerLeadId} in campaign 35` });
  });
});
