import { encrypt, loadEncryptionKeys } from "../core/crypto";
import { readSecret } from "../core/settings";
import { fetchToken, usesTokens } from "../integration/auth";
import { prepareRequest } from "../integration/build";
import type { BuyerConfig } from "../integration/config";
import { AuthError, IntegrationError } from "../integration/errors";
import { configSecretValues, maskRequest, secretMasker } from "../integration/mask";
import { parseResponse } from "../integration/response/parse";
import { retryAfterSeconds as retryAfterOf } from "../integration/response/retry-after";
import type { BuildContext, BuyerResponse, MappingWarning, OutboundRequest, ParsedResponse } from "../integration/types";
import { log } from "../observability/log";
import type { Permit } from "./breaker";
import type { Refusal } from "./caps";
import { channelAttempt } from "./channels";
import { conflictReason, followConflict } from "./channels/conflict";
import { outboundFetch } from "./channels/mtls";
import { type Classification, classify } from "./classify";
import type { GateParts } from "./parts";
import { inSchedule, nextScheduleOpen } from "./time";
import type { IssuedToken } from "./tokens";
import { type OutboundFetch, type SendResult, sendOnConnection, truncateBody } from "./transport";
import type { AttemptResult, ResolvedInput } from "./types";
import { verdictOf } from "./verdict";

const DEFAULT_SYNC_TIMEOUT_MS = 15_000;
const DEFAULT_ASYNC_ACK_TIMEOUT_MS = 10_000;
/** Margin on top of the send time before an in-flight lease or probe permit lapses on its own. */
const LEASE_MARGIN_MS = 30_000;
/** How long an unclear outcome keeps its cap slot while its retries settle it. */
const AMBIGUOUS_HOLD_MS = 6 * 3_600_000;

/** What the synchronous pre-delivery step took: released again if the attempt never sends. */
export interface Taken {
  permit: Permit;
  reservationId: string;
}

/**
 * The network half of one delivery attempt: pre-delivery checks (no HTTP call when they
 * fail), reservation, request build, send with an abort timeout, parse, classify, then commit
 * or release the reservation and update the breaker.
 */
export async function runAttempt(g: GateParts, input: ResolvedInput): Promise<AttemptResult> {
  const { buyer } = input;
  const started = g.clock.now();
  const result = (r: Omit<AttemptResult, "elapsedMs" | "circuit">): AttemptResult => ({
    ...r,
    elapsedMs: Math.max(0, g.clock.now() - started),
    circuit: g.breaker.snapshot().state,
  });

  if (g.reservations.state(input.deliveryId) === "committed") {
    // A duplicate of an attempt that already sold (at-least-once queues): same answer, nothing sent.
    return result({ outcome: "accepted", reason: "already accepted", sent: false, warnings: [] });
  }

  // Everything from the first check to the last reservation is synchronous: one turn of the
  // input gate, so no concurrent request can see the state half-way.
  const timeoutMs = input.timeoutMs ?? buyer.endpoint.timeoutMs ?? (buyer.endpoint.mode === "async" ? DEFAULT_ASYNC_ACK_TIMEOUT_MS : DEFAULT_SYNC_TIMEOUT_MS);
  const refused = refusal(g, input);
  if (refused) {
    const balance = g.spend.available(buyer.caps);
    return result({
      outcome: "deferred",
      errorClass: "deferred",
      reason: refused.reason,
      ...(refused.retryAfterSeconds !== undefined ? { retryAfterSeconds: refused.retryAfterSeconds } : {}),
      ...(balance !== undefined ? { balance } : {}),
      sent: false,
      warnings: [],
    });
  }
  // Two sends (a 401 resend) plus a token fetch fit in the lease; a crash frees it after that.
  const leaseMs = 3 * timeoutMs + LEASE_MARGIN_MS;
  const taken: Taken = { permit: g.breaker.acquire(leaseMs), reservationId: input.deliveryId };
  g.reservations.reserve(input.deliveryId, buyer.caps, started + leaseMs);
  g.spend.reserve(input.deliveryId, buyer.caps, leadAmount(input), started + leaseMs); // routing (issue 13): revenue caps
  g.rate.take(buyer.caps.ratePerSecond);

  let settled = false;
  try {
    // Issue 16: an e-mail buyer gets a mail; a batch or digest buyer's lead is collected (channels/).
    const r = await (channelAttempt(g, input, taken, result) ?? exchange(g, input, taken, timeoutMs, result));
    settled = true;
    return r;
  } finally {
    if (!settled) {
      // An unexpected throw: nothing is known to have been sold, give everything back.
      g.reservations.release(taken.reservationId);
      g.spend.release(taken.reservationId);
      g.breaker.release(taken.permit);
    }
  }
}

/** The first pre-delivery check that fails, in lifecycle order; nothing is taken here. */
function refusal(g: GateParts, input: ResolvedInput): Refusal | undefined {
  const { buyer } = input;
  const now = g.clock.now();
  if (buyer.status === "paused") return { reason: "buyer paused" };
  if (buyer.status === "sandbox" && !input.sandbox) return { reason: "buyer in sandbox: test leads only" };
  if (buyer.schedule && !inSchedule(buyer.schedule, now)) {
    const opens = nextScheduleOpen(buyer.schedule, now);
    return { reason: "outside the buyer's schedule", ...(opens !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil((opens - now) / 1000)) } : {}) };
  }
  const throttled = g.meta.num("throttled_until");
  if (throttled > now) return { reason: "buyer asked us to wait (Retry-After)", retryAfterSeconds: Math.max(1, Math.ceil((throttled - now) / 1000)) };
  const circuit = g.breaker.check();
  if (!circuit.allowed) return { reason: circuit.reason, retryAfterSeconds: circuit.retryAfterSeconds };
  return g.reservations.refusal(buyer.caps) ?? g.spend.refusal(buyer.caps, leadAmount(input)) ?? g.rate.refusal(buyer.caps.ratePerSecond);
}

/** Routing (issue 13): what a delivery costs the buyer — the bid it answers, else its configured price. */
function leadAmount(input: ResolvedInput): number {
  return input.bid ? input.bid.price : input.buyer.price;
}

/** Completes an attempt's result with its elapsed time and the circuit state. */
export type Finish = (r: Omit<AttemptResult, "elapsedMs" | "circuit">) => AttemptResult;

/**
 * Asked when a connection is free for a request admitted earlier: if the circuit changed
 * since its permit and no longer lets requests through, the request stays home. With many
 * attempts queued for the gate's few connections, a buyer that went down sees only the first
 * few of them, not every one admitted before the breaker counted the failures.
 */
function circuitTurned(g: GateParts, permit: Permit): Refusal | undefined {
  if (g.breaker.snapshot().epoch === permit.epoch) return undefined;
  const c = g.breaker.check();
  return c.allowed ? undefined : { reason: c.reason, retryAfterSeconds: c.retryAfterSeconds };
}

/** The token cache's key for a config's auth, made once per config object. */
const tokenKeys = new WeakMap<BuyerConfig, string>();
function tokenKeyOf(buyer: BuyerConfig): string {
  let k = tokenKeys.get(buyer);
  if (k === undefined) {
    k = `auth:${JSON.stringify(buyer.auth)}`;
    tokenKeys.set(buyer, k);
  }
  return k;
}

async function exchange(g: GateParts, input: ResolvedInput, taken: Taken, timeoutMs: number, finish: Finish): Promise<AttemptResult> {
  const { buyer, lead } = input;
  const tokenKey = tokenKeyOf(buyer);
  const tokens = usesTokens(buyer.auth) ? g.tokens.provider(tokenKey, () => issueToken(g, buyer, tokenKey)) : undefined;
  const ctx = buildContext(g, input, tokens);

  let built: { request: OutboundRequest; warnings: MappingWarning[]; unauthenticated: OutboundRequest };
  // Issue 16: a buyer that requires a client certificate is reached only through its binding.
  let via: OutboundFetch;
  try {
    via = outboundFetch(g.env, buyer);
    built = await prepareRequest(buyer, lead, ctx);
  } catch (err) {
    // Nothing was sent: the slot and the probe permit go back untouched.
    g.reservations.release(taken.reservationId);
    g.spend.release(taken.reservationId);
    g.breaker.release(taken.permit);
    return finish({ ...buildFailure(err), sent: false, warnings: [] });
  }

  // The request holds one of the gate's connections from before it goes out until its verdict
  // is recorded, so a request waiting for a connection sees every answer that came before.
  await g.connections.acquire();
  let sent: SendResult;
  let parsed: ParsedResponse | undefined;
  let c: Classification;
  let retryAfterSeconds: number | undefined;
  let conflict: Awaited<ReturnType<typeof followConflict<typeof built>>>;
  let balance: number | undefined;
  try {
    const turned = circuitTurned(g, taken.permit);
    if (turned) {
      // It waited for a connection while the circuit opened: it never reached the buyer.
      g.reservations.release(taken.reservationId);
      g.spend.release(taken.reservationId);
      g.breaker.release(taken.permit);
      return finish({ outcome: "deferred", errorClass: "deferred", ...turned, sent: false, warnings: [] });
    }
    sent = await sendOnConnection(built.request, timeoutMs, buyer.endpoint.followRedirects, via);
    if (sent.response?.status === 401 && tokens) {
      // The token may have been revoked early: one forced refresh and one resend, same attempt.
      try {
        await tokens.getToken(true);
        built = await prepareRequest(buyer, lead, ctx);
        sent = await sendOnConnection(built.request, timeoutMs, buyer.endpoint.followRedirects, via);
      } catch (err) {
        log("warn", "token refresh after 401 failed", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    // Issue 16: a HubSpot 409 CONFLICT updates the existing contact when the buyer chose so; the
    // 409 stays in the attempt's record as its earlier exchange (channels/conflict.ts).
    conflict = await followConflict(buyer, built, sent, (req) => sendOnConnection(req, timeoutMs, buyer.endpoint.followRedirects, via));
    if (conflict) ({ built, sent } = conflict);

    if (sent.response) {
      try {
        parsed = parseResponse(buyer.response, sent.response);
      } catch (err) {
        // An unexpected shape is logged, never a crash: it classifies as unrecognized.
        log("warn", "buyer response could not be parsed", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    c = classify({
      ...(sent.error !== undefined ? { error: sent.error } : {}),
      timedOut: sent.timedOut,
      ...(sent.response ? { status: sent.response.status } : {}),
      ...(parsed ? { parsed } : {}),
    });
    const now = g.clock.now();

    // Retry-After on 429/503 holds every send to this buyer, not only this lead's retry.
    if (sent.response && (sent.response.status === 429 || sent.response.status === 503)) {
      retryAfterSeconds = retryAfterOf(sent.response.headers, now);
      if (retryAfterSeconds !== undefined) g.meta.set("throttled_until", String(now + retryAfterSeconds * 1000));
    }

    // Caps: a test lead is never billed, so it never uses a slot for good. An unclear outcome
    // keeps its slot: the buyer may have taken the lead, and the retry with the same key (or the
    // delivery layer giving up) settles it.
    const billable = !(input.sandbox || lead.test);
    if (c.outcome === "accepted" && billable) g.reservations.commit(taken.reservationId);
    else if (c.outcome === "pending") g.reservations.hold(taken.reservationId, now + buyer.endpoint.ackTimeoutSeconds * 1000);
    else if (c.errorClass === "ambiguous" && billable) g.reservations.hold(taken.reservationId, now + AMBIGUOUS_HOLD_MS);
    else g.reservations.release(taken.reservationId);
    // Routing (issue 13): the revenue reserved moves the same way; a sale counts at its own price (the bid's, or the buyer's answer).
    if (c.outcome === "accepted" && billable) g.spend.commit(taken.reservationId, buyer.caps, input.bid ? input.bid.price : (parsed?.price ?? buyer.price));
    else if (c.outcome === "pending") g.spend.hold(taken.reservationId, now + buyer.endpoint.ackTimeoutSeconds * 1000);
    else if (c.errorClass === "ambiguous" && billable) g.spend.hold(taken.reservationId, now + AMBIGUOUS_HOLD_MS);
    else g.spend.release(taken.reservationId);
    balance = g.spend.available(buyer.caps);

    g.breaker.record(taken.permit, verdictOf(c, sent.response?.status), buyer.circuit);
    // A sale or an acknowledgement is a success; a rejection is a healthy answer but no sale.
    if (c.outcome === "failed") g.meta.set("last_failure_at", String(now));
    else if (c.outcome === "accepted" || c.outcome === "pending") g.meta.set("last_success_at", String(now));
  } finally {
    g.connections.release();
  }

  // The buyer's secrets never leave the gate: what it returns is masked by value; the exact
  // request is kept only encrypted, for compliance.
  const secrets = configSecretValues(buyer, ctx);
  const archive = await archiveRequest(g, built.request);

  const reason = conflict ? conflictReason(conflict, c) : c.reason;
  return finish({
    outcome: c.outcome,
    ...(c.errorClass ? { errorClass: c.errorClass } : {}),
    ...(reason ? { reason } : {}),
    ...(sent.response ? { statusCode: sent.response.status, response: maskResponse(truncateBody(sent.response), secrets) } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(parsed?.buyerLeadId ? { buyerLeadId: parsed.buyerLeadId } : {}),
    ...(parsed?.price !== undefined && c.outcome === "accepted" ? { price: parsed.price } : {}),
    ...(parsed?.redirectUrl ? { redirectUrl: parsed.redirectUrl } : {}),
    request: maskRequest(built.request, secrets, built.unauthenticated),
    ...(conflict
      ? {
          prior: conflict.prior.map((x) => ({
            request: maskRequest(x.request, secrets, x.unauthenticated),
            response: maskResponse(truncateBody(x.response), secrets),
          })),
        }
      : {}),
    ...(archive ? { archive } : {}),
    ...(balance !== undefined ? { balance } : {}),
    warnings: built.warnings,
    sent: true,
  });
}

/** The exact request, AES-GCM encrypted with the current key (undefined when no keys are set: development only). */
export async function archiveRequest(g: GateParts, request: OutboundRequest): Promise<{ keyId: string; data: string } | undefined> {
  const keys = loadEncryptionKeys(g.env.REQUEST_ENCRYPTION_KEYS);
  return keys ? encrypt(await keys, JSON.stringify(request)) : undefined;
}

/** A buyer's answer with any of its secrets it echoed masked. */
function maskResponse(res: BuyerResponse, secrets: readonly string[]): BuyerResponse {
  const mask = secretMasker(secrets);
  return { ...res, body: mask(res.body), headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, mask(v)])) };
}

/** Reads secrets and `${VAR}`s from the Worker's env, by name. */
export function buildContext(
  g: GateParts,
  input: Pick<ResolvedInput, "deliveryId" | "idempotencyKey" | "sandbox" | "bid">,
  tokens: BuildContext["tokens"],
): BuildContext {
  const read = (name: string) => readSecret(g.env, name);
  return {
    secret: read,
    vars: read,
    now: () => g.clock.now(),
    deliveryId: input.deliveryId,
    idempotencyKey: input.idempotencyKey,
    ...(input.sandbox ? { sandbox: true } : {}),
    ...(tokens ? { tokens } : {}),
    ...(input.bid ? { bid: input.bid } : {}),
  };
}

/** A request that could not be built, by the integration error's kind. */
export function buildFailure(err: unknown): Pick<AttemptResult, "outcome" | "errorClass" | "reason"> {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof IntegrationError) {
    switch (err.kind) {
      // The lead does not fit this buyer (a required field is missing after mapping): like a
      // rejection it cascades at once, and it is no fault of the buyer's config to alert on.
      case "mapping":
        return { outcome: "rejected", errorClass: "rejected", reason: message };
      // A config that cannot work (missing secret, mapping that cannot compile): never retried.
      case "config":
        return { outcome: "failed", errorClass: "config", reason: message };
      // The token endpoint refused: bad credentials are a config fault, its outages are transient.
      case "auth":
        return { outcome: "failed", errorClass: err instanceof AuthError && err.transient ? "transient" : "config", reason: `auth: ${message}` };
    }
  }
  // Anything else (e.g. the token endpoint unreachable): nothing reached the buyer, worth a retry.
  return { outcome: "failed", errorClass: "transient", reason: `request not built: ${message}` };
}

export async function issueToken(g: GateParts, buyer: BuyerConfig, key: string): Promise<IssuedToken> {
  const ctx = buildContext(g, { deliveryId: "", idempotencyKey: "" }, undefined);
  const refreshToken = g.tokens.refreshToken(key);
  const t = await fetchToken(
    buyer.auth,
    ctx,
    // Issue 16: through the client-certificate binding when the buyer has one.
    (url, init) => outboundFetch(g.env, buyer)(url, { ...init, signal: AbortSignal.timeout(buyer.endpoint.timeoutMs ?? DEFAULT_ASYNC_ACK_TIMEOUT_MS) }),
    refreshToken ? { refreshToken } : {},
  );
  return {
    token: t.accessToken,
    expiresAtMs: t.expiresAt,
    ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}),
    ...(t.instanceUrl ? { instanceUrl: t.instanceUrl } : {}),
  };
}

export { DEFAULT_ASYNC_ACK_TIMEOUT_MS, LEASE_MARGIN_MS };
