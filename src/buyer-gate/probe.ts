import { readSecret } from "../core/settings";
import type { BuyerConfig } from "../integration/config";
import { resolveVars } from "../integration/vars";
import { log } from "../observability/log";
import { DEFAULT_ASYNC_ACK_TIMEOUT_MS, LEASE_MARGIN_MS } from "./attempt";
import { outboundFetch } from "./channels/mtls";
import type { GateParts } from "./parts";
import { type OutboundFetch, send } from "./transport";

/**
 * The cool-down is over: the circuit goes half-open, and when the buyer has a probe URL the
 * gate sends the one probe itself (an alarm drives this even when no lead arrives).
 */
export async function probeFromAlarm(g: GateParts, buyer: BuyerConfig | undefined): Promise<void> {
  g.breaker.tick();
  const probeUrl = buyer?.endpoint.probeUrl;
  if (!buyer || !probeUrl) return;
  const check = g.breaker.check();
  if (!check.allowed || !check.probe) return;
  const timeoutMs = buyer.endpoint.timeoutMs ?? DEFAULT_ASYNC_ACK_TIMEOUT_MS;
  let url: string;
  try {
    url = resolveVars(probeUrl, (name) => readSecret(g.env, name), "endpoint.probeUrl");
  } catch (err) {
    log("warn", "probe skipped: probe URL cannot be built", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  let via: OutboundFetch;
  try {
    // Issue 16: a buyer behind mTLS is probed with its client certificate too.
    via = outboundFetch(g.env, buyer);
  } catch (err) {
    log("warn", "probe skipped: no client certificate binding", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  const permit = g.breaker.acquire(2 * timeoutMs + LEASE_MARGIN_MS);
  const sent = await send(g.connections, { method: "GET", url, headers: { "X-Leadwire-Probe": "true" } }, timeoutMs, buyer.endpoint.followRedirects, via);
  const status = sent.response?.status;
  // Any answer below 500 (other than 429/503) shows the endpoint is reachable again.
  const healthy = status !== undefined && status < 500 && status !== 429;
  g.breaker.record(permit, healthy ? "success" : "failure", buyer.circuit);
  log("info", "circuit probe sent by alarm", { buyerId: buyer.id, status: status ?? null, healthy });
}
