/**
 * `npm run bench:scale` — the load model of issue 17. Drives the Worker (bundled by wrangler,
 * run in-process by Miniflare, SCALE_SHARDS lead shards, default 2) at a fixed lead rate
 * (SCALE_RATE leads/s, default 20) for a bounded time (SCALE_SECONDS, default 30) against a
 * fast loopback mock buyer, lets the queue drain, then reports:
 *
 * - D1 statements and round trips per database, per second of the run and per lead (counted by
 *   test/bench/scale-worker.ts around every D1 binding);
 * - bytes D1 grew by per lead (each database's size as D1 itself reports it, `meta.size_after`)
 *   and the content bytes per lead of each lead table (the stored values' lengths);
 * - the archive: the leads moved to R2, files, gzip and raw bytes per lead, D1 rows left;
 * - queue messages per lead.
 *
 * It writes the capacity model's inputs to docs/capacity-inputs.json (`npm run capacity`
 * recomputes docs/capacity.md's table from them). Loopback only, bounded in leads and seconds.
 */
import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { stopGroup } from "../../src/cli/lib/proc.mjs";
import { createSourceSql } from "../../src/cli/lib/sql.mjs";
import { ROOT, readVarsFile } from "../../src/cli/lib/wrangler.mjs";
import { benchBuyers, benchLead } from "./fixtures";
import { buildBundle, migrationStatements, startMockProcess } from "./runtime";

const RATE = Number(process.env.SCALE_RATE ?? "20");
const SECONDS = Number(process.env.SCALE_SECONDS ?? "30");
const SHARDS = Number(process.env.SCALE_SHARDS ?? "2");
const DRAIN_SECONDS = 120;
const MAX_IN_FLIGHT = 64;
if (!(RATE > 0 && RATE <= 200 && SECONDS > 0 && SECONDS <= 300 && Number.isInteger(SHARDS) && SHARDS >= 1 && SHARDS <= 8)) {
  throw new Error("bench:scale is bounded: SCALE_RATE 1–200 leads/s, SCALE_SECONDS 1–300, SCALE_SHARDS 1–8");
}

/** Tables keyed by lead, measured per lead. */
const LEAD_TABLES = ["leads", "delivery_attempts", "lead_events", "lead_buyers", "lead_hashes", "rollups", "sales", "pings", "bids"] as const;

/** A database's size in bytes as D1 reports it after a statement. */
async function sizeOf(db: D1Database): Promise<number> {
  const r = await db.prepare("SELECT 1").run();
  return Number((r.meta as { size_after?: number }).size_after ?? Number.NaN);
}

/** Content bytes of a table (every stored value's length; UTF-8 for text), and its rows. */
async function contentBytes(db: D1Database, table: string): Promise<{ rows: number; bytes: number }> {
  const r = await db.prepare(`SELECT * FROM "${table}"`).all<Record<string, unknown>>();
  let bytes = 0;
  for (const row of r.results) for (const v of Object.values(row)) bytes += v === null ? 0 : typeof v === "string" ? Buffer.byteLength(v) : 8;
  return { rows: r.results.length, bytes };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const names = ["DB", ...Array.from({ length: SHARDS - 1 }, (_, i) => `DB_LEADS_${i + 1}`)];
  process.stderr.write(`bench:scale: ${RATE} leads/s for ${SECONDS} s over ${SHARDS} lead shard(s) (${names.join(", ")})\n`);
  const bundle = await buildBundle("test/bench/scale-worker.ts");
  const mock = await startMockProcess();
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"), "");
  const secrets = readVarsFile(join(ROOT, ".dev.vars.example"));
  const buyers = benchBuyers().filter((b) => b.id === "bench-fast");
  const mf = new Miniflare({
    workers: [
      {
        ...workerOptions,
        name: "leadwire",
        modulesRoot: bundle.dir,
        modules: [{ type: "ESModule" as const, path: join(bundle.dir, bundle.main) }],
        d1Databases: Object.fromEntries(names.map((n) => [n, `scale-${n}`])),
        bindings: {
          ...(workerOptions.bindings ?? {}),
          ...secrets,
          MOCK_BUYER_ORIGIN: mock.origin,
          BUYER_CONFIGS: JSON.stringify(buyers),
          LEAD_SHARDS: names.join(","),
        },
        queueConsumers: { "leadwire-deliveries": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "leadwire-deliveries-dlq" } },
        triggers: undefined,
      },
    ],
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      stdout.resume();
      stderr.resume();
    },
  } as ConstructorParameters<typeof Miniflare>[0]);
  try {
    const url = (await mf.ready).toString().replace(/\/$/, "");
    const dbs = (await Promise.all(names.map((n) => mf.getD1Database(n, "leadwire")))) as unknown as D1Database[];
    const source = createSourceSql({ name: "Scale source" });
    for (const db of dbs) {
      for (const s of migrationStatements()) await db.prepare(s).run();
      await db.prepare(source.sql).run();
    }
    const before = await Promise.all(dbs.map(sizeOf));

    // Open loop at a fixed rate: one lead every 1000/RATE ms, whatever the answers' latency (bounded in flight).
    const total = Math.round(RATE * SECONDS);
    let inFlight = 0;
    let refused = 0;
    const answers: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      while (inFlight >= MAX_IN_FLIGHT) await sleep(1);
      inFlight++;
      answers.push(
        fetch(`${url}/v1/leads`, {
          method: "POST",
          headers: { authorization: `Bearer ${source.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(benchLead("TX")),
        })
          .then(async (r) => {
            await r.text();
            if (r.status !== 202) refused++;
          })
          .finally(() => {
            inFlight--;
          }),
      );
    }
    await Promise.all(answers);
    const sendSeconds = (performance.now() - t0) / 1000;
    if (refused > 0) throw new Error(`${refused} of ${total} leads were not accepted (202)`);

    // Drain: every lead ends (sold to the fast buyer).
    const ended = async () => {
      let n = 0;
      for (const db of dbs) n += Number(await db.prepare("SELECT COUNT(*) AS n FROM leads WHERE status IN ('sold','unsold','expired')").first("n"));
      return n;
    };
    const drainUntil = performance.now() + DRAIN_SECONDS * 1000;
    while ((await ended()) < total && performance.now() < drainUntil) await sleep(250);
    const runSeconds = (performance.now() - t0) / 1000;
    const done = await ended();
    if (done < total) throw new Error(`only ${done} of ${total} leads ended within ${DRAIN_SECONDS} s of draining`);

    const counts = (await (await fetch(`${url}/__scale/counts`)).json()) as {
      perDb: Record<string, { roundTrips: number; statements: number; rowsRead: number; rowsWritten: number }>;
      queueSends: number;
    };
    const after = await Promise.all(dbs.map(sizeOf));
    const perTable: Record<string, { rows: number; bytesPerLead: number }> = {};
    for (const t of LEAD_TABLES) {
      let rows = 0;
      let bytes = 0;
      for (const db of dbs) {
        const c = await contentBytes(db, t);
        rows += c.rows;
        bytes += c.bytes;
      }
      perTable[t] = { rows, bytesPerLead: bytes / total };
    }
    const leadsPerShard = await Promise.all(dbs.map(async (db) => Number(await db.prepare("SELECT COUNT(*) AS n FROM leads").first("n"))));

    // The archive: move the hot window 15 days on and run it until nothing is left.
    const archive = { leads: 0, files: 0, bytes: 0, rawBytes: 0, runs: 0 };
    const future = Date.now() + 15 * 86_400_000;
    for (let i = 0; i < 50; i++) {
      const r = (await (await fetch(`${url}/__scale/archive?now=${future + i}`)).json()) as {
        archived: number;
        files: { leads: number; bytes: number; rawBytes: number }[];
      };
      archive.runs++;
      archive.leads += r.archived;
      archive.files += r.files.length;
      for (const f of r.files) {
        archive.bytes += f.bytes;
        archive.rawBytes += f.rawBytes;
      }
      if (r.archived === 0) break;
    }
    let leftInD1 = 0;
    for (const db of dbs) leftInD1 += Number(await db.prepare("SELECT COUNT(*) AS n FROM leads").first("n"));

    const leadStatements = Object.values(counts.perDb).reduce((n, c) => n + c.statements, 0);
    const leadRoundTrips = Object.values(counts.perDb).reduce((n, c) => n + c.roundTrips, 0);
    const rowsWritten = Object.values(counts.perDb).reduce((n, c) => n + c.rowsWritten, 0);
    const rowsRead = Object.values(counts.perDb).reduce((n, c) => n + c.rowsRead, 0);
    const grew = after.reduce((n, a, i) => n + (a - (before[i] ?? 0)), 0);
    const inputs = {
      measuredAt: new Date().toISOString().slice(0, 10),
      how: "npm run bench:scale (test/bench/scale.ts): Miniflare (workerd) in-process, loopback mock buyer accepting at once, async intake, one attempt per lead",
      rate: RATE,
      seconds: SECONDS,
      shards: SHARDS,
      leads: total,
      leadsPerShard,
      perLead: {
        d1Statements: leadStatements / total,
        d1RoundTrips: leadRoundTrips / total,
        d1RowsWritten: rowsWritten / total,
        d1RowsRead: rowsRead / total,
        queueMessages: counts.queueSends / total,
        d1Bytes: grew / total,
        archiveGzipBytes: archive.leads > 0 ? archive.bytes / archive.leads : null,
        archiveRawBytes: archive.leads > 0 ? archive.rawBytes / archive.leads : null,
      },
      perTable,
      perDatabase: Object.fromEntries(
        names.map((n, i) => [
          n,
          {
            statements: counts.perDb[n]?.statements ?? 0,
            roundTrips: counts.perDb[n]?.roundTrips ?? 0,
            statementsPerSecond: (counts.perDb[n]?.statements ?? 0) / runSeconds,
            bytesGrown: (after[i] ?? 0) - (before[i] ?? 0),
          },
        ]),
      ),
      archive: { ...archive, leftInD1 },
      sendSeconds,
      runSeconds,
    };
    writeFileSync(join(ROOT, "docs", "capacity-inputs.json"), `${JSON.stringify(inputs, null, 2)}\n`);

    const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
    const lines = [
      `bench:scale — ${total} leads at ${RATE}/s (sent in ${f(sendSeconds)} s, all ended after ${f(runSeconds)} s), ${SHARDS} shard(s): ${leadsPerShard.join(" / ")} leads`,
      "",
      "| database | statements | statements/s | round trips | bytes grown | bytes/lead |",
      "|---|---:|---:|---:|---:|---:|",
      ...names.map((n, i) => {
        const d = inputs.perDatabase[n];
        return `| ${n} | ${d?.statements ?? 0} | ${f(d?.statementsPerSecond ?? 0)} | ${d?.roundTrips ?? 0} | ${d?.bytesGrown ?? 0} | ${f((d?.bytesGrown ?? 0) / Math.max(1, leadsPerShard[i] ?? 1), 0)} |`;
      }),
      "",
      `per lead: ${f(inputs.perLead.d1Statements, 2)} D1 statements, ${f(inputs.perLead.d1RoundTrips, 2)} round trips, ${f(inputs.perLead.d1RowsWritten, 1)} rows written, ${f(inputs.perLead.d1RowsRead, 1)} rows read, ${f(inputs.perLead.queueMessages, 2)} queue messages, ${f(inputs.perLead.d1Bytes, 0)} D1 bytes`,
      "",
      "| table | rows/lead | content bytes/lead |",
      "|---|---:|---:|",
      ...Object.entries(perTable).map(([t, v]) => `| ${t} | ${f(v.rows / total, 2)} | ${f(v.bytesPerLead, 0)} |`),
      "",
      `archive: ${archive.leads} leads in ${archive.files} files over ${archive.runs} runs; ${f(inputs.perLead.archiveGzipBytes ?? Number.NaN, 0)} gzip bytes/lead (${f(inputs.perLead.archiveRawBytes ?? Number.NaN, 0)} raw NDJSON); ${leftInD1} leads left in D1`,
      "",
      "wrote docs/capacity-inputs.json — `npm run capacity` recomputes docs/capacity.md's table",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await mf.dispose();
    await stopGroup(mock.child, 5000);
    await rm(bundle.dir, { recursive: true, force: true });
  }
}

await main();
