/**
 * The auction section of `npm run bench`: the real Worker (bundled by wrangler, run in workerd
 * through Miniflare, with D1 and the BuyerGate Durable Objects) answers `POST /v1/ping` from a
 * source while N bidders at the mock buyer on loopback answer in known times. For every ping,
 * the time Leadwire adds is the source's wait minus the slowest bidder's own time (measured at
 * the mock, request in to answer out), printed beside that bidder's time, p50/p99.
 */
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { stopGroup } from "../../src/cli/lib/proc.mjs";
import { MOCK_JSON_RESPONSE, MOCK_PING_FIELDS, MOCK_PING_RESPONSE } from "../mock-buyer/contract";
import { startProfiler } from "./profiler";
import { buildBundle, migrationStatements, startMockProcess, workerdCpuMs } from "./runtime";

/** How long each bidder takes to answer (ms): the slowest decides when the auction can end. */
const BIDDER_DELAYS_MS = (process.env.BENCH_BIDDERS ?? "5,10,20,30,40").split(",").map(Number);
const PINGS = Number(process.env.BENCH_PINGS ?? 200);
const WARMUP = 20;
const SOURCE_KEY = "lw_bench_source_key_0000000000000000000000000000";

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function migrate(mf: Miniflare): Promise<void> {
  const db = await mf.getD1Database("DB");
  for (const stmt of migrationStatements()) await db.prepare(stmt).run();
  const now = new Date().toISOString();
  const hash = createHash("sha256").update(SOURCE_KEY).digest("hex");
  const terms = JSON.stringify({ mode: "exclusive", maxBuyers: 1, payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 1500, pingTtlSeconds: 60 });
  await db
    .prepare("INSERT INTO sources (id, name, key_hash, key_prefix, created_at, sale_terms) VALUES ('src_bench', 'Bench', ?, 'lw_bench', ?, ?)")
    .bind(hash, now, terms)
    .run();
}

export async function benchAuction(): Promise<void> {
  // The bidders in their own process, so the source's client and the buyers do not share a loop
  // (as in the main bench): what is measured is Leadwire's time, not the load generator's.
  const mockProcess = await startMockProcess();
  const mock = {
    origin: mockProcess.origin,
    requests: async () =>
      (await (await fetch(`${mockProcess.origin}/_control/requests`)).json()) as { headers: Record<string, string>; handledMs: number | null }[],
    reset: async () => {
      await (await fetch(`${mockProcess.origin}/_control/reset`, { method: "POST" })).text();
    },
    close: () => stopGroup(mockProcess.child, 5000),
  };
  // The Worker exactly as `wrangler deploy` would upload it.
  const bundle = await buildBundle(undefined, process.env.BENCH_PROFILE_DIR ? ["--minify=false"] : []);
  const bidders = BIDDER_DELAYS_MS.map((ms, i) => ({
    id: `bench-bidder-${i + 1}`,
    name: `Bench bidder ${i + 1}`,
    verticals: ["auto_insurance"],
    price: 1,
    endpoint: { url: `${mock.origin}/b/bench-bidder-${i + 1}/accept?respond=json`, timeoutMs: 2000 },
    format: { type: "json" },
    mapping: { fields: [{ to: "state", from: "lead.address.state" }] },
    response: MOCK_JSON_RESPONSE,
    ping: {
      url: `${mock.origin}/b/bench-bidder-${i + 1}/bid?price=${20 + i * 5}&delayMs=${ms}`,
      mapping: { fields: [...MOCK_PING_FIELDS] },
      response: MOCK_PING_RESPONSE,
      timeoutMs: 1000,
    },
  }));
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(bundle.dir, bundle.main),
    modulesRoot: bundle.dir,
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: ["DB"],
    durableObjects: { BUYER_GATE: { className: "BuyerGate", useSQLite: true } },
    queueProducers: { DELIVERIES: "leadwire-deliveries", EVENTS: "leadwire-events" },
    bindings: {
      ENVIRONMENT: "development",
      BUYER_CONFIGS: JSON.stringify(bidders),
      MOCK_BUYER_ORIGIN: mock.origin,
      LEAD_MAX_AGE_HOURS: "24",
      SYNC_DEADLINE_MS: "15000",
    },
    ...(process.env.BENCH_PROFILE_DIR ? { inspectorPort: 0 } : {}),
    // The Worker's log lines are read and dropped, as in the other parts (they cost what they cost in production).
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      stdout.resume();
      stderr.resume();
    },
  });
  try {
    await migrate(mf);
    const ping = { vertical: "auto_insurance", address: { state: "TX", zip: "75201" }, fields: { vehicle_year: 2019 } };
    const added: number[] = [];
    const slowest: number[] = [];
    const total: number[] = [];
    const profiler = process.env.BENCH_PROFILE_DIR ? await startProfiler(mf) : undefined;
    let cpuAtStart: number | undefined;
    for (let i = 0; i < WARMUP + PINGS; i++) {
      if (i === WARMUP) cpuAtStart = workerdCpuMs();
      const t0 = performance.now();
      const res = await mf.dispatchFetch("http://leadwire.bench/v1/ping", {
        method: "POST",
        headers: { authorization: `Bearer ${SOURCE_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(ping),
      });
      const body = (await res.json()) as { ping_id?: string; status?: string };
      const wait = performance.now() - t0;
      if (res.status !== 200 || body.status !== "bid" || !body.ping_id) throw new Error(`ping ${i}: ${res.status} ${JSON.stringify(body)}`);
      const own = (await mock.requests()).filter((r) => r.headers["x-leadwire-ping-id"] === body.ping_id);
      if (own.length !== bidders.length || own.some((r) => r.handledMs === null))
        throw new Error(`ping ${i}: ${own.length} of ${bidders.length} bidders answered`);
      const slow = Math.max(...own.map((r) => r.handledMs ?? 0));
      if (i >= WARMUP) {
        added.push(wait - slow);
        slowest.push(slow);
        total.push(wait);
      }
      await mock.reset();
    }
    const cpuAtEnd = workerdCpuMs();
    if (profiler) await profiler.stop(process.env.BENCH_PROFILE_DIR, "auction");
    for (const a of [added, slowest, total]) a.sort((x, y) => x - y);
    const f = (n: number) => `${n.toFixed(1)} ms`.padStart(10);
    console.log(
      `\nauction: POST /v1/ping in workerd (Miniflare), ${bidders.length} bidders answering in ${BIDDER_DELAYS_MS.join("/")} ms on loopback, ${PINGS} pings (+${WARMUP} warm-up)\n`,
    );
    console.log(`${"".padEnd(44)}${"p50".padStart(10)}${"p99".padStart(10)}`);
    console.log(`${"slowest bidder's own time (at the mock)".padEnd(44)}${f(pct(slowest, 50))}${f(pct(slowest, 99))}`);
    console.log(`${"source's wait for the answer".padEnd(44)}${f(pct(total, 50))}${f(pct(total, 99))}`);
    if (cpuAtStart !== undefined && cpuAtEnd !== undefined)
      console.log(`${"workerd CPU per ping (every isolate)".padEnd(44)}${f((cpuAtEnd - cpuAtStart) / PINGS)}`);
    console.log(
      `${"added by Leadwire (wait - slowest bidder)".padEnd(44)}${f(pct(added, 50))}${f(pct(added, 99))}  ${pct(added, 99) < 20 ? "OK" : "MISS"} (target p99 < 20 ms)`,
    );
  } finally {
    await mf.dispose();
    await mock.close();
    await rm(bundle.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void benchAuction();
