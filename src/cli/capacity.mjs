#!/usr/bin/env node
// `npm run capacity` — the capacity model of issue 17, recomputed from the measured inputs
// (docs/capacity-inputs.json, written by `npm run bench:scale`) and Cloudflare's published
// limits and prices (PLATFORM below). Prints the table; `--write` also replaces the table in
// docs/capacity.md between its markers.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Cloudflare's published limits and prices (Workers Paid plan) as this model uses them. Taken
 * from developers.cloudflare.com (D1, Queues, Durable Objects, Workers, R2 "limits" and
 * "pricing" pages) as known in 2025 — this machine has no internet to re-check them; update
 * them here when the pages change and rerun `npm run capacity -- --write`.
 */
export const PLATFORM = {
  asOf: "2025 (Cloudflare docs: limits and pricing pages of D1, Queues, Durable Objects, Workers, R2)",
  d1: {
    maxBytesPerDb: 10e9,
    /** "A database processes queries one at a time; at ~1 ms a query, ~1,000 queries a second." */
    statementsPerSecondPerDb: 1000,
    maxQueriesPerInvocation: 1000,
    maxBoundParams: 100,
    rowsReadIncluded: 25e9,
    rowsReadPerMillion: 0.001,
    rowsWrittenIncluded: 50e6,
    rowsWrittenPerMillion: 1.0,
    storageIncludedGb: 5,
    storagePerGbMonth: 0.75,
  },
  queues: { messagesPerSecondPerQueue: 5000, opsIncluded: 1e6, opsPerMillion: 0.4, opsPerMessage: 3 },
  durableObjects: {
    requestsPerSecondPerObject: 1000,
    requestsIncluded: 1e6,
    requestsPerMillion: 0.15,
    gbSecondsIncluded: 400e3,
    gbSecondsPerMillion: 12.5,
    memoryGb: 0.128,
  },
  workers: {
    baseMonthly: 5,
    requestsIncluded: 10e6,
    requestsPerMillion: 0.3,
    cpuMsIncluded: 30e6,
    cpuMsPerMillion: 0.02,
    maxCpuMsPerInvocation: 30_000,
  },
  r2: { storageIncludedGb: 10, storagePerGbMonth: 0.015, classAIncluded: 1e6, classAPerMillion: 4.5 },
};

/**
 * What the model assumes beyond the measurements, each named (not measured by bench:scale):
 * headroom kept on every limit, the hot window, the peak, Worker CPU per lead, how long a gate
 * is active per lead, and how long the dedupe hashes stay in D1.
 */
export const ASSUMPTIONS = {
  peakFactor: 10,
  /** Plan each limit at this share of its published figure. */
  utilization: 0.5,
  /** D1 stops at 10 GB; plan shards at 70% full. */
  storageFill: 0.7,
  hotDays: 14,
  /** Worker invocations per lead: the intake request, its share of a 10-message queue batch, one buyer callback. */
  workerRequestsPerLead: 1 + 0.1 + 1,
  /** Worker CPU per lead (intake + delivery), an estimate: bench:scale does not measure CPU. */
  cpuMsPerLead: 10,
  /** Seconds a buyer gate is active per lead (it holds the delivery while the buyer answers; billed as a 128 MB object). */
  gateSecondsPerLead: 0.5,
  /** Dedupe hashes (lead_hashes) stay in D1 past the archive; here for the longest dedupe window. */
  hashDays: 90,
  daysPerMonth: 30,
};

const over = (used, included, perMillion) => (Math.max(0, used - included) / 1e6) * perMillion;

/** The model for one daily volume. */
export function model(inputs, leadsPerDay, P = PLATFORM, A = ASSUMPTIONS) {
  const per = inputs.perLead;
  const avg = leadsPerDay / 86_400;
  const peak = avg * A.peakFactor;
  const hashBytes = ((inputs.perTable?.lead_hashes?.bytesPerLead ?? 0) * per.d1Bytes) / Math.max(1, contentPerLead(inputs));
  const hotBytes = leadsPerDay * (per.d1Bytes - hashBytes) * A.hotDays + leadsPerDay * hashBytes * A.hashDays;
  const peakStatements = peak * per.d1Statements;
  const shardsForThroughput = Math.ceil(peakStatements / (P.d1.statementsPerSecondPerDb * A.utilization));
  const shardsForStorage = Math.ceil(hotBytes / (P.d1.maxBytesPerDb * A.storageFill));
  const shards = Math.max(1, shardsForThroughput, shardsForStorage);
  const peakQueue = peak * per.queueMessages;
  const peakGate = peak; // worst case: every lead offered to the same buyer first
  const binds = [
    { what: "D1 writer (statements/s per database)", need: shardsForThroughput },
    { what: "D1 size (10 GB per database)", need: shardsForStorage },
  ].sort((a, b) => b.need - a.need)[0];
  const month = leadsPerDay * A.daysPerMonth;
  const rowsWritten = month * (per.d1RowsWritten ?? per.d1Statements);
  const rowsRead = month * (per.d1RowsRead ?? 0);
  const hotGb = hotBytes / 1e9;
  const archiveGbMonth = (leadsPerDay * (per.archiveGzipBytes ?? 0) * A.daysPerMonth) / 1e9;
  const cost = {
    workers:
      P.workers.baseMonthly +
      over(month * A.workerRequestsPerLead, P.workers.requestsIncluded, P.workers.requestsPerMillion) +
      over(month * A.cpuMsPerLead, P.workers.cpuMsIncluded, P.workers.cpuMsPerMillion),
    d1:
      over(rowsWritten, P.d1.rowsWrittenIncluded, P.d1.rowsWrittenPerMillion) +
      over(rowsRead, P.d1.rowsReadIncluded, P.d1.rowsReadPerMillion) +
      Math.max(0, hotGb - P.d1.storageIncludedGb) * P.d1.storagePerGbMonth,
    queues: over(month * per.queueMessages * P.queues.opsPerMessage, P.queues.opsIncluded, P.queues.opsPerMillion),
    durableObjects:
      over(month, P.durableObjects.requestsIncluded, P.durableObjects.requestsPerMillion) +
      over(month * A.gateSecondsPerLead * P.durableObjects.memoryGb, P.durableObjects.gbSecondsIncluded, P.durableObjects.gbSecondsPerMillion),
    // R2 after a year of archive (storage grows by a month's files each month), plus the month's puts.
    r2: Math.max(0, archiveGbMonth * 12 - P.r2.storageIncludedGb) * P.r2.storagePerGbMonth + over(month / 45, P.r2.classAIncluded, P.r2.classAPerMillion),
  };
  const total = Object.values(cost).reduce((a, b) => a + b, 0);
  return {
    leadsPerDay,
    avg,
    peak,
    peakStatements,
    shardsForThroughput,
    shardsForStorage,
    shards,
    binds: shards <= 1 ? "nothing: one database holds it" : binds.what,
    peakQueue,
    queueOk: peakQueue <= P.queues.messagesPerSecondPerQueue * A.utilization,
    peakGate,
    gateOk: peakGate <= P.durableObjects.requestsPerSecondPerObject * A.utilization,
    d1GbPerDay: (leadsPerDay * per.d1Bytes) / 1e9,
    hotGb,
    r2GbPerDay: (leadsPerDay * (per.archiveGzipBytes ?? 0)) / 1e9,
    cost,
    total,
  };
}

function contentPerLead(inputs) {
  return Object.values(inputs.perTable ?? {}).reduce((n, t) => n + t.bytesPerLead, 0);
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }) : "n/a");
const usd = (x) => `$${x.toLocaleString("en-US", { maximumFractionDigits: 0 })}`;

/** The capacity table (Markdown) for the three volumes. */
export function table(inputs, volumes = [10_000, 100_000, 1_000_000]) {
  const ms = volumes.map((v) => model(inputs, v));
  const col = (fn) => ms.map(fn).join(" | ");
  const lines = [
    `| | ${volumes.map((v) => `${v.toLocaleString("en-US")} leads/day`).join(" | ")} |`,
    `|---|${volumes.map(() => "---:").join("|")}|`,
    `| average / peak (${ASSUMPTIONS.peakFactor}×) leads/s | ${col((m) => `${f(m.avg, 2)} / ${f(m.peak, 1)}`)} |`,
    `| D1 statements/s at peak | ${col((m) => f(m.peakStatements, 0))} |`,
    `| shards for the writer (≤ ${PLATFORM.d1.statementsPerSecondPerDb * ASSUMPTIONS.utilization}/s each) | ${col((m) => String(m.shardsForThroughput))} |`,
    `| D1 bytes per day / hot D1 (${ASSUMPTIONS.hotDays} d, hashes ${ASSUMPTIONS.hashDays} d) | ${col((m) => `${f(m.d1GbPerDay, 2)} GB / ${f(m.hotGb, 1)} GB`)} |`,
    `| shards for storage (≤ ${f((PLATFORM.d1.maxBytesPerDb * ASSUMPTIONS.storageFill) / 1e9, 0)} GB each) | ${col((m) => String(m.shardsForStorage))} |`,
    `| **lead shards needed** | ${col((m) => `**${m.shards}**`)} |`,
    `| binds first | ${col((m) => m.binds)} |`,
    `| queue messages/s at peak (limit ${PLATFORM.queues.messagesPerSecondPerQueue}/queue) | ${col((m) => `${f(m.peakQueue, 0)}${m.queueOk ? "" : " ⚠"}`)} |`,
    `| one buyer gate's requests/s at peak (soft limit ${PLATFORM.durableObjects.requestsPerSecondPerObject}) | ${col((m) => `${f(m.peakGate, 0)}${m.gateOk ? "" : " ⚠"}`)} |`,
    `| R2 archive per day (gzip) | ${col((m) => `${f(m.r2GbPerDay * 1000, 1)} MB`)} |`,
    `| monthly: Workers / D1 / Queues / DO / R2 | ${col((m) => [m.cost.workers, m.cost.d1, m.cost.queues, m.cost.durableObjects, m.cost.r2].map(usd).join(" / "))} |`,
    `| **monthly total** | ${col((m) => `**${usd(m.total)}**`)} |`,
  ];
  return lines.join("\n");
}

/** The inputs line of the doc: what was measured, when. */
export function inputsLine(inputs) {
  const p = inputs.perLead;
  return (
    `Measured ${inputs.measuredAt} by \`npm run bench:scale\` (${inputs.leads} leads at ${inputs.rate}/s over ${inputs.shards} shards): ` +
    `${f(p.d1Statements, 2)} D1 statements, ${f(p.d1RoundTrips, 2)} round trips, ${f(p.d1RowsWritten ?? Number.NaN, 1)} rows written, ` +
    `${f(p.d1RowsRead ?? Number.NaN, 1)} rows read, ${f(p.queueMessages, 2)} queue messages, ${f(p.d1Bytes, 0)} D1 bytes and ` +
    `${f(p.archiveGzipBytes ?? Number.NaN, 0)} archive bytes (gzip) per lead.`
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const inputs = JSON.parse(readFileSync(join(ROOT, "docs", "capacity-inputs.json"), "utf8"));
  const out = `${inputsLine(inputs)}\n\n${table(inputs)}\n`;
  process.stdout.write(out);
  if (process.argv.includes("--write")) {
    const doc = join(ROOT, "docs", "capacity.md");
    const text = readFileSync(doc, "utf8");
    const start = "<!-- capacity:start -->";
    const end = "<!-- capacity:end -->";
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`docs/capacity.md has no ${start} … ${end} markers`);
    writeFileSync(doc, `${text.slice(0, a + start.length)}\n${out}${text.slice(b)}`);
    process.stdout.write("capacity: docs/capacity.md updated\n");
  }
}
