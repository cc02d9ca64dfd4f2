/**
 * The salesforce-rest preset through a real BuyerGate to the mock's Salesforce over HTTP: OAuth
 * with instance_url, Lead create, the vendor's error codes in the attempt's reason, duplicates,
 * and an expired session refreshed once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { crmControl, demoBuyer, gate, input, lead, received } from "./helpers";

interface SfState {
  tokenRequests: number;
  leads: { id: string; fields: Record<string, string>; via: string }[];
}

const recorded = async (tenant: string) =>
  (await received(tenant)) as unknown as { behavior: string; status: number; path: string; headers: Record<string, string> }[];

describe("salesforce-rest (demo-salesforce-rest) against the mock's Salesforce", () => {
  it("success: a token, then 201 — sold with the Lead id, the Lead in the org with its fields", async () => {
    const b = demoBuyer("demo-salesforce-rest");
    const l = lead({ email: "ada.lovelace@example.com" });
    const r = await gate(b).deliver(input(b, { lead: l }));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 201, sent: true });
    expect(r.buyerLeadId).toMatch(/^00Q[A-Za-z0-9]{15}$/);
    const org = await crmControl<SfState>("salesforce", b.id);
    expect(org.leads).toEqual([
      {
        id: r.buyerLeadId,
        via: "rest",
        fields: expect.objectContaining({ LastName: "Lovelace", Company: "Individual", Email: "ada.lovelace@example.com", Leadwire_Lead_Id__c: l.id }),
      },
    ]);
    expect((await recorded(b.id)).map((x) => [x.behavior, x.status])).toEqual([
      ["salesforce:token", 200],
      ["salesforce:sobject-create", 201],
    ]);
  });

  it("validation error: Salesforce's REQUIRED_FIELD_MISSING with the field is the attempt's reason (a client error)", async () => {
    // A config mistake: the buyer's mapping lost Company, which Lead requires.
    const b = demoBuyer("demo-salesforce-rest", (raw) => {
      const m = raw.mapping as { fields: { to: string }[] };
      m.fields = m.fields.filter((f) => f.to !== "Company");
    });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({
      outcome: "failed",
      errorClass: "client",
      statusCode: 400,
      reason: "client error (400): REQUIRED_FIELD_MISSING: Required fields are missing: [Company] (fields: Company)",
    });
  });

  it("duplicate: the second lead with the same e-mail is rejected with DUPLICATES_DETECTED naming the existing Lead", async () => {
    const b = demoBuyer("demo-salesforce-rest");
    const g = gate(b);
    const first = await g.deliver(input(b, { lead: lead({ email: "grace@example.com" }) }));
    expect(first.outcome).toBe("accepted");
    const second = await g.deliver(input(b, { lead: lead({ email: "grace@example.com", first_name: "Grace" }) }));
    expect(second).toMatchObject({ outcome: "rejected", errorClass: "rejected", statusCode: 400 });
    expect(second.reason).toBe(
      `DUPLICATES_DETECTED: You're creating a duplicate record. We recommend you use an existing record instead. (existing: ${first.buyerLeadId})`,
    );
    expect((await crmControl<SfState>("salesforce", b.id)).leads).toHaveLength(1);
  });

  it("expired token: INVALID_SESSION_ID → one new token, one resend, sold", async () => {
    const b = demoBuyer("demo-salesforce-rest");
    const g = gate(b);
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    // The org revokes every session (an admin, a password change, the session timeout).
    await crmControl("salesforce", b.id, { revokeTokens: true });
    const r = await g.deliver(input(b));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 201 });
    expect((await recorded(b.id)).map((x) => [x.behavior, x.status])).toEqual([
      ["salesforce:token", 200],
      ["salesforce:sobject-create", 201],
      ["salesforce:sobject-create", 401],
      ["salesforce:token", 200],
      ["salesforce:sobject-create", 201],
    ]);
    expect((await crmControl<SfState>("salesforce", b.id)).tokenRequests).toBe(2);
  });

  it("a session that stays invalid after the one refresh is a client error carrying INVALID_SESSION_ID", async () => {
    // Every token expires the moment it is issued: the resend fails too.
    const b = demoBuyer("demo-salesforce-rest");
    await crmControl("salesforce", b.id, { sessionSeconds: 0 });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({
      outcome: "failed",
      errorClass: "client",
      statusCode: 401,
      reason: "client error (401): INVALID_SESSION_ID: Session expired or invalid",
    });
    expect((await recorded(b.id)).filter((x) => x.behavior === "salesforce:sobject-create")).toHaveLength(2);
  });

  it("instance_url from the token answer is where the Lead goes, whatever host the endpoint names", async () => {
    // The endpoint names a login host; the org lives where the token answer says.
    const b = demoBuyer("demo-salesforce-rest", (raw) => {
      (raw.endpoint as { url: string }).url = "${MOCK_BUYER_ORIGIN}/salesforce/login/services/data/v60.0/sobjects/Lead/";
    });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 201 });
    expect(r.request?.url).toBe(`${env.MOCK_BUYER_ORIGIN}/salesforce/${b.id}/services/data/v60.0/sobjects/Lead/`);
    expect(await received("login")).toEqual([]);
  });

  it("REQUEST_LIMIT_EXCEEDED (the org's daily API allocation) is a client error saying so", async () => {
    const b = demoBuyer("demo-salesforce-rest");
    await crmControl("salesforce", b.id, { apiLimit: 0 });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({
      outcome: "failed",
      errorClass: "client",
      statusCode: 403,
      reason: "client error (403): REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.",
    });
  });
});
