/**
 * The mock buyer: one Node HTTP server that plays every kind of buyer Leadwire meets in the
 * wild (accepting, rejecting, broken, slow, hanging, OAuth-protected, asynchronous), so the
 * workerd tests, the end-to-end tests, `npm run dev` and `npm run soak` deliver over real HTTP.
 *
 * Protocol (other code depends on it): `ANY /b/:buyerId/:behavior?query`, `POST /oauth/token`,
 * `POST /login`, the CRM routes under `/salesforce`, `/hubspot`, `/hsforms` and `/velocify`
 * (crm.ts), and the control API under `/_control/*`. See test/mock-buyer/README.md.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { createCrmMock } from "./crm";
import { storedMails } from "./mailbox";

/** The secret from .dev.vars.example (HARBOR_WEBHOOK_SECRET): what a fresh clone verifies with. */
export const DEFAULT_WEBHOOK_SECRET = "whsec_ZGVtby1hY21lLXdlYmhvb2stc2VjcmV0LTEyMzQ=";

export const BEHAVIORS = [
  "accept",
  "reject",
  "bad-request",
  "unauthorized",
  "oauth",
  "forbidden",
  "not-found",
  "gone",
  "rate-limit",
  "error500",
  "error502",
  "error503",
  "hang",
  "slow",
  "reset",
  "flaky",
  "async",
  "bid",
] as const;
export type Behavior = (typeof BEHAVIORS)[number];

export type ResponseFormat = "json" | "xml" | "form" | "text";

export interface MockBuyerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Standard Webhooks secret (`whsec_<base64>`) the async callbacks are signed with. */
  webhookSecret?: string;
  /** Where async callbacks go: `<leadwireOrigin>/v1/webhooks/<buyerId>`. */
  leadwireOrigin?: string;
  /** Seed of the PRNG behind `flaky`; the same seed gives the same failures. */
  seed?: number;
  /** Clock for token expiry, timestamps and webhook signatures. */
  now?: () => number;
  /** One summary line per request on stdout (never the body). */
  verbose?: boolean;
}

export interface RecordedRequest {
  seq: number;
  buyerId: string;
  /** The behavior that answered (an override from /_control/behavior wins over the path). */
  behavior: string;
  /** The behavior named in the path. */
  pathBehavior: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
  /** Status answered; null while hanging or when the socket was reset. */
  status: number | null;
  /** MB-<n> when this request was accepted or acknowledged. */
  leadId: string | null;
  /** Time from the request's arrival to the end of our answer (ms), once answered. */
  handledMs: number | null;
}

export interface CallbackRecord {
  eventId: string;
  buyerId: string;
  url: string;
  deliveryId: string | null;
  leadId: string;
  decision: "accepted" | "rejected";
  sentAt: string;
  /** HTTP status Leadwire answered, or null when the call failed (see error). */
  status: number | null;
  error?: string;
}

export interface BehaviorOverride {
  behavior: Behavior;
  params: Record<string, string>;
}

export interface MockBuyerStats {
  /** Per buyer: requests, by behaviour, and the most requests it had open at once. */
  perBuyer: Record<string, { total: number; byBehavior: Record<string, number>; maxOpen: number }>;
  tokenRequests: number;
  loginRequests: number;
  callbacks: { sent: number; ok: number; failed: number; pending: number };
}

export interface MockBuyer {
  origin: string;
  port: number;
  /** Stops listening, drops hanging connections and cancels pending timers/callbacks. */
  close(): Promise<void>;
  requests(filter?: { buyer?: string; leadId?: string }): RecordedRequest[];
  callbacks(): CallbackRecord[];
  stats(): MockBuyerStats;
  /** Forgets recorded requests, callbacks, tokens, overrides and counters; reseeds the PRNG. */
  reset(): void;
  /** Overrides the path behavior for one buyer; `null` brings the path behavior back. */
  setBehavior(buyerId: string, behavior: Behavior | null, params?: Record<string, string>): void;
  /** Resolves when every async callback scheduled so far has been sent (or failed). */
  settled(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** FNV-1a, so a flaky decision depends only on (seed, buyer, request key, occurrence). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: one draw in [0, 1) from a 32-bit state. */
function mulberry32(a: number): number {
  let t = (a + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function isBehavior(s: string): s is Behavior {
  return (BEHAVIORS as readonly string[]).includes(s);
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, key = base64 after `whsec_`. */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

interface Outcome {
  kind: "accepted" | "rejected" | "error" | "received";
  status: number;
  leadId?: string;
  price?: number;
  reason?: string;
  message?: string;
  headers?: Record<string, string>;
}

function renderBody(format: ResponseFormat, o: Outcome): { type: string; body: string } {
  const fields: [string, string][] = [["status", o.kind]];
  if (o.kind === "accepted") fields.push(["lead_id", o.leadId ?? ""], ["price", String(o.price ?? 25)]);
  if (o.kind === "received") fields.push(["ack_id", o.leadId ?? ""]);
  if (o.kind === "rejected") fields.push(["reason", o.reason ?? "Duplicate lead"]);
  if (o.kind === "error") fields.push(["message", o.message ?? "error"]);
  switch (format) {
    case "xml":
      return {
        type: "application/xml",
        body: `<response>${fields.map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join("")}</response>`,
      };
    case "form":
      return { type: "application/x-www-form-urlencoded", body: new URLSearchParams(fields).toString() };
    case "text": {
      const text =
        o.kind === "accepted"
          ? `ACCEPTED ${o.leadId ?? ""}`
          : o.kind === "received"
            ? `RECEIVED ${o.leadId ?? ""}`
            : o.kind === "rejected"
              ? `REJECTED: ${o.reason ?? "Duplicate lead"}`
              : `ERROR: ${o.message ?? "error"}`;
      return { type: "text/plain; charset=utf-8", body: text };
    }
    default: {
      const obj: Record<string, unknown> = { status: o.kind };
      if (o.kind === "accepted") Object.assign(obj, { lead_id: o.leadId, price: o.price ?? 25 });
      if (o.kind === "received") obj["ack_id"] = o.leadId;
      if (o.kind === "rejected") obj["reason"] = o.reason ?? "Duplicate lead";
      if (o.kind === "error") obj["message"] = o.message ?? "error";
      return { type: "application/json", body: JSON.stringify(obj) };
    }
  }
}

function numParam(q: Record<string, string>, name: string, fallback: number): number {
  const raw = q[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

/**
 * Starts the mock buyer on 127.0.0.1 and resolves once it listens.
 * `origin` is what a buyer config's endpoint is built from (`${origin}/b/<buyer>/<behavior>`).
 */
export async function startMockBuyer(opts: MockBuyerOptions = {}): Promise<MockBuyer> {
  const host = opts.host ?? "127.0.0.1";
  const now = opts.now ?? (() => Date.now());
  const seed = opts.seed ?? 1;
  const webhookSecret = opts.webhookSecret ?? process.env["MOCK_WEBHOOK_SECRET"] ?? DEFAULT_WEBHOOK_SECRET;
  const leadwireOrigin = opts.leadwireOrigin ?? process.env["LEADWIRE_ORIGIN"];
  const verbose = opts.verbose ?? process.env["MOCK_BUYER_VERBOSE"] === "1";

  let recorded: RecordedRequest[] = [];
  let callbacks: CallbackRecord[] = [];
  let seq = 0;
  let leadSeq = 0;
  let eventSeq = 0;
  let bidSeq = 0;
  let tokenRequests = 0;
  let loginRequests = 0;
  /** Issued tokens: expiry instant and uses left (undefined = unlimited until `expireAfter`). */
  let tokens = new Map<string, { expiresAt: number; uses: number }>();
  let overrides = new Map<string, BehaviorOverride>();
  /** How often each (buyer, request key) was seen, so a retry of the same lead draws anew. */
  let occurrences = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const inflightCallbacks = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  /** Cancels scheduled async callbacks (reset and close). */
  const cancelHooks = new Set<() => void>();
  let closing = false;
  /** Set once the server listens: Salesforce's `instance_url` points back at it. */
  let selfOrigin = "";
  const crm = createCrmMock({ origin: () => selfOrigin, now });

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  const say = (line: string): void => {
    if (verbose) process.stdout.write(`[mock-buyer] ${line}\n`);
  };

  const send = (res: ServerResponse, rec: RecordedRequest | undefined, format: ResponseFormat, o: Outcome): void => {
    const { type, body } = renderBody(format, o);
    if (rec) {
      rec.status = o.status;
      if (o.leadId) rec.leadId = o.leadId;
    }
    res.writeHead(o.status, { "content-type": type, ...(o.headers ?? {}) });
    res.end(body);
  };

  const sendJson = (res: ServerResponse, status: number, value: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };

  const issueToken = (prefix: string): { token: string; expiresIn: number } => {
    const token = `${prefix}_${randomBytes(18).toString("base64url")}`;
    const expiresIn = 3600;
    tokens.set(token, { expiresAt: now() + expiresIn * 1000, uses: 0 });
    return { token, expiresIn };
  };

  const postCallback = async (cb: CallbackRecord, body: string): Promise<void> => {
    const ts = Math.floor(now() / 1000);
    try {
      const res = await fetch(cb.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": cb.eventId,
          "webhook-timestamp": String(ts),
          "webhook-signature": signStandardWebhook(webhookSecret, cb.eventId, ts, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      cb.status = res.status;
    } catch (err) {
      cb.status = null;
      cb.error = err instanceof Error ? err.message : String(err);
    }
    say(`callback ${cb.eventId} ${cb.buyerId} → ${cb.status ?? cb.error ?? "?"}`);
  };

  const scheduleCallback = (buyerId: string, q: Record<string, string>, deliveryId: string | null, leadId: string): void => {
    const url = q["callback"] ?? (leadwireOrigin ? `${leadwireOrigin.replace(/\/$/, "")}/v1/webhooks/${encodeURIComponent(buyerId)}` : undefined);
    const decision = q["decision"] === "reject" ? "rejected" : "accepted";
    const eventId = `evt_${++eventSeq}`;
    const cb: CallbackRecord = {
      eventId,
      buyerId,
      url: url ?? "",
      deliveryId,
      leadId,
      decision,
      sentAt: "",
      status: null,
    };
    callbacks.push(cb);
    if (!url) {
      cb.error = "no callback URL (set leadwireOrigin, LEADWIRE_ORIGIN or ?callback=)";
      return;
    }
    const payload: Record<string, unknown> = {
      id: eventId,
      type: "lead.decision",
      delivery_id: deliveryId,
      lead_id: leadId,
      decision,
      price: numParam(q, "price", 25),
    };
    if (decision === "rejected") payload["reason"] = q["reason"] ?? "Duplicate lead";
    const body = JSON.stringify(payload);
    let done: () => void = () => undefined;
    const p = new Promise<void>((r) => (done = r));
    inflightCallbacks.add(p);
    const timer = later(numParam(q, "delayMs", 200), () => {
      cb.sentAt = new Date(now()).toISOString();
      void postCallback(cb, body).finally(() => {
        inflightCallbacks.delete(p);
        done();
      });
    });
    // reset()/close() clear the timer; the promise must still settle so settled() never hangs.
    cancelHooks.add(() => {
      clearTimeout(timer);
      inflightCallbacks.delete(p);
      done();
    });
  };

  /** Deterministic draw for `flaky`: same seed + buyer + request key + occurrence → same result. */
  const flakyDraw = (buyerId: string, headers: Record<string, string>, body: string): number => {
    const key = headers["idempotency-key"] ?? headers["x-leadwire-delivery-id"] ?? body;
    const k = `${buyerId}\u0000${key}`;
    const n = occurrences.get(k) ?? 0;
    occurrences.set(k, n + 1);
    return mulberry32(fnv1a(`${seed}\u0000${k}\u0000${n}`));
  };

  const openNow = new Map<string, number>();
  const maxOpen = new Map<string, number>();

  const handleBuyer = async (req: IncomingMessage, res: ServerResponse, url: URL, buyerId: string, pathBehavior: string): Promise<void> => {
    const body = await readBody(req);
    const headers = headerMap(req);
    const override = overrides.get(buyerId);
    const behavior = override ? override.behavior : pathBehavior;
    const q: Record<string, string> = { ...Object.fromEntries(url.searchParams), ...(override?.params ?? {}) };
    const rec: RecordedRequest = {
      seq: ++seq,
      buyerId,
      behavior,
      pathBehavior,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      receivedAt: new Date(now()).toISOString(),
      status: null,
      leadId: null,
      handledMs: null,
    };
    recorded.push(rec);
    const arrived = performance.now();
    res.on("finish", () => {
      rec.handledMs = performance.now() - arrived;
    });
    // How many requests this buyer has open at once (a client's connection limit shows here).
    const open = (openNow.get(buyerId) ?? 0) + 1;
    openNow.set(buyerId, open);
    maxOpen.set(buyerId, Math.max(maxOpen.get(buyerId) ?? 0, open));
    res.on("close", () => openNow.set(buyerId, (openNow.get(buyerId) ?? 1) - 1));
    say(`${rec.method} ${buyerId}/${behavior} #${rec.seq} (${body.length} bytes)`);

    const fmtRaw = q["respond"] ?? "json";
    const format: ResponseFormat = fmtRaw === "xml" || fmtRaw === "form" || fmtRaw === "text" ? fmtRaw : "json";
    const accept = (): void => send(res, rec, format, { kind: "accepted", status: 200, leadId: `MB-${++leadSeq}`, price: numParam(q, "price", 25) });
    const fail = (status: number, message: string, extra?: Record<string, string>): void =>
      send(res, rec, format, { kind: "error", status, message, ...(extra ? { headers: extra } : {}) });
    const hang = (): void => {
      // Answer nothing; the client's abort (or close()) ends the connection.
      req.socket.setTimeout(0);
    };
    const resetSocket = (): void => {
      const s = req.socket;
      if (typeof s.resetAndDestroy === "function") s.resetAndDestroy();
      else s.destroy();
    };

    let effective = behavior;
    let failWith = "";
    if (effective === "flaky") {
      const failRate = numParam(q, "failRate", 0.3);
      if (flakyDraw(buyerId, headers, body) < failRate) failWith = q["failWith"] ?? "503";
      else effective = "accept";
    }
    if (failWith) {
      if (failWith === "reset") return resetSocket();
      // A buyer that says no to a share of its leads (routing tests: its acceptance rate).
      if (failWith === "reject") return send(res, rec, format, { kind: "rejected", status: 200, reason: q["reason"] ?? "Not a fit" });
      if (failWith === "hang") return hang();
      const code = Number(failWith);
      return fail(Number.isInteger(code) && code >= 400 && code < 600 ? code : 503, "Flaky failure");
    }

    // `?require=a,b`: a buyer whose API needs these fields answers 400 naming the first one missing
    // from the body (JSON, or a form) — what a mapping that dropped a required field meets.
    const missing = (q["require"] ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter((f) => f !== "" && !bodyHas(body, f));
    if (missing.length > 0) return fail(400, `Missing required field: ${missing[0]}`);

    switch (effective) {
      case "accept":
        return accept();
      case "reject":
        return send(res, rec, format, { kind: "rejected", status: 200, reason: q["reason"] ?? "Duplicate lead" });
      case "bad-request":
        return fail(400, q["message"] ?? "Missing required field: phone");
      case "unauthorized":
        return fail(401, "Invalid credentials");
      case "oauth": {
        const auth = headers["authorization"] ?? "";
        const m = /^Bearer\s+(\S+)$/i.exec(auth);
        const tok = m?.[1] ? tokens.get(m[1]) : undefined;
        const maxUses = numParam(q, "expireAfter", Number.POSITIVE_INFINITY);
        if (!tok || tok.expiresAt <= now() || tok.uses >= maxUses) return fail(401, "Invalid or expired token");
        tok.uses++;
        return accept();
      }
      case "forbidden":
        return fail(403, "Forbidden");
      case "not-found":
        return fail(404, "Not found");
      case "gone":
        return fail(410, "This endpoint is gone");
      case "rate-limit":
        return fail(429, "Too many requests", { "retry-after": q["retryAfter"] ?? "7" });
      case "error500":
        return fail(500, "Internal server error");
      case "error502":
        return fail(502, "Bad gateway");
      case "error503":
        return fail(503, "Service unavailable", q["retryAfter"] ? { "retry-after": q["retryAfter"] } : undefined);
      case "hang":
        return hang();
      case "slow":
        later(numParam(q, "ms", 1000), () => {
          if (!res.destroyed && !res.writableEnded) accept();
        });
        return;
      case "reset":
        return resetSocket();
      case "bid": {
        // A ping/post buyer's ping: a bid (price, bid id, expiry) or no bid, after ?delayMs=.
        const answer = (): void => {
          if (res.destroyed || res.writableEnded) return;
          rec.status = 200;
          if (q["noBid"] === "1") {
            sendJson(res, 200, { status: "no_bid", reason: q["reason"] ?? "Not interested" });
            return;
          }
          const bid: Record<string, unknown> = { status: "bid", bid_id: q["bidId"] ?? `BID-${++bidSeq}`, price: numParam(q, "price", 25) };
          if (q["expiresIn"] !== undefined) bid["expires_in"] = numParam(q, "expiresIn", 60);
          if (q["expiresAt"] !== undefined) bid["expires_at"] = q["expiresAt"];
          sendJson(res, 200, bid);
        };
        const delay = numParam(q, "delayMs", 0);
        if (delay > 0) later(delay, answer);
        else answer();
        return;
      }
      case "async": {
        const ackId = `MB-${++leadSeq}`;
        send(res, rec, format, { kind: "received", status: 202, leadId: ackId });
        return scheduleCallback(buyerId, q, headers["x-leadwire-delivery-id"] ?? null, ackId);
      }
      default:
        return fail(404, `Unknown behavior "${effective}"`);
    }
  };

  /** A CRM route (crm.ts): recorded like any buyer request, with the tenant as the buyer id. */
  const handleCrm = async (req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]): Promise<void> => {
    const body = await readBody(req);
    const headers = headerMap(req);
    const method = req.method ?? "GET";
    const answer = crm.handle({ method, url, parts, headers, body });
    if (!answer) return sendJson(res, 404, { status: "error", message: `unknown ${parts[0]} route` });
    const rec: RecordedRequest = {
      seq: ++seq,
      buyerId: answer.tenant,
      behavior: answer.route,
      pathBehavior: answer.route,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      receivedAt: new Date(now()).toISOString(),
      status: answer.status,
      leadId: answer.recordId ?? null,
      handledMs: null,
    };
    recorded.push(rec);
    say(`${method} ${answer.tenant}/${answer.route} #${rec.seq} → ${answer.status}`);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    tokenRequests++;
    const raw = await readBody(req);
    const type = req.headers["content-type"] ?? "";
    let params: Record<string, string> = {};
    if (type.includes("application/json")) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed && typeof parsed === "object") {
          for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") params[k] = v;
        }
      } catch {
        params = {};
      }
    } else {
      params = Object.fromEntries(new URLSearchParams(raw));
    }
    let secret = params["client_secret"];
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i >= 0) secret = decodeURIComponent(decoded.slice(i + 1));
    }
    const grant = params["grant_type"];
    if (grant !== "client_credentials" && grant !== "refresh_token") return sendJson(res, 400, { error: "unsupported_grant_type" });
    if (!secret) return sendJson(res, 401, { error: "invalid_client" });
    const { token, expiresIn } = issueToken("mbat");
    return sendJson(res, 200, {
      access_token: token,
      token_type: "Bearer",
      expires_in: expiresIn,
      refresh_token: `mbrt_${randomBytes(12).toString("base64url")}`,
    });
  };

  const handleLogin = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    loginRequests++;
    const raw = await readBody(req);
    let username = "";
    let password = "";
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object") {
        const o = parsed as Record<string, unknown>;
        if (typeof o["username"] === "string") username = o["username"];
        if (typeof o["password"] === "string") password = o["password"];
      }
    } catch {
      return sendJson(res, 400, { error: "invalid_json" });
    }
    if (!username || !password) return sendJson(res, 401, { error: "invalid_credentials" });
    const { token, expiresIn } = issueToken("mblt");
    return sendJson(res, 200, { token, expires_in: expiresIn });
  };

  const stats = (): MockBuyerStats => {
    const perBuyer: MockBuyerStats["perBuyer"] = {};
    for (const r of recorded) {
      const b = (perBuyer[r.buyerId] ??= { total: 0, byBehavior: {}, maxOpen: maxOpen.get(r.buyerId) ?? 0 });
      b.total++;
      b.byBehavior[r.behavior] = (b.byBehavior[r.behavior] ?? 0) + 1;
    }
    const sent = callbacks.filter((c) => c.sentAt !== "");
    return {
      perBuyer,
      tokenRequests,
      loginRequests,
      callbacks: {
        sent: sent.length,
        ok: sent.filter((c) => c.status !== null && c.status >= 200 && c.status < 300).length,
        failed: callbacks.filter((c) => c.error !== undefined || (c.status !== null && (c.status < 200 || c.status >= 300))).length,
        pending: callbacks.filter((c) => c.sentAt === "" && c.error === undefined).length,
      },
    };
  };

  const requests = (filter: { buyer?: string; leadId?: string } = {}): RecordedRequest[] =>
    recorded.filter(
      (r) =>
        (!filter.buyer || r.buyerId === filter.buyer) &&
        // Our lead id travels in the Idempotency-Key header and usually in the mapped body.
        (!filter.leadId ||
          r.leadId === filter.leadId ||
          r.body.includes(filter.leadId) ||
          Object.values(r.headers).some((v) => v.includes(filter.leadId ?? ""))),
    );

  const reset = (): void => {
    recorded = [];
    callbacks = [];
    seq = 0;
    leadSeq = 0;
    eventSeq = 0;
    bidSeq = 0;
    tokenRequests = 0;
    loginRequests = 0;
    tokens = new Map();
    overrides = new Map();
    occurrences = new Map();
    maxOpen.clear();
    crm.reset();
    // Slow answers still in flight finish; only callbacks not yet sent are dropped.
    for (const c of cancelHooks) c();
    cancelHooks.clear();
  };

  const setBehavior = (buyerId: string, behavior: Behavior | null, params: Record<string, string> = {}): void => {
    if (behavior === null) overrides.delete(buyerId);
    else overrides.set(buyerId, { behavior, params });
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const what = url.pathname.slice("/_control/".length);
    if (req.method === "GET" && what === "health") return sendJson(res, 200, { status: "ok" });
    if (req.method === "GET" && what === "requests") {
      const buyer = url.searchParams.get("buyer") ?? undefined;
      const leadId = url.searchParams.get("leadId") ?? undefined;
      return sendJson(res, 200, requests({ ...(buyer ? { buyer } : {}), ...(leadId ? { leadId } : {}) }));
    }
    if (req.method === "GET" && what === "callbacks") return sendJson(res, 200, callbacks);
    if (req.method === "GET" && what === "mailbox") {
      // What the local send_email binding stored (mailbox.ts), by a string the mail contains (its Message-ID).
      const needle = url.searchParams.get("contains") ?? "";
      if (needle.length < 8) return sendJson(res, 400, { error: "contains (at least 8 characters) is required" });
      return sendJson(res, 200, await storedMails(needle));
    }
    const crmPath = /^crm\/([^/]+)\/([^/]+)$/.exec(what);
    if (crmPath && (req.method === "GET" || req.method === "POST")) {
      let parsed: unknown = {};
      if (req.method === "POST") {
        try {
          parsed = JSON.parse((await readBody(req)) || "{}");
        } catch {
          return sendJson(res, 400, { error: "invalid_json" });
        }
      }
      const out = crm.control(req.method, decodeURIComponent(crmPath[1] ?? ""), decodeURIComponent(crmPath[2] ?? ""), parsed);
      return sendJson(res, out.status, out.value);
    }
    if (req.method === "GET" && what === "stats") return sendJson(res, 200, stats());
    if (req.method === "POST" && what === "reset") {
      await readBody(req);
      reset();
      return sendJson(res, 200, { status: "reset" });
    }
    if (req.method === "POST" && what === "behavior") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req));
      } catch {
        return sendJson(res, 400, { error: "invalid_json" });
      }
      if (!parsed || typeof parsed !== "object") return sendJson(res, 400, { error: "expected an object" });
      const o = parsed as Record<string, unknown>;
      const buyerId = o["buyerId"];
      const behavior = o["behavior"];
      if (typeof buyerId !== "string" || !buyerId) return sendJson(res, 400, { error: "buyerId is required" });
      if (behavior !== null && (typeof behavior !== "string" || !isBehavior(behavior))) {
        return sendJson(res, 400, { error: `behavior must be null or one of ${BEHAVIORS.join(", ")}` });
      }
      const params: Record<string, string> = {};
      if (o["params"] && typeof o["params"] === "object") {
        for (const [k, v] of Object.entries(o["params"] as Record<string, unknown>)) {
          if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") params[k] = String(v);
        }
      }
      setBehavior(buyerId, behavior, params);
      return sendJson(res, 200, { buyerId, behavior, params });
    }
    return sendJson(res, 404, { error: "unknown control route" });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const parts = url.pathname
      .split("/")
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    const run = async (): Promise<void> => {
      if (parts[0] === "b" && parts.length === 3 && parts[1] && parts[2]) return handleBuyer(req, res, url, parts[1], parts[2]);
      if (url.pathname === "/oauth/token" && req.method === "POST") return handleToken(req, res);
      if (url.pathname === "/login" && req.method === "POST") return handleLogin(req, res);
      if (parts[0] === "_control") return handleControl(req, res, url);
      if (parts[0] === "salesforce" || parts[0] === "hubspot" || parts[0] === "hsforms" || parts[0] === "velocify") return handleCrm(req, res, url, parts);
      return sendJson(res, 404, { status: "error", message: "unknown route; use /b/<buyerId>/<behavior>" });
    };
    run().catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { status: "error", message: err instanceof Error ? err.message : "error" });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // Node's default timeouts would answer a hanging request on their own; the client decides.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  // Idle keep-alive sockets stay open longer than any client keeps them (close() destroys them
  // anyway): a server that closes first races a client reusing the socket, and under load the
  // client (workerd) loses requests with "Network connection lost".
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("mock buyer: no TCP address");
  const port = address.port;
  const origin = `http://${host}:${port}`;
  selfOrigin = origin;

  return {
    origin,
    port,
    async close() {
      if (closing) return;
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of cancelHooks) c();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await stopped;
    },
    requests,
    callbacks: () => callbacks,
    stats,
    reset,
    setBehavior,
    async settled() {
      while (inflightCallbacks.size > 0) await Promise.all([...inflightCallbacks]);
    },
  };
}

// `tsx test/mock-buyer/server.ts`: listen on PORT (default 8788) until SIGINT/SIGTERM.
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  const port = Number(process.env["PORT"] ?? 8788);
  const seedEnv = process.env["MOCK_BUYER_SEED"];
  startMockBuyer({ port, ...(seedEnv ? { seed: Number(seedEnv) } : {}) })
    .then((mb) => {
      process.stdout.write(`mock buyer listening on ${mb.origin}\n`);
      const stop = (): void => {
        void mb.close().then(() => process.exit(0));
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    })
    .catch((err: unknown) => {
      process.stderr.write(`mock buyer failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}

/** Whether a request body (a JSON object, else a form) carries a non-empty top-level field. */
function bodyHas(body: string, field: string): boolean {
  try {
    const obj: unknown = JSON.parse(body);
    if (obj !== null && typeof obj === "object") {
      const v = (obj as Record<string, unknown>)[field];
      return v !== undefined && v !== null && v !== "";
    }
  } catch {
    // not JSON: read it as a form
  }
  const v = new URLSearchParams(body).get(field);
  return v !== null && v !== "";
}
