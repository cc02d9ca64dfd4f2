import { DurableObject } from "cloudflare:workers";
import { classify } from "../delivery/classify";
import { fetchToken, usesTokens } from "../integration/auth";
import { prepareRequest } from "../integration/build";
import type { BuyerConfig } from "../integration/config";
import { parseResponse } from "../integration/response";
import { retryAfterSeconds as retryAfterOf } from "../integration/response/retry-after";
import type { BuildContext, BuyerResponse, MappingWarning, OutboundRequest, ParsedResponse } from "../integration/types";
import { resolveVars } from "../integration/vars";
import { log } from "../observability/log";
import { redactUrl } from "../observability/redact";
import { CircuitBreaker, type Permit, SqlBreakerStore, type Transition } from "./breaker";
import { RateLimiter, type Refusal, Reservations } from "./caps";
import { inSchedule, nextScheduleOpen } from "./time";
import { type IssuedToken, TokenCache } from "./tokens";
import type { AttemptResult, DeliverInput, GateStatus } from "./types";
import { verdictOf } from "./verdict";

export type { AttemptResult, DeliverInput, GateStatus } from "./types";

const MAX_RESPONSE_BYTES = 20 * 1024;
const DEFAULT_SYNC_TIMEOUT_MS = 15_000;
const DEFAULT_ASYNC_ACK_TIMEOUT_MS = 10_000;
/** Margin on top of the send time before an in-flight lease or probe permit lapses on its own. */
const LEASE_MARGIN_MS = 30_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Schema migrations, applied in order and gated by `meta.schema_version`. Never edit an applied
 * entry: append a new one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS breaker (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS breaker_calls (at INTEGER NOT NULL, failure INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS breaker_calls_at ON breaker_calls (at);
   CREATE TABLE IF NOT EXISTS reservations (
     id TEXT PRIMARY KEY, state TEXT NOT NULL, hour_key TEXT NOT NULL, day_key TEXT NOT NULL,
     week_key TEXT NOT NULL, month_key TEXT NOT NULL, in_flight INTEGER NOT NULL,
     expires_at INTEGER, created_at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS reservations_day ON reservations (day_key);
   CREATE INDEX IF NOT EXISTS reservations_month ON reservations (month_key);
   CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at INTEGER NOT NULL, fetched_at INTEGER NOT NULL, refresh_token TEXT);
   CREATE TABLE IF NOT EXISTS schedule (id TEXT PRIMARY KEY, kind TEXT NOT NULL, run_at INTEGER NOT NULL, payload TEXT);`,
  // Salesforce's token answer names the org's instance; requests made with the token go there.
  "ALTER TABLE tokens ADD COLUMN instance_url TEXT;",
];

interface SendResult {
  response?: BuyerResponse;
  error?: unknown;
  timedOut: boolean;
}

/** What the synchronous pre-delivery step took: released again if the attempt never sends. */
interface Taken {
  permit: Permit;
  reservationId: string;
}

/**
 * One per buyer, placed near the buyer's endpoint. Owns everything that must be decided in
 * one place for a buyer: the circuit breaker, caps and in-flight leases, the rate limit, the
 * OAuth token and the alarm that drives the breaker's probe. Public methods are the RPC surface.
 */
export class BuyerGate extends DurableObject<Env> {
  #sql: SqlStorage;
  #clockOffset = 0;
  #breaker: CircuitBreaker;
  #reservations: Reservations;
  #rate: RateLimiter;
  #tokens: TokenCache;
  #buyerId = "";
  /** The config JSON last stored, so an unchanged config is not rewritten on every delivery. */
  #configJson = "";
  /** The config object last seen; reused while the config is unchanged (see #remember). */
  #config: BuyerConfig | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    const now = () => this.#now();
    this.#breaker = new CircuitBreaker(new SqlBreakerStore(this.#sql), now, (t) => this.#onTransition(t));
    this.#reservations = new Reservations(this.#sql, now);
    this.#rate = new RateLimiter(this.#sql, now);
    this.#tokens = new TokenCache(this.#sql, now);
    void ctx.blockConcurrencyWhile(async () => {
      this.#migrate();
      this.#clockOffset = Number(this.#meta("clock_offset") ?? "0") || 0;
      this.#buyerId = this.#meta("buyer_id") ?? "";
    });
  }

  /** Liveness for smoke tests. */
  async health(): Promise<string> {
    return "ok";
  }

  /**
   * The network half of one delivery attempt: pre-delivery checks (no HTTP call when they
   * fail), reservation, request build, send with an abort timeout, parse, classify, then
   * commit or release the reservation and update the breaker.
   */
  async deliver(received: DeliverInput): Promise<AttemptResult> {
    const started = this.#now();
    const buyer = this.#remember(received.buyer);
    const input: DeliverInput = { ...received, buyer };
    this.#maybePrune();

    if (this.#reservations.state(input.deliveryId) === "committed") {
      // A duplicate of an attempt that already sold (at-least-once queues): same answer, nothing sent.
      return this.#result(started, { outcome: "accepted", reason: "already accepted", sent: false, warnings: [] });
    }

    // Everything from the first check to the last reservation is synchronous: one turn of the
    // input gate, so no concurrent request can see the state half-way.
    const timeoutMs = input.timeoutMs ?? buyer.endpoint.timeoutMs ?? (buyer.endpoint.mode === "async" ? DEFAULT_ASYNC_ACK_TIMEOUT_MS : DEFAULT_SYNC_TIMEOUT_MS);
    const refusal = this.#refusal(input);
    if (refusal) {
      return this.#result(started, {
        outcome: "deferred",
        errorClass: "deferred",
        reason: refusal.reason,
        ...(refusal.retryAfterSeconds !== undefined ? { retryAfterSeconds: refusal.retryAfterSeconds } : {}),
        sent: false,
        warnings: [],
      });
    }
    // Two sends (a 401 resend) plus a token fetch fit in the lease; a crash frees it after that.
    const leaseMs = 3 * timeoutMs + LEASE_MARGIN_MS;
    const taken: Taken = { permit: this.#breaker.acquire(leaseMs), reservationId: input.deliveryId };
    this.#reservations.reserve(input.deliveryId, buyer.caps, started + leaseMs);
    this.#rate.take(buyer.caps.ratePerSecond);

    let settled = false;
    try {
      const result = await this.#attempt(input, taken, timeoutMs, started);
      settled = true;
      return result;
    } finally {
      if (!settled) {
        // An unexpected throw: nothing is known to have been sold, give everything back.
        this.#reservations.release(taken.reservationId);
        this.#breaker.release(taken.permit);
      }
    }
  }

  /** An async decision arrived (or its wait expired): commit or release the held slot. Idempotent. */
  async settle(deliveryId: string, accepted: boolean): Promise<void> {
    if (accepted) this.#reservations.commit(deliveryId);
    else this.#reservations.release(deliveryId);
  }

  /** Circuit, caps, in-flight and rate-limit state for the admin API. */
  async status(buyer: BuyerConfig): Promise<GateStatus> {
    this.#remember(buyer);
    const now = this.#now();
    const s = this.#breaker.snapshot();
    const counts = this.#breaker.windowCounts(buyer.circuit);
    const throttled = Number(this.#meta("throttled_until") ?? "0");
    const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : undefined);
    const lastSuccess = iso(Number(this.#meta("last_success_at") ?? "0"));
    const lastFailure = iso(Number(this.#meta("last_failure_at") ?? "0"));
    const openedAt = iso(s.openedAt);
    const nextProbeAt = iso(s.nextProbeAt);
    const tokens = this.#rate.tokens(buyer.caps.ratePerSecond);
    return {
      buyerId: buyer.id,
      now: new Date(now).toISOString(),
      circuit: {
        state: s.state,
        ...(openedAt ? { openedAt } : {}),
        ...(nextProbeAt ? { nextProbeAt } : {}),
        consecutiveFailedProbes: s.failedProbes,
        opens: s.opens,
        closes: s.closes,
        windowCalls: counts.calls,
        windowFailures: counts.failures,
      },
      caps: this.#reservations.usage(buyer.caps),
      inFlight: { count: this.#reservations.inFlight(), limit: buyer.caps.maxInFlight ?? null },
      pending: this.#reservations.pending(),
      rateLimit: { ratePerSecond: buyer.caps.ratePerSecond ?? null, tokens: tokens === null ? null : Math.floor(tokens * 100) / 100 },
      ...(throttled > now ? { throttledUntil: new Date(throttled).toISOString() } : {}),
      ...(lastSuccess ? { lastSuccessAt: lastSuccess } : {}),
      ...(lastFailure ? { lastFailureAt: lastFailure } : {}),
    };
  }

  /** Moves this object's clock (tests only; refused unless ALLOW_TEST_CLOCK is "1"). */
  async setClockOffsetForTests(ms: number): Promise<void> {
    if (this.env.ALLOW_TEST_CLOCK !== "1") throw new Error("the test clock is disabled");
    this.#clockOffset = ms;
    this.#setMeta("clock_offset", String(ms));
    // The alarm is not re-armed here: tests run it with runDurableObjectAlarm, and a real alarm
    // firing on its own in the middle of a test would race with it.
  }

  /** Runs due schedule entries: the breaker's cool-down end (and its probe when the buyer has a probe URL). */
  override async alarm(): Promise<void> {
    const now = this.#now();
    const due = this.#sql.exec<{ id: string; kind: string }>("SELECT id, kind FROM schedule WHERE run_at <= ? ORDER BY run_at", now).toArray();
    this.#sql.exec("DELETE FROM schedule WHERE run_at <= ?", now);
    for (const row of due) {
      try {
        if (row.kind === "probe") await this.#probeFromAlarm();
      } catch (err) {
        log("error", "buyer gate alarm task failed", { buyerId: this.#buyerId, kind: row.kind, error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.#armAlarm();
  }

  // ---------------------------------------------------------------------------------------

  #now(): number {
    return Date.now() + this.#clockOffset;
  }

  #migrate(): void {
    this.#sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const version = Number(this.#meta("schema_version") ?? "0") || 0;
    for (let v = version; v < MIGRATIONS.length; v++) {
      const ddl = MIGRATIONS[v];
      if (ddl) this.#sql.exec(ddl);
      this.#setMeta("schema_version", String(v + 1));
    }
  }

  #meta(key: string): string | undefined {
    return this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  #setMeta(key: string, value: string): void {
    this.#sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
  }

  /**
   * Keeps the last config seen (for the alarm's probe when no lead is around) and returns the
   * canonical object for it. RPC hands us a fresh copy on every call; returning the same object
   * while the config is unchanged lets the integration engine's per-config compile cache hit,
   * so mapping is compiled once per buyer config instead of once per lead.
   */
  #remember(buyer: BuyerConfig): BuyerConfig {
    if (this.#buyerId !== buyer.id) {
      this.#buyerId = buyer.id;
      this.#setMeta("buyer_id", buyer.id);
    }
    const json = JSON.stringify(buyer);
    if (json === this.#configJson && this.#config) return this.#config;
    this.#configJson = json;
    this.#config = buyer;
    this.#setMeta("buyer_config", json);
    return buyer;
  }

  #storedConfig(): BuyerConfig | undefined {
    const raw = this.#meta("buyer_config");
    return raw ? (JSON.parse(raw) as BuyerConfig) : undefined;
  }

  #maybePrune(): void {
    const now = this.#now();
    if (Number(this.#meta("next_prune_at") ?? "0") > now) return;
    this.#setMeta("next_prune_at", String(now + PRUNE_EVERY_MS));
    this.#reservations.prune();
  }

  /** The first pre-delivery check that fails, in lifecycle order; nothing is taken here. */
  #refusal(input: DeliverInput): Refusal | undefined {
    const { buyer } = input;
    const now = this.#now();
    if (buyer.status === "paused") return { reason: "buyer paused" };
    if (buyer.status === "sandbox" && !input.sandbox) return { reason: "buyer in sandbox: test leads only" };
    if (buyer.schedule && !inSchedule(buyer.schedule, now)) {
      const opens = nextScheduleOpen(buyer.schedule, now);
      return { reason: "outside the buyer's schedule", ...(opens !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil((opens - now) / 1000)) } : {}) };
    }
    const throttled = Number(this.#meta("throttled_until") ?? "0");
    if (throttled > now) return { reason: "buyer asked us to wait (Retry-After)", retryAfterSeconds: Math.max(1, Math.ceil((throttled - now) / 1000)) };
    const circuit = this.#breaker.check();
    if (!circuit.allowed) return { reason: circuit.reason, retryAfterSeconds: circuit.retryAfterSeconds };
    return this.#reservations.refusal(buyer.caps) ?? this.#rate.refusal(buyer.caps.ratePerSecond);
  }

  async #attempt(input: DeliverInput, taken: Taken, timeoutMs: number, started: number): Promise<AttemptResult> {
    const { buyer, lead } = input;
    const tokenKey = `auth:${JSON.stringify(buyer.auth)}`;
    const tokens = usesTokens(buyer.auth) ? this.#tokens.provider(tokenKey, () => this.#issueToken(buyer, tokenKey)) : undefined;
    const ctx = this.#buildContext(input, tokens);

    let built: { request: OutboundRequest; warnings: MappingWarning[] };
    try {
      built = await prepareRequest(buyer, lead, ctx);
    } catch (err) {
      // Nothing was sent: the slot and the probe permit go back untouched.
      this.#reservations.release(taken.reservationId);
      this.#breaker.release(taken.permit);
      return this.#result(started, { ...this.#buildFailure(err), sent: false, warnings: [] });
    }

    let send = await this.#send(built.request, timeoutMs, buyer.endpoint.followRedirects);
    if (send.response?.status === 401 && tokens) {
      // The token may have been revoked early: one forced refresh and one resend, same attempt.
      try {
        await tokens.getToken(true);
        built = await prepareRequest(buyer, lead, ctx);
        send = await this.#send(built.request, timeoutMs, buyer.endpoint.followRedirects);
      } catch (err) {
        log("warn", "token refresh after 401 failed", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
      }
    }

    let parsed: ParsedResponse | undefined;
    if (send.response) {
      try {
        parsed = parseResponse(buyer.response, send.response);
      } catch (err) {
        // An unexpected shape is logged, never a crash: it classifies as unrecognized.
        log("warn", "buyer response could not be parsed", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const c = classify({
      ...(send.error !== undefined ? { error: send.error } : {}),
      timedOut: send.timedOut,
      ...(send.response ? { status: send.response.status } : {}),
      ...(parsed ? { parsed } : {}),
    });
    const now = this.#now();

    // Retry-After on 429/503 holds every send to this buyer, not only this lead's retry.
    let retryAfterSeconds: number | undefined;
    if (send.response && (send.response.status === 429 || send.response.status === 503)) {
      retryAfterSeconds = retryAfterOf(send.response.headers, now);
      if (retryAfterSeconds !== undefined) this.#setMeta("throttled_until", String(now + retryAfterSeconds * 1000));
    }

    // Caps: a test lead is never billed, so it never uses a slot for good.
    const billable = !(input.sandbox || lead.test);
    if (c.outcome === "accepted" && billable) this.#reservations.commit(taken.reservationId);
    else if (c.outcome === "pending") this.#reservations.hold(taken.reservationId, now + buyer.endpoint.ackTimeoutSeconds * 1000);
    else this.#reservations.release(taken.reservationId);

    this.#breaker.record(taken.permit, verdictOf(c, send.response?.status), buyer.circuit);
    // A sale or an acknowledgement is a success; a rejection is a healthy answer but no sale.
    if (c.outcome === "failed") this.#setMeta("last_failure_at", String(now));
    else if (c.outcome === "accepted" || c.outcome === "pending") this.#setMeta("last_success_at", String(now));

    const ambiguous = send.timedOut || (send.error !== undefined && /reset|lost|closed|disconnect|aborted/i.test(String(send.error)));
    return this.#result(started, {
      outcome: c.outcome,
      ...(c.errorClass ? { errorClass: c.errorClass } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
      ...(send.response ? { statusCode: send.response.status, response: truncateBody(send.response) } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(parsed?.buyerLeadId ? { buyerLeadId: parsed.buyerLeadId } : {}),
      ...(parsed?.price !== undefined && c.outcome === "accepted" ? { price: parsed.price } : {}),
      ...(parsed?.redirectUrl ? { redirectUrl: parsed.redirectUrl } : {}),
      request: built.request,
      warnings: built.warnings,
      sent: true,
      ...(ambiguous ? { ambiguous: true } : {}),
    });
  }

  #buildContext(input: Pick<DeliverInput, "deliveryId" | "idempotencyKey" | "sandbox">, tokens: BuildContext["tokens"]): BuildContext {
    const env = this.env as unknown as Record<string, unknown>;
    const read = (name: string) => {
      const v = env[name];
      return typeof v === "string" ? v : undefined;
    };
    return {
      secret: read,
      vars: read,
      now: () => this.#now(),
      deliveryId: input.deliveryId,
      idempotencyKey: input.idempotencyKey,
      ...(input.sandbox ? { sandbox: true } : {}),
      ...(tokens ? { tokens } : {}),
    };
  }

  #buildFailure(err: unknown): Pick<AttemptResult, "outcome" | "errorClass" | "reason"> {
    const name = err instanceof Error ? err.name : "";
    const message = err instanceof Error ? err.message : String(err);
    // The lead does not fit this buyer (a required field is missing after mapping): like a
    // rejection it cascades at once, and it is no fault of the buyer's config to alert on.
    if (name === "MappingError") return { outcome: "rejected", errorClass: "rejected", reason: message };
    if (name === "ConfigError") return { outcome: "failed", errorClass: "config", reason: message };
    if (name === "AuthError") {
      // The token endpoint refused: bad credentials are a config fault, its outages are transient.
      const transient = (err as { transient?: unknown }).transient === true;
      return { outcome: "failed", errorClass: transient ? "transient" : "config", reason: `auth: ${message}` };
    }
    // e.g. the token endpoint is down: nothing reached the buyer, worth a retry.
    return { outcome: "failed", errorClass: "transient", reason: `request not built: ${message}` };
  }

  async #issueToken(buyer: BuyerConfig, key: string): Promise<IssuedToken> {
    const ctx = this.#buildContext({ deliveryId: "", idempotencyKey: "" }, undefined);
    const refreshToken = this.#tokens.refreshToken(key);
    const t = await fetchToken(
      buyer.auth,
      ctx,
      (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(buyer.endpoint.timeoutMs ?? DEFAULT_ASYNC_ACK_TIMEOUT_MS) }),
      refreshToken ? { refreshToken } : {},
    );
    return {
      token: t.accessToken,
      expiresAtMs: t.expiresAt,
      ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}),
      ...(t.instanceUrl ? { instanceUrl: t.instanceUrl } : {}),
    };
  }

  /** One HTTP exchange with an abort timeout covering the body too. */
  async #send(req: OutboundRequest, timeoutMs: number, followRedirects: boolean): Promise<SendResult> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        redirect: followRedirects ? "follow" : "manual",
        signal: controller.signal,
      });
      const body = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      return { response: { status: res.status, headers, body }, timedOut: false };
    } catch (error) {
      return timedOut ? { timedOut: true } : { error, timedOut: false };
    } finally {
      clearTimeout(timer);
    }
  }

  #result(started: number, r: Omit<AttemptResult, "elapsedMs" | "circuit">): AttemptResult {
    return { ...r, elapsedMs: Math.max(0, this.#now() - started), circuit: this.#breaker.snapshot().state };
  }

  #onTransition(t: Transition): void {
    const fields = { buyerId: this.#buyerId, from: t.from, to: t.to, opens: t.snapshot.opens, closes: t.snapshot.closes };
    if (t.to === "open") {
      log("warn", "circuit opened", {
        ...fields,
        failedProbes: t.snapshot.failedProbes,
        nextProbeAt: t.snapshot.nextProbeAt ? new Date(t.snapshot.nextProbeAt).toISOString() : null,
      });
      if (t.snapshot.nextProbeAt !== null) this.#schedule("probe", "probe", t.snapshot.nextProbeAt);
    } else if (t.to === "closed") {
      log("info", "circuit closed", fields);
    } else {
      log("info", "circuit half-open", fields);
    }
  }

  #schedule(id: string, kind: string, runAt: number): void {
    this.#sql.exec(
      "INSERT INTO schedule (id, kind, run_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, run_at = excluded.run_at",
      id,
      kind,
      runAt,
    );
    this.#armAlarm();
  }

  /** One alarm for the whole schedule table: set to the earliest entry (in real time). */
  #armAlarm(): void {
    const row = this.#sql.exec<{ at: number | null }>("SELECT MIN(run_at) AS at FROM schedule").toArray()[0];
    const at = row?.at;
    if (at === null || at === undefined) {
      void this.ctx.storage.deleteAlarm();
      return;
    }
    void this.ctx.storage.setAlarm(Math.max(Date.now(), at - this.#clockOffset));
  }

  /** The cool-down is over: half-open, and when the buyer has a probe URL, send the probe ourselves. */
  async #probeFromAlarm(): Promise<void> {
    this.#breaker.tick();
    const buyer = this.#storedConfig();
    const probeUrl = buyer?.endpoint.probeUrl;
    if (!buyer || !probeUrl) return;
    const check = this.#breaker.check();
    if (!check.allowed || !check.probe) return;
    const timeoutMs = buyer.endpoint.timeoutMs ?? DEFAULT_ASYNC_ACK_TIMEOUT_MS;
    const permit = this.#breaker.acquire(2 * timeoutMs + LEASE_MARGIN_MS);
    let url: string;
    try {
      url = resolveVars(
        probeUrl,
        (name) => {
          const v = (this.env as unknown as Record<string, unknown>)[name];
          return typeof v === "string" ? v : undefined;
        },
        "endpoint.probeUrl",
      );
    } catch (err) {
      log("warn", "probe skipped: probe URL cannot be built", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    const send = await this.#send({ method: "GET", url, headers: { "X-Leadwire-Probe": "true" } }, timeoutMs, buyer.endpoint.followRedirects);
    const status = send.response?.status;
    // Any answer below 500 (other than 429/503) shows the endpoint is reachable again.
    const healthy = status !== undefined && status < 500 && status !== 429;
    this.#breaker.record(permit, healthy ? "success" : "failure", buyer.circuit);
    log("info", "circuit probe sent by alarm", { buyerId: buyer.id, url: redactUrl(url), status: status ?? null, healthy });
  }
}

function truncateBody(res: BuyerResponse): BuyerResponse {
  const bytes = new TextEncoder().encode(res.body);
  if (bytes.length <= MAX_RESPONSE_BYTES) return res;
  return { ...res, body: new TextDecoder().decode(bytes.slice(0, MAX_RESPONSE_BYTES)) };
}
