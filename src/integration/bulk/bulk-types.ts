/**
 * The Bulk API 2.0 job client's contract: the injected transport, a lead as a CSV row, the job's
 * options and poll policy, what a job settles each lead to, and the error a refused request is.
 */
import type { TokenProvider } from "../types";

/** One HTTP exchange as the caller performs it. */
export interface BulkRequest {
  method: "GET" | "POST" | "PUT" | "PATCH";
  url: string;
  headers: Record<string, string>;
  body?: string;
}
export interface BulkResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
/** Sends one request; throws only when no answer came (network). */
export type BulkTransport = (req: BulkRequest) => Promise<BulkResponse>;

/** A lead as one CSV row: Salesforce field API name → value (already mapped and formatted). */
export interface BulkLead {
  leadId: string;
  row: Record<string, string>;
}

export type JobState = "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";

/** What Salesforce answers for GET …/jobs/ingest/:id (the fields this client reads). */
export interface JobInfo {
  id: string;
  state: JobState;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
  errorMessage?: string;
}

export interface BulkJobOptions {
  /** The buyer's ingest URL, e.g. `https://acme.my.salesforce.com/services/data/v62.0/jobs/ingest`; sent to the token's instance when it names one. */
  ingestUrl: string;
  object: string;
  operation: "insert" | "upsert";
  /** Required for upsert: the External ID field matched on. */
  externalIdFieldName?: string;
  /** A column of every row holding our lead id; without it rows are matched by their values. */
  leadIdField?: string;
  tokens: TokenProvider;
  /** Injected wait (a timer, or an alarm in the BuyerGate); tests pass a recorder. */
  sleep: (ms: number) => Promise<void>;
  poll?: Partial<PollOptions>;
}

export interface PollOptions {
  /** First wait after closing the job. */
  initialMs: number;
  /** Each next wait is multiplied by this … */
  factor: number;
  /** … up to this. */
  maxMs: number;
  /** Total time spent waiting before giving up for now (the job goes on at Salesforce). */
  budgetMs: number;
}

export const DEFAULT_POLL: PollOptions = { initialMs: 2_000, factor: 2, maxMs: 60_000, budgetMs: 15 * 60_000 };

/** How one lead came out of the job. */
export type LeadSettlement =
  | { leadId: string; outcome: "created"; salesforceId: string; created: boolean }
  | { leadId: string; outcome: "failed"; reason: string; code?: string; fields?: string[] }
  /** The job ended (Failed / Aborted) before reaching this lead's row: Salesforce has not taken it. */
  | { leadId: string; outcome: "unprocessed"; reason: string };

export type BulkJobResult =
  | {
      state: "JobComplete" | "Failed" | "Aborted";
      jobId: string;
      polls: number;
      errorMessage?: string;
      settlements: LeadSettlement[];
      /** Result rows that matched no lead of this batch (never expected; reported, not guessed). */
      unmatchedRows: number;
    }
  /** Still processing when the poll budget ran out: nothing is settled; resume with the job id. */
  | { state: "pending"; jobId: string; polls: number; lastState: JobState };

/** A request Salesforce refused, with its error codes read like any buyer's answer. */
export class BulkApiError extends Error {
  constructor(
    readonly step: "create" | "upload" | "close" | "poll" | "results",
    readonly status: number,
    reason: string,
    /** The job, when one was created. */
    readonly jobId?: string,
  ) {
    super(`Bulk API ${step} failed (${status}): ${reason}`);
    this.name = "BulkApiError";
  }

  /** 401/403/400 are about our request or credentials; 408, 429 and 5xx may pass. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}
