/** The mock buyer's CRM routes over real HTTP, as the vendors document them (README beside server.ts). */
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockBuyer, startMockBuyer } from "../../mock-buyer/server";

let mb: MockBuyer;

beforeAll(async () => {
  mb = await startMockBuyer({ port: 0 });
});
afterAll(async () => {
  await mb.close();
});
afterEach(() => {
  mb.reset();
});

const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${mb.origin}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: res.status, headers: res.headers, text, data: data as never };
};
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call("POST", path, JSON.stringify(body), { "content-type": "application/json", ...headers });
const control = (vendor: string, tenant: string, settings?: unknown) =>
  settings === undefined ? call("GET", `/_control/crm/${vendor}/${tenant}`) : postJson(`/_control/crm/${vendor}/${tenant}`, settings);

const SF = "/salesforce/acme";
const LEAD_URL = `${SF}/services/data/v60.0/sobjects/Lead/`;

async function sfToken(org = "acme"): Promise<{ token: string; instance: string }> {
  const r = await call(
    "POST",
    `/salesforce/${org}/services/oauth2/token`,
    new URLSearchParams({ grant_type: "client_credentials", client_id: "cid", client_secret: "s" }).toString(),
    { "content-type": "application/x-www-form-urlencoded" },
  );
  expect(r.status).toBe(200);
  const d = r.data as { access_token: string; instance_url: string };
  return { token: d.access_token, instance: d.instance_url };
}
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe("Salesforce OAuth and REST sObject create", () => {
  it("the token answer has instance_url and no expires_in, like Salesforce's", async () => {
    const r = await call("POST", `${SF}/services/oauth2/token`, "grant_type=client_credentials&client_id=c&client_secret=s", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(r.data).toMatchObject({
      token_type: "Bearer",
      scope: "api",
      instance_url: `${mb.origin}/salesforce/acme`,
      access_token: expect.stringMatching(/^00D/),
    });
    expect(r.data).not.toHaveProperty("expires_in");
    const bad = await call("POST", `${SF}/services/oauth2/token`, "grant_type=client_credentials&client_id=c", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(bad).toMatchObject({ status: 400, data: { error: "invalid_client_id" } });
  });

  it("201 creates a Lead; REQUIRED_FIELD_MISSING, INVALID_EMAIL_ADDRESS and INVALID_FIELD name the field", async () => {
    const { token } = await sfToken();
    const ok = await postJson(LEAD_URL, { FirstName: "Ada", LastName: "Lovelace", Company: "Individual", Email: "ada@example.com" }, auth(token));
    expect(ok.status).toBe(201);
    expect(ok.data).toEqual({ id: expect.stringMatching(/^00Q[A-Za-z0-9]{15}$/), success: true, errors: [] });
    expect(ok.headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/\d+$/);

    expect((await postJson(LEAD_URL, { FirstName: "Ada" }, auth(token))).data).toEqual([
      { message: "Required fields are missing: [LastName, Company]", errorCode: "REQUIRED_FIELD_MISSING", fields: ["LastName", "Company"] },
    ]);
    expect((await postJson(LEAD_URL, { LastName: "L", Company: "C", Email: "nope" }, auth(token))).data).toEqual([
      { message: "Email: invalid email address: nope", errorCode: "INVALID_EMAIL_ADDRESS", fields: ["Email"] },
    ]);
    expect((await postJson(LEAD_URL, { LastName: "L", Company: "C", Shoe_Size__c: 9 }, auth(token))).data).toEqual([
      { message: "No such column 'Shoe_Size__c' on sobject of type Lead", errorCode: "INVALID_FIELD" },
    ]);
  });

  it("a second lead with the same e-mail is DUPLICATES_DETECTED naming the first, unless the duplicate header allows saving", async () => {
    const { token } = await sfToken();
    const lead = { LastName: "Lovelace", Company: "Individual", Email: "Ada@Example.com" };
    const first = (await postJson(LEAD_URL, lead, auth(token))).data as { id: string };
    const dup = await postJson(LEAD_URL, { ...lead, Email: "ada@example.com" }, auth(token));
    expect(dup.status).toBe(400);
    const [err] = dup.data as { errorCode: string; duplicateResult: { matchResults: { matchRecords: { record: { Id: string } }[] }[] } }[];
    expect(err?.errorCode).toBe("DUPLICATES_DETECTED");
    expect(err?.duplicateResult.matchResults[0]?.matchRecords[0]?.record.Id).toBe(first.id);
    const allowed = await postJson(LEAD_URL, lead, { ...auth(token), "sforce-duplicate-rule-header": "allowSave=true" });
    expect(allowed.status).toBe(201);
  });

  it("INVALID_SESSION_ID for no token, another org's token, and after the control API revokes or expires the session", async () => {
    const { token } = await sfToken();
    const other = await sfToken("globex");
    const lead = { LastName: "L", Company: "C" };
    const invalid = [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }];
    expect(await postJson(LEAD_URL, lead)).toMatchObject({ status: 401, data: invalid });
    expect(await postJson(LEAD_URL, lead, auth(other.token))).toMatchObject({ status: 401, data: invalid });
    expect((await postJson(LEAD_URL, lead, auth(token))).status).toBe(201);
    await control("salesforce", "acme", { revokeTokens: true });
    expect(await postJson(LEAD_URL, lead, auth(token))).toMatchObject({ status: 401, data: invalid });
    const fresh = await sfToken();
    expect((await postJson(LEAD_URL, lead, auth(fresh.token))).status).toBe(201);
    await control("salesforce", "acme", { expireTokens: true });
    expect((await postJson(LEAD_URL, lead, auth(fresh.token))).status).toBe(401);
    // The other org's session was never touched.
    expect((await postJson("/salesforce/globex/services/data/v60.0/sobjects/Lead/", lead, auth(other.token))).status).toBe(201);
  });

  it("403 REQUEST_LIMIT_EXCEEDED once the org's API allocation is used", async () => {
    await control("salesforce", "acme", { apiLimit: 1 });
    const { token } = await sfToken();
    expect((await postJson(LEAD_URL, { LastName: "L", Company: "C" }, auth(token))).status).toBe(201);
    expect(await postJson(LEAD_URL, { LastName: "M", Company: "C" }, auth(token))).toMatchObject({
      status: 403,
      data: [{ errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." }],
    });
  });
});

describe("Salesforce Web-to-Lead", () => {
  const W2L = `${SF}/servlet/servlet.WebToLead?encoding=UTF-8`;
  const form = (f: Record<string, string>) => call("POST", W2L, new URLSearchParams(f).toString(), { "content-type": "application/x-www-form-urlencoded" });

  it("answers 200 with a refresh to retURL, creating the lead — and also 200 when it silently drops one", async () => {
    const ok = await form({
      oid: "00DMk0000000001",
      retURL: "https://example.com/thanks",
      last_name: "Lovelace",
      company: "Individual",
      email: "ada@example.com",
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('content="0; URL=https://example.com/thanks"');
    const noCompany = await form({ oid: "00DMk0000000001", last_name: "Lovelace" });
    const badOid = await form({ oid: "nope", last_name: "L", company: "C" });
    expect([noCompany.status, badOid.status]).toEqual([200, 200]);
    const state = (await control("salesforce", "acme")).data as { leads: { via: string }[]; droppedWebToLead: number };
    expect(state.leads.map((l) => l.via)).toEqual(["web-to-lead"]);
    expect(state.droppedWebToLead).toBe(2);
  });
});

describe("Salesforce Bulk API 2.0 ingest", () => {
  const JOBS = `${SF}/services/data/v60.0/jobs/ingest`;

  it("Open → upload → UploadComplete → InProgress → JobComplete; results carry sf__Id / sf__Error with the original columns", async () => {
    const { token } = await sfToken();
    const created = await postJson(JOBS, { object: "Lead", operation: "insert", contentType: "CSV", lineEnding: "CRLF" }, auth(token));
    expect(created.status).toBe(200);
    const job = created.data as { id: string; state: string; contentUrl: string };
    expect(job).toMatchObject({ state: "Open", contentUrl: `services/data/v60.0/jobs/ingest/${job.id}/batches` });

    const csv = [
      "LastName,Company,Email",
      "Lovelace,Individual,ada@example.com",
      "Hopper,Individual,grace-fail@example.com",
      ",Individual,nolast@example.com",
      '"O\'Brien, Jr.",Individual,"renee@example.com"',
    ].join("\r\n");
    expect((await call("PUT", `${JOBS}/${job.id}/batches`, `${csv}\r\n`, { ...auth(token), "content-type": "text/csv" })).status).toBe(201);
    // One upload per job.
    expect((await call("PUT", `${JOBS}/${job.id}/batches`, `${csv}\r\n`, { ...auth(token), "content-type": "text/csv" })).data).toEqual([
      expect.objectContaining({ errorCode: "BULK_API_ERROR" }),
    ]);
    // Results are not there before the job completes.
    expect((await call("GET", `${JOBS}/${job.id}/successfulResults/`, undefined, auth(token))).status).toBe(400);

    const closed = await call("PATCH", `${JOBS}/${job.id}`, JSON.stringify({ state: "UploadComplete" }), {
      ...auth(token),
      "content-type": "application/json",
    });
    expect(closed.data).toMatchObject({ state: "UploadComplete" });
    const states: string[] = [];
    for (let i = 0; i < 3; i++) states.push(((await call("GET", `${JOBS}/${job.id}`, undefined, auth(token))).data as { state: string }).state);
    expect(states).toEqual(["InProgress", "JobComplete", "JobComplete"]);
    const info = (await call("GET", `${JOBS}/${job.id}`, undefined, auth(token))).data;
    expect(info).toMatchObject({ numberRecordsProcessed: 4, numberRecordsFailed: 2, lineEnding: "CRLF", columnDelimiter: "COMMA" });

    const ok = parseCsv((await call("GET", `${JOBS}/${job.id}/successfulResults/`, undefined, auth(token))).text, { columns: true }) as Record<
      string,
      string
    >[];
    expect(ok.map((r) => [r["LastName"], r["sf__Created"]])).toEqual(
      expect.arrayContaining([
        ["Lovelace", "true"],
        ["O'Brien, Jr.", "true"],
      ]),
    );
    for (const r of ok) expect(r["sf__Id"]).toMatch(/^00Q/);
    const failed = parseCsv((await call("GET", `${JOBS}/${job.id}/failedResults/`, undefined, auth(token))).text, { columns: true }) as Record<
      string,
      string
    >[];
    expect(Object.fromEntries(failed.map((r) => [r["Email"], r["sf__Error"]]))).toEqual({
      "grace-fail@example.com": "FIELD_CUSTOM_VALIDATION_EXCEPTION:Leads from this address are not accepted (validation rule Block_Test_Addresses):Email --",
      "nolast@example.com": "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
    });
  });

  it("a whole job fails: an unknown column, or the control API's failJob; no row is written", async () => {
    const { token } = await sfToken();
    const run = async (csv: string) => {
      const job = (await postJson(JOBS, { object: "Lead", operation: "insert" }, auth(token))).data as { id: string };
      await call("PUT", `${JOBS}/${job.id}/batches`, csv, { ...auth(token), "content-type": "text/csv" });
      await call("PATCH", `${JOBS}/${job.id}`, JSON.stringify({ state: "UploadComplete" }), { ...auth(token), "content-type": "application/json" });
      let info: { state: string; errorMessage?: string; numberRecordsProcessed: number } = { state: "", numberRecordsProcessed: 0 };
      for (let i = 0; i < 3; i++) info = (await call("GET", `${JOBS}/${job.id}`, undefined, auth(token))).data;
      return info;
    };
    expect(await run("LastName,Company,Shoe__c\nL,C,9\n")).toMatchObject({
      state: "Failed",
      errorMessage: "InvalidBatch : Field name not found : Shoe__c",
      numberRecordsProcessed: 0,
    });
    await control("salesforce", "acme", { bulkFailJob: "InternalServerError : the job could not be processed" });
    expect(await run("LastName,Company\nL,C\n")).toMatchObject({ state: "Failed", errorMessage: "InternalServerError : the job could not be processed" });
    const state = (await control("salesforce", "acme")).data as { leads: unknown[] };
    expect(state.leads).toEqual([]);
  });

  it("a CRLF file in an LF job is refused, as Salesforce does", async () => {
    const { token } = await sfToken();
    const job = (await postJson(JOBS, { object: "Lead", operation: "insert" }, auth(token))).data as { id: string };
    const r = await call("PUT", `${JOBS}/${job.id}/batches`, "LastName,Company\r\nL,C\r\n", auth(token));
    expect(r.status).toBe(400);
    expect(r.text).toContain("LineEnding is invalid");
  });
});

describe("HubSpot CRM contacts", () => {
  const CONTACTS = "/hubspot/portal-1/crm/v3/objects/contacts";
  const PAT = { authorization: "Bearer pat-na1-11111111-2222-3333-4444-555555555555" };

  it("201 creates; 409 CONFLICT names the existing id; PATCH updates that contact", async () => {
    const a = await postJson(CONTACTS, { properties: { email: "ada@example.com", firstname: "Ada" } }, PAT);
    expect(a.status).toBe(201);
    const id = (a.data as { id: string }).id;
    expect(a.data).toMatchObject({ id, properties: { email: "ada@example.com", firstname: "Ada", hs_object_id: id }, archived: false });
    const b = await postJson(CONTACTS, { properties: { email: "ADA@example.com" } }, PAT);
    expect(b).toMatchObject({ status: 409, data: { status: "error", category: "CONFLICT", message: `Contact already exists. Existing ID: ${id}` } });
    const u = await call("PATCH", `${CONTACTS}/${id}`, JSON.stringify({ properties: { lastname: "Lovelace" } }), {
      ...PAT,
      "content-type": "application/json",
    });
    expect(u).toMatchObject({ status: 200, data: { id, properties: { firstname: "Ada", lastname: "Lovelace" } } });
    expect((await call("PATCH", `${CONTACTS}/999`, JSON.stringify({ properties: {} }), PAT)).data).toMatchObject({ category: "OBJECT_NOT_FOUND" });
  });

  it("400 VALIDATION_ERROR lists each bad property with its code", async () => {
    const r = await postJson(CONTACTS, { properties: { email: "not-an-email", shoe_size: "9" } }, PAT);
    expect(r.status).toBe(400);
    expect(r.data).toMatchObject({
      status: "error",
      category: "VALIDATION_ERROR",
      message: expect.stringMatching(/^Property values were not valid: \[/),
      errors: [
        { code: "PROPERTY_DOESNT_EXIST", context: { propertyName: ["shoe_size"] } },
        { code: "INVALID_EMAIL", message: "Email address not-an-email is invalid", context: { propertyName: ["email"] } },
      ],
    });
  });

  it("OAuth: tokens from the refresh grant; EXPIRED_AUTHENTICATION after the control API expires them", async () => {
    const t = await call("POST", "/hubspot/portal-1/oauth/v1/token", "grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=r1", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(t.data).toMatchObject({ token_type: "bearer", refresh_token: "r1", expires_in: 1800 });
    const token = (t.data as { access_token: string }).access_token;
    expect((await postJson(CONTACTS, { properties: { email: "a@example.com" } }, auth(token))).status).toBe(201);
    await control("hubspot", "portal-1", { expireTokens: true });
    const r = await postJson(CONTACTS, { properties: { email: "b@example.com" } }, auth(token));
    expect(r).toMatchObject({ status: 401, data: { category: "EXPIRED_AUTHENTICATION", message: expect.stringMatching(/expired \d+ second\(s\) ago/) } });
    expect((await postJson(CONTACTS, { properties: {} })).data).toMatchObject({ category: "INVALID_AUTHENTICATION" });
    expect((await postJson("/hubspot/portal-2/crm/v3/objects/contacts", { properties: {} }, auth(token))).status).toBe(401);
  });

  it("429 RATE_LIMIT with X-HubSpot-RateLimit-* headers and Retry-After (or without it, when told)", async () => {
    await control("hubspot", "portal-1", { rateLimit: { max: 2, intervalMs: 10_000 } });
    const ok = await postJson(CONTACTS, { properties: { email: "1@example.com" } }, PAT);
    expect(ok.headers.get("x-hubspot-ratelimit-remaining")).toBe("1");
    await postJson(CONTACTS, { properties: { email: "2@example.com" } }, PAT);
    const limited = await postJson(CONTACTS, { properties: { email: "3@example.com" } }, PAT);
    expect(limited.status).toBe(429);
    expect(limited.data).toMatchObject({ status: "error", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" });
    expect(limited.headers.get("x-hubspot-ratelimit-max")).toBe("2");
    expect(limited.headers.get("x-hubspot-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("10000");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(9);
    await control("hubspot", "portal-1", { rateLimit: { max: 0, intervalMs: 10_000, retryAfter: false } });
    const bare = await postJson(CONTACTS, { properties: { email: "4@example.com" } }, PAT);
    expect(bare.status).toBe(429);
    expect(bare.headers.get("retry-after")).toBeNull();
  });
});

describe("HubSpot Forms v3 submit", () => {
  const FORM = "/hsforms/submissions/v3/integration/submit/portal-9/0b8a3c4e-1111-2222-3333-444455556666";
  const submit = (fields: Record<string, string>, context: Record<string, string> = {}) =>
    postJson(FORM, { fields: Object.entries(fields).map(([name, value]) => ({ objectTypeId: "0-1", name, value })), context });

  it("200 inlineMessage; a repeat submission updates the same contact (no duplicate answer)", async () => {
    expect(await submit({ email: "ada@example.com", firstname: "Ada" }, { pageUri: "https://x.example", ipAddress: "185.117.52.231" })).toMatchObject({
      status: 200,
      data: { inlineMessage: "<p>Thanks for submitting the form.</p>" },
    });
    expect((await submit({ email: "ada@example.com", lastname: "Lovelace" })).status).toBe(200);
    const state = (await control("hubspot", "portal-9")).data as { contacts: { properties: Record<string, string> }[] };
    expect(state.contacts).toHaveLength(1);
    expect(state.contacts[0]?.properties).toMatchObject({ firstname: "Ada", lastname: "Lovelace" });
  });

  it("400 with errorType per field; 404 for an unknown form", async () => {
    expect((await submit({ email: "nope" })).data).toMatchObject({
      status: "error",
      message: "The request is not valid",
      errors: [{ errorType: "INVALID_EMAIL", message: "Error in 'fields.email'. Invalid email address" }],
    });
    expect((await submit({ email: "a@example.com", favorite_color: "red" })).data).toMatchObject({ errors: [{ errorType: "FIELD_NOT_IN_FORM_DEFINITION" }] });
    expect((await submit({ firstname: "A" })).data).toMatchObject({ errors: [{ errorType: "REQUIRED_FIELD" }] });
    expect((await submit({ email: "a@example.com" }, { ipAddress: "999.1.1.1" })).data).toMatchObject({ errors: [{ errorType: "INVALID_IP_ADDRESS" }] });
    expect((await postJson("/hsforms/submissions/v3/integration/submit/portal-9/missing-form", { fields: [] })).status).toBe(404);
  });
});

describe("Velocify Import.aspx", () => {
  const IMPORT = "/velocify/acme/Import.aspx?Provider=Leadwire&Client=Acme&CampaignId=35&XmlResponse=true";
  const post = (f: Record<string, string>, url = IMPORT) =>
    call("POST", url, new URLSearchParams(f).toString(), { "content-type": "application/x-www-form-urlencoded" });

  it("Success with the LeadId; Error for a missing field, a bad campaign and a duplicate phone", async () => {
    const ok = await post({ FirstName: "Ada", LastName: "Lovelace", DayPhone: "2025550123" });
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/<Response><Success LeadId="\d+">Lead added<\/Success><\/Response>$/);
    expect((await post({ FirstName: "Ada", DayPhone: "2025550124" })).text).toContain("<Error>Missing required field: LastName</Error>");
    expect((await post({ FirstName: "A", LastName: "B", DayPhone: "2025550125" }, IMPORT.replace("CampaignId=35", "CampaignId=x"))).text).toContain(
      "<Error>Invalid CampaignId: x</Error>",
    );
    expect((await post({ FirstName: "Grace", LastName: "Hopper", DayPhone: "(202) 555-0123" })).text).toMatch(
      /<Error>Duplicate lead: matches lead \d+ in campaign 35<\/Error>/,
    );
  });
});

describe("CRM requests are recorded like any buyer's", () => {
  it("with the tenant as the buyer id and the created record's id", async () => {
    const { token } = await sfToken();
    await postJson(LEAD_URL, { LastName: "L", Company: "C", Email: "x@example.com" }, { ...auth(token), "idempotency-key": "lw-lead_1-sf" });
    const got = mb.requests({ buyer: "acme" });
    expect(got.map((r) => [r.behavior, r.status])).toEqual([
      ["salesforce:token", 200],
      ["salesforce:sobject-create", 201],
    ]);
    expect(got[1]?.leadId).toMatch(/^00Q/);
    expect(mb.requests({ leadId: "lead_1" })).toHaveLength(1);
  });
});
