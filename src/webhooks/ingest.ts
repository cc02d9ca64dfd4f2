import { BodyTooLarge, readBodyBytes } from "../core/body-bytes";
import type { Clock } from "../core/clock";
import { sha256Hex } from "../core/crypto";
import { ApiError, type ErrorCode } from "../core/errors";
import { newId } from "../core/ids";
import { readSecret } from "../core/settings";
import { flagEnqueueFailed, insertWebhookEvent, markRequeued, reclaimEnqueueFailed, unqueuedEvents } from "../db/webhook-events";
import type { BuyerConfig } from "../integration/config";
import { getBuyerRegistry } from "../integration/registry";
import type { WebhookConfig } from "../integration/webhook-config";
import { log } from "../observability/log";
import { redact } from "../observability/redact";
import { compileAllowlist } from "./ip";
import { type EventJob, enqueueWebhookEvent, type StoredPayload } from "./jobs";
import { mapEvent } from "./map";
import { type VerifyFailure, verifyWebhook } from "./verify";

/** Why a webhook was refused before anything was stored; used as a log field and a counter key. */
export type RejectReason = "unknown_buyer" | "ip_not_allowed" | "unsupported_media_type" | "body_too_large" | "malformed_json" | "unmappable" | VerifyFailure;

export type ReceiveOutcome = { status: "accepted" | "duplicate" | "ignored"; eventId: string };

// Per-isolate counters: a cheap signal next to the log lines (which Workers Logs can count
// across isolates by `reason`); nothing is written to D1 for a refused webhook.
const rejections = new Map<string, number>();

/** Refusal counts seen by this isolate, by `buyerId:reason`. */
export function webhookRejectionCounts(): Record<string, number> {
  return Object.fromEntries(rejections);
}

// A generic message: the caller learns neither which check failed nor what was expected.
const UNAUTHENTICATED = "The webhook could not be authenticated.";
const MAX_STORED_BODY_CHARS = 64 * 1024;

function reject(buyerId: string, reason: RejectReason, code: ErrorCode, message: string, issues: { path: string; message: string }[] = []): never {
  // The path segment is caller-chosen: an unknown one must not grow the map or the log line.
  const who = reason === "unknown_buyer" ? "(unknown)" : buyerId;
  const key = `${who}:${reason}`;
  if (rejections.has(key) || rejections.size < 1_000) rejections.set(key, (rejections.get(key) ?? 0) + 1);
  log("warn", "webhook refused", { buyerId: who === "(unknown)" ? buyerId.slice(0, 64) : who, reason, code });
  throw new ApiError(code, message, issues);
}

const allowlists = new WeakMap<WebhookConfig, (ip: string | null | undefined) => boolean>();
function allowlistFor(w: WebhookConfig) {
  let f = allowlists.get(w);
  if (!f) {
    f = compileAllowlist(w.ipAllowlist);
    allowlists.set(w, f);
  }
  return f;
}

function storedPayload(p: StoredPayload): string {
  const text = JSON.stringify(p);
  return text.length <= MAX_STORED_BODY_CHARS ? text : JSON.stringify({ ...p, body: "[truncated]" });
}

/**
 * Receives one buyer callback: checks in the order that costs least and reveals least
 * (buyer → IP → content type → size → signature → JSON → mapping), writes nothing on any
 * refusal, then stores the event under its unique (buyer, event id) and enqueues it.
 *
 * Enqueue failure: the row is kept and flagged `enqueue_failed` and the buyer gets 503. The
 * buyer's retry re-claims the flagged row atomically and enqueues it again; if the buyer never
 * retries, `sweepWebhookEvents` does. So the event is never lost, and never processed twice
 * by our choice (the consumer is idempotent for the times the queue delivers twice).
 */
export async function receiveWebhook(env: Env, clock: Clock, buyerId: string, req: Request): Promise<ReceiveOutcome> {
  const buyer: BuyerConfig | undefined = getBuyerRegistry(env).get(buyerId);
  const w = buyer?.webhook;
  if (!buyer || !w) return reject(buyerId, "unknown_buyer", "not_found", "No webhook endpoint here.");

  // IP before reading the body: an address that may not call us costs nothing more.
  if (!allowlistFor(w)(req.headers.get("cf-connecting-ip"))) {
    return reject(buyerId, "ip_not_allowed", "forbidden", "This address may not call this endpoint.");
  }
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(json|[\w.+-]+\+json)\s*(;|$)/i.test(type)) {
    return reject(buyerId, "unsupported_media_type", "unsupported_media_type", "Send the body as JSON: Content-Type: application/json.");
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await readBodyBytes(req, w.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) return reject(buyerId, "body_too_large", "payload_too_large", `The body is over the ${err.limit}-byte limit.`);
    throw err;
  }

  const nowMs = clock.now();
  const secrets = w.secrets.map((s) => readSecret(env, s.secret));
  if (secrets.every((s) => s === undefined)) {
    log("error", "webhook secret not set: every callback from this buyer is refused", { buyerId, secrets: w.secrets.map((s) => s.secret) });
  }
  const verified = await verifyWebhook(w, secrets, req.headers, bytes, nowMs);
  if (!verified.ok) return reject(buyerId, verified.reason, "unauthorized", UNAUTHENTICATED);
  if (verified.secretIndex > 0) log("info", "webhook signed with a non-primary secret", { buyerId, rotationSlot: verified.secretIndex });

  let raw: string;
  let json: unknown;
  try {
    raw = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    json = JSON.parse(raw) as unknown;
  } catch {
    return reject(buyerId, "malformed_json", "malformed_json", "The body is not valid JSON.");
  }

  // Already parsed (and refused when malformed), so the body is handed over as JSON, not re-sniffed.
  const mapped = mapEvent(w.events, { kind: "json", raw, data: json }, verified.signedEventId ?? (await bodyIdentity(bytes)));
  if (mapped.kind === "invalid") return reject(buyerId, "unmappable", "validation_failed", "The event could not be read.", mapped.issues);

  const nowIso = new Date(nowMs).toISOString();
  const rowId = newId("whe", nowMs);
  const event = mapped.kind === "event" ? mapped.event : null;
  const payload = storedPayload({
    event,
    ...(mapped.kind === "ignored" && mapped.buyerType !== undefined ? { buyerType: mapped.buyerType } : {}),
    body: redact(json),
  });
  // The unique (buyer_id, event_id) decides: exactly one of N identical deliveries inserts.
  const inserted = await insertWebhookEvent(env, {
    id: rowId,
    buyerId,
    eventId: mapped.eventId,
    type: event?.type ?? null,
    payload,
    status: event ? "received" : "ignored",
    error: event ? null : `unmapped type ${mapped.kind === "ignored" ? (mapped.buyerType ?? "(none)") : ""}`.slice(0, 200),
    nowMs,
  });

  if (!inserted) return retryEnqueueOrDuplicate(env, buyerId, mapped.eventId);
  if (!event) {
    log("info", "webhook type not mapped; stored and ignored", { buyerId, eventId: mapped.eventId });
    return { status: "ignored", eventId: mapped.eventId };
  }
  await enqueueOrFlag(env, { kind: "webhook_event", webhookEventId: rowId, buyerId, eventId: mapped.eventId, event, receivedAt: nowIso });
  return { status: "accepted", eventId: mapped.eventId };
}

/**
 * The identity of a callback whose scheme signs no event id (Stripe-style, GitHub-style, plain
 * header) and whose body names none: a digest of the signed body. A delivery-id header beside
 * the signature (X-GitHub-Delivery, …) is not signed, so a captured callback re-sent with a
 * fresh one would otherwise count as a new event and move the source's score again. The body
 * is what the signature covers, so a replay cannot change it without the secret; the buyer's
 * own retries of one event carry the same body and dedupe the same way. Two real events with
 * byte-identical bodies are indistinguishable from a replay and count once: a buyer that means
 * them as two must put an id in the body (`events.id`).
 */
async function bodyIdentity(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return `sha256:${await sha256Hex(bytes)}`;
}

/** Sends the job; on failure flags the row for a retry or the sweep and answers 503. */
async function enqueueOrFlag(env: Env, job: EventJob): Promise<void> {
  try {
    await enqueueWebhookEvent(env, job);
  } catch (err) {
    log("error", "webhook enqueue failed; kept for the buyer's retry or the sweep", {
      buyerId: job.buyerId,
      eventId: job.eventId,
      error: err instanceof Error ? err.message : String(err),
    });
    // If this write fails too, the row is still `received` and the sweep's age rule finds it.
    await flagEnqueueFailed(env, job.webhookEventId).catch(() => undefined);
    throw new ApiError("unavailable", "The event could not be queued; send it again.", [], { "Retry-After": "30" });
  }
}

/**
 * A repeat of a stored event. Usually a plain duplicate; but when the first delivery's
 * enqueue failed, the repeat claims the flagged row (a conditional update, so one repeat
 * wins) and enqueues it.
 */
async function retryEnqueueOrDuplicate(env: Env, buyerId: string, eventId: string): Promise<ReceiveOutcome> {
  const claimed = await reclaimEnqueueFailed(env, buyerId, eventId);
  if (!claimed) return { status: "duplicate", eventId };
  const stored = JSON.parse(claimed.payload) as StoredPayload;
  if (!stored.event) return { status: "duplicate", eventId };
  await enqueueOrFlag(env, { kind: "webhook_event", webhookEventId: claimed.id, buyerId, eventId, event: stored.event, receivedAt: claimed.receivedAt });
  return { status: "accepted", eventId };
}

/**
 * Re-enqueues stored events that never reached the queue: flagged `enqueue_failed` for over
 * 30 s (the buyer did not retry), or still `received` after 15 minutes with no flag (the
 * isolate died between insert and send). Meant for the minute cron; returns how many.
 */
export async function sweepWebhookEvents(env: Env, clock: Clock, limit = 100): Promise<number> {
  const nowMs = clock.now();
  const rows = await unqueuedEvents(env, { flaggedBeforeMs: nowMs - 30_000, silentBeforeMs: nowMs - 15 * 60_000, limit });
  let n = 0;
  for (const r of rows) {
    const stored = JSON.parse(r.payload) as StoredPayload;
    if (!stored.event) continue;
    try {
      await enqueueWebhookEvent(env, {
        kind: "webhook_event",
        webhookEventId: r.id,
        buyerId: r.buyerId,
        eventId: r.eventId,
        event: stored.event,
        receivedAt: r.receivedAt,
      });
      // `requeued` takes the row out of both rules, so the sweep does not resend it every minute.
      await markRequeued(env, r.id);
      n++;
    } catch (err) {
      log("error", "webhook sweep could not enqueue", { webhookEventId: r.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  if (n > 0) log("warn", "webhook sweep re-enqueued events", { count: n });
  return n;
}
