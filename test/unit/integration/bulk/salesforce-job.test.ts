/**
 * The Bulk API 2.0 job client against a transport that answers with recorded Salesforce shapes:
 * what it sends, in which order, how it waits, and how each lead is settled from its own row.
 */
import { describe, expect, it } from "vitest";
import {
  BulkApiError,
  type BulkLead,
  type BulkRequest,
  type BulkResponse,
  batchCsv,
  parseSfError,
  pollDelay,
  SalesforceBulkJob,
} from "../../../../src/integration/bulk/salesforce-job";
import type { TokenProvider } from "../../../../src/integration/types";

const INGEST = "https://login.example/services/data/v62.0/jobs/ingest";
const INSTANCE = "https://acme.my.salesforce.com";
const JOB = "750R0000000zlh9IAA";
const JOB_URL = `${INSTANCE}/services/data/v62.0/jobs/ingest/${JOB}`;

/** JobInfo as Salesforce answers it (trimmed to realistic fields). */
const jobInfo = (state: string, extra: Record<string, unknown> = {}) => ({
  id: JOB,
  operation: "insert",
  object: "Lead",
  createdById: "005R0000000hPdzIAE",
  createdDate: "2026-01-15T12:00:00.000+0000",
  systemModstamp: "2026-01-15T12:00:03.000+0000",
  state,
  concurrencyMode: "Parallel",
  contentType: "CSV",
  apiVersion: 62.0,
  jobType: "V2Ingest",
  lineEnding: "CRLF",
  columnDelimiter: "COMMA",
  numberRecordsProcessed: 0,
  numberRecordsFailed: 0,
  retries: 0,
  totalProcessingTime: 0,
  apiActiveProcessingTime: 0,
  apexProcessingTime: 0,
  ...extra,
});

const json = (status: number, v: unknown): BulkResponse => ({ status, headers: { "content-type": "application/json;charset=UTF-8" }, body: JSON.stringify(v) });
const csv = (body: string): BulkResponse => ({ status: 200, headers: { "content-type": "text/csv" }, body });

/** A scripted transport: each route answers from its own queue (the last answer repeats). */
function scripted(routes: Record<string, BulkResponse[]>) {
  const sent: BulkRequest[] = [];
  const send = async (req: BulkRequest): Promise<BulkResponse> => {
    sent.push(req);
    const key = `${req.method} ${req.url}`;
    const q = routes[key];
    if (!q || q.length === 0) throw new Error(`unexpected ${key}`);
    return q.length > 1 ? (q.shift() as BulkResponse) : (q[0] as BulkResponse);
  };
  return { send, sent };
}

function tokens(instance: string | undefined = INSTANCE): TokenProvider & { forced: number } {
  let n = 1;
  const t = {
    forced: 0,
    async getToken(force = false) {
      if (force) {
        t.forced++;
        n++;
      }
      return `00Dtoken${n}`;
    },
    instanceUrl: () => instance,
  };
  return t;
}

const leads: BulkLead[] = [
  { leadId: "lead_a", row: { LastName: "Lovelace", Company: "Individual", Email: "ada@example.com", Leadwire_Lead_Id__c: "lead_a" } },
  { leadId: "lead_b", row: { LastName: "Hopper", Company: "Individual", Email: "grace@example.com", Leadwire_Lead_Id__c: "lead_b" } },
  { leadId: "lead_c", row: { LastName: "O'Brien, Jr.", Company: "Individual", Email: "renee@example.com", Leadwire_Lead_Id__c: "lead_c" } },
];

const SUCCESS_CSV =
  '"sf__Id","sf__Created","LastName","Company","Email","Leadwire_Lead_Id__c"\n' +
  '"00QR0000002abcdEAA","true","O\'Brien, Jr.","Individual","renee@example.com","lead_c"\n' +
  '"00QR0000002abceEAA","true","Lovelace","Individual","ada@example.com","lead_a"\n';
const FAILED_CSV =
  '"sf__Id","sf__Error","LastName","Company","Email","Leadwire_Lead_Id__c"\n' +
  '"","DUPLICATES_DETECTED:Use one of these records?: --","Hopper","Individual","grace@example.com","lead_b"\n';

function happyRoutes(states = ["InProgress", "InProgress", "JobComplete"]) {
  return {
    [`POST ${INSTANCE}/services/data/v62.0/jobs/ingest`]: [json(200, jobInfo("Open"))],
    [`PUT ${JOB_URL}/batches`]: [{ status: 201, headers: {}, body: "" }],
    [`PATCH ${JOB_URL}`]: [json(200, jobInfo("UploadComplete"))],
    [`GET ${JOB_URL}`]: states.map((s) => json(200, jobInfo(s, s === "JobComplete" ? { numberRecordsProcessed: 3, numberRecordsFailed: 1 } : {}))),
    [`GET ${JOB_URL}/successfulResults/`]: [csv(SUCCESS_CSV)],
    [`GET ${JOB_URL}/failedResults/`]: [csv(FAILED_CSV)],
  };
}

describe("SalesforceBulkJob.run", () => {
  it("creates, uploads the CSV once, closes, polls with backoff, and settles each lead from its own row", async () => {
    const t = scripted(happyRoutes());
    const waits: number[] = [];
    const job = new SalesforceBulkJob(
      {
        ingestUrl: INGEST,
        object: "Lead",
        operation: "insert",
        leadIdField: "Leadwire_Lead_Id__c",
        tokens: tokens(),
        sleep: async (ms) => void waits.push(ms),
      },
      t.send,
    );
    const r = await job.run(leads);
    expect(t.sent.map((s) => `${s.method} ${s.url.replace(INSTANCE, "")}`)).toEqual([
      "POST /services/data/v62.0/jobs/ingest",
      `PUT /services/data/v62.0/jobs/ingest/${JOB}/batches`,
      `PATCH /services/data/v62.0/jobs/ingest/${JOB}`,
      `GET /services/data/v62.0/jobs/ingest/${JOB}`,
      `GET /services/data/v62.0/jobs/ingest/${JOB}`,
      `GET /services/data/v62.0/jobs/ingest/${JOB}`,
      `GET /services/data/v62.0/jobs/ingest/${JOB}/successfulResults/`,
      `GET /services/data/v62.0/jobs/ingest/${JOB}/failedResults/`,
    ]);
    // The job is announced with the CSV's own line ends; the upload is CSV with a bearer token.
    expect(JSON.parse(t.sent[0]?.body ?? "")).toEqual({
      object: "Lead",
      operation: "insert",
      contentType: "CSV",
      columnDelimiter: "COMMA",
      lineEnding: "CRLF",
    });
    expect(t.sent[1]?.headers).toMatchObject({ Authorization: "Bearer 00Dtoken1", "Content-Type": "text/csv" });
    expect(t.sent[1]?.body).toBe(
      'LastName,Company,Email,Leadwire_Lead_Id__c\r\nLovelace,Individual,ada@example.com,lead_a\r\nHopper,Individual,grace@example.com,lead_b\r\n"O\'Brien, Jr.",Individual,renee@example.com,lead_c\r\n',
    );
    expect(JSON.parse(t.sent[2]?.body ?? "")).toEqual({ state: "UploadComplete" });
    expect(waits).toEqual([2_000, 4_000, 8_000]);
    expect(r).toEqual({
      state: "JobComplete",
      jobId: JOB,
      polls: 3,
      unmatchedRows: 0,
      settlements: [
        { leadId: "lead_a", outcome: "created", salesforceId: "00QR0000002abceEAA", created: true },
        { leadId: "lead_b", outcome: "failed", code: "DUPLICATES_DETECTED", reason: "DUPLICATES_DETECTED: Use one of these records?" },
        { leadId: "lead_c", outcome: "created", salesforceId: "00QR0000002abcdEAA", created: true },
      ],
    });
  });

  it("without a lead-id column, rows are matched by their values (identical rows take one lead each)", async () => {
    const plain = leads.map((l) => {
      const { Leadwire_Lead_Id__c: _, ...row } = l.row;
      return { leadId: l.leadId, row };
    });
    const twin = { leadId: "lead_d", row: { ...(plain[0]?.row ?? {}) } };
    const strip = (s: string) => s.replace(/,"Leadwire_Lead_Id__c"/, "").replace(/,"lead_[a-z]"/g, "");
    const routes = happyRoutes(["JobComplete"]);
    routes[`GET ${JOB_URL}/successfulResults/`] = [csv(`${strip(SUCCESS_CSV)}"00QR0000002abcfEAA","true","Lovelace","Individual","ada@example.com"\n`)];
    routes[`GET ${JOB_URL}/failedResults/`] = [csv(strip(FAILED_CSV))];
    const job = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", tokens: tokens(), sleep: async () => undefined },
      scripted(routes).send,
    );
    const r = await job.run([...plain, twin]);
    if (r.state === "pending") throw new Error("pending");
    expect(r.settlements.map((s) => [s.leadId, s.outcome, s.outcome === "created" ? s.salesforceId : s.reason])).toEqual([
      ["lead_a", "created", "00QR0000002abceEAA"],
      ["lead_b", "failed", "DUPLICATES_DETECTED: Use one of these records?"],
      ["lead_c", "created", "00QR0000002abcdEAA"],
      ["lead_d", "created", "00QR0000002abcfEAA"],
    ]);
  });

  it("a job that failed as a whole: every lead unprocessed with Salesforce's message; no lead created", async () => {
    const routes = happyRoutes(["Failed"]);
    routes[`GET ${JOB_URL}`] = [json(200, jobInfo("Failed", { errorMessage: "InvalidBatch : Field name not found : Shoe__c" }))];
    routes[`GET ${JOB_URL}/successfulResults/`] = [csv('"sf__Id","sf__Created","LastName","Company","Email","Leadwire_Lead_Id__c"\n')];
    routes[`GET ${JOB_URL}/failedResults/`] = [csv('"sf__Id","sf__Error","LastName","Company","Email","Leadwire_Lead_Id__c"\n')];
    const job = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", leadIdField: "Leadwire_Lead_Id__c", tokens: tokens(), sleep: async () => undefined },
      scripted(routes).send,
    );
    const r = await job.run(leads);
    expect(r).toMatchObject({ state: "Failed", errorMessage: "InvalidBatch : Field name not found : Shoe__c" });
    if (r.state === "pending") throw new Error("pending");
    expect(r.settlements).toEqual(
      leads.map((l) => ({ leadId: l.leadId, outcome: "unprocessed", reason: "job Failed: InvalidBatch : Field name not found : Shoe__c" })),
    );
  });

  it("a job that failed part-way keeps the rows Salesforce did create (selling them elsewhere would sell them twice)", async () => {
    const routes = happyRoutes(["Failed"]);
    routes[`GET ${JOB_URL}`] = [json(200, jobInfo("Failed", { errorMessage: "InternalServerError : retry later" }))];
    routes[`GET ${JOB_URL}/failedResults/`] = [{ status: 404, headers: {}, body: "" }];
    const job = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", leadIdField: "Leadwire_Lead_Id__c", tokens: tokens(), sleep: async () => undefined },
      scripted(routes).send,
    );
    const r = await job.run(leads);
    if (r.state === "pending") throw new Error("pending");
    expect(r.settlements.map((s) => [s.leadId, s.outcome])).toEqual([
      ["lead_a", "created"],
      ["lead_b", "unprocessed"],
      ["lead_c", "created"],
    ]);
  });

  it("polls until the budget is spent, then hands back the job id with nothing settled", async () => {
    const waits: number[] = [];
    const job = new SalesforceBulkJob(
      {
        ingestUrl: INGEST,
        object: "Lead",
        operation: "insert",
        tokens: tokens(),
        sleep: async (ms) => void waits.push(ms),
        poll: { initialMs: 1_000, factor: 2, maxMs: 4_000, budgetMs: 12_000 },
      },
      scripted(happyRoutes(["InProgress"])).send,
    );
    const r = await job.run(leads);
    expect(r).toEqual({ state: "pending", jobId: JOB, polls: 4, lastState: "InProgress" });
    expect(waits).toEqual([1_000, 2_000, 4_000, 4_000]);
  });

  it("a poll that fails for a passing reason is one more wait; a refused one throws", async () => {
    const routes = happyRoutes();
    routes[`GET ${JOB_URL}`] = [json(503, [{ errorCode: "SERVER_UNAVAILABLE", message: "down" }]), json(200, jobInfo("JobComplete"))];
    const ok = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", leadIdField: "Leadwire_Lead_Id__c", tokens: tokens(), sleep: async () => undefined },
      scripted(routes).send,
    );
    expect((await ok.run(leads)).state).toBe("JobComplete");
    const refused = happyRoutes();
    refused[`GET ${JOB_URL}`] = [json(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }])];
    const bad = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", tokens: tokens(), sleep: async () => undefined },
      scripted(refused).send,
    );
    await expect(bad.run(leads)).rejects.toThrow(/poll failed \(404\): NOT_FOUND: The requested resource does not exist/);
  });

  it("an expired session (INVALID_SESSION_ID) gets one new token and one resend", async () => {
    const routes = happyRoutes(["JobComplete"]);
    routes[`POST ${INSTANCE}/services/data/v62.0/jobs/ingest`] = [
      json(401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]),
      json(200, jobInfo("Open")),
    ];
    const t = scripted(routes);
    const tk = tokens();
    const job = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", leadIdField: "Leadwire_Lead_Id__c", tokens: tk, sleep: async () => undefined },
      t.send,
    );
    expect((await job.run(leads)).state).toBe("JobComplete");
    expect(tk.forced).toBe(1);
    expect(t.sent.slice(0, 2).map((s) => s.headers["Authorization"])).toEqual(["Bearer 00Dtoken1", "Bearer 00Dtoken2"]);
  });

  it("create refused: a BulkApiError with Salesforce's code; an upload refused aborts the open job", async () => {
    const routes = happyRoutes();
    routes[`POST ${INSTANCE}/services/data/v62.0/jobs/ingest`] = [json(400, [{ errorCode: "NOT_FOUND", message: "sObject type 'Lead' is not supported." }])];
    const job = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", tokens: tokens(), sleep: async () => undefined },
      scripted(routes).send,
    );
    const err = await job.run(leads).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkApiError);
    expect(err).toMatchObject({ step: "create", status: 400, transient: false });

    const up = happyRoutes();
    up[`PUT ${JOB_URL}/batches`] = [json(400, [{ errorCode: "INVALIDJOB", message: "ClientInputError : LineEnding is invalid on user data." }])];
    const t = scripted(up);
    const job2 = new SalesforceBulkJob({ ingestUrl: INGEST, object: "Lead", operation: "insert", tokens: tokens(), sleep: async () => undefined }, t.send);
    await expect(job2.run(leads)).rejects.toThrow(/upload failed \(400\): INVALIDJOB/);
    expect(t.sent.at(-1)).toMatchObject({ method: "PATCH", body: JSON.stringify({ state: "Aborted" }) });
  });

  it("a close whose answer is lost: the job is asked, not aborted, and polled to its end", async () => {
    const routes = happyRoutes(["UploadComplete", "JobComplete"]);
    let closes = 0;
    const inner = scripted(routes);
    const send = async (req: BulkRequest) => {
      if (req.method === "PATCH" && closes++ === 0) throw new Error("Network connection lost.");
      return inner.send(req);
    };
    const job = new SalesforceBulkJob(
      { ingestUrl: INGEST, object: "Lead", operation: "insert", leadIdField: "Leadwire_Lead_Id__c", tokens: tokens(), sleep: async () => undefined },
      send,
    );
    const r = await job.run(leads);
    expect(r.state).toBe("JobComplete");
    expect(inner.sent.some((s) => s.body === JSON.stringify({ state: "Aborted" }))).toBe(false);
  });

  it("refuses a batch it could not settle: duplicate leads, a row without its lead id, an upsert without external id", async () => {
    const t = scripted({});
    const base = { ingestUrl: INGEST, object: "Lead", tokens: tokens(), sleep: async () => undefined };
    const withId = new SalesforceBulkJob({ ...base, operation: "insert", leadIdField: "Leadwire_Lead_Id__c" }, t.send);
    await expect(withId.run([leads[0] as BulkLead, leads[0] as BulkLead])).rejects.toThrow(/twice/);
    await expect(withId.run([{ leadId: "lead_x", row: { LastName: "X" } }])).rejects.toThrow(/Leadwire_Lead_Id__c/);
    await expect(withId.run([])).rejects.toThrow(/at least one/);
    expect(() => new SalesforceBulkJob({ ...base, operation: "upsert" }, t.send)).toThrow(/externalIdFieldName/);
    expect(t.sent).toEqual([]);
  });
});

describe("pieces", () => {
  it("parseSfError reads CODE:message:fields --, colons in the message included", () => {
    expect(parseSfError("REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --")).toEqual({
      code: "REQUIRED_FIELD_MISSING",
      message: "Required fields are missing: [LastName]",
      fields: ["LastName"],
      reason: "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)",
    });
    expect(parseSfError("INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email --").reason).toBe(
      "INVALID_EMAIL_ADDRESS: Email: invalid email address: x (fields: Email)",
    );
    expect(parseSfError("DUPLICATES_DETECTED:Use one of these records?: --").reason).toBe("DUPLICATES_DETECTED: Use one of these records?");
    expect(parseSfError("something odd")).toEqual({ message: "something odd", fields: [], reason: "something odd" });
  });

  it("pollDelay doubles up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => pollDelay(n))).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it("batchCsv: one header of every column in first-seen order, blanks for a row's missing ones", () => {
    expect(
      batchCsv([
        { leadId: "a", row: { LastName: "A" } },
        { leadId: "b", row: { LastName: "B", Phone: "202-555-0123" } },
      ]),
    ).toEqual({ columns: ["LastName", "Phone"], csv: "LastName,Phone\r\nA,\r\nB,202-555-0123\r\n" });
  });
});
