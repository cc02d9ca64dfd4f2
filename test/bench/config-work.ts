/**
 * The config work of the first delivery in a fresh isolate, run as its own Node process (a
 * fresh V8, modules loaded, nothing warmed): loading the buyer registry the Worker loads
 * (buyers/*.json as bundled by `src/cli/bundle-buyers.mjs`) and compiling acme-auto's mapping,
 * wire format and URL. Then, apart: its first request built with cold code (the first run of
 * the mapping functions, which any first delivery pays whatever the configs) and a warm one.
 * Prints one JSON line for bench.ts.
 */
import { normalizeLead } from "../../src/intake/normalize";
import { compileBuyer, prepareRequest } from "../../src/integration/build";
import { getBuyerRegistry } from "../../src/integration/registry";
import { benchLead } from "./fixtures";

const NOW = Date.parse("2026-11-28T15:00:00Z");
const normalized = normalizeLead(benchLead("TX"), { id: "lead_bench", sourceId: "src_bench", nowMs: NOW });
if (!normalized.ok) throw new Error("the bench lead does not normalize");
const lead = normalized.lead;
const ctx = {
  secret: (name: string) => (name === "ACME_API_KEY" ? "acme-demo-key" : undefined),
  vars: () => "http://127.0.0.1:8788",
  now: () => NOW,
  deliveryId: "dlv_bench",
  idempotencyKey: "lw-bench",
};

const t0 = performance.now();
const buyer = getBuyerRegistry({ ENVIRONMENT: "development", BUYER_CONFIGS: "" }).get("acme-auto");
const t1 = performance.now();
if (!buyer) throw new Error("acme-auto is not in the registry");
compileBuyer(buyer);
const t2 = performance.now();
await prepareRequest(buyer, lead, ctx);
const t3 = performance.now();
const warm: number[] = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  await prepareRequest(buyer, lead, ctx);
  warm.push(performance.now() - t);
}
warm.sort((a, b) => a - b);
const steady = warm[Math.floor(warm.length / 2)] ?? 0;
console.log(JSON.stringify({ registryMs: t1 - t0, compileMs: t2 - t1, configWorkMs: t2 - t0, firstBuildMs: t3 - t2, steadyBuildMs: steady }));
