import type { ParsedResponse } from "../integration/types";
import { redactString } from "../observability/redact";

/**
 * What went wrong, and so what happens next (ARCHITECTURE "Error classes"). `ambiguous`: the
 * request left and no answer came back (timeout, reset): the buyer may have the lead.
 */
export type ErrorClass = "transient" | "ambiguous" | "client" | "server" | "rejected" | "deferred" | "config";

export interface ClassifyInput {
  /** What `fetch` threw (connection refused, reset, DNS, invalid URL). */
  error?: unknown;
  /** Our abort timeout fired before the buyer answered. */
  timedOut?: boolean;
  /** HTTP status of the buyer's answer. */
  status?: number;
  /** The answer read by the buyer's response rules. */
  parsed?: ParsedResponse;
}

export interface Classification {
  outcome: "accepted" | "rejected" | "pending" | "failed";
  /** Absent for accepted and pending. */
  errorClass?: ErrorClass;
  reason?: string;
}

/** Errors that say the connection dropped mid-exchange (not that it never opened). */
const DROPPED = /reset|lost|closed|disconnect|aborted|socket hang up|EPIPE/i;

/** Longest buyer reason kept: bounded for D1 rows, logs and alert texts. */
const MAX_BUYER_REASON = 500;

/**
 * What the buyer's body said (error code, message, field), as the response rules read it,
 * masked like every stored value (a buyer may echo the lead's e-mail or phone) and bounded.
 */
function buyerWords(parsed: ParsedResponse | undefined): string | undefined {
  const r = parsed?.reason?.replace(/\s+/g, " ").trim();
  if (!r) return undefined;
  const masked = redactString(r);
  return masked.length > MAX_BUYER_REASON ? `${masked.slice(0, MAX_BUYER_REASON - 1)}…` : masked;
}

/** Our label, then the buyer's own words when its body said anything. */
function withWords(label: string, words: string | undefined): string {
  return words ? `${label}: ${words}` : label;
}

const CLIENT_STATUS_REASON: Record<number, string> = {
  400: "bad request (400)",
  401: "unauthorized (401)",
  403: "forbidden (403)",
  404: "endpoint not found (404)",
  410: "endpoint gone (410)",
};

/**
 * Maps one attempt to the error-class table of ARCHITECTURE.md:
 *
 * | input | class |
 * |---|---|
 * | connection refused, DNS, 503, 429 (and 408): the buyer surely did not take it | transient |
 * | sent, then a timeout or a dropped connection: the buyer may have taken it | ambiguous |
 * | 3xx (redirects not followed), 400, 401, 403, 404, 410, other 4xx; an invalid URL | client |
 * | 500, 502, 504, other 5xx; a 2xx the rules cannot read; a 2xx the rules call an error | server |
 * | 2xx read as rejected | rejected |
 *
 * A non-2xx status decides by itself — error pages are not reliable input for response rules —
 * except a 4xx that the buyer's own rules explicitly call a rejection (e.g. 409 duplicate).
 * A 2xx we cannot read is a server error, not a rejection, on purpose: the buyer may have
 * taken the lead, so cascading at once risks selling it twice; a limited retry with the same
 * idempotency key lets the buyer drop the duplicate, and counting it in the circuit breaker
 * makes a buyer whose response format changed trip its circuit instead of eating leads.
 * The 401 here is final: the BuyerGate has already refreshed the token and resent once.
 *
 * The class comes from the status; the reason keeps the buyer's own words next to our label
 * for every class — `client error (400): REQUIRED_FIELD_MISSING: Required fields are missing:
 * [LastName] (fields: LastName)` — and falls back to a fixed text only when the body says nothing.
 */
export function classify(input: ClassifyInput): Classification {
  if (input.timedOut) return { outcome: "failed", errorClass: "ambiguous", reason: "timeout: the buyer did not answer in time (it may have the lead)" };
  if (input.error !== undefined) {
    const message = input.error instanceof Error ? input.error.message : String(input.error);
    // A URL fetch cannot even try is a config fault: retrying it would fail the same way.
    if (/invalid url|unsupported protocol|fetch api cannot load/i.test(message)) {
      return { outcome: "failed", errorClass: "client", reason: `invalid endpoint: ${message}` };
    }
    // The connection dropped after the request went out: the buyer may have the lead.
    if (DROPPED.test(message)) return { outcome: "failed", errorClass: "ambiguous", reason: `connection lost: ${message} (the buyer may have the lead)` };
    return { outcome: "failed", errorClass: "transient", reason: `network error: ${message}` };
  }
  const status = input.status;
  if (status === undefined) return { outcome: "failed", errorClass: "transient", reason: "no response" };
  const words = buyerWords(input.parsed);

  if (status === 429) return { outcome: "failed", errorClass: "transient", reason: withWords("rate limited by the buyer (429)", words) };
  if (status === 503) return { outcome: "failed", errorClass: "transient", reason: withWords("service unavailable (503)", words) };
  if (status === 408) return { outcome: "failed", errorClass: "transient", reason: withWords("request timeout (408)", words) };
  if (status >= 300 && status < 400) return { outcome: "failed", errorClass: "client", reason: withWords(`redirect (${status}) not followed`, words) };
  // A buyer rule that explicitly reads a 4xx as a rejection wins (HubSpot's 409 conflict,
  // Salesforce's DUPLICATES_DETECTED 400): the buyer said no to this lead, not to our config.
  // Not for 401/403/404/410: those are about our credentials or the endpoint, whatever the body says.
  if (status >= 400 && status < 500 && ![401, 403, 404, 410].includes(status) && input.parsed?.outcome === "rejected") {
    return { outcome: "rejected", errorClass: "rejected", reason: words ?? `rejected by the buyer (${status})` };
  }
  if (status >= 400 && status < 500) {
    return {
      outcome: "failed",
      errorClass: "client",
      reason: words ? `client error (${status}): ${words}` : (CLIENT_STATUS_REASON[status] ?? `client error (${status})`),
    };
  }
  if (status >= 500) return { outcome: "failed", errorClass: "server", reason: withWords(`server error (${status})`, words) };
  if (status < 200) return { outcome: "failed", errorClass: "server", reason: withWords(`unexpected status ${status}`, words) };

  const parsed = input.parsed;
  if (!parsed) return { outcome: "failed", errorClass: "server", reason: "unrecognized response" };
  if (parsed.pending) return { outcome: "pending", ...(words ? { reason: words } : {}) };
  switch (parsed.outcome) {
    case "accepted":
      return { outcome: "accepted" };
    case "rejected":
      return { outcome: "rejected", errorClass: "rejected", reason: words ?? "rejected by the buyer" };
    case "error":
      return { outcome: "failed", errorClass: "server", reason: words ? `buyer error: ${words}` : "buyer reported an error" };
    case "unrecognized":
      return { outcome: "failed", errorClass: "server", reason: withWords("unrecognized response", words) };
  }
}
