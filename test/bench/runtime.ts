/**
 * The Worker in-process for the bench: bundled by wrangler (`wrangler deploy --dry-run
 * --outdir`, the same esbuild build a deploy uploads) and run by Miniflare's programmatic API
 * with the bindings of wrangler.toml (read by wrangler itself), a fresh in-memory D1 with the
 * migrations applied, one seeded source, and the bench's own buyers in BUYER_CONFIGS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { createSourceSql } from "../../src/cli/lib/sql.mjs";
import { freePort, ROOT, readVarsFile, runWrangler } from "../../src/cli/lib/wrangler.mjs";

export interface Bundle {
  dir: string;
  /** The entry module's file name in `dir`. */
  main: string;
  bytes: number;
}

/** Builds `entry` (default: wrangler.toml's main) the way `wrangler deploy` would, into a temporary directory. */
export async function buildBundle(entry?: string, extraArgs: string[] = []): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), "leadwire-bench-"));
  await runWrangler(["deploy", "--dry-run", "--outdir", dir, "--env", "", ...extraArgs, ...(entry ? [entry] : [])], { quiet: true });
  const main = readdirSync(dir).find((f) => f.endsWith(".js"));
  if (!main) throw new Error(`wrangler built nothing into ${dir}`);
  return { dir, main, bytes: readFileSync(join(dir, main)).byteLength };
}

export interface WorkerOptions {
  bundle: Bundle;
  buyers: unknown[];
  mockOrigin: string;
  /**
   * Who consumes the deliveries queue: Leadwire's consumer with this batch size, or (for the
   * intake and sync benches, where consumers run elsewhere in production) a sink Worker that
   * acknowledges every message.
   */
  consumer: { maxBatchSize: number } | "sink";
  /** Open V8's inspector (profiling). */
  inspector?: boolean;
}

export interface Running {
  mf: Miniflare;
  url: string;
  sourceKey: string;
  /** The Worker's D1 database, read by the bench itself (not counted). */
  db: D1Database;
  close(): Promise<void>;
}

/** D1 migrations split into their statements (drizzle-kit's breakpoints). */
export function migrationStatements(): string[] {
  const dir = join(ROOT, "migrations");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("--> statement-breakpoint"))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Starts the Worker in Miniflare; its logs are read and dropped (they cost what they cost in production). */
export async function startWorker(o: WorkerOptions): Promise<Running> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"), "");
  const secrets = readVarsFile(join(ROOT, ".dev.vars.example"));
  const deliveries = { maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "leadwire-deliveries-dlq" };
  const leadwire = {
    ...workerOptions,
    name: "leadwire",
    modulesRoot: o.bundle.dir,
    modules: [{ type: "ESModule" as const, path: join(o.bundle.dir, o.bundle.main) }],
    bindings: {
      ...(workerOptions.bindings ?? {}),
      ...secrets,
      MOCK_BUYER_ORIGIN: o.mockOrigin,
      BUYER_CONFIGS: JSON.stringify(o.buyers),
    },
    queueConsumers: o.consumer === "sink" ? {} : { "leadwire-deliveries": { ...deliveries, maxBatchSize: o.consumer.maxBatchSize } },
    triggers: undefined,
  };
  const sink = {
    name: "sink",
    modules: true,
    script: "export default { queue(batch) { batch.ackAll(); } };",
    compatibilityDate: workerOptions.compatibilityDate,
    queueConsumers: { "leadwire-deliveries": { ...deliveries, maxBatchSize: 100 } },
  };
  const mf = new Miniflare({
    workers: o.consumer === "sink" ? [leadwire, sink] : [leadwire],
    host: "127.0.0.1",
    port: 0,
    ...(o.inspector ? { inspectorPort: 0 } : {}),
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      stdout.resume();
      stderr.resume();
    },
  } as ConstructorParameters<typeof Miniflare>[0]);
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB", "leadwire");
  for (const s of migrationStatements()) await db.prepare(s).run();
  const source = createSourceSql({ name: "Bench source" });
  await db.prepare(source.sql).run();
  return { mf, url, sourceKey: source.apiKey, db: db as unknown as D1Database, close: () => mf.dispose() };
}

/** The mock buyer in its own process, so the load generator and the buyer do not share a loop. */
export async function startMockProcess(): Promise<{ origin: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test/mock-buyer/server.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the mock buyer exited with ${code}`)));
    child.stdout?.on("data", (d: Buffer) => {
      if (String(d).includes("listening")) resolve();
    });
  });
  child.stdout?.resume();
  return { origin: `http://127.0.0.1:${port}`, child };
}

/** CPU time (user + system, ms) of the workerd processes this process started: in all, and per thread. */
export interface WorkerdCpu {
  totalMs: number;
  /** By "pid/tid": workerd runs every isolate's JavaScript (the Worker, its Durable Objects, D1) on one of these. */
  threadMs: Map<string, number>;
}

/**
 * CPU used so far by the workerd processes this process started (Linux /proc; undefined
 * elsewhere), in all and per thread. Read before and after a load, it gives the runtime's CPU
 * per request — steadier than latency on a machine shared with other work — and the share of
 * it that one thread did.
 */
export function workerdCpu(): WorkerdCpu | undefined {
  if (!existsSync("/proc/self/stat")) return undefined;
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  // USER_HZ is 100 on Linux: a tick is 10 ms.
  const ticksOf = (stat: string): number => {
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  };
  const out: WorkerdCpu = { totalMs: 0, threadMs: new Map() };
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      try {
        const stat = readFileSync(`/proc/${c}/stat`, "utf8");
        if (stat.includes("(workerd)")) {
          out.totalMs += ticksOf(stat) * 10;
          for (const tid of readdirSync(`/proc/${c}/task`)) {
            try {
              out.threadMs.set(`${c}/${tid}`, ticksOf(readFileSync(`/proc/${c}/task/${tid}/stat`, "utf8")) * 10);
            } catch {
              // The thread ended.
            }
          }
        }
      } catch {
        // Gone.
      }
      walk(c);
    }
  };
  walk(process.pid);
  return out;
}

/** The pids of the workerd processes this process started (Linux /proc; empty elsewhere). */
export function workerdPids(): number[] {
  const cpu = workerdCpu();
  return cpu ? [...new Set([...cpu.threadMs.keys()].map((k) => Number(k.split("/")[0])))] : [];
}

/** Total workerd CPU (ms) so far; see `workerdCpu`. */
export function workerdCpuMs(): number | undefined {
  return workerdCpu()?.totalMs;
}

/** The CPU between two readings: in all, and on the thread that did the most of it. */
export function cpuBetween(before: WorkerdCpu, after: WorkerdCpu): { totalMs: number; busiestThreadMs: number } {
  let busiest = 0;
  for (const [t, ms] of after.threadMs) busiest = Math.max(busiest, ms - (before.threadMs.get(t) ?? 0));
  return { totalMs: after.totalMs - before.totalMs, busiestThreadMs: busiest };
}

/** A Worker from a script (no Leadwire code) in Miniflare, with `tables` created in its D1 database "DB". */
async function startTableWorker(options: Record<string, unknown>, tables: string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    compatibilityDate: "2026-04-20",
    modules: true,
    ...options,
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      stdout.resume();
      stderr.resume();
    },
  } as ConstructorParameters<typeof Miniflare>[0]);
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  for (const t of tables) await db.prepare(t).run();
  return { url, close: () => mf.dispose() };
}

/**
 * The runtime's floor for an intake, with no Leadwire code: a Worker that reads a JSON body,
 * writes one D1 batch shaped like intake's (a lead row with its sealed data, a timeline entry, a
 * counter upsert, two hash rows in one statement) and sends one queue message — what every `POST /v1/leads` must
 * at least cost in this runtime (Miniflare's D1 and Queues run in the same workerd).
 */
export async function startFloorWorker(): Promise<{ url: string; close: () => Promise<void> }> {
  return startTableWorker(
    {
      d1Databases: ["DB"],
      queueProducers: { Q: "floor" },
      script: `
export default {
  async fetch(req, env) {
    const path = new URL(req.url).pathname;
    if (path === "/health") return Response.json({ ok: true });
    const body = await req.json();
    const id = crypto.randomUUID();
    const at = new Date().toISOString();
    const data = JSON.stringify(body);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO leads (id, data, raw, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").bind(id, data, data, at),
      env.DB.prepare("INSERT INTO events (id, lead_id, type, created_at) SELECT ?, id, 'received', ? FROM leads WHERE id = ?").bind(id, at, id),
      env.DB.prepare("INSERT INTO counts (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1").bind(at.slice(0, 16)),
      env.DB.prepare("INSERT INTO hashes (lead_id, kind, hash) SELECT id, h.column1, h.column2 FROM leads CROSS JOIN (VALUES ('phone', ?), ('email', ?)) AS h WHERE id = ?").bind(id + "p", id + "e", id),
    ]);
    await env.Q.send({ leadId: id });
    return Response.json({ id, status: "queued" }, { status: 202 });
  },
};`,
    },
    [
      "CREATE TABLE leads (id TEXT PRIMARY KEY, data TEXT, raw TEXT, created_at TEXT)",
      "CREATE TABLE events (id TEXT PRIMARY KEY, lead_id TEXT, type TEXT, created_at TEXT)",
      "CREATE TABLE counts (k TEXT PRIMARY KEY, n INTEGER)",
      "CREATE TABLE hashes (lead_id TEXT, kind TEXT, hash TEXT, PRIMARY KEY (kind, hash))",
    ],
  );
}

/**
 * The runtime's floor for a sync lead, with no Leadwire code: a Worker that does what every
 * `POST /v1/leads?mode=sync` sold to the first buyer must at least do in this runtime, in the
 * same order and with the same counts the bench reports for Leadwire — one D1 batch of 6
 * statements (the lead stored leased; its source and the paused buyers read in one; its
 * `received` and `routed` timeline entries in one; a counter; two hash rows in one; the first
 * claim), one Durable Object RPC whose object runs 4 SQLite statements and POSTs `buyer` (the
 * exact request Leadwire's gate sends), then one D1 batch of 7 (the attempt row, the claim, the
 * lead sold, a counter, a timeline entry, the sale, a routing figure). Its time over the direct POST is what this
 * runtime costs a sync lead before any of Leadwire's own work. `variant` prices a round trip
 * and a log line (test/bench/floor-variants.ts): `claimApart` takes the claim in a batch of its
 * own (the shape before the first pick rode with the lead), `deferLast` writes the last batch
 * after the answer, `log` writes one log line (what a Worker's `console.log` costs here).
 */
export async function startSyncFloorWorker(
  buyer: { url: string; method?: string; headers?: Record<string, string>; body?: string },
  variant: { deferLast?: boolean; claimApart?: boolean; log?: boolean } = {},
): Promise<{
  url: string;
  close: () => Promise<void>;
}> {
  return startTableWorker(
    {
      d1Databases: ["DB"],
      durableObjects: { GATE: { className: "Gate", useSQLite: true } },
      bindings: { BUYER: JSON.stringify(buyer), VARIANT: JSON.stringify(variant) },
      script: `
import { DurableObject } from "cloudflare:workers";

export class Gate extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS breaker (id INTEGER PRIMARY KEY, state TEXT, failures INTEGER)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS caps (k TEXT PRIMARY KEY, n INTEGER)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS attempts (id TEXT PRIMARY KEY, at INTEGER, ok INTEGER)");
    this.buyer = JSON.parse(env.BUYER);
  }
  async deliver(deliveryId, lead) {
    const sql = this.ctx.storage.sql;
    sql.exec("SELECT state, failures FROM breaker WHERE id = 1").toArray();
    sql.exec("INSERT INTO caps (k, n) VALUES ('day', 1) ON CONFLICT (k) DO UPDATE SET n = n + 1");
    const started = Date.now();
    const res = await fetch(this.buyer.url, { method: this.buyer.method ?? "POST", headers: this.buyer.headers, body: this.buyer.body });
    const text = await res.text();
    sql.exec("INSERT INTO attempts (id, at, ok) VALUES (?, ?, ?)", deliveryId, started, res.ok ? 1 : 0);
    sql.exec("INSERT INTO breaker (id, state, failures) VALUES (1, 'closed', 0) ON CONFLICT (id) DO UPDATE SET failures = 0");
    return { status: res.status, body: text, elapsedMs: Date.now() - started };
  }
}

export default {
  async fetch(req, env, ctx) {
    const variant = JSON.parse(env.VARIANT);
    const body = await req.json();
    const id = crypto.randomUUID();
    const at = new Date().toISOString();
    const data = JSON.stringify(body);
    const db = env.DB;
    const deliveryId = crypto.randomUUID();
    const claim = db.prepare("INSERT INTO claims (lead_id, buyer_id, delivery_id, state) VALUES (?, 'b', ?, 'trying') ON CONFLICT DO NOTHING RETURNING delivery_id").bind(id, deliveryId);
    const routed = db.prepare("INSERT INTO events (id, lead_id, type, created_at) VALUES (?, ?, 'routed', ?)").bind(id + "d", id, at);
    await db.batch([
      db.prepare("INSERT INTO leads (id, status, data, raw, lease_owner, created_at) VALUES (?, 'leased', ?, ?, ?, ?) ON CONFLICT DO NOTHING").bind(id, data, data, id, at),
      db.prepare("SELECT s.excluded, s.quality, (SELECT json_group_array(buyer_id) FROM overrides WHERE status = 'paused') AS paused FROM (SELECT 1) LEFT JOIN sources s ON s.id = ?").bind("src"),
      variant.claimApart
        ? db.prepare("INSERT INTO events (id, lead_id, type, created_at) SELECT ?, id, 'received', ? FROM leads WHERE id = ?").bind(id + "r", at, id)
        : db.prepare("INSERT INTO events (id, lead_id, type, created_at) SELECT e.column1, id, e.column2, ? FROM leads CROSS JOIN (VALUES (?, 'received'), (?, 'routed')) AS e WHERE id = ?").bind(at, id + "r", id + "d", id),
      db.prepare("INSERT INTO counts (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1").bind("leads" + at.slice(0, 13)),
      db.prepare("INSERT INTO hashes (lead_id, kind, hash) SELECT id, h.column1, h.column2 FROM leads CROSS JOIN (VALUES ('phone', ?), ('email', ?)) AS h WHERE id = ?").bind(id + "p", id + "e", id),
      ...(variant.claimApart ? [] : [claim]),
    ]);
    if (variant.claimApart) await db.batch([claim, routed]);
    const gate = env.GATE.get(env.GATE.idFromName("b"));
    const r = await gate.deliver(deliveryId, body);
    const done = new Date().toISOString();
    const settle = db.batch([
      db.prepare("INSERT INTO attempts (id, lead_id, status, response, created_at) VALUES (?, ?, ?, ?, ?)").bind(deliveryId, id, r.status, r.body, done),
      db.prepare("UPDATE claims SET state = 'accepted' WHERE lead_id = ? AND buyer_id = 'b'").bind(id),
      db.prepare("UPDATE leads SET status = 'sold', lease_owner = NULL WHERE id = ? AND lease_owner = ?").bind(id, id),
      db.prepare("INSERT INTO counts (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1").bind("dlv" + done.slice(0, 13)),
      db.prepare("INSERT INTO events (id, lead_id, type, created_at) VALUES (?, ?, 'sold', ?)").bind(id + "s", id, done),
      db.prepare("INSERT INTO sales (lead_id, buyer_id, price, created_at) VALUES (?, 'b', 20, ?)").bind(id, done),
      db.prepare("INSERT INTO stats (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1").bind("b" + done.slice(0, 10)),
    ]);
    if (variant.deferLast) ctx.waitUntil(settle);
    else await settle;
    if (variant.log)
      console.log(JSON.stringify({ level: "info", msg: "delivery attempt", time: done, leadId: id, buyerId: "bench-fast", attempt: 1, configVersion: "v1", outcome: "accepted", status: r.status, elapsedMs: r.elapsedMs }));
    return Response.json({ id, status: "sold", buyer: "b", price: 20, attempts: 1 });
  },
};`,
    },
    [
      "CREATE TABLE leads (id TEXT PRIMARY KEY, status TEXT, data TEXT, raw TEXT, lease_owner TEXT, created_at TEXT)",
      "CREATE TABLE sources (id TEXT PRIMARY KEY, excluded TEXT, quality REAL)",
      "INSERT INTO sources (id, excluded, quality) VALUES ('src', '[]', NULL)",
      "CREATE TABLE overrides (buyer_id TEXT PRIMARY KEY, status TEXT)",
      "CREATE TABLE events (id TEXT PRIMARY KEY, lead_id TEXT, type TEXT, created_at TEXT)",
      "CREATE TABLE counts (k TEXT PRIMARY KEY, n INTEGER)",
      "CREATE TABLE stats (k TEXT PRIMARY KEY, n INTEGER)",
      "CREATE TABLE hashes (lead_id TEXT, kind TEXT, hash TEXT, PRIMARY KEY (kind, hash))",
      "CREATE TABLE claims (lead_id TEXT, buyer_id TEXT, delivery_id TEXT, state TEXT, PRIMARY KEY (lead_id, buyer_id))",
      "CREATE TABLE attempts (id TEXT PRIMARY KEY, lead_id TEXT, status INTEGER, response TEXT, created_at TEXT)",
      "CREATE TABLE sales (lead_id TEXT, buyer_id TEXT, price REAL, created_at TEXT, PRIMARY KEY (lead_id, buyer_id))",
    ],
  );
}
