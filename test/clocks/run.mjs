#!/usr/bin/env node
// `npm run test:clocks [-- --clock=<name>] [-- <vitest args>]`: the whole suite under faked wall
// clocks, to prove that no test depends on the day, the hour or the host's time zone.
//
// The clock is faked for every process of the run — vitest, the workerd that
// @cloudflare/vitest-pool-workers starts, `wrangler dev` and its workerd in the e2e tests, the
// mock buyer, Chromium — by Debian's datefudge (an LD_PRELOAD library: time(), gettimeofday()
// and clock_gettime(CLOCK_REALTIME) answer the fake date, which then runs on at normal speed;
// monotonic clocks and timers are left alone). libfaketime, the more general tool, cannot be
// used: its constructor deadlocks inside workerd, whose statically linked tcmalloc initialises
// through poll(), which libfaketime intercepts before it has finished loading (workerd hangs at
// start, even for `workerd --version`). Each clock is first checked from inside workerd
// (test/clocks/probe.mjs, through miniflare): a fake that did not reach the runtime fails the run.
// The host time zone is America/Chicago for every clock (the machine's own zone is irrelevant).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ZONE = "America/Chicago";

/** The clocks: each an instant in UTC and what it is in Chicago. */
const CLOCKS = [
  {
    name: "sunday-night",
    at: "2026-11-30T02:01:00Z",
    local: "Sun 2026-11-29 20:01 CST",
    why: "outside every Mon–Sat business-hours schedule; the UTC date is already Monday",
  },
  {
    name: "dst-fall-back",
    at: "2026-11-01T06:58:30Z",
    local: "Sun 2026-11-01 01:58:30 CDT",
    why: "90 s later 02:00 CDT becomes 01:00 CST: the suite runs through the repeated hour",
  },
  {
    name: "dst-spring-forward",
    at: "2027-03-14T07:58:30Z",
    local: "Sun 2027-03-14 01:58:30 CST",
    why: "90 s later 02:00 CST becomes 03:00 CDT: the suite runs through the missing hour",
  },
];

const args = process.argv.slice(2);
const only = args.filter((a) => a.startsWith("--clock=")).map((a) => a.slice("--clock=".length));
// One retry per test: a test that depends on the clock fails under it every time, so a retry
// leaves that check whole, while a test that failed once for the machine's load (this runs the
// suite three times back to back) is not taken for a clock dependence. Every test that needed
// its retry is named in the summary; `--retry=0` turns it off.
const vitestArgs = args.filter((a) => !a.startsWith("--clock="));
if (!vitestArgs.some((a) => a.startsWith("--retry"))) vitestArgs.push("--retry=1");
const clocks = only.length > 0 ? CLOCKS.filter((c) => only.includes(c.name)) : CLOCKS;
if (clocks.length === 0) {
  console.error(`no such clock: ${only.join(", ")} (known: ${CLOCKS.map((c) => c.name).join(", ")})`);
  process.exit(2);
}

if (spawnSync("datefudge", ["--version"], { stdio: "ignore" }).error) {
  console.error("npm run test:clocks needs Debian's datefudge, which fakes the wall clock of every process (workerd included): apt-get install datefudge");
  process.exit(2);
}

/** @returns {NodeJS.ProcessEnv} */
const envFor = () => ({ ...process.env, TZ: ZONE });

/**
 * Runs the probe under the fake clock; throws unless node and workerd both see it.
 * @param {{ name: string, at: string }} clock
 */
function probe(clock) {
  const r = spawnSync("datefudge", [clock.at, process.execPath, join(ROOT, "test", "clocks", "probe.mjs")], {
    cwd: ROOT,
    env: envFor(),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`the clock probe failed:\n${r.stdout}\n${r.stderr}`);
  const seen = /** @type {{ node: number, workerd: number }} */ (JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}"));
  const target = Date.parse(clock.at);
  for (const [who, ms] of Object.entries(seen)) {
    // The fake clock runs on from `at`: the probe answers within seconds of it.
    if (!(ms >= target - 1000 && ms < target + 60_000)) {
      throw new Error(`${who} did not see the fake clock: ${new Date(ms).toISOString()} instead of about ${clock.at}`);
    }
  }
  return seen;
}

/**
 * Runs the suite under the fake clock; resolves with the counts from vitest's JSON report.
 * @param {{ name: string, at: string }} clock
 * @returns {Promise<{ passed: number, failed: number, skipped: number, files: number, seconds: number, code: number, failures: string[], retried: string[] }>}
 */
function runSuite(clock) {
  const dir = mkdtempSync(join(tmpdir(), "leadwire-clock-"));
  const report = join(dir, "vitest.json");
  const vitest = join(ROOT, "node_modules", "vitest", "vitest.mjs");
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      "datefudge",
      [
        clock.at,
        process.execPath,
        vitest,
        "run",
        "--config",
        "test/vitest.config.ts",
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${report}`,
        ...vitestArgs,
      ],
      { cwd: ROOT, env: envFor(), stdio: "inherit" },
    );
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (Date.now() - started) / 1000;
      try {
        const r = JSON.parse(readFileSync(report, "utf8"));
        resolvePromise({
          passed: r.numPassedTests,
          failed: r.numFailedTests,
          skipped: r.numPendingTests + r.numTodoTests,
          files: r.numTotalTestSuites,
          seconds,
          code: code ?? 1,
          failures: testsIn(r, (t) => t.status === "failed"),
          // vitest keeps the failed try's error on a test that then passed on its retry.
          retried: testsIn(r, (t) => t.status === "passed" && (t.failureMessages?.length ?? 0) > 0),
        });
      } catch {
        resolvePromise({ passed: 0, failed: 0, skipped: 0, files: 0, seconds, code: code ?? 1, failures: [], retried: [] });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** @typedef {{ status: string, fullName: string, failureMessages?: string[] }} Assertion */

/**
 * The tests of a vitest JSON report that `pick` chooses, each as "file > test: first line of its
 * first failure", so the summary (the end of a long log, often all a CI page keeps) names them.
 * @param {{ testResults?: { name: string, assertionResults?: Assertion[] }[] }} report
 * @param {(t: Assertion) => boolean} pick
 * @returns {string[]}
 */
function testsIn(report, pick) {
  const out = [];
  for (const file of report.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (!pick(t)) continue;
      const why = (t.failureMessages?.[0] ?? "").split("\n")[0].slice(0, 300);
      out.push(`${file.name.slice(ROOT.length + 1)} > ${t.fullName}: ${why}`);
    }
  }
  return out;
}

const results = [];
for (const clock of clocks) {
  console.log(`\n━━ clock ${clock.name}: ${clock.at} = ${clock.local} (${clock.why})`);
  const seen = probe(clock);
  console.log(`   node sees ${new Date(seen.node).toISOString()}, workerd sees ${new Date(seen.workerd).toISOString()}; TZ=${ZONE}`);
  results.push({ clock, ...(await runSuite(clock)) });
}

console.log("\nUnder faked clocks (TZ=America/Chicago):");
for (const r of results) {
  const verdict = r.code === 0 ? "ok" : "FAILED";
  console.log(
    `  ${r.clock.name.padEnd(19)} ${r.clock.local.padEnd(28)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped, ${r.seconds.toFixed(0)} s  ${verdict}`,
  );
  for (const f of r.failures) console.log(`      failed: ${f}`);
  for (const f of r.retried) console.log(`      passed on its retry: ${f}`);
}
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
