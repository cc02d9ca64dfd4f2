/**
 * Salesforce Bulk API 2.0 ingest, as a job client over an injected transport (no fetch here:
 * the BuyerGate sends, this module decides what to send and what the answers mean).
 *
 * One job: create (`POST …/jobs/ingest`), upload the CSV once (`PUT …/batches`), close it
 * (`PATCH {"state":"UploadComplete"}` — Salesforce processes nothing before), poll with backoff
 * until JobComplete / Failed / Aborted, then read `successfulResults` and `failedResults` and
 * settle every lead from its own row: created (with its `sf__Id`) or failed (with its
 * `sf__Error`). Bulk API 2.0 does not keep the upload's row order in its result files, so rows
 * are matched back by a lead-id column when the buyer has one (a custom field such as
 * `Leadwire_Lead_Id__c`, best an External ID so `upsert` makes retries idempotent), otherwise
 * by the row's own values, which the result files echo.
 *
 * A lead is never reported created unless a successfulResults row says so, and never failed
 * while the job may still be processing it: a poll that runs out of time returns `pending`
 * with the job id, to be resumed with `pollJob` + `settleJob`.
 */
import { parse as parseCsv } from "csv-parse/sync";
import { onInstance } from "../auth/common";
import {
  BulkApiError,
  type BulkJobOptions,
  type BulkJobResult,
  type BulkLead,
  type BulkRequest,
  type BulkResponse,
  type BulkTransport,
  DEFAULT_POLL,
  type JobInfo,
  type JobState,
  type PollOptions,
} from "./bulk-types";
import { batchCsv, pollDelay, reasonOf, rowMatcher, settleRows } from "./job-rows";

// The contract and the row logic live beside this file (bulk-types.ts, job-rows.ts); importers keep reading them here.
export * from "./bulk-types";
export { batchCsv, parseSfError, pollDelay } from "./job-rows";

/** A client bound to one buyer's options and a transport. */
export class SalesforceBulkJob {
  readonly #o: BulkJobOptions;
  readonly #send: BulkTransport;
  readonly #poll: PollOptions;

  constructor(options: BulkJobOptions, transport: BulkTransport) {
    if (options.operation === "upsert" && !options.externalIdFieldName) throw new Error("an upsert job needs externalIdFieldName");
    this.#o = options;
    this.#send = transport;
    this.#poll = { ...DEFAULT_POLL, ...options.poll };
  }

  /** Create, upload, close, poll and settle: the whole job for one batch of leads. */
  async run(leads: BulkLead[]): Promise<BulkJobResult> {
    if (leads.length === 0) throw new Error("a Bulk job needs at least one lead");
    const ids = new Set<string>();
    for (const l of leads) {
      if (ids.has(l.leadId)) throw new Error(`lead ${l.leadId} is twice in the batch`);
      ids.add(l.leadId);
      if (this.#o.leadIdField && l.row[this.#o.leadIdField] !== l.leadId) {
        throw new Error(`row of lead ${l.leadId} must carry its id in ${this.#o.leadIdField}`);
      }
    }
    const { csv } = batchCsv(leads);
    const jobId = await this.createJob();
    try {
      await this.upload(jobId, csv);
    } catch (err) {
      // Nothing is processed before UploadComplete: abort so the job does not linger Open.
      await this.abort(jobId);
      throw err;
    }
    try {
      await this.close(jobId);
    } catch (err) {
      // The close may have gone through with only its answer lost: ask before aborting, since
      // aborting a job Salesforce already runs could leave leads created that we then resell.
      let state: JobState;
      try {
        state = (await this.jobInfo(jobId)).state;
      } catch {
        return { state: "pending", jobId, polls: 0, lastState: "UploadComplete" };
      }
      if (state === "Open") {
        await this.abort(jobId);
        throw err;
      }
    }
    const polled = await this.pollJob(jobId);
    if (polled.state === "pending") return polled;
    return this.settleJob(polled.info, leads, polled.polls);
  }

  /** PATCH state Aborted, best effort (used only before the job was closed). */
  async abort(jobId: string): Promise<void> {
    await this.#call("close", "PATCH", this.#jobUrl(jobId), JSON.stringify({ state: "Aborted" }), "application/json").catch(() => undefined);
  }

  /** POST …/jobs/ingest; the new job's id. */
  async createJob(): Promise<string> {
    const body = {
      object: this.#o.object,
      operation: this.#o.operation,
      ...(this.#o.externalIdFieldName ? { externalIdFieldName: this.#o.externalIdFieldName } : {}),
      contentType: "CSV",
      columnDelimiter: "COMMA",
      // Our CSV writer ends lines with CRLF; Salesforce refuses a file whose line ends differ.
      lineEnding: "CRLF",
    };
    const res = await this.#call("create", "POST", this.#ingestUrl(), JSON.stringify(body), "application/json");
    if (res.status !== 200 && res.status !== 201) throw new BulkApiError("create", res.status, reasonOf(res));
    const info = this.#json(res, "create") as Partial<JobInfo>;
    if (typeof info.id !== "string" || info.id === "") throw new BulkApiError("create", res.status, "the job answer has no id");
    return info.id;
  }

  /** PUT the CSV (once per job). */
  async upload(jobId: string, csv: string): Promise<void> {
    const res = await this.#call("upload", "PUT", `${this.#jobUrl(jobId)}/batches`, csv, "text/csv");
    if (res.status !== 201) throw new BulkApiError("upload", res.status, reasonOf(res), jobId);
  }

  /** PATCH state UploadComplete: from here Salesforce processes the job. */
  async close(jobId: string): Promise<void> {
    const res = await this.#call("close", "PATCH", this.#jobUrl(jobId), JSON.stringify({ state: "UploadComplete" }), "application/json");
    if (res.status !== 200) throw new BulkApiError("close", res.status, reasonOf(res), jobId);
  }

  /** GET the job's info once. */
  async jobInfo(jobId: string): Promise<JobInfo> {
    const res = await this.#call("poll", "GET", this.#jobUrl(jobId));
    if (res.status !== 200) throw new BulkApiError("poll", res.status, reasonOf(res), jobId);
    const info = this.#json(res, "poll") as Partial<JobInfo>;
    if (typeof info.state !== "string") throw new BulkApiError("poll", res.status, "the job answer has no state", jobId);
    return { ...info, id: jobId, state: info.state };
  }

  /**
   * Polls with backoff until the job ends or the poll budget is spent. A poll that fails for a
   * passing reason (network, 5xx, 429) is just another wait; a refused one throws.
   */
  async pollJob(
    jobId: string,
  ): Promise<{ state: "done"; info: JobInfo; polls: number } | { state: "pending"; jobId: string; polls: number; lastState: JobState }> {
    let waited = 0;
    let polls = 0;
    let last: JobState = "UploadComplete";
    for (let n = 0; ; n++) {
      const delay = pollDelay(n, this.#poll);
      if (waited + delay > this.#poll.budgetMs) return { state: "pending", jobId, polls, lastState: last };
      await this.#o.sleep(delay);
      waited += delay;
      polls++;
      let info: JobInfo;
      try {
        info = await this.jobInfo(jobId);
      } catch (err) {
        if (err instanceof BulkApiError && !err.transient) throw err;
        continue;
      }
      last = info.state;
      if (info.state === "JobComplete" || info.state === "Failed" || info.state === "Aborted") return { state: "done", info, polls };
    }
  }

  /**
   * Reads the result files of an ended job and settles every lead of the batch from its own row.
   * For a Failed or Aborted job the rows Salesforce did write still count (those leads exist in
   * the org); the others are `unprocessed` with the job's error message.
   */
  async settleJob(info: JobInfo, leads: BulkLead[], polls = 0): Promise<BulkJobResult> {
    const ended = info.state;
    if (ended !== "JobComplete" && ended !== "Failed" && ended !== "Aborted") throw new Error(`job ${info.id} has not ended: ${ended}`);
    const ok = await this.#results(info.id, "successfulResults", ended !== "JobComplete");
    const bad = await this.#results(info.id, "failedResults", ended !== "JobComplete");
    return settleRows({ ...info, state: ended }, leads, { ok, bad, matcher: rowMatcher(leads, this.#o.leadIdField) }, polls);
  }

  // -------------------------------------------------------------------------------------

  #ingestUrl(): string {
    const instance = this.#o.tokens.instanceUrl?.();
    const url = this.#o.ingestUrl.replace(/\/+$/, "");
    return instance ? onInstance(url, instance) : url;
  }

  #jobUrl(jobId: string): string {
    return `${this.#ingestUrl()}/${encodeURIComponent(jobId)}`;
  }

  /** One request with the bearer token; an INVALID_SESSION_ID 401 gets one new token and one resend. */
  async #call(step: BulkApiError["step"], method: BulkRequest["method"], url: string, body?: string, contentType?: string): Promise<BulkResponse> {
    const build = async (force: boolean): Promise<BulkRequest> => {
      const token = await this.#o.tokens.getToken(force);
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
      if (contentType) headers["Content-Type"] = contentType;
      // The URL is placed after the token is had: its answer names the org's instance.
      return { method, url: this.#retarget(url), headers, ...(body !== undefined ? { body } : {}) };
    };
    let res: BulkResponse;
    try {
      res = await this.#send(await build(false));
      if (res.status === 401) res = await this.#send(await build(true));
    } catch (err) {
      if (err instanceof BulkApiError) throw err;
      // No answer at all: a network failure, worth another try later.
      throw new BulkApiError(step, 0, err instanceof Error ? err.message : String(err));
    }
    return res;
  }

  #retarget(url: string): string {
    const instance = this.#o.tokens.instanceUrl?.();
    return instance ? onInstance(url, instance) : url;
  }

  #json(res: BulkResponse, step: BulkApiError["step"]): unknown {
    try {
      return JSON.parse(res.body);
    } catch {
      throw new BulkApiError(step, res.status, "the answer is not JSON");
    }
  }

  async #results(jobId: string, which: "successfulResults" | "failedResults", tolerateMissing: boolean): Promise<Record<string, string>[]> {
    const res = await this.#call("results", "GET", `${this.#jobUrl(jobId)}/${which}/`);
    if (res.status !== 200) {
      // A job that failed before writing anything may have no result files.
      if (tolerateMissing && (res.status === 400 || res.status === 404)) return [];
      throw new BulkApiError("results", res.status, reasonOf(res), jobId);
    }
    if (res.body.trim() === "") return [];
    return parseCsv(res.body, { columns: true, skip_empty_lines: true, relax_column_count: true, bom: true }) as Record<string, string>[];
  }
}
