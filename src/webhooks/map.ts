import type { FieldIssue } from "../core/errors";
// Tables are read by own entry: a buyer's value such as "constructor" must not find Object.prototype's.
import { ownValue } from "../core/values";
import { type ParsedBody, type Selector, select } from "../integration/extract";
import type { WebhookEventRules } from "../integration/webhook-config";
import { type CanonicalType, FEEDBACK_KINDS, type FeedbackKind, LEAD_STATUSES, type LeadStatus } from "../integration/webhook-events";

/** How a callback names the lead: by our delivery id, the buyer's lead id, or both. */
export interface LeadRef {
  deliveryId?: string;
  buyerLeadId?: string;
}

/** A buyer callback in our terms, whatever the buyer's own JSON looked like. */
export type CanonicalEvent =
  | ({ type: "decision"; decision: "accepted" | "rejected"; price?: number; reason?: string } & LeadRef)
  | ({ type: "status"; status: LeadStatus } & LeadRef)
  | ({ type: "return"; reasonCode: string } & LeadRef)
  | ({ type: "conversion"; revenue: number } & LeadRef)
  | ({ type: "feedback"; kind: FeedbackKind } & LeadRef);

export type MapResult =
  /** A known event; `eventId` is from the body or the signed fallback identity. */
  | { kind: "event"; eventId: string; event: CanonicalEvent }
  /** A type this buyer's rules do not map (buyers send events we have no use for): stored, not processed. */
  | { kind: "ignored"; eventId: string; buyerType: string | undefined }
  /** The body cannot be read as an event (no id, no lead reference, a value outside the tables). */
  | { kind: "invalid"; issues: FieldIssue[] };

/** "1,250.75", "$42", "42" → number; anything else undefined. */
function asNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.replace(/[$,\s]/g, "");
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

function pick<T extends string>(raw: string | undefined, table: Record<string, T>, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  const mapped = ownValue(table, raw) ?? ownValue(table, raw.toLowerCase());
  if (mapped) return mapped;
  const own = raw.toLowerCase().replace(/[\s-]+/g, "_");
  return (allowed as readonly string[]).includes(own) ? (own as T) : undefined;
}

/**
 * Maps a verified callback body to a canonical event with the buyer's rules. Pure; never
 * throws on an unexpected shape — that becomes an `invalid` result with the field and why.
 * `fallbackEventId` is the identity used when the body names no event id; it must come from
 * signed bytes (the signed `webhook-id`, or a digest of the signed body), never an unsigned header.
 */
export function mapEvent(rules: WebhookEventRules, body: ParsedBody, fallbackEventId: string | undefined): MapResult {
  const read = (s: Selector | undefined) => (s ? select(body, s) : undefined);
  const issues: FieldIssue[] = [];

  const eventId = read(rules.id) ?? fallbackEventId;
  if (!eventId) return { kind: "invalid", issues: [{ path: "events.id", message: "no event id in the body" }] };
  if (eventId.length > 200) return { kind: "invalid", issues: [{ path: "events.id", message: "the event id is over 200 characters" }] };

  const buyerType = read(rules.type);
  let type: CanonicalType | undefined = buyerType !== undefined ? ownValue(rules.types, buyerType) : undefined;
  if (type === undefined && buyerType === undefined) type = rules.defaultType;
  const rule = type ? rules[type] : undefined;
  if (!type || !rule) return { kind: "ignored", eventId, buyerType };

  const ref: LeadRef = {};
  const deliveryId = read(rule.deliveryId);
  const buyerLeadId = read(rule.buyerLeadId);
  if (deliveryId) ref.deliveryId = deliveryId;
  if (buyerLeadId) ref.buyerLeadId = buyerLeadId;
  if (!deliveryId && !buyerLeadId) issues.push({ path: `events.${type}`, message: "neither our delivery id nor the buyer's lead id was found" });

  let event: CanonicalEvent | undefined;
  if (type === "decision" && rules.decision) {
    const r = rules.decision;
    const raw1 = read(r.decision);
    const decision = pick(raw1, r.values, ["accepted", "rejected"] as const);
    if (!decision)
      issues.push({ path: "events.decision.decision", message: raw1 === undefined ? "no decision found" : `decision "${raw1}" is not in the value table` });
    const price = asNumber(read(r.price));
    const reason = read(r.reason);
    if (decision) event = { type, decision, ...ref, ...(price !== undefined ? { price } : {}), ...(reason ? { reason: reason.slice(0, 500) } : {}) };
  } else if (type === "status" && rules.status) {
    const r = rules.status;
    const raw1 = read(r.status);
    const status = pick(raw1, r.values, LEAD_STATUSES);
    if (!status)
      issues.push({
        path: "events.status.status",
        message: raw1 === undefined ? "no status found" : `status "${raw1}" is not one of ${LEAD_STATUSES.join(", ")}`,
      });
    else event = { type, status, ...ref };
  } else if (type === "return" && rules.return) {
    const r = rules.return;
    const raw1 = read(r.reasonCode);
    // The code is checked against the buyer's allowed reasons by the consumer, which records a refusal.
    if (!raw1) issues.push({ path: "events.return.reasonCode", message: "no return reason code found" });
    else event = { type, reasonCode: (ownValue(r.values, raw1) ?? raw1).slice(0, 100), ...ref };
  } else if (type === "conversion" && rules.conversion) {
    const r = rules.conversion;
    const value = read(r.revenue);
    const revenue = value === undefined ? 0 : asNumber(value);
    if (revenue === undefined || revenue < 0) issues.push({ path: "events.conversion.revenue", message: "revenue is not a non-negative number" });
    else event = { type, revenue, ...ref };
  } else if (type === "feedback" && rules.feedback) {
    const r = rules.feedback;
    const raw1 = read(r.kind);
    const kind = pick(raw1, r.values, FEEDBACK_KINDS);
    if (!kind)
      issues.push({
        path: "events.feedback.kind",
        message: raw1 === undefined ? "no feedback kind found" : `feedback "${raw1}" is not one of ${FEEDBACK_KINDS.join(", ")}`,
      });
    else event = { type, kind, ...ref };
  }
  if (issues.length > 0 || !event) return { kind: "invalid", issues };
  return { kind: "event", eventId, event };
}
