/**
 * Batch delivery in the BuyerGate (issue 16): a batch buyer's leads (Salesforce Bulk API 2.0)
 * and an e-mail digest buyer's leads are collected here — the mapped row in the gate's SQLite,
 * the lead `pending` like an asynchronous acknowledgement, its cap slot held — and sent as one
 * job on the alarm, by count or by age. Each lead is then settled from its own result and kept
 * here until the delivery layer has written it to D1 (`batchResults` / `ackBatchResults`): the
 * gate has no D1, so it tells the Worker there are results (a `batch_results` message on the
 * deliveries queue; the minute cron asks too) and the Worker pulls them. Both sides are
 * idempotent: a result is reported until acknowledged, and D1 applies it only to a pending claim.
 *
 * The jobs themselves are in channels/salesforce-bulk.ts and channels/digest.ts.
 */
import { newId } from "../core/ids";
import { channelOf, decisionWindowSeconds, mappedColumns } from "../integration/channels";
import type { BuyerConfig } from "../integration/config";
import type { EmailField } from "../integration/email/mime";
import { digestWindow } from "../integration/email/window";
import { log } from "../observability/log";
import { buildFailure, type Finish, type Taken } from "./attempt";
import type { SqlLike } from "./breaker";
import type { GateParts } from "./parts";
import type { AttemptResult, BatchStatus, ResolvedInput } from "./types";

/** The deliveries-queue message that tells the Worker a gate holds settled batch results. */
export interface BatchResultsJob {
  kind: "batch_results";
  buyerId: string;
}

/** One collected lead's result, as the delivery layer writes it to D1 (an attempt of its own). */
export interface BatchResult {
  deliveryId: string;
  leadId: string;
  /** The attempt this result ends: the collection's number (its first row said `pending`). */
  attempt: number;
  result: AttemptResult;
}

/** A collected lead. */
export interface BatchItem {
  deliveryId: string;
  leadId: string;
  attempt: number;
  billable: boolean;
  sandbox: boolean;
  fields: EmailField[];
  queuedAt: number;
}

export type JobStep = "new" | "created" | "uploaded" | "closed" | "aborting" | "ended" | "done";

/** One job (a Bulk ingest job, or one digest mail) over some collected leads. */
export interface BatchJob {
  id: string;
  kind: string;
  sandbox: boolean;
  step: JobStep;
  remoteId: string | null;
  remoteState: string | null;
  polls: number;
  failures: number;
  error: string | null;
  createdAt: number;
  closedAt: number | null;
  nextAt: number;
  wireMs: number;
}

type ItemRow = {
  delivery_id: string;
  lead_id: string;
  attempt: number;
  billable: number;
  sandbox: number;
  fields: string | null;
  queued_at: number;
};
type JobRow = {
  id: string;
  kind: string;
  sandbox: number;
  step: string;
  remote_id: string | null;
  remote_state: string | null;
  polls: number;
  failures: number;
  error: string | null;
  created_at: number;
  closed_at: number | null;
  next_at: number;
  wire_ms: number;
};

const itemOf = (r: ItemRow): BatchItem => ({
  deliveryId: r.delivery_id,
  leadId: r.lead_id,
  attempt: r.attempt,
  billable: r.billable === 1,
  sandbox: r.sandbox === 1,
  fields: r.fields ? (JSON.parse(r.fields) as EmailField[]) : [],
  queuedAt: r.queued_at,
});
const jobOf = (r: JobRow): BatchJob => ({
  id: r.id,
  kind: r.kind,
  sandbox: r.sandbox === 1,
  step: r.step as JobStep,
  remoteId: r.remote_id,
  remoteState: r.remote_state,
  polls: r.polls,
  failures: r.failures,
  error: r.error,
  createdAt: r.created_at,
  closedAt: r.closed_at,
  nextAt: r.next_at,
  wireMs: r.wire_ms,
});

/** Leads a digest mail carries at most (the rest wait for the next one). */
export const DIGEST_MAX_LEADS = 5_000;
/** When the Worker could not be told of settled results, ask again this much later. */
const REPORT_RETRY_MS = 60_000;

/** The batch tables of the gate's SQLite storage. Every method is synchronous (one input-gate turn). */
export class BatchStore {
  constructor(private readonly sql: SqlLike) {}

  /** Collects a lead; a repeat of the same delivery changes nothing. Returns whether it was new. */
  add(item: BatchItem): boolean {
    const before = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM batch_items WHERE delivery_id = ?", item.deliveryId).toArray()[0]?.n ?? 0;
    if (before > 0) return false;
    this.sql.exec(
      `INSERT INTO batch_items (delivery_id, lead_id, attempt, billable, sandbox, fields, state, job_id, queued_at)
       VALUES (?, ?, ?, ?, ?, ?, 'waiting', NULL, ?)`,
      item.deliveryId,
      item.leadId,
      item.attempt,
      item.billable ? 1 : 0,
      item.sandbox ? 1 : 0,
      JSON.stringify(item.fields),
      item.queuedAt,
    );
    return true;
  }

  /** The state of a collected delivery (undefined when not here). */
  stateOf(deliveryId: string): "waiting" | "in_job" | "settled" | undefined {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM batch_items WHERE delivery_id = ?", deliveryId).toArray()[0];
    return row?.state === "waiting" || row?.state === "in_job" || row?.state === "settled" ? row.state : undefined;
  }

  /** The oldest waiting leads (of one sandbox flag: a job goes to one URL), up to `limit`. */
  waiting(limit: number, sandbox?: boolean): BatchItem[] {
    const rows =
      sandbox === undefined
        ? this.sql.exec<ItemRow>("SELECT * FROM batch_items WHERE state = 'waiting' ORDER BY queued_at, delivery_id LIMIT ?", limit).toArray()
        : this.sql
            .exec<ItemRow>("SELECT * FROM batch_items WHERE state = 'waiting' AND sandbox = ? ORDER BY queued_at, delivery_id LIMIT ?", sandbox ? 1 : 0, limit)
            .toArray();
    return rows.map(itemOf);
  }

  /** How many leads wait, and since when the oldest. */
  waitingSummary(): { count: number; oldest: number | null } {
    const row = this.sql
      .exec<{ n: number; oldest: number | null }>("SELECT COUNT(*) AS n, MIN(queued_at) AS oldest FROM batch_items WHERE state = 'waiting'")
      .toArray()[0];
    return { count: row?.n ?? 0, oldest: row?.oldest ?? null };
  }

  /** A waiting lead leaves the batch (its decision window ran out in D1). True when it was still waiting. */
  withdraw(deliveryId: string): boolean {
    const row = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM batch_items WHERE delivery_id = ? AND state = 'waiting'", deliveryId).toArray()[0];
    if (!row?.n) return false;
    this.sql.exec("DELETE FROM batch_items WHERE delivery_id = ? AND state = 'waiting'", deliveryId);
    return true;
  }

  /** A new job over these waiting leads. */
  createJob(kind: string, items: BatchItem[], sandbox: boolean, nowMs: number): BatchJob {
    const id = newId("bj", nowMs);
    this.sql.exec(
      `INSERT INTO batch_jobs (id, kind, sandbox, step, polls, failures, created_at, next_at, wire_ms) VALUES (?, ?, ?, 'new', 0, 0, ?, ?, 0)`,
      id,
      kind,
      sandbox ? 1 : 0,
      nowMs,
      nowMs,
    );
    for (const it of items) this.sql.exec("UPDATE batch_items SET state = 'in_job', job_id = ? WHERE delivery_id = ? AND state = 'waiting'", id, it.deliveryId);
    const job = this.job(id);
    if (!job) throw new Error(`job ${id} was not stored`);
    return job;
  }

  job(id: string): BatchJob | undefined {
    const row = this.sql.exec<JobRow>("SELECT * FROM batch_jobs WHERE id = ?", id).toArray()[0];
    return row ? jobOf(row) : undefined;
  }

  /** Jobs not done whose next step is due, oldest first. */
  dueJobs(nowMs: number): BatchJob[] {
    return this.sql.exec<JobRow>("SELECT * FROM batch_jobs WHERE step != 'done' AND next_at <= ? ORDER BY created_at", nowMs).toArray().map(jobOf);
  }

  /** Jobs not done (status and the next wake-up). */
  openJobs(): BatchJob[] {
    return this.sql.exec<JobRow>("SELECT * FROM batch_jobs WHERE step != 'done' ORDER BY created_at").toArray().map(jobOf);
  }

  /** Saves a job's progress (each step is persisted before the next, so a restart resumes it). */
  saveJob(j: BatchJob): void {
    this.sql.exec(
      `UPDATE batch_jobs SET step = ?, remote_id = ?, remote_state = ?, polls = ?, failures = ?, error = ?, closed_at = ?, next_at = ?, wire_ms = ? WHERE id = ?`,
      j.step,
      j.remoteId,
      j.remoteState,
      j.polls,
      j.failures,
      j.error,
      j.closedAt,
      j.nextAt,
      j.wireMs,
      j.id,
    );
  }

  /** The leads of a job that are not settled yet. */
  itemsOf(jobId: string): BatchItem[] {
    return this.sql
      .exec<ItemRow>("SELECT * FROM batch_items WHERE job_id = ? AND state = 'in_job' ORDER BY queued_at, delivery_id", jobId)
      .toArray()
      .map(itemOf);
  }

  /** A lead's result: kept until the Worker acknowledges it; its mapped row (personal data) is dropped now. */
  settle(deliveryId: string, result: BatchResult, nowMs: number): void {
    this.sql.exec(
      "UPDATE batch_items SET state = 'settled', fields = NULL, result = ?, settled_at = ? WHERE delivery_id = ? AND state = 'in_job'",
      JSON.stringify(result),
      nowMs,
      deliveryId,
    );
  }

  /** Results not yet acknowledged by the Worker, oldest first. */
  results(limit: number): BatchResult[] {
    return this.sql
      .exec<{ result: string }>("SELECT result FROM batch_items WHERE state = 'settled' ORDER BY settled_at, delivery_id LIMIT ?", limit)
      .toArray()
      .map((r) => JSON.parse(r.result) as BatchResult);
  }

  /** How many results wait for the Worker. */
  unreported(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM batch_items WHERE state = 'settled'").toArray()[0]?.n ?? 0;
  }

  /** The Worker wrote these results to D1: forget them. Idempotent. */
  ack(deliveryIds: readonly string[]): number {
    let n = 0;
    for (const id of deliveryIds) {
      const row = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM batch_items WHERE delivery_id = ? AND state = 'settled'", id).toArray()[0];
      if (!row?.n) continue;
      this.sql.exec("DELETE FROM batch_items WHERE delivery_id = ? AND state = 'settled'", id);
      n++;
    }
    return n;
  }

  /** Leads in a job not settled yet. */
  inJob(jobId: string): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM batch_items WHERE job_id = ? AND state = 'in_job'", jobId).toArray()[0]?.n ?? 0;
  }

  /** Drops jobs done more than a day ago (their leads are settled and reported). */
  pruneJobs(nowMs: number): void {
    this.sql.exec("DELETE FROM batch_jobs WHERE step = 'done' AND next_at < ?", nowMs - 86_400_000);
  }
}

/** What the batch part of the gate needs besides GateParts: its store and its alarm entry. */
export interface BatchParts {
  store: BatchStore;
  /** Moves the gate's "batch" schedule entry to `atMs` (the alarm runs `runBatch`). */
  wakeAt(atMs: number): void;
  /** The batch work under way, if any: a second run waits for it instead of stepping the same job twice. */
  running?: Promise<void>;
}

/** The label of the job a lead waits for, for reasons and logs. */
function jobLabel(buyer: BuyerConfig): string {
  return channelOf(buyer) === "email-digest" ? "e-mail digest" : "Salesforce Bulk API job";
}

/**
 * Collects one lead for the buyer's next batch or digest: the mapped row is stored, the cap
 * slot held for the whole decision window, the alarm set (now when the batch is full, else at
 * the oldest lead's age limit or the digest window's end). Answers `pending`: nothing was sent,
 * nothing is sold until the job's result says so.
 */
export async function collect(g: GateParts & { batch: BatchParts }, input: ResolvedInput, taken: Taken, finish: Finish): Promise<AttemptResult> {
  const { buyer, lead } = input;
  const now = g.clock.now();
  let fields: EmailField[];
  let warnings: AttemptResult["warnings"];
  try {
    ({ fields, warnings } = mappedColumns(buyer, lead, () => now));
  } catch (err) {
    g.reservations.release(taken.reservationId);
    g.breaker.release(taken.permit);
    return finish({ ...buildFailure(err), sent: false, warnings: [] });
  }
  const store = g.batch.store;
  const sandbox = input.sandbox === true;
  store.add({
    deliveryId: input.deliveryId,
    leadId: lead.id,
    attempt: input.attempt,
    billable: !(sandbox || lead.test),
    sandbox,
    fields,
    queuedAt: now,
  });
  // Nothing goes to the buyer now: the slot is held until the job decides, the probe permit goes back.
  g.reservations.hold(taken.reservationId, now + decisionWindowSeconds(buyer) * 1000);
  g.breaker.release(taken.permit);
  const due = armBatch(g, buyer);
  const { count } = store.waitingSummary();
  const size = buyer.batch?.size;
  return finish({
    outcome: "pending",
    reason: `collected for the next ${jobLabel(buyer)} (${count}${size ? ` of ${size}` : ""} waiting; due by ${new Date(due ?? now).toISOString()})`,
    // What will be sent for this lead (its row of the job's CSV or of the digest), not sent yet.
    request: {
      method: "POST",
      url: buyer.endpoint.url,
      headers: { "X-Leadwire-Collected": jobLabel(buyer) },
      body: fields.map((f) => `${f.name}: ${f.value}`).join("\n"),
    },
    warnings,
    sent: false,
  });
}

/**
 * When the batch part next has work: now when a batch is full, the oldest waiting lead's age
 * limit (or its digest window's end), the next step of an open job, a report to retry. Sets
 * the gate's "batch" schedule entry and returns the time (undefined: nothing to do).
 */
export function armBatch(g: GateParts & { batch: BatchParts }, buyer: BuyerConfig): number | undefined {
  const store = g.batch.store;
  const now = g.clock.now();
  const times: number[] = [];
  const { count, oldest } = store.waitingSummary();
  if (oldest !== null) {
    if (buyer.batch) times.push(count >= buyer.batch.size ? now : oldest + buyer.batch.maxAgeMinutes * 60_000);
    else if (buyer.email?.mode === "digest") times.push(digestWindow(oldest, buyer.email.digestMinutes).endMs);
  }
  for (const j of store.openJobs()) times.push(j.nextAt);
  const report = g.meta.num("batch_report_at");
  if (report > 0) times.push(report);
  if (times.length === 0) return undefined;
  const at = Math.min(...times);
  g.batch.wakeAt(at);
  return at;
}

/**
 * Tells the Worker that settled results wait here (a `batch_results` message). When the queue
 * cannot take it, the alarm asks again a minute later (and the minute cron pulls anyway).
 */
export async function announceResults(g: GateParts & { batch: BatchParts }, buyerId: string): Promise<void> {
  if (g.batch.store.unreported() === 0) {
    g.meta.set("batch_report_at", "0");
    return;
  }
  try {
    await g.env.DELIVERIES.send({ kind: "batch_results", buyerId } satisfies BatchResultsJob);
    g.meta.set("batch_report_at", "0");
  } catch (err) {
    g.meta.set("batch_report_at", String(g.clock.now() + REPORT_RETRY_MS));
    log("warn", "batch results could not be announced; retrying", { buyerId, error: err instanceof Error ? err.message : String(err) });
  }
}

/** What `status()` shows of the batch part; undefined when nothing was ever collected. */
export function batchStatus(store: BatchStore): BatchStatus | undefined {
  const { count, oldest } = store.waitingSummary();
  const jobs = store.openJobs();
  const unreported = store.unreported();
  if (count === 0 && jobs.length === 0 && unreported === 0) return undefined;
  return {
    waiting: count,
    ...(oldest !== null ? { oldestWaitingSince: new Date(oldest).toISOString() } : {}),
    jobs: jobs.map((j) => ({
      id: j.id,
      kind: j.kind,
      step: j.step,
      remoteId: j.remoteId,
      remoteState: j.remoteState,
      polls: j.polls,
      leads: store.inJob(j.id),
      nextAt: new Date(j.nextAt).toISOString(),
    })),
    unreported,
  };
}
