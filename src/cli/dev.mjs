#!/usr/bin/env node
// `npm run dev`: Leadwire locally on a fresh clone, behaving like production. Prepares
// .dev.vars, validates and bundles the buyer configs, applies D1 migrations, re-keys the demo
// source, then runs the mock buyer (MOCK_BUYER_PORT, default 8788) beside `wrangler dev`
// (LEADWIRE_PORT, default 8787) and fires the cron trigger every minute, until Ctrl-C.
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { devCrons, startCronTicker, triggerScheduled } from "./lib/cron.mjs";
import { signalGroup, spawnGroup, stopGroup } from "./lib/proc.mjs";
import { createSourceSql } from "./lib/sql.mjs";
import { applyMigrations, d1Execute, ROOT, readVarsFile, WRANGLER, waitForHttp, wranglerEnv } from "./lib/wrangler.mjs";

const WORKER_PORT = Number(process.env.LEADWIRE_PORT ?? 8787);
const MOCK_PORT = Number(process.env.MOCK_BUYER_PORT ?? 8788);
const WORKER_ORIGIN = `http://127.0.0.1:${WORKER_PORT}`;
const MOCK_ORIGIN = `http://127.0.0.1:${MOCK_PORT}`;

/** @param {string} s */
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
/** @param {string} s */
const step = (s) => process.stdout.write(`\n${bold(`▸ ${s}`)}\n`);

/** @param {string} script */
function runNode(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: ROOT, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(undefined) : reject(new Error(`${script} exited with ${code}`))));
  });
}

/**
 * Prefixes every line of a child's output so the two servers stay distinguishable.
 * @param {import("node:stream").Readable | null} stream
 * @param {string} prefix
 * @param {NodeJS.WriteStream} out
 */
function forward(stream, prefix, out) {
  if (!stream) return;
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (/** @type {string} */ chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      out.write(`${prefix}${buf.slice(0, i)}\n`);
      buf = buf.slice(i + 1);
    }
  });
  stream.on("end", () => {
    if (buf) out.write(`${prefix}${buf}\n`);
  });
}

/** Children lead their own process groups, so stopping them also stops workerd under wrangler. */
/** @type {import("node:child_process").ChildProcess[]} */
const children = [];
/** @type {{ stop: () => void } | undefined} */
let ticker;
let stopping = false;
/** @param {number} code */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  ticker?.stop();
  if (children.length) process.stdout.write("\nStopping…\n");
  await Promise.all(children.map((c) => stopGroup(c, 5000)));
  process.exit(code);
}
// Last resort if we die some other way: never leave the servers running without us.
process.on("exit", () => {
  for (const c of children) signalGroup(c, "SIGTERM");
});

/** Creates .dev.vars from the example, or adds the variables the example gained since. */
function prepareDevVars() {
  const devVars = join(ROOT, ".dev.vars");
  if (!existsSync(devVars)) {
    copyFileSync(join(ROOT, ".dev.vars.example"), devVars);
    console.log("  created .dev.vars from .dev.vars.example (local secrets; never committed)");
    return devVars;
  }
  // Keep the developer's values, but add any variable the example gained since (a new
  // demo buyer's secret, say), so an older checkout does not fail with a missing secret.
  const have = new Set(
    readFileSync(devVars, "utf8")
      .split("\n")
      .map((l) => l.split("=")[0]?.trim()),
  );
  const missing = readFileSync(join(ROOT, ".dev.vars.example"), "utf8")
    .split("\n")
    .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l) && !have.has(l.split("=")[0]));
  if (missing.length > 0) {
    appendFileSync(devVars, `\n# added from .dev.vars.example by npm run dev\n${missing.join("\n")}\n`);
    console.log(`  .dev.vars exists, kept; added ${missing.map((l) => l.split("=")[0]).join(", ")}`);
  } else {
    console.log("  .dev.vars exists, kept");
  }
  return devVars;
}

/** Stores the demo source with a new key, kept in .wrangler/demo-source-key for the curl example. */
async function seedDemoSource() {
  const demo = createSourceSql({ id: "src_demo", name: "Demo source" });
  const seeded = await d1Execute(demo.sql, {});
  if (seeded.length !== 1) throw new Error("the demo source was not stored");
  const keyFile = join(ROOT, ".wrangler", "demo-source-key");
  mkdirSync(join(ROOT, ".wrangler"), { recursive: true });
  writeFileSync(keyFile, `${demo.apiKey}\n`, { mode: 0o600 });
  return demo;
}

/** Starts the mock buyer and wrangler dev with prefixed output; either one exiting stops the other. */
function startServers() {
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const mock = spawnGroup(tsx, [join(ROOT, "test", "mock-buyer", "server.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(MOCK_PORT), LEADWIRE_ORIGIN: WORKER_ORIGIN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(mock);
  // Ctrl-C reaches us, not the children (they lead their own groups): stdin is not theirs.
  const worker = spawnGroup(WRANGLER, ["dev", "--port", String(WORKER_PORT), "--ip", "127.0.0.1", "--var", `MOCK_BUYER_ORIGIN:${MOCK_ORIGIN}`], {
    cwd: ROOT,
    env: wranglerEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(worker);
  for (const [child, name] of /** @type {const} */ ([
    [mock, "mock-buyer"],
    [worker, "wrangler"],
  ])) {
    forward(child.stdout, `[${name}] `, process.stdout);
    forward(child.stderr, `[${name}] `, process.stderr);
    child.on("exit", (code, signal) => {
      if (stopping) return;
      console.error(`\n${name} exited (${signal ?? code}); stopping the rest.`);
      void stopAll(code === 0 ? 0 : 1);
    });
  }
  return { mock, worker };
}

/** As in production, the scheduled handler runs every minute (wrangler dev fires no crons). */
function startCron() {
  const crons = devCrons();
  for (const c of crons.skipped) console.warn(`  note: the cron "${c}" in wrangler.toml is not fired locally (only every-minute crons are)`);
  let cronFailures = 0;
  let cronRuns = 0;
  ticker = startCronTicker({
    trigger: () => triggerScheduled(WORKER_ORIGIN, crons.ticked[0] ?? "* * * * *"),
    onResult: (r) => {
      if (r.ok) {
        if (cronRuns++ === 0) console.log(`[cron] the scheduled handler ran (${r.status}); it runs at the start of every minute from now on`);
        else if (cronFailures > 0) console.log(`[cron] the scheduled handler runs again (${r.status})`);
        cronFailures = 0;
        return;
      }
      // Say it once per failure streak: every minute would bury the servers' output.
      if (cronFailures++ === 0 && !stopping) {
        console.error(
          `[cron] the scheduled handler failed (${r.status ?? (r.error instanceof Error ? r.error.message : String(r.error))}); retrying every minute`,
        );
      }
    },
  });
}

/**
 * Where everything runs, the admin token and the demo source's key, and the first lead to post.
 * @param {string} devVars
 * @param {string} apiKey
 */
function printBanner(devVars, apiKey) {
  const adminToken = readVarsFile(devVars)["ADMIN_TOKEN"] ?? "(ADMIN_TOKEN is not set in .dev.vars)";
  const line = "─".repeat(72);
  const row = (/** @type {string} */ k, /** @type {string} */ v, note = "") => console.log(`  ${k.padEnd(12)} ${v}${note ? `   ${note}` : ""}`);
  console.log(`\n${line}`);
  console.log(bold("Leadwire is running (development)"));
  row("API", WORKER_ORIGIN, "(port: LEADWIRE_PORT)");
  row("Docs", `${WORKER_ORIGIN}/docs`, "(OpenAPI: /openapi.json)");
  row("Dashboard", `${WORKER_ORIGIN}/dashboard`, "(sign in with the admin token)");
  row("Admin token", bold(adminToken), "(from .dev.vars; development only)");
  row("Source key", bold(apiKey), "(source src_demo; new on every run, also in .wrangler/demo-source-key)");
  row("Mock buyer", MOCK_ORIGIN, `(port: MOCK_BUYER_PORT; what it received: ${MOCK_ORIGIN}/_control/requests)`);
  row("Cron", "every minute", "(the scheduled handler: sweep, ack expiry, webhook re-enqueue, as in production)");
  console.log("\nPost the example lead:");
  console.log(
    `  curl -s ${WORKER_ORIGIN}/v1/leads -H "Authorization: Bearer $(cat .wrangler/demo-source-key)" -H "Content-Type: application/json" -d @examples/lead.json`,
  );
  console.log("\nCtrl-C stops both servers.");
  console.log(line);
}

async function main() {
  step("Preparing .dev.vars");
  const devVars = prepareDevVars();

  step("Validating and bundling buyer configs");
  await runNode(join(ROOT, "src", "cli", "bundle-buyers.mjs"));

  step("Applying D1 migrations (local)");
  await applyMigrations({});

  step("Seeding the demo source");
  const demo = await seedDemoSource();

  step("Starting the mock buyer and wrangler dev");
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  process.on("SIGHUP", () => void stopAll(0));
  const { mock, worker } = startServers();
  await waitForHttp(`${MOCK_ORIGIN}/_control/health`, { timeoutMs: 30_000, isAlive: () => mock.exitCode === null });
  await waitForHttp(`${WORKER_ORIGIN}/health`, { timeoutMs: 120_000, okStatuses: [200, 404], isAlive: () => worker.exitCode === null });

  startCron();
  printBanner(devVars, demo.apiKey);
}

main().catch((err) => {
  // A child that exits because we are stopping is not a failure worth reporting.
  if (stopping) return;
  console.error(`\nnpm run dev failed: ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
