import { gateFor } from "../buyer-gate/client";
import { newId } from "../core/ids";
import type { NormalizedLead } from "../core/lead";
import { recordRegression } from "../db/regression";
import { idempotencyKeyFor } from "../delivery/keys";
import type { BuyerConfig } from "../integration/config";
import { sampleLead } from "../integration/mapping/sample-lead";
import { getBuyerRegistry } from "../integration/registry";
import { log } from "../observability/log";

export interface RegressionResult {
  buyerId: string;
  outcome: "passed" | "failed" | "skipped";
  reason: string | null;
}

/** The regression lead: the buyer's vertical's sample lead, marked test (buyers get `X-Leadwire-Test: true`, it is never billed). */
function regressionLead(buyer: BuyerConfig, day: string, nowMs: number): NormalizedLead {
  const vertical = buyer.verticals[0] ?? "auto_insurance";
  return { ...sampleLead(vertical), id: newId("lead", nowMs), external_id: `regression-${day}`, test: true, received_at: new Date(nowMs).toISOString() };
}

/**
 * One buyer's daily regression: a marked test lead through its BuyerGate to its sandbox URL,
 * like `POST /v1/buyers/:id/test`. A buyer without a sandbox URL is skipped — never sent to
 * its production URL. A deferral (paused, outside its schedule, circuit open) is a skip too;
 * anything but an acceptance or an acknowledgement fails (and the rules raise an alert).
 */
export async function regressOne(env: Env, buyer: BuyerConfig, day: string, nowMs: number): Promise<RegressionResult> {
  let result: RegressionResult;
  let statusCode: number | null = null;
  let elapsedMs: number | null = null;
  if (!buyer.endpoint.sandboxUrl) {
    result = { buyerId: buyer.id, outcome: "skipped", reason: "no sandbox URL: the regression lead is never sent to the production URL" };
  } else {
    const lead = regressionLead(buyer, day, nowMs);
    try {
      const r = await gateFor(env, buyer).deliver({
        buyer,
        lead,
        deliveryId: newId("dlv", nowMs),
        idempotencyKey: idempotencyKeyFor(lead.id, buyer.id),
        attempt: 1,
        sandbox: true,
      });
      statusCode = r.statusCode ?? null;
      elapsedMs = Math.round(r.elapsedMs);
      if (r.outcome === "accepted" || r.outcome === "pending") result = { buyerId: buyer.id, outcome: "passed", reason: null };
      else if (r.outcome === "deferred") result = { buyerId: buyer.id, outcome: "skipped", reason: `deferred: ${r.reason ?? "buyer unavailable"}` };
      else result = { buyerId: buyer.id, outcome: "failed", reason: `${r.outcome}${r.errorClass ? ` (${r.errorClass})` : ""}: ${r.reason ?? "no reason"}` };
    } catch (err) {
      result = { buyerId: buyer.id, outcome: "failed", reason: `buyer gate error: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  await recordRegression(env, { ...result, day, statusCode, elapsedMs, nowMs });
  if (result.outcome === "failed") log("warn", "regression lead failed", { ...result });
  return result;
}

/** Every buyer's regression for `day` (buyers in parallel, a few at a time). */
export async function runRegressions(env: Env, day: string, nowMs: number): Promise<RegressionResult[]> {
  const buyers = [...getBuyerRegistry(env).values()];
  const out: RegressionResult[] = [];
  for (let i = 0; i < buyers.length; i += 4) {
    out.push(...(await Promise.all(buyers.slice(i, i + 4).map((b) => regressOne(env, b, day, nowMs)))));
  }
  return out;
}
