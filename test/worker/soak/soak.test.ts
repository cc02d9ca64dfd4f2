import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { OUTBOUND_CONNECTIONS } from "../../../src/buyer-gate";
import { ApiError } from "../../../src/core/errors";
import { handleDeliveriesBatch } from "../../../src/delivery/consumer";
import type { DeliveryJob } from "../../../src/delivery/jobs";
import { acceptLead } from "../../../src/intake/accept";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, testClock } from "../helpers/engine";
import { setGateClock } from "../helpers/gate";
import { allRows, mergeCounts } from "../helpers/shards";
import { newSource } from "../helpers/sources";

/**
 * The fault soak: leads from the shared sample through the real intake, the real deliveries
 * consumer, one BuyerGate per buyer and real HTTP to four flaky mock buyers and one that is
 * down. Time is virtual: queue delays advance a test clock instead of being slept through.
 * `npm test` runs 150 leads; `npm run soak` runs all 2,000 and prints the report.
 */

interface SampleLine {
  lead: Record<string, unknown>;
  valid: boolean;
  why: string;
}

const MAPPING_EXTRA = [{ to: "lead_ref", from: "lead.id", required: true }];

function soakBuyer(id: string, behavior: string, query: string, over: Partial<BuyerConfigInput>, timeoutMs = 2_000): BuyerConfigInput {
  const b = testBuyer(id, behavior, over, query);
  const mapping = b.mapping as { fields: NonNullable<Extract<BuyerConfigInput["mapping"], { fields: unknown }>["fields"]> };
  return {
    ...b,
    endpoint: { ...b.endpoint, timeoutMs },
    mapping: { fields: [...MAPPING_EXTRA, ...mapping.fields] },
    retry: { maxAttempts: 4, maxServerErrorAttempts: 2 },
  };
}

it("every valid lead ends sold, unsold or expired; no buyer gets a lead twice except as a same-key retry; no raw PII anywhere", async () => {
  const total = Number(env.SOAK_LEADS ?? "300");
  const lines = (env.SOAK_SAMPLE ?? "")
    .trim()
    .split("\n")
    .slice(0, total)
    .map((l) => JSON.parse(l) as SampleLine);
  expect(lines.length).toBe(total);

  const ids = { f503: uid("soak-503"), hang: uid("soak-hang"), reset: uid("soak-reset"), r429: uid("soak-429"), down: uid("soak-down") };
  const buyers = [
    // Each flaky buyer is the first live choice for some vertical, so every fault is exercised:
    // auto → 503s → hangs → resets; mortgage → 429s → 503s → resets; solar → hangs → resets; legal → 429s → resets.
    soakBuyer(ids.f503, "flaky", "failRate=0.3&failWith=503", { price: 40, verticals: ["auto_insurance", "mortgage"] }),
    soakBuyer(ids.hang, "flaky", "failRate=0.2&failWith=hang", { price: 35, verticals: ["solar", "auto_insurance"] }, 300),
    soakBuyer(ids.reset, "flaky", "failRate=0.25&failWith=reset", { price: 30, verticals: ["auto_insurance", "mortgage", "solar", "legal"] }),
    soakBuyer(ids.r429, "flaky", "failRate=0.3&failWith=429", { price: 45, verticals: ["mortgage", "legal"], filters: { excludeStates: ["NY"] } }),
    soakBuyer(ids.down, "error503", "", {
      price: 50,
      verticals: ["auto_insurance", "mortgage", "solar", "legal"],
      circuit: { failureThreshold: 5, minimumCalls: 5, windowSeconds: 300, cooldownSeconds: 3600 },
    }),
  ];
  const h = harness(buyers);
  const clock = testClock(Date.parse("2026-11-28T15:00:00Z"));
  const source = await newSource("Soak source");
  const src = { id: source.id, name: source.name, excludedBuyers: [] };

  // Capture every log line the system writes during the soak.
  const logLines: string[] = [];
  const original = { log: console.log, warn: console.warn, error: console.error };
  const capture = (...args: unknown[]) => logLines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  console.log = capture;
  console.warn = capture;
  console.error = capture;

  const accepted: string[] = [];
  const intake = { accepted: 0, rejected: 0, rejectedOnExpectedField: 0 };
  const pii = { phones: new Set<string>(), emails: new Set<string>(), dobs: new Set<string>(), streets: new Set<string>() };
  const startedAt = Date.now();
  let jobsRun = 0;
  let roundsRun = 0;
  const messageKinds: Record<string, number> = {};
  try {
    for (const line of lines) {
      try {
        const r = await acceptLead(h.env, clock, src, line.lead, { mode: "async" });
        accepted.push(r.lead.id);
        intake.accepted++;
        pii.phones.add(r.lead.phone_national);
        pii.emails.add(r.lead.email);
        if (r.lead.dob) pii.dobs.add(r.lead.dob);
        pii.streets.add(r.lead.address.street);
        expect(line.valid, `accepted an invalid line (${line.why})`).toBe(true);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        intake.rejected++;
        expect(line.valid, `rejected a valid line: ${JSON.stringify(err.issues)}`).toBe(false);
        if (err.status === 400 && err.issues.length > 0) intake.rejectedOnExpectedField++;
      }
    }

    // Drive the queue: every message is due at (clock when sent + its delay).
    type Pending = { due: number; body: DeliveryJob; attempts: number };
    const pending: Pending[] = [];
    const take = () => {
      for (const m of h.queue.sent.splice(0)) {
        const body = m.body as DeliveryJob;
        const kind = body.kind !== "deliver" ? body.kind : body.retry ? "retry" : m.delaySeconds ? "recheck" : "deliver";
        messageKinds[kind] = (messageKinds[kind] ?? 0) + 1;
        pending.push({ due: clock.now() + (m.delaySeconds ?? 0) * 1000, body, attempts: 1 });
      }
    };
    take();
    let seq = 0;
    let rounds = 0;
    for (; pending.length > 0 && rounds < 5000; rounds++) {
      pending.sort((a, b) => a.due - b.due);
      const first = pending[0];
      if (!first) break;
      if (first.due > clock.now()) {
        clock.set(first.due);
        // The BuyerGates keep their own clocks (circuit cool-downs, Retry-After holds): move them too.
        await Promise.all(buyers.map((b) => setGateClock(env.BUYER_GATE.get(env.BUYER_GATE.idFromName(b.id)), clock.now() - Date.now())));
      }
      const due = pending.filter((p) => p.due <= clock.now()).slice(0, 64);
      pending.splice(0, due.length);
      // Eight batches of up to eight messages at once, like parallel consumer invocations.
      const batches: Pending[][] = [];
      for (let i = 0; i < due.length; i += 8) batches.push(due.slice(i, i + 8));
      await Promise.all(
        batches.map(async (group) => {
          const batch = createMessageBatch<DeliveryJob>(
            "leadwire-deliveries",
            group.map((p) => ({ id: `m${seq++}`, timestamp: new Date(clock.now()), attempts: p.attempts, body: p.body })),
          );
          const ctx = createExecutionContext();
          await handleDeliveriesBatch(batch, h.env, clock);
          await waitOnExecutionContext(ctx);
          const result = await getQueueResult(batch, ctx);
          jobsRun += group.length;
          for (const r of result.retryMessages) {
            const i = batch.messages.findIndex((m) => m.id === r.msgId);
            const p = group[i];
            if (p) pending.push({ due: clock.now() + (r.delaySeconds ?? 0) * 1000, body: p.body, attempts: p.attempts + 1 });
            messageKinds["redelivered (busy or failed)"] = (messageKinds["redelivered (busy or failed)"] ?? 0) + 1;
          }
        }),
      );
      take();
    }
    expect(pending, "the queue drains").toEqual([]);
    roundsRun = rounds;
  } finally {
    Object.assign(console, original);
  }
  const wallMs = Date.now() - startedAt;

  // Every accepted lead is in exactly one terminal state.
  // Every shard's rows (grouped per shard, summed here).
  const byState: Record<string, number> = {};
  for (const r of await allRows<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM leads WHERE source_id = ? GROUP BY status`, source.id))
    byState[r.status] = (byState[r.status] ?? 0) + r.n;
  const terminal = (byState.sold ?? 0) + (byState.unsold ?? 0) + (byState.expired ?? 0);

  const perBuyer = {
    results: mergeCounts(
      await allRows<{ buyer_id: string; outcome: string; cls: string; n: number }>(
        `SELECT a.buyer_id, a.outcome, COALESCE(a.error_class, '-') AS cls, COUNT(*) AS n FROM delivery_attempts a JOIN leads l ON l.id = a.lead_id
     WHERE l.source_id = ? GROUP BY a.buyer_id, a.outcome, cls`,
        source.id,
      ),
      (r) => `${r.buyer_id}|${r.outcome}|${r.cls}`,
    ),
  };
  const sold = {
    results: mergeCounts(
      await allRows<{ b: string; n: number; revenue: number }>(
        `SELECT sold_buyer_id AS b, COUNT(*) AS n, SUM(sold_price) AS revenue FROM leads WHERE source_id = ? AND status = 'sold' GROUP BY b`,
        source.id,
      ),
      (r) => r.b,
    ),
  };

  const reasons = {
    results: mergeCounts(
      await allRows<{ reason: string; n: number }>(
        `SELECT a.reason, COUNT(*) AS n FROM delivery_attempts a JOIN leads l ON l.id = a.lead_id WHERE l.source_id = ? AND a.outcome = 'failed' GROUP BY a.reason`,
        source.id,
      ),
      (r) => r.reason,
    ).sort((a, b) => b.n - a.n),
  };

  // A buyer never receives the same lead twice, except a retry carrying the same idempotency key.
  let sameKeyRetries = 0;
  for (const id of Object.values(ids)) {
    const reqs = (await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/requests?buyer=${id}`)).json()) as { headers: Record<string, string>; body: string }[];
    const keysByLead = new Map<string, Set<string>>();
    const countByLead = new Map<string, number>();
    for (const r of reqs) {
      const leadRef = (JSON.parse(r.body) as { lead_ref: string }).lead_ref;
      const set = keysByLead.get(leadRef) ?? new Set<string>();
      set.add(r.headers["idempotency-key"] ?? "");
      keysByLead.set(leadRef, set);
      countByLead.set(leadRef, (countByLead.get(leadRef) ?? 0) + 1);
    }
    for (const [leadRef, keys] of keysByLead) {
      expect([...keys]).toEqual([`lw-${leadRef}-${id}`]);
      sameKeyRetries += (countByLead.get(leadRef) ?? 1) - 1;
    }
  }
  // The buyer that is down opened its circuit: it saw only the first few calls — the five
  // failures that open it, plus at most one call per connection already on the wire when the
  // fifth failure was counted (a finished call frees its connection before its verdict is in).
  const downCalls = (await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/requests?buyer=${ids.down}`)).json()) as unknown[];
  expect(downCalls.length).toBeLessThanOrEqual(5 + OUTBOUND_CONNECTIONS);

  // No raw PII in any log line or stored attempt.
  const attemptRows = {
    results: await allRows<Record<string, string | null>>(
      `SELECT a.endpoint, a.request_masked, a.response_body, a.reason FROM delivery_attempts a JOIN leads l ON l.id = a.lead_id WHERE l.source_id = ?`,
      source.id,
    ),
  };
  const texts = [...logLines, ...attemptRows.results.map((r) => Object.values(r).join(" "))];
  const leaks: string[] = [];
  for (const t of texts) {
    for (const m of t.matchAll(/\d{10}/g)) if (pii.phones.has(m[0])) leaks.push(`phone in: ${t.slice(0, 120)}`);
    for (const m of t.matchAll(/[\w.+-]+@[\w-]+\.[\w.]+/g)) if (pii.emails.has(m[0].toLowerCase())) leaks.push(`email in: ${t.slice(0, 120)}`);
    for (const m of t.matchAll(/\d{4}-\d{2}-\d{2}/g)) if (pii.dobs.has(m[0])) leaks.push(`dob in: ${t.slice(0, 120)}`);
    for (const m of t.matchAll(/\d+ [A-Z][\w ]+?(?:St|Street|Ave|Dr|Blvd)\b[^"]*/g))
      if ([...pii.streets].some((s) => m[0].startsWith(s))) leaks.push(`street in: ${t.slice(0, 120)}`);
  }
  expect(leaks.slice(0, 5)).toEqual([]);
  expect(logLines.length).toBeGreaterThan(0);
  expect(attemptRows.results.length).toBeGreaterThan(0);

  const byClass: Record<string, number> = {};
  const attemptsByBuyer: Record<string, Record<string, number>> = {};
  for (const r of perBuyer.results) {
    byClass[r.cls] = (byClass[r.cls] ?? 0) + r.n;
    const b = (attemptsByBuyer[r.buyer_id] ??= {});
    b[r.outcome] = (b[r.outcome] ?? 0) + r.n;
  }
  console.log(
    [
      `SOAK REPORT — ${total} sample lines, ${jobsRun} queue messages processed in ${roundsRun} rounds, ${(wallMs / 1000).toFixed(1)} s wall, virtual time ${((clock.now() - Date.parse("2026-11-28T15:00:00Z")) / 60_000).toFixed(0)} min`,
      `queue messages by kind: ${JSON.stringify(messageKinds)}`,
      `intake: ${intake.accepted} accepted, ${intake.rejected} rejected with 400 (${intake.rejectedOnExpectedField} naming the field)`,
      `lead states: ${JSON.stringify(byState)} (terminal ${terminal}/${accepted.length})`,
      `sold per buyer: ${JSON.stringify(Object.fromEntries(sold.results.map((r) => [r.b, { leads: r.n, revenue: r.revenue }])))}`,
      `attempts per buyer: ${JSON.stringify(attemptsByBuyer)}`,
      `attempts per error class: ${JSON.stringify(byClass)}`,
      `failures by reason: ${JSON.stringify(Object.fromEntries(reasons.results.map((r) => [r.reason, r.n])))}`,
      `same-key retries seen by buyers: ${sameKeyRetries}; calls reaching the down buyer: ${downCalls.length}`,
      `PII scan: ${logLines.length} log lines and ${attemptRows.results.length} attempt rows, ${leaks.length} leaks`,
    ].join("\n"),
  );
  expect(terminal).toBe(accepted.length);
}, 600_000);
