/**
 * The Bulk API 2.0 job client in Node against the real mock Salesforce over HTTP (token endpoint,
 * job lifecycle, result files): a 500-lead batch with 37 rows Salesforce refuses, and a job that
 * fails as a whole.
 */
// config.ts first: auth/schema.ts reaches SecretRefSchema through it.
import "../../../../src/integration/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchToken } from "../../../../src/integration/auth";
import { AuthConfigSchema } from "../../../../src/integration/auth/schema";
import { type BulkLead, type BulkResponse, type BulkTransport, SalesforceBulkJob } from "../../../../src/integration/bulk/salesforce-job";
import type { BuildContext, TokenProvider } from "../../../../src/integration/types";
import { type MockBuyer, startMockBuyer } from "../../../mock-buyer/server";

let mb: MockBuyer;
beforeAll(async () => {
  mb = await startMockBuyer({ port: 0 });
});
afterAll(async () => {
  await mb.close();
});

/** Real HTTP, as the BuyerGate's fetch would send it. */
const transport: BulkTransport = async (req) => {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}) });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return { status: res.status, headers, body: await res.text() } satisfies BulkResponse;
};

/** The OAuth half through the product's own token code, cached like the BuyerGate does. */
function tokenProvider(org: string): TokenProvider & { issued: number } {
  const auth = AuthConfigSchema.parse({
    type: "oauth2_client_credentials",
    tokenUrl: `${mb.origin}/salesforce/${org}/services/oauth2/token`,
    clientId: "3MVG9demo",
    clientSecret: { secret: "SF_SECRET" },
    authStyle: "body",
    instanceUrl: true,
  });
  const ctx: BuildContext = { secret: () => "s3cret", vars: () => undefined, now: () => Date.now(), deliveryId: "", idempotencyKey: "" };
  let token: string | undefined;
  let instance: string | undefined;
  const p = {
    issued: 0,
    async getToken(force = false) {
      if (token === undefined || force) {
        const t = await fetchToken(auth, ctx, (url, init) => fetch(url, init));
        p.issued++;
        token = t.accessToken;
        instance = t.instanceUrl;
      }
      return token;
    },
    instanceUrl: () => instance,
  };
  return p;
}

/** 500 leads as mapped CSV rows; every 13th-ish lead (37 of them) has an address Salesforce's rule refuses. */
function batch(n: number, failing: Set<number>): BulkLead[] {
  return Array.from({ length: n }, (_, i) => {
    const leadId = `lead_${String(i).padStart(5, "0")}`;
    return {
      leadId,
      row: {
        FirstName: `First${i}`,
        LastName: i % 50 === 7 ? `O'Neil, ${i}` : `Last${i}`,
        Company: "Individual",
        Email: failing.has(i) ? `lead${i}.fail@example.com` : `lead${i}@example.com`,
        Phone: `202-555-${String(i).padStart(4, "0")}`,
        Leadwire_Lead_Id__c: leadId,
      },
    };
  });
}

const client = (org: string, extra: Partial<ConstructorParameters<typeof SalesforceBulkJob>[0]> = {}) => {
  const tokens = tokenProvider(org);
  const job = new SalesforceBulkJob(
    {
      // A login host: the token's instance_url says where the org is.
      ingestUrl: `${mb.origin}/salesforce/login/services/data/v60.0/jobs/ingest`,
      object: "Lead",
      operation: "insert",
      leadIdField: "Leadwire_Lead_Id__c",
      tokens,
      // The mock completes a job after a few polls; no need to really wait between them.
      sleep: async () => undefined,
      ...extra,
    },
    transport,
  );
  return { job, tokens };
};

describe("Bulk API 2.0 against the mock Salesforce", () => {
  const failing = new Set(Array.from({ length: 37 }, (_, k) => 3 + k * 13));

  it("500 leads, 37 refused rows: 463 created with their sf__Id, 37 failed with their sf__Error — each on its own lead", async () => {
    expect(failing.size).toBe(37);
    const leads = batch(500, failing);
    const { job, tokens } = client("bulk-org-1");
    const r = await job.run(leads);
    if (r.state === "pending") throw new Error("still pending");
    expect(r.state).toBe("JobComplete");
    expect(r.unmatchedRows).toBe(0);
    expect(r.polls).toBe(2);
    const created = r.settlements.filter((s) => s.outcome === "created");
    const failed = r.settlements.filter((s) => s.outcome === "failed");
    expect([created.length, failed.length, r.settlements.length]).toEqual([463, 37, 500]);
    // Each settlement belongs to its own lead: the failed ones are exactly the refused rows …
    expect(failed.map((s) => s.leadId).sort()).toEqual([...failing].map((i) => `lead_${String(i).padStart(5, "0")}`).sort());
    for (const f of failed) {
      expect(f).toMatchObject({ code: "FIELD_CUSTOM_VALIDATION_EXCEPTION", fields: ["Email"] });
      if (f.outcome === "failed") expect(f.reason).toMatch(/^FIELD_CUSTOM_VALIDATION_EXCEPTION: Leads from this address are not accepted/);
    }
    // … and every created id is the one Salesforce gave that very lead's row.
    const org = (await (await fetch(`${mb.origin}/_control/crm/salesforce/bulk-org-1`)).json()) as { leads: { id: string; fields: Record<string, string> }[] };
    const byLead = new Map(org.leads.map((l) => [l.fields["Leadwire_Lead_Id__c"], l]));
    expect(org.leads).toHaveLength(463);
    for (const c of created) {
      if (c.outcome !== "created") continue;
      expect(c.salesforceId).toMatch(/^00Q/);
      expect(byLead.get(c.leadId)?.id).toBe(c.salesforceId);
    }
    // One token for the whole job, from the login host to the org's instance.
    expect(tokens.issued).toBe(1);
    expect(mb.requests({ buyer: "login" })).toEqual([]);
  });

  it("the same batch matched by row values alone (no lead-id column) settles the same way", async () => {
    const leads = batch(500, failing).map((l) => {
      const { Leadwire_Lead_Id__c: _, ...row } = l.row;
      return { leadId: l.leadId, row };
    });
    const { job } = client("bulk-org-2", { leadIdField: undefined });
    const r = await job.run(leads);
    if (r.state === "pending") throw new Error("still pending");
    const failedIds = r.settlements.filter((s) => s.outcome === "failed").map((s) => s.leadId);
    expect(failedIds.sort()).toEqual([...failing].map((i) => `lead_${String(i).padStart(5, "0")}`).sort());
    expect(r.settlements.filter((s) => s.outcome === "created")).toHaveLength(463);
    const org = (await (await fetch(`${mb.origin}/_control/crm/salesforce/bulk-org-2`)).json()) as { leads: { id: string; fields: Record<string, string> }[] };
    const byEmail = new Map(org.leads.map((l) => [l.fields["Email"], l.id]));
    for (const s of r.settlements) {
      if (s.outcome !== "created") continue;
      const lead = leads.find((l) => l.leadId === s.leadId);
      expect(byEmail.get(lead?.row["Email"])).toBe(s.salesforceId);
    }
  });

  it("a job that fails as a whole reports every lead not taken, with Salesforce's message, and creates nothing", async () => {
    await fetch(`${mb.origin}/_control/crm/salesforce/bulk-org-3`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ bulkFailJob: "InternalServerError : the job could not be processed", bulkPollsToComplete: 3 }),
    });
    const leads = batch(500, failing);
    const { job } = client("bulk-org-3");
    const r = await job.run(leads);
    if (r.state === "pending") throw new Error("still pending");
    expect(r).toMatchObject({ state: "Failed", errorMessage: "InternalServerError : the job could not be processed", polls: 3 });
    expect(r.settlements).toHaveLength(500);
    expect(r.settlements.every((s) => s.outcome === "unprocessed" && s.reason === "job Failed: InternalServerError : the job could not be processed")).toBe(
      true,
    );
    const org = (await (await fetch(`${mb.origin}/_control/crm/salesforce/bulk-org-3`)).json()) as { leads: unknown[] };
    expect(org.leads).toEqual([]);
  });

  it("a column Lead does not have fails the job at Salesforce; every lead comes back unprocessed", async () => {
    const leads = batch(20, new Set()).map((l) => ({ ...l, row: { ...l.row, Shoe_Size__c: "9" } }));
    const { job } = client("bulk-org-4");
    const r = await job.run(leads);
    expect(r).toMatchObject({ state: "Failed", errorMessage: "InvalidBatch : Field name not found : Shoe_Size__c" });
    if (r.state !== "pending") expect(new Set(r.settlements.map((s) => s.outcome))).toEqual(new Set(["unprocessed"]));
  });
});
