import type { NormalizedLead } from "../../core/lead";
import { prepareRequest } from "../build";
import type { BuyerConfig } from "../config";
import { asSelector, headerValue, parseBody, select } from "../extract";
import { parsePrice, parseResponse } from "../response/parse";
import type { Extract } from "../response/schema";
import type { BuildContext, BuyerResponse, MappingWarning, OutboundRequest } from "../types";
import type { PingResponseRules } from "./schema";

const pingBuyers = new WeakMap<BuyerConfig, BuyerConfig>();

/**
 * The ping as a buyer config of its own: the ping's URL, mapping and response rules, with
 * method, headers, format and auth taken from the post unless the ping sets them. Cached per
 * config object, so the mapping engine's compile cache hits for every ping after the first.
 * Undefined for a direct-post buyer.
 */
export function pingBuyerOf(buyer: BuyerConfig): BuyerConfig | undefined {
  const ping = buyer.ping;
  if (!ping) return undefined;
  const hit = pingBuyers.get(buyer);
  if (hit) return hit;
  const derived: BuyerConfig = {
    ...buyer,
    endpoint: {
      ...buyer.endpoint,
      url: ping.url,
      ...(ping.sandboxUrl ? { sandboxUrl: ping.sandboxUrl } : {}),
      method: ping.method ?? buyer.endpoint.method,
      headers: ping.headers ?? buyer.endpoint.headers,
      timeoutMs: ping.timeoutMs,
      mode: "sync",
    },
    format: ping.format ?? buyer.format,
    auth: ping.auth ?? buyer.auth,
    mapping: ping.mapping,
    response: ping.response,
  };
  delete derived.ping;
  pingBuyers.set(buyer, derived);
  return derived;
}

/**
 * The exact ping request for a lead (or a source's partial lead): the ping mapping, wire format,
 * URL, headers and auth; `X-Leadwire-Ping-Id` names the auction. Throws like buildRequest.
 */
export async function preparePingRequest(
  buyer: BuyerConfig,
  lead: NormalizedLead,
  ctx: BuildContext & { pingId: string },
): Promise<{ request: OutboundRequest; warnings: MappingWarning[]; unauthenticated: OutboundRequest }> {
  const pb = pingBuyerOf(buyer);
  if (!pb) throw new Error(`buyer ${buyer.id} has no ping`);
  const built = await prepareRequest(pb, lead, ctx);
  built.request.headers["X-Leadwire-Ping-Id"] = ctx.pingId;
  return built;
}

/** What a buyer's answer to a ping came to. */
export type PingAnswer =
  | { kind: "bid"; price: number; bidId: string | null; expiresAtMs: number }
  | { kind: "no_bid"; reason: string }
  /** An answer that says neither (unreadable, a bid without a price, an error): recorded and ignored. */
  | { kind: "invalid"; reason: string };

function first(body: ReturnType<typeof parseBody>, ex: Extract | undefined): string | undefined {
  if (ex === undefined) return undefined;
  for (const one of Array.isArray(ex) ? ex : [ex]) {
    const v = select(body, asSelector(one));
    if (v !== undefined) return v;
  }
  return undefined;
}

/** An expiry instant: ISO 8601, or epoch seconds / milliseconds. */
function instantOf(s: string): number | undefined {
  if (/^\d{9,11}$/.test(s)) return Number(s) * 1000;
  if (/^\d{12,14}$/.test(s)) return Number(s);
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Reads a ping answer with the ping's response rules: accepted with a price is a bid (with the
 * buyer's bid id or token and its expiry, or `ttlSeconds` from now), rejected is no bid, and
 * anything else — an error, an unreadable body, a bid without a price — is invalid. Never throws.
 */
export function readPingAnswer(rules: PingResponseRules, res: BuyerResponse, nowMs: number, ttlSeconds: number): PingAnswer {
  const parsed = parseResponse(rules, res);
  if (res.status < 200 || res.status >= 300) {
    return parsed.outcome === "rejected"
      ? { kind: "no_bid", reason: parsed.reason ?? `no bid (${res.status})` }
      : { kind: "invalid", reason: `status ${res.status}` };
  }
  if (parsed.outcome === "rejected") return { kind: "no_bid", reason: parsed.reason ?? "no bid" };
  if (parsed.outcome !== "accepted" || parsed.pending) return { kind: "invalid", reason: parsed.reason ?? `unreadable answer (${parsed.outcome})` };
  let body: ReturnType<typeof parseBody>;
  try {
    body = parseBody(res.body ?? "", headerValue(res.headers, "content-type"), rules.contentType);
  } catch {
    return { kind: "invalid", reason: "unreadable answer" };
  }
  const price = parsed.price ?? parsePrice(first(body, rules.price));
  if (price === undefined || !(price > 0)) return { kind: "invalid", reason: "a bid without a price" };
  const bidId = first(body, rules.bidId) ?? null;
  let expiresAtMs = nowMs + ttlSeconds * 1000;
  const at = first(body, rules.expiresAt);
  const inSec = first(body, rules.expiresIn);
  if (at !== undefined) {
    const ms = instantOf(at);
    if (ms === undefined) return { kind: "invalid", reason: `unreadable bid expiry "${at.slice(0, 40)}"` };
    expiresAtMs = ms;
  } else if (inSec !== undefined) {
    const n = Number(inSec);
    if (!Number.isFinite(n) || n < 0) return { kind: "invalid", reason: `unreadable bid expiry "${inSec.slice(0, 40)}"` };
    expiresAtMs = nowMs + n * 1000;
  }
  return { kind: "bid", price, bidId, expiresAtMs };
}
