/**
 * The words buyers' answers use: the values that mean accepted, rejected, error or pending, and
 * the (compacted) field names of the status, lead id, price, reason and redirect URL.
 */
import { compact } from "./catalog";

/** What an answer means. */
export type Outcome = "accepted" | "rejected" | "error" | "pending";

const WORDS: Record<Outcome, string[]> = {
  accepted: ["accepted", "accept", "success", "successful", "ok", "sold", "approved", "true", "matched", "posted", "created", "valid", "good", "yes"],
  rejected: [
    "rejected",
    "reject",
    "declined",
    "denied",
    "duplicate",
    "failure",
    "failed",
    "fail",
    "false",
    "unsold",
    "nomatch",
    "notaccepted",
    "dupe",
    "no",
    "invalid",
  ],
  error: ["error", "exception", "servererror", "systemerror"],
  pending: ["pending", "queued", "received", "processing", "inreview", "review"],
};

/** What a status value means, when it is one of the usual words. */
export function outcomeOf(v: unknown): Outcome | undefined {
  if (typeof v !== "string" && typeof v !== "boolean" && typeof v !== "number") return undefined;
  const c = compact(String(v));
  for (const o of ["error", "pending", "rejected", "accepted"] as const) if (WORDS[o].includes(c)) return o;
  if (/^(lead)?(accepted|success|sold)/.test(c)) return "accepted";
  if (/^(lead)?(rejected|declined|duplicate|failed)/.test(c)) return "rejected";
  return undefined;
}

/** Compacted names buyers give the field that says accepted / rejected. */
export const STATUS_KEYS = [
  "status",
  "result",
  "success",
  "outcome",
  "responsestatus",
  "leadstatus",
  "decision",
  "accepted",
  "state",
  "response",
  "code",
  "resultcode",
];
/** Compacted names of the buyer's own lead id. */
export const ID_KEYS = [
  "leadid",
  "buyerleadid",
  "id",
  "referenceid",
  "reference",
  "ref",
  "confirmation",
  "confirmationid",
  "confirmationnumber",
  "trackingid",
  "uuid",
  "leaduuid",
  "transactionid",
  "ackid",
  "applicationid",
  "submissionid",
];
/** Compacted names of the price the buyer pays. */
export const PRICE_KEYS = ["price", "payout", "bid", "bidprice", "amount", "revenue", "cpl", "leadprice", "payoutamount"];
/** Compacted names of a rejection or error reason. */
export const REASON_KEYS = [
  "reason",
  "message",
  "msg",
  "error",
  "errors",
  "errormessage",
  "detail",
  "details",
  "rejectreason",
  "rejectionreason",
  "description",
  "messages",
];
/** Compacted names of the URL the consumer is sent on to. */
export const REDIRECT_KEYS = ["redirecturl", "redirect", "redirecturi", "url", "redirectlink"];
