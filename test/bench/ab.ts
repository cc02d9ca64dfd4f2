/**
 * Two builds of Leadwire side by side in one process: `npm run bench:ab -- <commit> [sync|intake]`.
 * Builds the Worker from the working tree and from `<commit>` (a temporary git worktree using
 * this checkout's node_modules), runs both in Miniflare against the same mock buyer, and loads
 * them in interleaved rounds — sync leads at concurrency 1 (100 a round) or async intake at 16
 * connections (1,000 a round) — so that the machine's drift falls on both alike. Prints each
 * build's p50 / p99 and the CPU its own workerd process used per lead (median of the rounds).
 * Both builds run on the working tree's wrangler.toml and migrations: a commit whose
 * migrations differ is refused.
 */

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopGroup } from "../../src/cli/lib/proc.mjs";
import { ROOT, runWrangler } from "../../src/cli/lib/wrangler.mjs";
import { benchBuyers, benchLead } from "./fixtures";
import { quantile, runLoad } from "./load";
import { type Bundle, buildBundle, type Running, startMockProcess, startWorker, workerdCpu, workerdPids } from "./runtime";

const rev = process.argv[2];
const kind = process.argv[3] ?? "sync";
if (!rev || (kind !== "sync" && kind !== "intake")) {
  console.error("usage: npm run bench:ab -- <commit> [sync|intake]");
  process.exit(2);
}
const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
const commit = git("rev-parse", "--verify", `${rev}^{commit}`);
if (git("diff", "--name-only", commit, "--", "migrations") !== "") {
  console.error(`${rev} has other migrations than the working tree: both builds run on this tree's schema, so they cannot be compared here.`);
  process.exit(2);
}

/** The Worker as `wrangler deploy --dry-run` builds it from `commit`. */
async function bundleAt(commit: string): Promise<Bundle> {
  const tree = await mkdtemp(join(tmpdir(), "leadwire-ab-"));
  git("worktree", "add", "--detach", "--force", tree, commit);
  try {
    await symlink(join(ROOT, "node_modules"), join(tree, "node_modules"));
    const out = await mkdtemp(join(tmpdir(), "leadwire-ab-bundle-"));
    await runWrangler(["deploy", "--dry-run", "--outdir", out, "--env", ""], { cwd: tree, quiet: true });
    const main = readdirSync(out).find((f) => f.endsWith(".js"));
    if (!main) throw new Error(`wrangler built nothing for ${commit}`);
    return { dir: out, main, bytes: readFileSync(join(out, main)).byteLength };
  } finally {
    git("worktree", "remove", "--force", tree);
  }
}

console.log(`bench:ab: building ${commit.slice(0, 10)} and the working tree…`);
const builds = { base: await bundleAt(commit), tree: await buildBundle() };
const mock = await startMockProcess();
const running: Record<"base" | "tree", Running & { pid: number }> = {} as never;
try {
  for (const name of ["base", "tree"] as const) {
    const before = new Set(workerdPids());
    const w = await startWorker({ bundle: builds[name], buyers: benchBuyers(), mockOrigin: mock.origin, consumer: "sink" });
    const pid = workerdPids().find((p) => !before.has(p));
    if (pid === undefined) throw new Error("could not tell which workerd process is this build's");
    running[name] = Object.assign(w, { pid });
  }
  const sync = kind === "sync";
  const concurrency = sync ? 1 : 16;
  const requests = sync ? 100 : 1000;
  const make = (w: Running) => () => ({
    url: `${w.url}/v1/leads${sync ? "?mode=sync" : ""}`,
    method: "POST",
    headers: { authorization: `Bearer ${w.sourceKey}`, "content-type": "application/json" },
    body: JSON.stringify(benchLead("TX")),
  });
  for (const name of ["base", "tree"] as const) await runLoad({ concurrency, requests, seconds: 30, make: make(running[name]) });
  const rounds = Number(process.env.AB_ROUNDS ?? 10);
  const cpu = { base: [] as number[], tree: [] as number[] };
  const ms = { base: [] as number[], tree: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const name of (r % 2 === 0 ? ["base", "tree"] : ["tree", "base"]) as ("base" | "tree")[]) {
      const w = running[name];
      const before = workerdCpu();
      const res = await runLoad({ concurrency, requests, seconds: 30, make: make(w) });
      const after = workerdCpu();
      const ok = res.samples.filter((s) => s.status === (sync ? 200 : 202)).length;
      if (ok !== res.samples.length)
        throw new Error(`${name}: ${res.samples.length - ok} of ${res.samples.length} answers were not ${sync ? 200 : 202}: ${res.odd.join(" | ")}`);
      if (before && after) cpu[name].push((pidMs(after.threadMs, w.pid) - pidMs(before.threadMs, w.pid)) / res.samples.length);
      ms[name].push(...res.samples.map((s) => s.ms));
    }
  }
  const med = (a: number[]) => quantile(a, 0.5);
  console.log(`\n${kind}, ${rounds} interleaved rounds of ${requests} at concurrency ${concurrency}:`);
  for (const name of ["base", "tree"] as const) {
    const label = name === "base" ? commit.slice(0, 10) : "working tree";
    const c = cpu[name].length > 0 ? ` · its workerd's CPU ${med(cpu[name]).toFixed(2)} ms a lead` : "";
    console.log(`  ${label.padEnd(12)} p50 ${quantile(ms[name], 0.5).toFixed(2)} · p99 ${quantile(ms[name], 0.99).toFixed(2)} ms${c}`);
  }
} finally {
  for (const w of Object.values(running)) await w.close();
  await stopGroup(mock.child, 3000);
  for (const b of Object.values(builds)) await rm(b.dir, { recursive: true, force: true });
}

/** The CPU of one workerd process's threads (keys are "pid/tid"). */
function pidMs(threads: Map<string, number>, pid: number): number {
  let sum = 0;
  for (const [k, v] of threads) if (k.startsWith(`${pid}/`)) sum += v;
  return sum;
}
