// The cron trigger for local development. `wrangler dev` (miniflare) never fires the Worker's
// [triggers] crons on its own; it only exposes /cdn-cgi/handler/scheduled to call the scheduled
// handler by hand. `npm run dev` runs this ticker beside it, so locally, as in production, the
// sweep, the ack expiry and the webhook re-enqueue run every minute: a restart recovers leads
// whose queue messages died with the previous process, without anyone calling anything.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { ROOT } from "./wrangler.mjs";

/** The only schedule the ticker reproduces (the one Leadwire uses). */
export const EVERY_MINUTE = "* * * * *";

/**
 * The cron expressions of `[triggers]` in wrangler.toml, split into those the ticker fires
 * (every minute) and those it cannot.
 * @param {string} [toml]
 * @returns {{ ticked: string[], skipped: string[] }}
 */
export function devCrons(toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8")) {
  const config = /** @type {{ triggers?: { crons?: string[] } }} */ (parseToml(toml));
  const crons = config.triggers?.crons ?? [];
  const norm = (/** @type {string} */ c) => c.trim().split(/\s+/).join(" ");
  return { ticked: crons.filter((c) => norm(c) === EVERY_MINUTE), skipped: crons.filter((c) => norm(c) !== EVERY_MINUTE) };
}

/**
 * Calls the Worker's scheduled handler once through wrangler dev; resolves with the status.
 * @param {string} origin e.g. http://127.0.0.1:8787
 * @param {string} [cron]
 * @returns {Promise<number>}
 */
export async function triggerScheduled(origin, cron = EVERY_MINUTE) {
  const res = await fetch(`${origin}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`, { signal: AbortSignal.timeout(50_000) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Fires `trigger` at once and then at the start of every minute, like Cloudflare's
 * "* * * * *". A run still going when the next minute starts makes that minute skip (runs never
 * overlap). Time and timers are injectable for tests.
 * @param {{
 *   trigger: () => Promise<number>,
 *   onResult?: (r: { ok: boolean, status?: number, error?: unknown, at: number }) => void,
 *   now?: () => number,
 *   setTimer?: (fn: () => void, ms: number) => unknown,
 *   clearTimer?: (t: unknown) => void,
 * }} opts
 * @returns {{ stop: () => void, runs: () => number }}
 */
export function startCronTicker(opts) {
  const now = opts.now ?? (() => Date.now());
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((t) => clearTimeout(/** @type {NodeJS.Timeout} */ (t)));
  let stopped = false;
  let running = false;
  let runs = 0;
  /** @type {unknown} */
  let timer;

  const fire = () => {
    if (stopped || running) return;
    running = true;
    runs++;
    const at = now();
    opts
      .trigger()
      .then(
        (status) => opts.onResult?.({ ok: status >= 200 && status < 300, status, at }),
        (error) => opts.onResult?.({ ok: false, error, at }),
      )
      .finally(() => {
        running = false;
      });
  };
  const schedule = () => {
    if (stopped) return;
    // To the next minute boundary (re-aimed every time, so drift never accumulates).
    const wait = 60_000 - (now() % 60_000);
    timer = setTimer(() => {
      fire();
      schedule();
    }, wait);
  };
  fire();
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimer(timer);
    },
    runs: () => runs,
  };
}
