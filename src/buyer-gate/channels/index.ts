/**
 * The BuyerGate's channels besides one HTTP request per lead (issue 16): e-mail per lead,
 * leads collected for a Salesforce Bulk job or an e-mail digest, and the alarm work that sends
 * those. attempt.ts and index.ts reach them through the two functions here.
 *
 * The channels' own modules are imported on first need, like the XPath engine: the MIME
 * builder (mimetext and its runtime helpers) and the Bulk job client (csv-parse) would
 * otherwise be evaluated when every isolate starts, for buyers most deployments do not have.
 */
import { channelOf } from "../../integration/channels";
import type { BuyerConfig } from "../../integration/config";
import { digestWindow } from "../../integration/email/window";
import { log } from "../../observability/log";
import type { Finish, Taken } from "../attempt";
import { announceResults, armBatch, type BatchParts, collect, DIGEST_MAX_LEADS } from "../batch";
import type { GateParts } from "../parts";
import type { AttemptResult, ResolvedInput } from "../types";

/** The attempt for a buyer that is not reached by one HTTP request per lead; undefined for those that are. */
export function channelAttempt(g: GateParts, input: ResolvedInput, taken: Taken, finish: Finish): Promise<AttemptResult> | undefined {
  switch (channelOf(input.buyer)) {
    case "email":
      return import("./email").then((m) => m.mailLead(g, input, taken, finish));
    case "email-digest":
    case "salesforce-bulk":
      return collect(g, input, taken, finish);
    case "http":
      return undefined;
  }
}

/**
 * The alarm's batch work for this buyer: start the jobs that are due (a full batch, a lead
 * that waited `maxAgeMinutes`, a digest window that ended), take each open job one step
 * further, tell the Worker of settled results, and set the next wake-up.
 */
export async function runBatch(g: GateParts & { batch: BatchParts }, buyer: BuyerConfig | undefined): Promise<void> {
  if (!buyer) return;
  // One run at a time per gate: during a run's I/O another alarm or RPC may come in.
  if (g.batch.running) return g.batch.running;
  const run = batchWork(g, buyer);
  g.batch.running = run;
  try {
    await run;
  } finally {
    g.batch.running = undefined;
  }
}

async function batchWork(g: GateParts & { batch: BatchParts }, buyer: BuyerConfig): Promise<void> {
  const store = g.batch.store;
  const channel = channelOf(buyer);
  const now = g.clock.now();
  if (channel === "salesforce-bulk" && buyer.batch) {
    const { size, maxAgeMinutes } = buyer.batch;
    for (;;) {
      const first = store.waiting(1)[0];
      if (!first) break;
      const batch = store.waiting(size, first.sandbox);
      if (batch.length < size && now < first.queuedAt + maxAgeMinutes * 60_000) break;
      store.createJob(channel, batch, first.sandbox, now);
    }
  } else if (channel === "email-digest" && buyer.email) {
    for (;;) {
      const first = store.waiting(1)[0];
      if (!first) break;
      const end = digestWindow(first.queuedAt, buyer.email.digestMinutes).endMs;
      if (now < end) break;
      const batch = store.waiting(DIGEST_MAX_LEADS, first.sandbox).filter((it) => it.queuedAt < end);
      store.createJob(channel, batch, first.sandbox, now);
    }
  }
  for (const job of store.dueJobs(now)) {
    try {
      if (job.kind === "salesforce-bulk") await (await import("./salesforce-bulk")).stepBulkJob(g, buyer, job);
      else if (job.kind === "email-digest") await (await import("./digest")).sendDigest(g, buyer, job);
    } catch (err) {
      log("error", "batch job step crashed", { buyerId: buyer.id, job: job.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  await announceResults(g, buyer.id);
  store.pruneJobs(g.clock.now());
  armBatch(g, buyer);
}
