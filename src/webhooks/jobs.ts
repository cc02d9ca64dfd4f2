import type { CanonicalEvent } from "./map";

/** A message on the `events` queue: one stored, verified buyer callback to process. */
export interface EventJob {
  kind: "webhook_event";
  /** webhook_events.id — deterministic ids for effects are derived from it. */
  webhookEventId: string;
  buyerId: string;
  /** The buyer's event id (the dedupe key with buyerId). */
  eventId: string;
  event: CanonicalEvent;
  receivedAt: string;
}

/** What webhook_events.payload holds: the mapped event and the body with PII masked. */
export interface StoredPayload {
  event: CanonicalEvent | null;
  buyerType?: string;
  body: unknown;
}

/** Sends one stored callback to the `events` queue; the only place that queue is written. */
export async function enqueueWebhookEvent(env: { EVENTS: Queue }, job: EventJob): Promise<void> {
  await env.EVENTS.send(job);
}
