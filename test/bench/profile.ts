/**
 * Where a request's time goes inside workerd: runs one bounded load against Leadwire in Miniflare
 * with V8's sampling profiler on the Worker's isolate, then prints the busy share of the wall time
 * and the functions with the most self time. `npm run bench:profile -- sync|intake [requests]`.
 * BENCH_PROFILE_DIR keeps the .cpuprofile (open it in Chrome DevTools).
 */

import { rm } from "node:fs/promises";
import { stopGroup } from "../../src/cli/lib/proc.mjs";
import { benchBuyers, benchLead } from "./fixtures";
import { runLoad } from "./load";
import { startProfiler } from "./profiler";
import { buildBundle, startMockProcess, startWorker } from "./runtime";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const kind = process.argv[2] ?? "sync";
const requests = Number(process.argv[3] ?? 300);
const concurrency = Number(process.env.PROFILE_CONCURRENCY ?? (kind === "intake" ? 16 : 1));

const bundle = await buildBundle(undefined, process.env.PROFILE_MINIFY === "1" ? [] : ["--minify=false"]);
const mock = await startMockProcess();
const w = await startWorker({ bundle, buyers: benchBuyers(), mockOrigin: mock.origin, consumer: "sink", inspector: true });
try {
  const make = () => ({
    url: `${w.url}/v1/leads${kind === "sync" ? "?mode=sync" : ""}`,
    method: "POST",
    headers: { authorization: `Bearer ${w.sourceKey}`, "content-type": "application/json" },
    body: JSON.stringify(benchLead("TX")),
  });
  await runLoad({ concurrency, requests: 100, seconds: 30, make });
  const profiler = await startProfiler(w.mf, "leadwire");
  const res = await runLoad({ concurrency, requests, seconds: 60, make });
  const profile = (await profiler.stop(process.env.BENCH_PROFILE_DIR, kind)) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let total = 0;
  profile.samples.forEach((s, i) => {
    const n = byId.get(s);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (!n || n.callFrame.functionName === "(idle)") return;
    busy += dt;
    const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const sorted = res.samples.map((x) => x.ms).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1);
  console.log(`${kind} c=${concurrency}: ${res.samples.length} requests, ${res.rate.toFixed(0)} req/s, p50 ${q(0.5)} p99 ${q(0.99)} ms`);
  console.log(
    `isolate busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms profiled; ${(busy / 1000 / res.samples.length).toFixed(2)} ms CPU per request`,
  );
  for (const [k, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 40)))
    console.log(`${(us / 1000 / res.samples.length).toFixed(3).padStart(8)} ms/req  ${k}`);
} finally {
  await w.close();
  await stopGroup(mock.child, 5000);
  await rm(bundle.dir, { recursive: true, force: true });
}
