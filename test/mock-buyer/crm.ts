/**
 * The CRM half of the mock buyer: Salesforce (OAuth token, REST sObject create, Web-to-Lead,
 * Bulk API 2.0 ingest jobs), HubSpot (OAuth token, CRM v3 contacts, Forms v3 submit) and
 * Velocify (Import.aspx posting), answering in the shapes the vendors document. State lives per
 * tenant (Salesforce org, HubSpot portal, Velocify client) — the path segment after the vendor —
 * so tests that use their own tenant never see each other's records. See README.md beside this
 * file for the routes, the rules and the control API.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parse as parseCsv } from "csv-parse/sync";

/** What the server hands each CRM request: the parsed URL, the body and a way to answer. */
export interface CrmRequest {
  method: string;
  url: URL;
  /** Path segments after the origin, decoded. */
  parts: string[];
  headers: Record<string, string>;
  body: string;
}

export interface CrmAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The tenant (buyer id in the recorded requests) and the route name, for the request log. */
  tenant: string;
  route: string;
  /** The id the CRM gave the record, if one was created. */
  recordId?: string;
}

/** Salesforce settings a test can change through the control API. */
export interface SalesforceSettings {
  /** Session lifetime of issued tokens, seconds (Salesforce's default session timeout: 2 h). */
  sessionSeconds: number;
  /** API requests allowed per org (24 h allocation); over it: 403 REQUEST_LIMIT_EXCEEDED. */
  apiLimit: number | null;
  /** The standard lead duplicate rule (blocks a second lead with the same e-mail). */
  duplicateRule: boolean;
  /** Polls of an UploadComplete job before it is JobComplete (the first poll shows InProgress). */
  bulkPollsToComplete: number;
  /** Make every next Bulk job fail as a whole with this message (null: process normally). */
  bulkFailJob: string | null;
}

export interface HubSpotSettings {
  /** OAuth access token lifetime, seconds (HubSpot: 30 min). */
  tokenSeconds: number;
  /** Burst limit: at most `max` calls per `intervalMs` window (HubSpot's TEN_SECONDLY_ROLLING). */
  rateLimit: { max: number; intervalMs: number; retryAfter: boolean } | null;
}

interface SfToken {
  org: string;
  expiresAt: number;
  revoked: boolean;
}

interface SfLead {
  id: string;
  fields: Record<string, string>;
  via: "rest" | "web-to-lead" | "bulk";
}

interface BulkJob {
  id: string;
  object: string;
  operation: string;
  externalIdFieldName?: string;
  lineEnding: "LF" | "CRLF";
  columnDelimiter: string;
  apiVersion: number;
  state: "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";
  createdDate: string;
  systemModstamp: string;
  csv: string | null;
  polls: number;
  errorMessage?: string;
  processed: number;
  failed: number;
  successRows: string[][];
  failedRows: string[][];
  unprocessedRows: string[][];
  columns: string[];
}

interface SfOrg {
  orgId: string;
  settings: SalesforceSettings;
  leads: SfLead[];
  apiCalls: number;
  tokenRequests: number;
  jobs: Map<string, BulkJob>;
  /** Web-to-Lead posts Salesforce dropped without a word (the browser still saw 200). */
  droppedWebToLead: number;
}

interface HsContact {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

interface HsPortal {
  settings: HubSpotSettings;
  contacts: HsContact[];
  tokenRequests: number;
  windowStart: number;
  windowCalls: number;
  dailyCalls: number;
  formSubmissions: { formGuid: string; fields: Record<string, string> }[];
}

interface VelocifyClient {
  leads: { id: string; campaignId: string; fields: Record<string, string> }[];
}

const SF_LEAD_FIELDS = new Set([
  "FirstName",
  "LastName",
  "Salutation",
  "Company",
  "Title",
  "Email",
  "Phone",
  "MobilePhone",
  "Street",
  "City",
  "State",
  "PostalCode",
  "Country",
  "LeadSource",
  "Status",
  "Description",
  "Industry",
  "Rating",
  "Website",
  "HasOptedOutOfEmail",
  "Leadwire_Lead_Id__c",
]);
const SF_REQUIRED = ["LastName", "Company"] as const;

const HS_CONTACT_PROPERTIES = new Set([
  "email",
  "firstname",
  "lastname",
  "phone",
  "mobilephone",
  "address",
  "city",
  "state",
  "zip",
  "country",
  "company",
  "jobtitle",
  "website",
  "lifecyclestage",
  "hs_lead_status",
  "date_of_birth",
  "leadwire_lead_id",
]);
const HS_FORM_FIELDS = new Set(["email", "firstname", "lastname", "phone", "state", "zip", "company", "message", "leadwire_lead_id"]);

const EMAIL_OK = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function defaultSfSettings(): SalesforceSettings {
  return { sessionSeconds: 7200, apiLimit: null, duplicateRule: true, bulkPollsToComplete: 2, bulkFailJob: null };
}

function defaultHsSettings(): HubSpotSettings {
  return { tokenSeconds: 1800, rateLimit: null };
}

/** 15-character base + 3-character checksum suffix, like every Salesforce id (`00Q…` for a Lead). */
function sfId(prefix: string, n: number): string {
  return `${prefix}Mk${String(n).padStart(10, "0")}AAC`;
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): Omit<CrmAnswer, "tenant" | "route"> {
  return { status, headers: { "content-type": "application/json;charset=UTF-8", ...headers }, body: JSON.stringify(value) };
}

function sfErrors(status: number, errors: { errorCode: string; message: string; fields?: string[] }[], headers: Record<string, string> = {}) {
  return json(
    status,
    errors.map((e) => ({ message: e.message, errorCode: e.errorCode, ...(e.fields ? { fields: e.fields } : {}) })),
    headers,
  );
}

function formOrJson(headers: Record<string, string>, body: string): Record<string, string> {
  const out: Record<string, string> = {};
  if ((headers["content-type"] ?? "").includes("application/json")) {
    try {
      const v: unknown = JSON.parse(body);
      if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
    } catch {
      // an unreadable body has no parameters
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

function basicSecret(headers: Record<string, string>): { id?: string; secret?: string } {
  const m = /^Basic\s+(\S+)$/i.exec(headers["authorization"] ?? "");
  if (!m?.[1]) return {};
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return {};
  return { id: decodeURIComponent(decoded.slice(0, i).replace(/\+/g, " ")), secret: decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, " ")) };
}

function bearer(headers: Record<string, string>): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(headers["authorization"] ?? "")?.[1];
}

function csvQuote(v: string): string {
  return `"${v.replace(/"/g, '""')}"`;
}

/** Salesforce writes result files with every value quoted and LF line ends. */
function resultCsv(columns: string[], rows: string[][]): string {
  const lines = [columns.map(csvQuote).join(","), ...rows.map((r) => r.map(csvQuote).join(","))];
  return `${lines.join("\n")}\n`;
}

export interface CrmMock {
  handle(req: CrmRequest): CrmAnswer | undefined;
  control(method: string, vendor: string, tenant: string, body: unknown): { status: number; value: unknown };
  reset(): void;
}

/**
 * Builds the CRM mock. `origin` is where the server listens (Salesforce's `instance_url` points
 * back at it); `now` is the server's clock.
 */
export function createCrmMock(opts: { origin: () => string; now: () => number }): CrmMock {
  const { now } = opts;
  let seq = 0;
  let sfOrgs = new Map<string, SfOrg>();
  let sfTokens = new Map<string, SfToken>();
  let hsPortals = new Map<string, HsPortal>();
  let hsTokens = new Map<string, { portal: string; expiresAt: number }>();
  let velocify = new Map<string, VelocifyClient>();

  const org = (name: string): SfOrg => {
    let o = sfOrgs.get(name);
    if (!o) {
      o = {
        orgId: sfId("00D", sfOrgs.size + 1).slice(0, 15),
        settings: defaultSfSettings(),
        leads: [],
        apiCalls: 0,
        tokenRequests: 0,
        jobs: new Map(),
        droppedWebToLead: 0,
      };
      sfOrgs.set(name, o);
    }
    return o;
  };
  const portal = (name: string): HsPortal => {
    let p = hsPortals.get(name);
    if (!p) {
      p = { settings: defaultHsSettings(), contacts: [], tokenRequests: 0, windowStart: now(), windowCalls: 0, dailyCalls: 0, formSubmissions: [] };
      hsPortals.set(name, p);
    }
    return p;
  };
  const vclient = (name: string): VelocifyClient => {
    let c = velocify.get(name);
    if (!c) {
      c = { leads: [] };
      velocify.set(name, c);
    }
    return c;
  };
  const iso = () => new Date(now()).toISOString();
  const sfIso = () => new Date(now()).toISOString().replace("Z", "+0000");

  // ------------------------------------------------------------------ Salesforce

  const sfToken = (orgName: string, r: CrmRequest): Omit<CrmAnswer, "tenant" | "route"> => {
    const o = org(orgName);
    o.tokenRequests++;
    const p = formOrJson(r.headers, r.body);
    const basic = basicSecret(r.headers);
    const secret = p["client_secret"] ?? basic.secret;
    const grant = p["grant_type"];
    if (grant !== "client_credentials" && grant !== "refresh_token" && grant !== "password") {
      return json(400, { error: "unsupported_grant_type", error_description: "grant type not supported" });
    }
    if (!(p["client_id"] ?? basic.id) || !secret) return json(400, { error: "invalid_client_id", error_description: "client identifier invalid" });
    if (grant === "refresh_token" && !p["refresh_token"]) return json(400, { error: "invalid_grant", error_description: "expired access/refresh token" });
    const token = `${o.orgId}!AQ${randomBytes(24).toString("base64url")}`;
    sfTokens.set(token, { org: orgName, expiresAt: now() + o.settings.sessionSeconds * 1000, revoked: false });
    // Salesforce sends no expires_in: a session lasts until its timeout or until it is revoked.
    return json(200, {
      access_token: token,
      signature: randomBytes(16).toString("base64"),
      scope: "api",
      instance_url: `${opts.origin()}/salesforce/${encodeURIComponent(orgName)}`,
      id: `${opts.origin()}/id/${o.orgId}/005Mk00000000001AAA`,
      token_type: "Bearer",
      issued_at: String(now()),
    });
  };

  /** The session check every REST and Bulk call makes; undefined when the session is good. */
  const sfSession = (orgName: string, r: CrmRequest) => {
    const t = bearer(r.headers);
    const tok = t ? sfTokens.get(t) : undefined;
    if (!tok || tok.revoked || tok.org !== orgName || tok.expiresAt <= now()) {
      return sfErrors(401, [{ errorCode: "INVALID_SESSION_ID", message: "Session expired or invalid" }], { "www-authenticate": 'Token realm="Salesforce"' });
    }
    const o = org(orgName);
    o.apiCalls++;
    if (o.settings.apiLimit !== null && o.apiCalls > o.settings.apiLimit) {
      return sfErrors(403, [{ errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." }]);
    }
    return undefined;
  };
  const limitInfo = (o: SfOrg) => ({ "sforce-limit-info": `api-usage=${o.apiCalls}/${o.settings.apiLimit ?? 15000}` });

  /** The rules a new Lead meets in REST and Bulk alike: its fields, required fields, e-mail, duplicates. */
  const sfLeadProblems = (
    o: SfOrg,
    fields: Record<string, string>,
    allowSave: boolean,
  ): { errorCode: string; message: string; fields?: string[]; existing?: string }[] => {
    const unknown = Object.keys(fields).filter((k) => !SF_LEAD_FIELDS.has(k));
    if (unknown.length) return [{ errorCode: "INVALID_FIELD", message: `No such column '${unknown[0]}' on sobject of type Lead` }];
    const missing = SF_REQUIRED.filter((f) => !(fields[f] ?? "").trim());
    if (missing.length) return [{ errorCode: "REQUIRED_FIELD_MISSING", message: `Required fields are missing: [${missing.join(", ")}]`, fields: [...missing] }];
    const email = fields["Email"];
    if (email && !EMAIL_OK.test(email)) return [{ errorCode: "INVALID_EMAIL_ADDRESS", message: `Email: invalid email address: ${email}`, fields: ["Email"] }];
    if (email && /fail/i.test(email)) {
      return [
        {
          errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
          message: "Leads from this address are not accepted (validation rule Block_Test_Addresses)",
          fields: ["Email"],
        },
      ];
    }
    if (email && o.settings.duplicateRule && !allowSave) {
      const dup = o.leads.find((l) => (l.fields["Email"] ?? "").toLowerCase() === email.toLowerCase());
      if (dup) {
        return [
          {
            errorCode: "DUPLICATES_DETECTED",
            message: "You're creating a duplicate record. We recommend you use an existing record instead.",
            existing: dup.id,
          },
        ];
      }
    }
    return [];
  };

  const sfCreateLead = (o: SfOrg, fields: Record<string, string>, via: SfLead["via"]): SfLead => {
    const lead: SfLead = { id: sfId("00Q", ++seq), fields, via };
    o.leads.push(lead);
    return lead;
  };

  const sfRestCreate = (orgName: string, r: CrmRequest): Omit<CrmAnswer, "tenant" | "route"> => {
    const denied = sfSession(orgName, r);
    if (denied) return denied;
    const o = org(orgName);
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      return sfErrors(
        400,
        [{ errorCode: "JSON_PARSER_ERROR", message: "Unexpected character: was expecting a JSON value at [line:1, column:1]" }],
        limitInfo(o),
      );
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      return sfErrors(400, [{ errorCode: "JSON_PARSER_ERROR", message: "Cannot deserialize instance of Lead from a non-object" }], limitInfo(o));
    }
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (v !== null && v !== undefined) fields[k] = String(v);
    const allowSave = /allowSave\s*=\s*true/i.test(r.headers["sforce-duplicate-rule-header"] ?? "");
    const problems = sfLeadProblems(o, fields, allowSave);
    const first = problems[0];
    if (first?.errorCode === "DUPLICATES_DETECTED" && first.existing) {
      return json(
        400,
        [
          {
            duplicateResult: {
              allowSave: true,
              duplicateRule: "Standard_Lead_Duplicate_Rule",
              duplicateRuleEntityType: "Lead",
              errorMessage: first.message,
              matchResults: [
                {
                  entityType: "Lead",
                  errors: [],
                  matchEngine: "FuzzyMatchEngine",
                  matchRecords: [
                    {
                      additionalInformation: [],
                      fieldDiffs: [],
                      matchConfidence: 100.0,
                      record: { attributes: { type: "Lead", url: `/services/data/v60.0/sobjects/Lead/${first.existing}` }, Id: first.existing },
                    },
                  ],
                  rule: "Standard_Lead_Match_Rule_v1_0",
                  size: 1,
                  success: true,
                },
              ],
            },
            errorCode: "DUPLICATES_DETECTED",
            message: first.message,
          },
        ],
        limitInfo(o),
      );
    }
    if (first) return sfErrors(400, [first], limitInfo(o));
    const lead = sfCreateLead(o, fields, "rest");
    return { ...json(201, { id: lead.id, success: true, errors: [] }, limitInfo(o)), recordId: lead.id };
  };

  /**
   * Web-to-Lead answers 200 whatever happens; a lead it cannot create (no valid `oid`, no last
   * name or company) is dropped and only the org's admin hears of it, by e-mail.
   */
  const sfWebToLead = (orgName: string, r: CrmRequest): Omit<CrmAnswer, "tenant" | "route"> => {
    const o = org(orgName);
    const p = new URLSearchParams(r.body);
    const retURL = p.get("retURL");
    const fields: Record<string, string> = {};
    const map: Record<string, string> = {
      first_name: "FirstName",
      last_name: "LastName",
      company: "Company",
      email: "Email",
      phone: "Phone",
      mobile: "MobilePhone",
      city: "City",
      state: "State",
      zip: "PostalCode",
      street: "Street",
      lead_source: "LeadSource",
      description: "Description",
    };
    for (const [k, v] of p) {
      const f = map[k];
      if (f && v) fields[f] = v;
    }
    const oidOk = /^00D[A-Za-z0-9]{12}$/.test(p.get("oid") ?? "");
    let created: SfLead | undefined;
    if (oidOk && sfLeadProblems(o, fields, true).length === 0) created = sfCreateLead(o, fields, "web-to-lead");
    else o.droppedWebToLead++;
    const html =
      p.get("debug") === "1"
        ? `<html><head><title>Web-to-Lead debug</title></head><body>Salesforce.com Web To Lead<br>Your debug info:<br>${[...p.keys()].map((k) => `${k}: (hidden)<br>`).join("")}</body></html>`
        : retURL
          ? `<html><head><meta http-equiv="Refresh" content="0; URL=${retURL}"></head><body></body></html>`
          : "<html><head></head><body></body></html>";
    return { status: 200, headers: { "content-type": "text/html;charset=UTF-8" }, body: html, ...(created ? { recordId: created.id } : {}) };
  };

  const jobInfo = (j: BulkJob, full: boolean) => ({
    id: j.id,
    operation: j.operation,
    object: j.object,
    createdById: "005Mk00000000001AAA",
    createdDate: j.createdDate,
    systemModstamp: j.systemModstamp,
    state: j.state,
    ...(j.externalIdFieldName ? { externalIdFieldName: j.externalIdFieldName } : {}),
    concurrencyMode: "Parallel",
    contentType: "CSV",
    apiVersion: j.apiVersion,
    ...(full
      ? {
          jobType: "V2Ingest",
          lineEnding: j.lineEnding,
          columnDelimiter: j.columnDelimiter === "," ? "COMMA" : j.columnDelimiter,
          numberRecordsProcessed: j.processed,
          numberRecordsFailed: j.failed,
          retries: 0,
          totalProcessingTime: j.processed * 3,
          apiActiveProcessingTime: j.processed * 2,
          apexProcessingTime: 0,
          ...(j.errorMessage ? { errorMessage: j.errorMessage } : {}),
        }
      : { contentUrl: `services/data/v${j.apiVersion.toFixed(1)}/jobs/ingest/${j.id}/batches`, lineEnding: j.lineEnding, columnDelimiter: "COMMA" }),
  });

  /** Processes a closed job's CSV: every row created or failed with its `sf__Error`, or the whole job failed. */
  const processJob = (o: SfOrg, j: BulkJob): void => {
    j.systemModstamp = sfIso();
    const forced = o.settings.bulkFailJob;
    let rows: string[][] = [];
    if (forced === null && j.csv !== null) {
      try {
        rows = parseCsv(j.csv, { relax_column_count: false, skip_empty_lines: true }) as string[][];
      } catch (e) {
        j.state = "Failed";
        j.errorMessage = `InvalidBatch : Failed to parse CSV: ${(e as Error).message}`;
        return;
      }
    }
    const header = rows.shift() ?? [];
    j.columns = header;
    if (forced !== null || j.csv === null) {
      j.state = "Failed";
      j.errorMessage = forced ?? "InvalidBatch : No data was uploaded for this job";
      j.unprocessedRows = rows;
      return;
    }
    const unknown = header.find((c) => !SF_LEAD_FIELDS.has(c));
    if (unknown !== undefined) {
      // A column that is no field of the object fails the whole job, before any row is written.
      j.state = "Failed";
      j.errorMessage = `InvalidBatch : Field name not found : ${unknown}`;
      j.unprocessedRows = rows;
      return;
    }
    for (const row of rows) {
      const fields: Record<string, string> = {};
      header.forEach((c, i) => {
        const v = row[i] ?? "";
        if (v !== "") fields[c] = v;
      });
      const problems = sfLeadProblems(o, fields, false);
      const first = problems[0];
      if (first) {
        // sf__Error: CODE:message:fields --
        j.failedRows.push(["", `${first.errorCode}:${first.message}:${(first.fields ?? []).join(",")} --`, ...row]);
        j.failed++;
      } else {
        const lead = sfCreateLead(o, fields, "bulk");
        j.successRows.push([lead.id, "true", ...row]);
      }
      j.processed++;
    }
    // Bulk API 2.0 does not keep the upload's row order in its result files.
    j.successRows.reverse();
    j.failedRows.reverse();
    j.state = "JobComplete";
  };

  const sfBulk = (orgName: string, r: CrmRequest, version: string, rest: string[]): Omit<CrmAnswer, "tenant" | "route"> => {
    const denied = sfSession(orgName, r);
    if (denied) return denied;
    const o = org(orgName);
    const [jobId, sub] = rest;
    if (jobId === undefined) {
      if (r.method !== "POST")
        return sfErrors(405, [{ errorCode: "METHOD_NOT_ALLOWED", message: `HTTP Method '${r.method}' not allowed. Allowed are GET,POST` }]);
      let req: Record<string, unknown>;
      try {
        req = JSON.parse(r.body) as Record<string, unknown>;
      } catch {
        return sfErrors(400, [{ errorCode: "JSON_PARSER_ERROR", message: "Unexpected character: was expecting a JSON value" }]);
      }
      if (req["object"] !== "Lead") return sfErrors(400, [{ errorCode: "NOT_FOUND", message: `sObject type '${String(req["object"])}' is not supported.` }]);
      const operation = String(req["operation"] ?? "");
      if (!["insert", "upsert", "update", "delete"].includes(operation)) {
        return sfErrors(400, [{ errorCode: "INVALIDJOB", message: `InvalidJob : Invalid operation: ${operation}` }]);
      }
      if (operation === "upsert" && typeof req["externalIdFieldName"] !== "string") {
        return sfErrors(400, [
          { errorCode: "INVALIDJOB", message: "InvalidJob : External ID was blank for Lead. An External ID must be specified for upsert." },
        ]);
      }
      const job: BulkJob = {
        id: sfId("750", ++seq),
        object: "Lead",
        operation,
        ...(typeof req["externalIdFieldName"] === "string" ? { externalIdFieldName: req["externalIdFieldName"] } : {}),
        lineEnding: req["lineEnding"] === "CRLF" ? "CRLF" : "LF",
        columnDelimiter: ",",
        apiVersion: Number(version.replace(/^v/, "")),
        state: "Open",
        createdDate: sfIso(),
        systemModstamp: sfIso(),
        csv: null,
        polls: 0,
        processed: 0,
        failed: 0,
        successRows: [],
        failedRows: [],
        unprocessedRows: [],
        columns: [],
      };
      o.jobs.set(job.id, job);
      return json(200, jobInfo(job, false));
    }
    const job = o.jobs.get(jobId);
    if (!job) return sfErrors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    if (sub === "batches" && r.method === "PUT") {
      if (job.state !== "Open") return sfErrors(409, [{ errorCode: "INVALIDJOBSTATE", message: `Job ${job.id} is not Open: ${job.state}` }]);
      if (job.csv !== null) {
        return sfErrors(400, [
          {
            errorCode: "BULK_API_ERROR",
            message: `Found multiple contents for job: <${job.id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`,
          },
        ]);
      }
      const crlf = r.body.includes("\r\n");
      if (crlf !== (job.lineEnding === "CRLF")) {
        return sfErrors(400, [
          { errorCode: "INVALIDJOB", message: `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${job.lineEnding}` },
        ]);
      }
      job.csv = r.body;
      return { status: 201, headers: {}, body: "" };
    }
    if (sub === undefined && r.method === "PATCH") {
      let req: Record<string, unknown> = {};
      try {
        req = JSON.parse(r.body) as Record<string, unknown>;
      } catch {
        return sfErrors(400, [{ errorCode: "JSON_PARSER_ERROR", message: "Unexpected character: was expecting a JSON value" }]);
      }
      const state = req["state"];
      if (state === "UploadComplete" && job.state === "Open") job.state = "UploadComplete";
      else if (state === "Aborted" && ["Open", "UploadComplete", "InProgress"].includes(job.state)) job.state = "Aborted";
      else return sfErrors(400, [{ errorCode: "INVALIDJOBSTATE", message: `Invalid state transition from ${job.state} to ${String(state)}` }]);
      job.systemModstamp = sfIso();
      return json(200, jobInfo(job, false));
    }
    if (sub === undefined && r.method === "GET") {
      // Processing happens over the polls: UploadComplete → InProgress → … → JobComplete / Failed.
      if (job.state === "UploadComplete" || job.state === "InProgress") {
        job.polls++;
        if (job.polls >= o.settings.bulkPollsToComplete) processJob(o, job);
        else job.state = "InProgress";
      }
      return json(200, jobInfo(job, true));
    }
    if (r.method === "GET" && (sub === "successfulResults" || sub === "failedResults" || sub === "unprocessedrecords")) {
      if (!["JobComplete", "Failed", "Aborted"].includes(job.state)) {
        return sfErrors(400, [{ errorCode: "INVALIDJOBSTATE", message: `Job ${job.id} is not complete: ${job.state}` }]);
      }
      const cols = job.columns.length ? job.columns : ((parseCsv(job.csv ?? "", { to: 1 }) as string[][])[0] ?? []);
      const csv =
        sub === "successfulResults"
          ? resultCsv(["sf__Id", "sf__Created", ...cols], job.successRows)
          : sub === "failedResults"
            ? resultCsv(["sf__Id", "sf__Error", ...cols], job.failedRows)
            : resultCsv(cols, job.unprocessedRows);
      return { status: 200, headers: { "content-type": "text/csv" }, body: csv };
    }
    return sfErrors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
  };

  const salesforce = (r: CrmRequest): CrmAnswer | undefined => {
    const [, orgName, ...rest] = r.parts;
    if (!orgName) return undefined;
    const at = (route: string, a: Omit<CrmAnswer, "tenant" | "route">): CrmAnswer => ({ ...a, tenant: orgName, route });
    const path = rest.join("/");
    if (r.method === "POST" && path === "services/oauth2/token") return at("salesforce:token", sfToken(orgName, r));
    if (r.method === "POST" && path === "services/oauth2/revoke") {
      const t = new URLSearchParams(r.body).get("token") ?? "";
      const tok = sfTokens.get(t);
      if (tok) tok.revoked = true;
      return at("salesforce:revoke", { status: 200, headers: {}, body: "" });
    }
    if (r.method === "POST" && path === "servlet/servlet.WebToLead") return at("salesforce:web-to-lead", sfWebToLead(orgName, r));
    const m = /^services\/data\/(v\d+\.\d)\/(.*)$/.exec(path);
    if (!m) return at("salesforce:unknown", sfErrors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]));
    const [, version = "v60.0", tail = ""] = m;
    const segs = tail.split("/").filter(Boolean);
    if (segs[0] === "sobjects" && segs[1] === "Lead" && segs.length === 2 && r.method === "POST")
      return at("salesforce:sobject-create", sfRestCreate(orgName, r));
    if (segs[0] === "sobjects" && segs[1] === "Lead" && segs.length === 3 && r.method === "GET") {
      const denied = sfSession(orgName, r);
      if (denied) return at("salesforce:sobject-get", denied);
      const lead = org(orgName).leads.find((l) => l.id === segs[2]);
      return at(
        "salesforce:sobject-get",
        lead
          ? json(200, { attributes: { type: "Lead", url: `/services/data/${version}/sobjects/Lead/${lead.id}` }, Id: lead.id, ...lead.fields })
          : sfErrors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]),
      );
    }
    if (segs[0] === "jobs" && segs[1] === "ingest") return at("salesforce:bulk", sfBulk(orgName, r, version, segs.slice(2)));
    return at("salesforce:unknown", sfErrors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]));
  };

  // ------------------------------------------------------------------ HubSpot

  const hsError = (status: number, category: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    json(status, { status: "error", message, correlationId: randomUUID(), category, ...extra }, headers);

  /** Counts a call against the portal's limits; a 429 when the burst window is used up. */
  const hsMeter = (p: HsPortal): { headers: Record<string, string>; limited?: Omit<CrmAnswer, "tenant" | "route"> } => {
    const rl = p.settings.rateLimit;
    p.dailyCalls++;
    const daily = { "x-hubspot-ratelimit-daily": "250000", "x-hubspot-ratelimit-daily-remaining": String(Math.max(0, 250000 - p.dailyCalls)) };
    if (!rl) return { headers: daily };
    if (now() - p.windowStart >= rl.intervalMs) {
      p.windowStart = now();
      p.windowCalls = 0;
    }
    p.windowCalls++;
    const remaining = Math.max(0, rl.max - p.windowCalls);
    const headers = {
      ...daily,
      "x-hubspot-ratelimit-interval-milliseconds": String(rl.intervalMs),
      "x-hubspot-ratelimit-max": String(rl.max),
      "x-hubspot-ratelimit-remaining": String(remaining),
    };
    if (p.windowCalls <= rl.max) return { headers };
    const wait = Math.max(1, Math.ceil((p.windowStart + rl.intervalMs - now()) / 1000));
    const h429 = { ...headers, ...(rl.retryAfter ? { "retry-after": String(wait) } : {}) };
    return {
      headers: h429,
      limited: json(
        429,
        {
          status: "error",
          message: "You have reached your ten_secondly_rolling limit.",
          errorType: "RATE_LIMIT",
          correlationId: randomUUID(),
          policyName: "TEN_SECONDLY_ROLLING",
          requestId: randomUUID(),
        },
        h429,
      ),
    };
  };

  const hsAuth = (portalName: string, r: CrmRequest): Omit<CrmAnswer, "tenant" | "route"> | undefined => {
    const t = bearer(r.headers);
    if (!t) {
      return hsError(
        401,
        "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
      );
    }
    // A private app's token (pat-<region>-<uuid>) stays good until it is rotated.
    if (/^pat-[a-z0-9]+-[A-Za-z0-9-]+$/.test(t)) return undefined;
    const tok = hsTokens.get(t);
    if (!tok || tok.portal !== portalName) return hsError(401, "INVALID_AUTHENTICATION", "The OAuth token used to make this call is not valid.");
    if (tok.expiresAt <= now()) {
      const ago = Math.max(1, Math.round((now() - tok.expiresAt) / 1000));
      return hsError(401, "EXPIRED_AUTHENTICATION", `The OAuth token used to make this call expired ${ago} second(s) ago.`);
    }
    return undefined;
  };

  const hsContact = (c: HsContact) => ({
    id: c.id,
    properties: { createdate: c.createdAt, hs_object_id: c.id, lastmodifieddate: c.updatedAt, ...c.properties },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    archived: false,
  });

  /** Property problems in HubSpot's VALIDATION_ERROR shape, or undefined when all are fine. */
  const hsValidate = (props: Record<string, string>) => {
    const errors: { isValid: false; message: string; error: string; name: string }[] = [];
    for (const name of Object.keys(props)) {
      if (!HS_CONTACT_PROPERTIES.has(name)) errors.push({ isValid: false, message: `Property "${name}" does not exist`, error: "PROPERTY_DOESNT_EXIST", name });
    }
    const email = props["email"];
    if (email !== undefined && !EMAIL_OK.test(email))
      errors.push({ isValid: false, message: `Email address ${email} is invalid`, error: "INVALID_EMAIL", name: "email" });
    if (!errors.length) return undefined;
    return {
      message: `Property values were not valid: ${JSON.stringify(errors)}`,
      errors: errors.map((e) => ({ message: e.message, code: e.error, context: { propertyName: [e.name] } })),
    };
  };

  const hsContacts = (portalName: string, r: CrmRequest, rest: string[]): Omit<CrmAnswer, "tenant" | "route"> => {
    const p = portal(portalName);
    const denied = hsAuth(portalName, r);
    if (denied) return denied;
    const meter = hsMeter(p);
    if (meter.limited) return meter.limited;
    const h = meter.headers;
    let body: Record<string, unknown> = {};
    if (r.method === "POST" || r.method === "PATCH") {
      try {
        body = JSON.parse(r.body) as Record<string, unknown>;
      } catch {
        return hsError(400, "VALIDATION_ERROR", "Invalid input JSON on line 1, column 1: Unexpected character", {}, h);
      }
    }
    const props: Record<string, string> = {};
    const raw = body["properties"];
    if (raw && typeof raw === "object") for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined) props[k] = String(v);

    const [idOrEmail] = rest;
    if (idOrEmail === undefined && r.method === "POST") {
      const bad = hsValidate(props);
      if (bad) return hsError(400, "VALIDATION_ERROR", bad.message, { errors: bad.errors }, h);
      const email = props["email"]?.toLowerCase();
      const existing = email ? p.contacts.find((c) => c.properties["email"]?.toLowerCase() === email) : undefined;
      if (existing) return hsError(409, "CONFLICT", `Contact already exists. Existing ID: ${existing.id}`, {}, h);
      const c: HsContact = { id: String(100000 + ++seq), properties: props, createdAt: iso(), updatedAt: iso() };
      p.contacts.push(c);
      return { ...json(201, hsContact(c), h), recordId: c.id };
    }
    if (idOrEmail !== undefined && (r.method === "PATCH" || r.method === "GET")) {
      const byEmail = r.url.searchParams.get("idProperty") === "email";
      const c = p.contacts.find((x) => (byEmail ? x.properties["email"]?.toLowerCase() === idOrEmail.toLowerCase() : x.id === idOrEmail));
      if (!c) return hsError(404, "OBJECT_NOT_FOUND", "resource not found", {}, h);
      if (r.method === "GET") return json(200, hsContact(c), h);
      const bad = hsValidate(props);
      if (bad) return hsError(400, "VALIDATION_ERROR", bad.message, { errors: bad.errors }, h);
      Object.assign(c.properties, props);
      c.updatedAt = iso();
      return { ...json(200, hsContact(c), h), recordId: c.id };
    }
    return hsError(405, "VALIDATION_ERROR", `HTTP ${r.method} is not supported by this endpoint`, {}, h);
  };

  const hsToken = (portalName: string, r: CrmRequest): Omit<CrmAnswer, "tenant" | "route"> => {
    const p = portal(portalName);
    p.tokenRequests++;
    const f = formOrJson(r.headers, r.body);
    if (f["grant_type"] !== "refresh_token" && f["grant_type"] !== "authorization_code") {
      return json(400, { status: "BAD_GRANT_TYPE", message: "grant_type must be one of authorization_code, refresh_token", correlationId: randomUUID() });
    }
    if (!f["client_id"] || !f["client_secret"])
      return json(400, { status: "BAD_CLIENT_ID", message: "missing or unknown client id", correlationId: randomUUID() });
    if (f["grant_type"] === "refresh_token" && !f["refresh_token"]) {
      return json(400, { status: "BAD_REFRESH_TOKEN", message: "missing or unknown refresh token", correlationId: randomUUID() });
    }
    const token = `CJ${randomBytes(30).toString("base64url")}`;
    hsTokens.set(token, { portal: portalName, expiresAt: now() + p.settings.tokenSeconds * 1000 });
    return json(200, { token_type: "bearer", refresh_token: f["refresh_token"] ?? randomUUID(), access_token: token, expires_in: p.settings.tokenSeconds });
  };

  const hubspot = (r: CrmRequest): CrmAnswer | undefined => {
    const [, portalName, ...rest] = r.parts;
    if (!portalName) return undefined;
    const at = (route: string, a: Omit<CrmAnswer, "tenant" | "route">): CrmAnswer => ({ ...a, tenant: portalName, route });
    const path = rest.join("/");
    if (r.method === "POST" && path === "oauth/v1/token") return at("hubspot:token", hsToken(portalName, r));
    if (path.startsWith("crm/v3/objects/contacts")) return at("hubspot:contacts", hsContacts(portalName, r, rest.slice(4)));
    return at("hubspot:unknown", hsError(404, "OBJECT_NOT_FOUND", "resource not found"));
  };

  /** Forms API v3 submit: no auth; field errors name their type; a repeat submission updates the contact. */
  const hsForms = (r: CrmRequest): CrmAnswer | undefined => {
    // /hsforms/submissions/v3/integration/submit/:portalId/:formGuid
    const [, s, v, i, submit, portalId, formGuid] = r.parts;
    if (s !== "submissions" || v !== "v3" || i !== "integration" || submit !== "submit" || !portalId || !formGuid) return undefined;
    const at = (a: Omit<CrmAnswer, "tenant" | "route">): CrmAnswer => ({ ...a, tenant: portalId, route: "hubspot:forms-submit" });
    const p = portal(portalId);
    if (r.method !== "POST") return at(json(405, { status: "error", message: "Method not allowed", correlationId: randomUUID() }));
    if (formGuid === "missing-form") return at(json(404, { status: "error", message: "Form not found", correlationId: randomUUID() }));
    const meter = hsMeter(p);
    if (meter.limited) return at(meter.limited);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      return at(json(400, { status: "error", message: "Invalid input JSON", correlationId: randomUUID() }));
    }
    const fields: Record<string, string> = {};
    const errors: { message: string; errorType: string }[] = [];
    for (const f of Array.isArray(body["fields"]) ? (body["fields"] as unknown[]) : []) {
      const o = (f ?? {}) as Record<string, unknown>;
      const name = typeof o["name"] === "string" ? o["name"] : "";
      const value = o["value"] === undefined || o["value"] === null ? "" : String(o["value"]);
      if (!HS_FORM_FIELDS.has(name)) {
        errors.push({ message: `Error in 'fields.${name}'. This field doesn't exist in the form`, errorType: "FIELD_NOT_IN_FORM_DEFINITION" });
        continue;
      }
      fields[name] = value;
    }
    if (!fields["email"]) errors.push({ message: "Error in 'fields.email'. Required field 'email' is missing", errorType: "REQUIRED_FIELD" });
    else if (!EMAIL_OK.test(fields["email"])) errors.push({ message: "Error in 'fields.email'. Invalid email address", errorType: "INVALID_EMAIL" });
    else if (/@(mailinator|blocked)\./i.test(fields["email"]))
      errors.push({ message: "Error in 'fields.email'. Email address is blocked", errorType: "BLOCKED_EMAIL" });
    const ctx = (body["context"] ?? {}) as Record<string, unknown>;
    const ip = ctx["ipAddress"];
    if (typeof ip === "string" && ip !== "") {
      const m = IPV4.exec(ip);
      if (!m || m.slice(1).some((x) => Number(x) > 255))
        errors.push({ message: "Error in 'context.ipAddress'. Invalid IP address", errorType: "INVALID_IP_ADDRESS" });
    }
    if (errors.length) return at(json(400, { status: "error", message: "The request is not valid", correlationId: randomUUID(), errors }, meter.headers));
    p.formSubmissions.push({ formGuid, fields });
    const email = (fields["email"] ?? "").toLowerCase();
    const existing = p.contacts.find((c) => c.properties["email"]?.toLowerCase() === email);
    if (existing) {
      Object.assign(existing.properties, fields);
      existing.updatedAt = iso();
    } else {
      p.contacts.push({ id: String(100000 + ++seq), properties: { ...fields }, createdAt: iso(), updatedAt: iso() });
    }
    return at(json(200, { inlineMessage: "<p>Thanks for submitting the form.</p>" }, meter.headers));
  };

  // ------------------------------------------------------------------ Velocify

  const velocifyImport = (r: CrmRequest): CrmAnswer | undefined => {
    const [, clientName, page] = r.parts;
    if (!clientName || page?.toLowerCase() !== "import.aspx") return undefined;
    const q = r.url.searchParams;
    const xmlAnswer = q.get("XmlResponse") === "true";
    const answer = (ok: boolean, text: string, leadId?: string): CrmAnswer => ({
      status: 200,
      headers: { "content-type": xmlAnswer ? "text/xml; charset=utf-8" : "text/plain; charset=utf-8" },
      body: xmlAnswer
        ? ok
          ? `<?xml version="1.0" encoding="utf-8"?><Response><Success LeadId="${leadId ?? ""}">${text}</Success></Response>`
          : `<?xml version="1.0" encoding="utf-8"?><Response><Error>${text.replace(/[<&>]/g, (c) => `&#${c.charCodeAt(0)};`)}</Error></Response>`
        : ok
          ? `Success ${leadId ?? ""}`
          : `Error: ${text}`,
      tenant: clientName,
      route: "velocify:import",
      ...(leadId ? { recordId: leadId } : {}),
    });
    if (!q.get("Provider") || !q.get("Client")) return answer(false, "Invalid Provider or Client");
    const campaign = q.get("CampaignId") ?? "";
    if (!/^\d+$/.test(campaign) || campaign === "0") return answer(false, `Invalid CampaignId: ${campaign}`);
    const f: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(r.body)) if (v) f[k] = v;
    for (const required of ["FirstName", "LastName"]) if (!f[required]) return answer(false, `Missing required field: ${required}`);
    if (!f["DayPhone"] && !f["EveningPhone"] && !f["MobilePhone"] && !f["Email"]) return answer(false, "Missing required field: a phone number or Email");
    const c = vclient(clientName);
    const phone = (f["DayPhone"] ?? f["MobilePhone"] ?? f["EveningPhone"] ?? "").replace(/\D/g, "");
    const dup = c.leads.find(
      (l) =>
        l.campaignId === campaign &&
        ((phone !== "" && (l.fields["DayPhone"] ?? l.fields["MobilePhone"] ?? l.fields["EveningPhone"] ?? "").replace(/\D/g, "") === phone) ||
          (f["Email"] !== undefined && l.fields["Email"]?.toLowerCase() === f["Email"].toLowerCase())),
    );
    if (dup) return answer(false, `Duplicate lead: matches lead ${dup.id} in campaign ${campaign}`);
    const id = String(880000 + ++seq);
    c.leads.push({ id, campaignId: campaign, fields: f });
    return answer(true, "Lead added", id);
  };

  // ------------------------------------------------------------------ control

  const control = (method: string, vendor: string, tenant: string, body: unknown): { status: number; value: unknown } => {
    const o = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
    if (vendor === "salesforce") {
      const s = org(tenant);
      if (method === "POST") {
        if (o["revokeTokens"] === true) for (const t of sfTokens.values()) if (t.org === tenant) t.revoked = true;
        if (o["expireTokens"] === true) for (const t of sfTokens.values()) if (t.org === tenant) t.expiresAt = now() - 1;
        if (typeof o["sessionSeconds"] === "number") s.settings.sessionSeconds = o["sessionSeconds"];
        if (o["apiLimit"] === null || typeof o["apiLimit"] === "number") s.settings.apiLimit = o["apiLimit"];
        if (typeof o["duplicateRule"] === "boolean") s.settings.duplicateRule = o["duplicateRule"];
        if (typeof o["bulkPollsToComplete"] === "number") s.settings.bulkPollsToComplete = Math.max(1, o["bulkPollsToComplete"]);
        if (o["bulkFailJob"] === null || typeof o["bulkFailJob"] === "string") s.settings.bulkFailJob = o["bulkFailJob"];
      }
      return {
        status: 200,
        value: {
          orgId: s.orgId,
          settings: s.settings,
          tokenRequests: s.tokenRequests,
          apiCalls: s.apiCalls,
          droppedWebToLead: s.droppedWebToLead,
          leads: s.leads,
          jobs: [...s.jobs.values()].map((j) => jobInfo(j, true)),
        },
      };
    }
    if (vendor === "hubspot") {
      const p = portal(tenant);
      if (method === "POST") {
        if (o["expireTokens"] === true) for (const t of hsTokens.values()) if (t.portal === tenant) t.expiresAt = now() - 1000;
        if (typeof o["tokenSeconds"] === "number") p.settings.tokenSeconds = o["tokenSeconds"];
        const rl = o["rateLimit"];
        if (rl === null) p.settings.rateLimit = null;
        else if (rl && typeof rl === "object") {
          const x = rl as Record<string, unknown>;
          p.settings.rateLimit = {
            max: typeof x["max"] === "number" ? x["max"] : 100,
            intervalMs: typeof x["intervalMs"] === "number" ? x["intervalMs"] : 10_000,
            retryAfter: x["retryAfter"] !== false,
          };
          p.windowStart = now();
          p.windowCalls = 0;
        }
      }
      return {
        status: 200,
        value: { settings: p.settings, tokenRequests: p.tokenRequests, contacts: p.contacts.map(hsContact), formSubmissions: p.formSubmissions },
      };
    }
    if (vendor === "velocify") return { status: 200, value: { leads: vclient(tenant).leads } };
    return { status: 404, value: { error: "vendor must be salesforce, hubspot or velocify" } };
  };

  return {
    handle(r) {
      switch (r.parts[0]) {
        case "salesforce":
          return salesforce(r);
        case "hubspot":
          return hubspot(r);
        case "hsforms":
          return hsForms(r);
        case "velocify":
          return velocifyImport(r);
        default:
          return undefined;
      }
    },
    control,
    reset() {
      seq = 0;
      sfOrgs = new Map();
      sfTokens = new Map();
      hsPortals = new Map();
      hsTokens = new Map();
      velocify = new Map();
    },
  };
}
