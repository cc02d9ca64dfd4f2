/** V8's sampling profiler on a Miniflare worker's isolate, through its inspector (for `BENCH_PROFILE_DIR`). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import WebSocket from "ws";

export interface Profiler {
  /** Stops profiling and returns the profile; with `dir`, also writes `<label>-<time>.cpuprofile` there (open it in Chrome DevTools). */
  stop(dir: string | undefined, label: string): Promise<unknown>;
}

/** A session on the inspector of one Miniflare worker's isolate: `call` sends a DevTools protocol method and resolves with its result. */
export async function inspectorSession(
  mf: Miniflare,
  worker: string,
): Promise<{ call: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>; close: () => void }> {
  const inspector = await mf.getInspectorURL();
  const ws = new WebSocket(new URL(`/core:user:${worker}`, inspector.href));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const my = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const msg = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
        if (msg.id === my) {
          ws.off("message", onMessage);
          resolve(msg.result ?? {});
        }
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  return { call, close: () => ws.close() };
}

/** Starts profiling the isolate of `worker` (Miniflare's name; "" for a single unnamed worker), sampling every 100 µs. */
export async function startProfiler(mf: Miniflare, worker = ""): Promise<Profiler> {
  const { call, close } = await inspectorSession(mf, worker);
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 100 });
  await call("Profiler.start");
  return {
    async stop(dir, label) {
      const { profile } = await call("Profiler.stop");
      close();
      if (dir) writeFileSync(join(dir, `${label}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
      return profile;
    },
  };
}
