/** The HTTP request the integration engine builds for one buyer; nothing is sent here. */
export interface OutboundRequest {
  method: "GET" | "POST" | "PUT" | "PATCH";
  url: string;
  headers: Record<string, string>;
  /** Serialized body; undefined for GET / query-string buyers. */
  body?: string;
}

/** A mapping problem that did not stop the request (e.g. a value with no translation). */
export interface MappingWarning {
  field: string;
  message: string;
}

/** What a buyer answered, as captured by the delivery layer. */
export interface BuyerResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ResponseOutcome = "accepted" | "rejected" | "error" | "unrecognized";

/** The buyer's answer interpreted by its response rules. */
export interface ParsedResponse {
  outcome: ResponseOutcome;
  buyerLeadId?: string;
  /** Rejection or error reasons, several joined with "; ". */
  reason?: string;
  price?: number;
  redirectUrl?: string;
  /** The buyer only acknowledged receipt; its decision will come by callback. */
  pending?: boolean;
}

/**
 * Ping/post: the bid a post answers. A post mapping reads it as `bid.id`, `bid.price`,
 * `bid.expires_at`, `bid.ping_id` (`{"to": "bid_token", "from": "bid.id"}`, `{{bid.price}}`).
 */
export interface BidFields {
  /** The bid id or token the buyer gave in its answer to the ping (null when it gave none). */
  id: string | null;
  price: number;
  /** ISO 8601 instant the bid expires, when it does. */
  expires_at: string | null;
  /** Our ping id (sent to the buyer with the ping as X-Leadwire-Ping-Id). */
  ping_id: string;
}

/** Context the engine needs besides the lead and the config; all I/O stays outside. */
export interface BuildContext {
  /** Resolves a secret by name from the Worker's environment; undefined when missing. */
  secret: (name: string) => string | undefined;
  /** Environment variables for `${NAME}` substitution in endpoint URLs. */
  vars: (name: string) => string | undefined;
  /** Injectable clock (ms since epoch). */
  now: () => number;
  /** Our delivery id for this attempt (buyers echo it back in callbacks). */
  deliveryId: string;
  /** Stable per lead and buyer; sent as the Idempotency-Key header. */
  idempotencyKey: string;
  /** Use the sandbox URL and mark the lead as a test. */
  sandbox?: boolean;
  /** OAuth / login tokens come from the BuyerGate's cache through this. */
  tokens?: TokenProvider;
  /** Ping/post: the winning bid this post answers (the mapping's `bid` root). */
  bid?: BidFields;
}

/** Supplies access tokens for OAuth 2.0 and login-then-token schemes (cached by the caller). */
export interface TokenProvider {
  /** A valid token for the buyer; `forceRefresh` after a 401. */
  getToken(forceRefresh?: boolean): Promise<string>;
  /** The `instance_url` the token answer gave with the token `getToken` returned last (Salesforce). */
  instanceUrl?(): string | undefined;
}
