import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { devCrons, startCronTicker } from "../../../src/cli/lib/cron.mjs";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse("2026-06-10T17:20:42.500Z"));
});
afterEach(() => vi.useRealTimers());

describe("npm run dev's cron ticker (wrangler dev fires no crons itself)", () => {
  it("runs the scheduled handler at once, then at the start of every minute", async () => {
    const at: string[] = [];
    const ticker = startCronTicker({
      trigger: async () => {
        at.push(new Date().toISOString());
        return 200;
      },
    });
    await vi.advanceTimersByTimeAsync(150_000);
    ticker.stop();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(at).toEqual(["2026-06-10T17:20:42.500Z", "2026-06-10T17:21:00.000Z", "2026-06-10T17:22:00.000Z", "2026-06-10T17:23:00.000Z"]);
  });

  it("never overlaps runs: a minute that starts while a run is still going is skipped", async () => {
    const results: boolean[] = [];
    let calls = 0;
    const ticker = startCronTicker({
      // The first run takes 90 s (past the 17:21 boundary); later ones are quick.
      trigger: () => new Promise((resolve) => setTimeout(() => resolve(++calls === 1 ? 503 : 200), calls === 0 ? 90_000 : 10)),
      onResult: (r) => results.push(r.ok),
    });
    await vi.advanceTimersByTimeAsync(140_000);
    ticker.stop();
    // 17:20:42.5 (slow, ends 17:22:12.5), 17:21 skipped, 17:22 skipped (still running), 17:23 runs.
    expect(ticker.runs()).toBe(2);
    await vi.advanceTimersByTimeAsync(10);
    expect(results).toEqual([false, true]);
  });

  it("ticks every-minute crons from wrangler.toml and names any other it cannot reproduce", () => {
    expect(devCrons(readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8"))).toEqual({ ticked: ["* * * * *"], skipped: [] });
    expect(devCrons('[triggers]\ncrons = ["*  * * * *", "0 3 * * *"]\n')).toEqual({ ticked: ["*  * * * *"], skipped: ["0 3 * * *"] });
  });
});
