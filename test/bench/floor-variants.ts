/**
 * What one D1 round trip and one log line are worth on the sync path, measured on the runtime's
 * sync floor (no Leadwire code, see `startSyncFloorWorker`): the floor as it is (batches of 6 and
 * 7), with the claim taken in a batch of its own (one round trip more before the buyer call: the
 * shape before the first pick rode with the lead), with the last batch written after the answer
 * (`waitUntil`), and with one log line, each beside the direct POST, interleaved, with workerd's
 * CPU per request (median of the rounds). `npx tsx test/bench/floor-variants.ts` (about 40 s;
 * c=1, 6 rounds of 60 requests each).
 */
import { stopGroup } from "../../src/cli/lib/proc.mjs";
import { type RequestSpec, runLoad } from "./load";
import { startMockProcess, startSyncFloorWorker, workerdCpuMs } from "./runtime";

const mock = await startMockProcess();
const direct: RequestSpec = {
  url: `${mock.origin}/b/bench-fast/accept`,
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ first_name: "A", phone: "2025550123", state: "TX" }),
};
const floors = {
  floor: await startSyncFloorWorker(direct),
  "claim in a batch of its own": await startSyncFloorWorker(direct, { claimApart: true }),
  "last batch after the answer": await startSyncFloorWorker(direct, { deferLast: true }),
  "one log line (console.log)": await startSyncFloorWorker(direct, { log: true }),
};
try {
  const kinds = ["direct", ...Object.keys(floors)] as const;
  const samples = new Map<string, number[]>(kinds.map((k) => [k, []]));
  const cpu = new Map<string, number[]>(kinds.map((k) => [k, []]));
  for (let r = 0; r < 6; r++) {
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[(i + r) % kinds.length] as string;
      const f = floors[kind as keyof typeof floors];
      const make = (): RequestSpec => (f ? { ...direct, url: f.url } : direct);
      const before = workerdCpuMs();
      const res = await runLoad({ concurrency: 1, requests: 60, seconds: 20, make });
      const after = workerdCpuMs();
      samples.get(kind)?.push(...res.samples.map((s) => s.ms));
      if (before !== undefined && after !== undefined) cpu.get(kind)?.push((after - before) / res.samples.length);
    }
  }
  const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))] ?? Number.NaN;
  for (const [kind, v] of samples) {
    const c = cpu.get(kind) ?? [];
    const used = c.length > 0 ? ` · workerd CPU ${q(c, 0.5).toFixed(2)} ms a request` : "";
    console.log(`${kind.padEnd(36)} p50 ${q(v, 0.5).toFixed(2)} ms · p99 ${q(v, 0.99).toFixed(2)} ms${used} (${v.length} requests)`);
  }
} finally {
  for (const f of Object.values(floors)) await f.close();
  await stopGroup(mock.child, 3000);
}
