import type { NormalizedLead } from "../core/lead";
import { usesTokens } from "../integration/auth";
import type { BuyerConfig } from "../integration/config";
import { IntegrationError } from "../integration/errors";
import { preparePingRequest, readPingAnswer } from "../integration/ping/request";
import { retryAfterSeconds as retryAfterOf } from "../integration/response/retry-after";
import type { OutboundRequest } from "../integration/types";
import { buildContext, issueToken } from "./attempt";
import type { Verdict } from "./breaker";
import type { Refusal } from "./caps";
import type { GateParts } from "./parts";
import { inSchedule } from "./time";
import { send } from "./transport";
import type { BuyerRef } from "./types";

/** One ping handed to a buyer's gate. */
export interface PingInput {
  buyer: BuyerConfig;
  /** The lead (or a source's partial lead) the ping mapping reads. */
  lead: NormalizedLead;
  /** Our auction id, sent as X-Leadwire-Ping-Id. */
  pingId: string;
  /** How long this buyer may take: its ping timeout cut to what is left of the auction. */
  timeoutMs: number;
  sandbox?: boolean;
}

/**
 * A ping as the auction sends it: the buyer named by id and config version (the config itself
 * only when the gate may not hold it yet), like a delivery — five bidders cost five small RPCs,
 * not five copies of five configs to clone and fingerprint.
 */
export type PingRequest = Omit<PingInput, "buyer"> & { buyer: BuyerConfig | BuyerRef };

/** What one buyer's ping came to. */
export interface PingResult {
  /**
   * `bid` / `no_bid`: the buyer answered. `fixed`: a direct-post buyer, available, competing at
   * its configured price (no HTTP call). `late`: no answer within the time given. `error`: an
   * answer that says neither, or no answer at all. `deferred`: the gate refused before any call
   * (paused, schedule, circuit, cap, rate limit, Retry-After).
   */
  outcome: "bid" | "no_bid" | "fixed" | "late" | "error" | "deferred";
  price?: number;
  /** The buyer's bid id or token. */
  bidId?: string | null;
  expiresAtMs?: number;
  reason?: string;
  statusCode?: number;
  latencyMs: number;
  /** The gate did not hold the config version it was named by: nothing was sent, ask again with the config. */
  configWanted?: true;
}

/**
 * Everything a post would be refused for right now — checked before a ping, so a buyer that
 * cannot take the lead is not asked to bid on it. Nothing is taken: the cap slot is reserved,
 * and the rate-limit token spent, by the post.
 */
function pingRefusal(g: GateParts, input: PingInput): Refusal | undefined {
  const { buyer } = input;
  const now = g.clock.now();
  if (buyer.status === "paused") return { reason: "buyer paused" };
  if (buyer.status === "sandbox" && !input.sandbox) return { reason: "buyer in sandbox: test leads only" };
  if (buyer.schedule && !inSchedule(buyer.schedule, now)) return { reason: "outside the buyer's schedule" };
  if (g.meta.num("throttled_until") > now) return { reason: "buyer asked us to wait (Retry-After)" };
  const circuit = g.breaker.check();
  if (!circuit.allowed) return { reason: circuit.reason };
  // Routing (issue 13): a direct-post buyer must afford its price; a bidder, anything at all (its bid is checked when it comes).
  const spend = g.spend.refusal(buyer.caps, buyer.ping ? MIN_BID : buyer.price);
  return g.reservations.refusal(buyer.caps) ?? spend ?? g.rate.refusal(buyer.caps.ratePerSecond);
}

/** The smallest amount a bid can be: what a bidder's revenue cap or balance must still allow for it to be pinged. */
const MIN_BID = 0.01;

/**
 * One ping: the pre-checks, then (for a ping/post buyer) build, send with the time given, read
 * the bid. The breaker counts a ping like a delivery — an answer is a success, no answer or a
 * 5xx a failure — so a buyer whose ping endpoint is down stops being pinged until its probe.
 */
export async function runPing(g: GateParts, input: PingInput): Promise<PingResult> {
  const { buyer } = input;
  const started = g.clock.now();
  const done = (r: Omit<PingResult, "latencyMs">): PingResult => ({ ...r, latencyMs: Math.max(0, g.clock.now() - started) });
  const refused = pingRefusal(g, input);
  if (refused) return done({ outcome: "deferred", reason: refused.reason });
  const ping = buyer.ping;
  if (!ping) return done({ outcome: "fixed", price: buyer.price });

  const tokenKey = `auth:${JSON.stringify(ping.auth ?? buyer.auth)}`;
  const pingAuthBuyer: BuyerConfig = ping.auth ? { ...buyer, auth: ping.auth } : buyer;
  const tokens = usesTokens(pingAuthBuyer.auth) ? g.tokens.provider(tokenKey, () => issueToken(g, pingAuthBuyer, tokenKey)) : undefined;
  const ctx = {
    ...buildContext(
      g,
      { deliveryId: input.pingId, idempotencyKey: `lw-ping-${input.pingId}-${buyer.id}`, ...(input.sandbox ? { sandbox: true } : {}) },
      tokens,
    ),
    pingId: input.pingId,
  };
  const permit = g.breaker.acquire(input.timeoutMs + 30_000);
  let request: OutboundRequest;
  try {
    request = (await preparePingRequest(buyer, input.lead, ctx)).request;
  } catch (err) {
    g.breaker.release(permit);
    const why = err instanceof IntegrationError ? err.message : `ping not built: ${err instanceof Error ? err.message : String(err)}`;
    return done({ outcome: "error", reason: why });
  }
  // What is left of the time given once the request is built (a token fetch may have used some).
  const left = input.timeoutMs - (g.clock.now() - started);
  if (left <= 0) {
    g.breaker.release(permit);
    return done({ outcome: "late", reason: "no time left to send the ping" });
  }
  const sent = await send(g.connections, request, left, false);
  const now = g.clock.now();
  let verdict: Verdict = "neutral";
  let result: Omit<PingResult, "latencyMs">;
  if (sent.timedOut) {
    verdict = "failure";
    result = { outcome: "late", reason: `no bid within ${Math.round(input.timeoutMs)} ms` };
  } else if (!sent.response) {
    verdict = "failure";
    result = { outcome: "error", reason: `network error: ${sent.error instanceof Error ? sent.error.message : String(sent.error)}` };
  } else {
    const res = sent.response;
    if (res.status === 429 || res.status === 503) {
      const wait = retryAfterOf(res.headers, now);
      if (wait !== undefined) g.meta.set("throttled_until", String(now + wait * 1000));
    }
    verdict = res.status >= 500 && res.status !== 503 ? "failure" : res.status >= 200 && res.status < 300 ? "success" : "neutral";
    const answer = readPingAnswer(ping.response, res, now, ping.bidTtlSeconds);
    // Routing (issue 13): a bid the buyer's revenue cap or balance cannot cover is not one it can be sold at.
    const overBudget = answer.kind === "bid" ? g.spend.refusal(buyer.caps, answer.price) : undefined;
    if (answer.kind === "bid" && overBudget)
      result = { outcome: "deferred", reason: `bid of ${answer.price} not taken: ${overBudget.reason}`, statusCode: res.status };
    else if (answer.kind === "bid")
      result = { outcome: "bid", price: answer.price, bidId: answer.bidId, expiresAtMs: answer.expiresAtMs, statusCode: res.status };
    else if (answer.kind === "no_bid") result = { outcome: "no_bid", reason: answer.reason, statusCode: res.status };
    else result = { outcome: "error", reason: answer.reason, statusCode: res.status };
  }
  g.breaker.record(permit, verdict, buyer.circuit);
  return done(result);
}
