import type { BuyerConfig } from "../../integration/config";
import { type BuiltEmail, digestEmail, digestWindow } from "../../integration/email/mime";
import { log } from "../../observability/log";
import type { BatchItem, BatchJob, BatchParts } from "../batch";
import type { ErrorClass } from "../classify";
import type { GateParts } from "../parts";
import type { AttemptResult } from "../types";
import { mailerOf, mailRecord, refusalIsConfig, sendMail } from "./email";

type Parts = GateParts & { batch: BatchParts };

/** Sends of a digest the binding refused for a passing reason before its leads go to the next buyer. */
const MAX_DIGEST_FAILURES = 5;
const RETRY_BASE_MS = 60_000;

/**
 * Sends one e-mail digest (issue 16): the leads collected in one window as a CSV attachment,
 * through the `send_email` binding, at the window's end. The digest's id is the job's, so a
 * digest resent after a restart carries the same Message-ID. When the binding takes it every
 * lead in it is sold (its Message-ID as the buyer's reference); a refused sender or destination
 * sends the leads on at once, a passing refusal is retried with backoff up to five times.
 */
export async function sendDigest(g: Parts, buyer: BuyerConfig, job: BatchJob): Promise<void> {
  const cfg = buyer.email;
  const items = g.batch.store.itemsOf(job.id);
  const now = g.clock.now();
  if (!cfg || items.length === 0) {
    job.step = "done";
    g.batch.store.saveJob(job);
    return;
  }
  let mail: BuiltEmail;
  let mailer: ReturnType<typeof mailerOf>;
  try {
    mailer = mailerOf(g.env, buyer);
    const first = items[0]?.queuedAt ?? now;
    const window = digestWindow(first, cfg.digestMinutes);
    mail = digestEmail(
      cfg,
      items.map((it) => ({ leadId: it.leadId, fields: it.fields })),
      { digestId: job.id, windowStartMs: window.startMs, windowEndMs: window.endMs, nowMs: now },
    );
  } catch (err) {
    settleAll(g, job, items, "config", `the digest could not be built: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const started = g.clock.now();
  const sent = await sendMail(mailer, mail);
  job.wireMs += Math.max(0, g.clock.now() - started);
  if (sent.taken.length > 0) {
    const missed = sent.refused.map((r) => `${r.to}: ${r.error}`).join("; ");
    for (const it of items) {
      if (it.billable) g.reservations.commit(it.deliveryId);
      else g.reservations.release(it.deliveryId);
      g.batch.store.settle(
        it.deliveryId,
        resultOf(g, it, job, {
          outcome: "accepted",
          buyerLeadId: mail.messageId,
          ...(missed ? { reason: `not taken for ${missed}` } : {}),
          request: mailRecord({ ...mail, subject: `${mail.subject} (1 of ${items.length} rows)` }, it.fields).request,
          sent: true,
        }),
        g.clock.now(),
      );
    }
    job.step = "done";
    job.nextAt = g.clock.now();
    g.batch.store.saveJob(job);
    log("info", "digest sent", { buyerId: buyer.id, digestId: job.id, leads: items.length, to: sent.taken.length });
    return;
  }
  const why = sent.refused.map((r) => `${r.to}: ${r.error}`).join("; ");
  job.failures++;
  job.error = why;
  if (sent.refused.every((r) => refusalIsConfig(r.error))) {
    settleAll(g, job, items, "config", `send_email refused the digest: ${why}`);
    return;
  }
  if (job.failures >= MAX_DIGEST_FAILURES) {
    settleAll(g, job, items, "transient", `send_email refused the digest ${job.failures} times: ${why}`);
    return;
  }
  job.nextAt = g.clock.now() + RETRY_BASE_MS * 2 ** (job.failures - 1);
  g.batch.store.saveJob(job);
  log("warn", "digest not taken; retrying", { buyerId: buyer.id, digestId: job.id, failures: job.failures, error: why });
}

function settleAll(g: Parts, job: BatchJob, items: BatchItem[], errorClass: ErrorClass, reason: string): void {
  for (const it of items) {
    g.reservations.release(it.deliveryId);
    g.batch.store.settle(it.deliveryId, resultOf(g, it, job, { outcome: "failed", errorClass, reason, sent: false }), g.clock.now());
  }
  job.step = "done";
  job.nextAt = g.clock.now();
  g.batch.store.saveJob(job);
}

function resultOf(g: Parts, it: BatchItem, job: BatchJob, r: Omit<AttemptResult, "elapsedMs" | "circuit" | "warnings">) {
  return {
    deliveryId: it.deliveryId,
    leadId: it.leadId,
    attempt: it.attempt,
    result: { ...r, elapsedMs: job.wireMs, warnings: [], circuit: g.breaker.snapshot().state },
  };
}
