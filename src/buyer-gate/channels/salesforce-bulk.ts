import { readSecret } from "../../core/settings";
import { usesTokens } from "../../integration/auth";
import {
  BulkApiError,
  type BulkLead,
  type BulkTransport,
  batchCsv,
  type JobInfo,
  type JobState,
  type LeadSettlement,
  type PollOptions,
  pollDelay,
  SalesforceBulkJob,
} from "../../integration/bulk/salesforce-job";
import { leadIdColumn, type SalesforceBulkJobConfig } from "../../integration/channels";
import type { BuyerConfig } from "../../integration/config";
import { ConfigError } from "../../integration/errors";
import { toCsv } from "../../integration/formats/serialize";
import type { TokenProvider } from "../../integration/types";
import { resolveVars } from "../../integration/vars";
import { log } from "../../observability/log";
import { DEFAULT_ASYNC_ACK_TIMEOUT_MS, issueToken } from "../attempt";
import type { BatchItem, BatchJob, BatchParts, BatchResult } from "../batch";
import type { ErrorClass } from "../classify";
import type { GateParts } from "../parts";
import { send } from "../transport";
import type { AttemptResult } from "../types";
import { outboundFetch } from "./mtls";

type Parts = GateParts & { batch: BatchParts };

/** Failed attempts to start a job (create and upload) before its leads go to the next buyer. */
const MAX_START_FAILURES = 5;
/** Refused reads of a running job (not passing faults) before its outcome is declared unknown. */
const MAX_READ_FAILURES = 5;
const ENDED: readonly JobState[] = ["JobComplete", "Failed", "Aborted"];

/**
 * Drives one Salesforce Bulk API 2.0 ingest job of collected leads, one step per alarm, each
 * step persisted before the next so a restarted gate resumes where it was:
 *
 * new → create the job, upload the CSV, close it (UploadComplete) → closed → one poll per
 * alarm, with backoff (pollInitialSeconds × 2ⁿ up to pollMaxSeconds) → ended (JobComplete,
 * Failed, Aborted) → read successfulResults and failedResults → every lead settled from its own
 * row → done. A job still running after pollBudgetMinutes is aborted (PATCH Aborted), then
 * polled to its end: the rows it created count, the rest go to the next buyer.
 *
 * A lead is never settled sold before a successfulResults row says so. A job that could not be
 * started sends its leads on at once (nothing reached Salesforce); a job whose outcome cannot be
 * read any more is reported `ambiguous` (Salesforce may hold the leads), with an alert.
 */
export async function stepBulkJob(g: Parts, buyer: BuyerConfig, job: BatchJob): Promise<void> {
  const cfg = buyer.batch?.job;
  const items = g.batch.store.itemsOf(job.id);
  if (!cfg || items.length === 0) {
    job.step = "done";
    g.batch.store.saveJob(job);
    return;
  }
  const leads: BulkLead[] = items.map((it) => ({ leadId: it.leadId, row: Object.fromEntries(it.fields.map((f) => [f.name, f.value])) }));
  const poll = pollOptions(cfg);
  let client: { bulk: SalesforceBulkJob; ingestUrl: string };
  try {
    client = bulkClient(g, buyer, cfg, job);
  } catch (err) {
    settleAll(g, buyer, job, items, "config", `the Bulk job could not be set up: ${messageOf(err)}`);
    return;
  }
  const { bulk } = client;
  const save = () => g.batch.store.saveJob(job);
  const now = () => g.clock.now();
  try {
    if (job.step === "created" && job.remoteId) {
      // A restart after the job was created but before its upload was recorded. Salesforce
      // processes nothing before UploadComplete: abandon that job and start a clean one.
      await bulk.abort(job.remoteId);
      job.remoteId = null;
      job.step = "new";
      save();
    }
    if (job.step === "new") {
      job.remoteId = await bulk.createJob();
      job.step = "created";
      save();
      try {
        await bulk.upload(job.remoteId, batchCsv(leads).csv);
      } catch (err) {
        await bulk.abort(job.remoteId);
        job.remoteId = null;
        job.step = "new";
        save();
        throw err;
      }
      job.step = "uploaded";
      save();
    }
    const remoteId = job.remoteId;
    if (!remoteId) throw new Error(`job ${job.id} has no Salesforce job id at step ${job.step}`);
    if (job.step === "uploaded") {
      try {
        await bulk.close(remoteId);
      } catch (err) {
        // The close may have gone through with only its answer lost: ask before anything else.
        const info = await bulk.jobInfo(remoteId);
        if (info.state === "Open") throw err;
      }
      job.step = "closed";
      job.closedAt = now();
      job.polls = 0;
      job.failures = 0;
      job.nextAt = now() + pollDelay(0, poll);
      save();
      return;
    }
    if (job.step === "closed" || job.step === "aborting") {
      const info = await bulk.jobInfo(remoteId);
      job.polls++;
      job.failures = 0;
      job.remoteState = info.state;
      if (!ENDED.includes(info.state)) {
        if (job.step === "closed" && now() - (job.closedAt ?? job.createdAt) >= cfg.pollBudgetMinutes * 60_000) {
          await bulk.abort(remoteId);
          job.step = "aborting";
          job.error = `aborted by Leadwire: still ${info.state} after its poll budget of ${cfg.pollBudgetMinutes} minutes`;
        }
        job.nextAt = now() + pollDelay(job.polls, poll);
        save();
        return;
      }
      if (info.errorMessage) job.error = job.step === "aborting" && job.error ? `${job.error}; ${info.errorMessage}` : info.errorMessage;
      job.step = "ended";
      save();
    }
    if (job.step === "ended") {
      const info: JobInfo = { id: remoteId, state: (job.remoteState ?? "JobComplete") as JobState, ...(job.error ? { errorMessage: job.error } : {}) };
      const r = await bulk.settleJob(info, leads, job.polls);
      if (r.state === "pending") throw new Error("a settled job cannot be pending");
      const byLead = new Map(items.map((it) => [it.leadId, it]));
      for (const s of r.settlements) {
        const it = byLead.get(s.leadId);
        if (it) settleOne(g, job, client.ingestUrl, it, s, r.state);
      }
      if (r.unmatchedRows > 0) log("warn", "bulk result rows matched no lead", { buyerId: buyer.id, jobId: remoteId, rows: r.unmatchedRows });
      log("info", "bulk job settled", {
        buyerId: buyer.id,
        jobId: remoteId,
        state: r.state,
        created: r.settlements.filter((s) => s.outcome === "created").length,
        failed: r.settlements.filter((s) => s.outcome === "failed").length,
        unprocessed: r.settlements.filter((s) => s.outcome === "unprocessed").length,
        polls: job.polls,
      });
      job.step = "done";
      job.nextAt = now();
      save();
    }
  } catch (err) {
    onStepError(g, buyer, job, items, err, poll);
  }
}

/** A step that did not complete: wait and retry, or settle the job's leads when retrying cannot help. */
function onStepError(g: Parts, buyer: BuyerConfig, job: BatchJob, items: BatchItem[], err: unknown, poll: PollOptions): void {
  const now = g.clock.now();
  const msg = messageOf(err);
  const passing = !(err instanceof BulkApiError) || err.transient;
  job.failures++;
  job.error = msg;
  log("warn", "bulk job step failed", { buyerId: buyer.id, jobId: job.remoteId, step: job.step, failures: job.failures, error: msg });
  const starting = job.step === "new" || job.step === "created";
  if (starting) {
    // Nothing was processed: the leads may go to the next buyer at once when retrying cannot help.
    if (!passing || job.failures >= MAX_START_FAILURES) {
      const cls: ErrorClass = !passing && err instanceof BulkApiError ? (err.status === 401 || err.status === 403 ? "config" : "client") : "transient";
      settleAll(g, buyer, job, items, cls, `the Bulk job could not be started: ${msg}`);
      return;
    }
  } else {
    // The job may have run: only Salesforce knows which leads it created.
    const overdue = now - (job.closedAt ?? job.createdAt) > 2 * (buyer.batch?.job.pollBudgetMinutes ?? 240) * 60_000;
    if ((!passing && job.failures >= MAX_READ_FAILURES) || overdue) {
      settleAll(
        g,
        buyer,
        job,
        items,
        "ambiguous",
        `the outcome of Salesforce Bulk job ${job.remoteId ?? "?"} could not be read (${msg}); Salesforce may have created these leads — reconcile`,
      );
      return;
    }
  }
  job.nextAt = now + pollDelay(Math.min(job.failures, 10), poll);
  g.batch.store.saveJob(job);
}

/** Settles every lead of a job with one failure (a job that never started, or whose outcome is unknown). */
function settleAll(g: Parts, buyer: BuyerConfig, job: BatchJob, items: BatchItem[], errorClass: ErrorClass, reason: string): void {
  const now = g.clock.now();
  for (const it of items) {
    g.reservations.release(it.deliveryId);
    g.batch.store.settle(it.deliveryId, resultOf(g, it, job, { outcome: "failed", errorClass, reason, sent: errorClass === "ambiguous" }), now);
  }
  job.step = "done";
  job.nextAt = now;
  g.batch.store.saveJob(job);
  log("warn", "bulk job gave up", { buyerId: buyer.id, jobId: job.remoteId, leads: items.length, errorClass, reason });
}

/** One lead from its own result row: created → sold with its Salesforce id; failed → rejected with the row's error; unprocessed → on to the next buyer. */
function settleOne(g: Parts, job: BatchJob, ingestUrl: string, it: BatchItem, s: LeadSettlement, ended: JobState): void {
  const cols = it.fields.map((f) => f.name);
  const row = Object.fromEntries(it.fields.map((f) => [f.name, f.value]));
  const request: AttemptResult["request"] = {
    method: "PUT",
    url: `${ingestUrl.replace(/\/+$/, "")}/${job.remoteId ?? ""}/batches`,
    headers: { "Content-Type": "text/csv", Authorization: "Bearer ****" },
    body: toCsv([row], { header: true, delimiter: ",", columns: cols }),
  };
  const resultRow = (extra: Record<string, string>) => ({
    status: 200,
    headers: { "content-type": "text/csv" },
    body: toCsv([{ ...extra, ...row }], { header: true, delimiter: ",", columns: [...Object.keys(extra), ...cols] }),
  });
  const now = g.clock.now();
  let r: Omit<AttemptResult, "elapsedMs" | "circuit" | "warnings">;
  if (s.outcome === "created") {
    if (it.billable) g.reservations.commit(it.deliveryId);
    else g.reservations.release(it.deliveryId);
    r = {
      outcome: "accepted",
      statusCode: 200,
      buyerLeadId: s.salesforceId,
      request,
      response: resultRow({ sf__Id: s.salesforceId, sf__Created: String(s.created) }),
      sent: true,
    };
  } else if (s.outcome === "failed") {
    g.reservations.release(it.deliveryId);
    r = {
      outcome: "rejected",
      errorClass: "rejected",
      reason: s.reason,
      statusCode: 200,
      request,
      response: resultRow({ sf__Id: "", sf__Error: s.reason }),
      sent: true,
    };
  } else {
    g.reservations.release(it.deliveryId);
    const aborted = ended === "Aborted";
    const cls: ErrorClass = aborted ? "transient" : /^(InvalidBatch|ClientInputError|InvalidJob)\b/.test(job.error ?? "") ? "client" : "server";
    r = { outcome: "failed", errorClass: cls, reason: `Salesforce Bulk job ${job.remoteId ?? ""}: ${s.reason}`, request, sent: true };
  }
  g.batch.store.settle(it.deliveryId, resultOf(g, it, job, r), now);
}

function resultOf(g: Parts, it: BatchItem, job: BatchJob, r: Omit<AttemptResult, "elapsedMs" | "circuit" | "warnings">): BatchResult {
  return {
    deliveryId: it.deliveryId,
    leadId: it.leadId,
    attempt: it.attempt,
    // The job's time on the wire (create, upload, close, polls, results), not its time in Salesforce's queue.
    result: { ...r, elapsedMs: job.wireMs, warnings: [], circuit: g.breaker.snapshot().state },
  };
}

function pollOptions(cfg: SalesforceBulkJobConfig): PollOptions {
  return { initialMs: cfg.pollInitialSeconds * 1000, factor: 2, maxMs: cfg.pollMaxSeconds * 1000, budgetMs: cfg.pollBudgetMinutes * 60_000 };
}

/**
 * The job client for this buyer: its ingest URL (the sandbox one for sandbox leads), its token
 * from the gate's cache (one refresh at a time, one new token on INVALID_SESSION_ID), and a
 * transport over the gate's connections — through the client-certificate binding when the buyer
 * has one — that adds each exchange's time to the job's time on the wire.
 */
function bulkClient(g: Parts, buyer: BuyerConfig, cfg: SalesforceBulkJobConfig, job: BatchJob): { bulk: SalesforceBulkJob; ingestUrl: string } {
  const read = (name: string) => readSecret(g.env, name);
  const raw = job.sandbox && buyer.endpoint.sandboxUrl ? buyer.endpoint.sandboxUrl : buyer.endpoint.url;
  const ingestUrl = resolveVars(raw, read, job.sandbox && buyer.endpoint.sandboxUrl ? "endpoint.sandboxUrl" : "endpoint.url");
  const via = outboundFetch(g.env, buyer);
  const timeoutMs = buyer.endpoint.timeoutMs ?? DEFAULT_ASYNC_ACK_TIMEOUT_MS;
  const transport: BulkTransport = async (req) => {
    const started = g.clock.now();
    const sent = await send(g.connections, req, timeoutMs, false, via);
    job.wireMs += Math.max(0, g.clock.now() - started);
    if (sent.response) return sent.response;
    throw sent.error ?? new Error(sent.timedOut ? `no answer within ${timeoutMs} ms` : "no answer");
  };
  const bulk = new SalesforceBulkJob(
    {
      ingestUrl,
      object: cfg.object,
      operation: cfg.operation,
      ...(cfg.externalIdFieldName ? { externalIdFieldName: cfg.externalIdFieldName } : {}),
      ...(leadIdColumn(buyer) ? { leadIdField: leadIdColumn(buyer) } : {}),
      tokens: tokensFor(g, buyer),
      // Never used: the gate polls one step per alarm (pollJob is the client's blocking loop).
      sleep: async () => undefined,
      poll: pollOptions(cfg),
    },
    transport,
  );
  return { bulk, ingestUrl };
}

/** The bearer token the job's calls carry: OAuth from the gate's token cache, or a configured bearer secret. */
function tokensFor(g: Parts, buyer: BuyerConfig): TokenProvider {
  const auth = buyer.auth;
  if (usesTokens(auth)) {
    // The same cache key as a per-lead attempt (attempt.ts), so both share one token.
    const key = `auth:${JSON.stringify(auth)}`;
    return g.tokens.provider(key, () => issueToken(g, buyer, key));
  }
  if (auth.type === "bearer") {
    const token = readSecret(g.env, auth.token.secret);
    if (!token) throw new ConfigError(`secret ${auth.token.secret} is not set`, "auth.token", auth.token.secret);
    return { getToken: async () => token };
  }
  throw new ConfigError("a Salesforce Bulk job needs OAuth 2.0 (or a bearer token) to call the API", "auth.type");
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
