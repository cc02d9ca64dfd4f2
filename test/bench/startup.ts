/**
 * Startup CPU of a bundled Worker, measured the way `wrangler check startup` does it: workerd
 * (through Miniflare) imports the bundle's main module inside a fresh isolate while V8's
 * sampling profiler runs; the CPU time is every sample that is not idle. A hello-world module
 * profiled the same way, interleaved, is the baseline (what the profile costs with nothing to
 * start).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { inspectorSession } from "./profiler";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Non-idle sampled CPU of one profile, in ms. */
function busyMs(p: Profile): number {
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let us = 0;
  p.samples.forEach((s, i) => {
    if (!idle.has(s)) us += p.timeDeltas[i] ?? 0;
  });
  return us / 1000;
}

export interface StartupProfile {
  /** Importing the module: what `wrangler check startup` measures. */
  startupMs: number;
  /** The first `GET /health` through the module's fetch handler, right after (work deferred to the first request). */
  firstRequestMs: number;
  /** A second `GET /health`: a warm request, for comparison. */
  warmRequestMs: number;
}

/**
 * Profiles, in a fresh workerd, one import of `dir/main`, then its first and second `GET /health`
 * (without bindings: /health needs none). CPU time of each, in ms.
 */
export async function profileStartup(dir: string, main: string, compat: { date: string; flags: string[] }): Promise<StartupProfile> {
  const mf = new Miniflare({
    name: "profiler",
    compatibilityDate: compat.date,
    compatibilityFlags: compat.flags,
    modulesRoot: dir,
    modules: [
      {
        type: "ESModule",
        path: join(dir, "__startup_probe.mjs"),
        contents: `let mod;
export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/import") { mod = await import("./${main}"); return new Response("ok"); }
    return mod.default.fetch(new Request("http://startup.probe/health"), env, ctx);
  },
};`,
      },
      { type: "ESModule", path: join(dir, main) },
    ],
    inspectorPort: 0,
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      stdout.resume();
      stderr.resume();
    },
  });
  try {
    await mf.ready;
    const { call, close } = await inspectorSession(mf, "profiler");
    await call("Profiler.enable");
    // 100 µs samples: the default 1 ms is too coarse for a ~30 ms phase.
    await call("Profiler.setSamplingInterval", { interval: 100 });
    const phase = async (path: string, label: string): Promise<number> => {
      await call("Profiler.start");
      await (await mf.dispatchFetch(`http://startup.probe${path}`)).text();
      const { profile } = (await call("Profiler.stop")) as { profile: Profile };
      // BENCH_PROFILE_DIR keeps each profile (open it in Chrome DevTools) to see where the time goes.
      if (process.env.BENCH_PROFILE_DIR)
        writeFileSync(join(process.env.BENCH_PROFILE_DIR, `${label}-${main}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
      return busyMs(profile);
    };
    const startupMs = await phase("/import", "startup");
    const firstRequestMs = await phase("/health", "first");
    const warmRequestMs = await phase("/health", "warm");
    close();
    return { startupMs, firstRequestMs, warmRequestMs };
  } finally {
    await mf.dispose();
  }
}

/** A module with nothing to start: the profile's own cost. */
export function writeHelloWorld(dir: string): string {
  const main = "hello.js";
  writeFileSync(join(dir, main), `export default { fetch() { return new Response("hello"); } };\n`);
  return main;
}
