/**
 * `npm run bench:scale`'s Worker entry: Leadwire's own entry and BuyerGate, with every D1
 * binding (the main database and each lead shard) counted on its own, so the load model reports
 * statements per second per database as counted. `GET /__scale/counts` reads the counters;
 * `POST /__scale/archive?now=<ms>` runs the archive as the cron would at that instant (the
 * bench moves the hot window forward instead of waiting 14 days). Bundled and run only by the
 * bench: production never loads this file.
 */
import leadwire, { BuyerGate } from "../../src/index";
import { runArchive } from "../../src/ops/archive";

interface DbCounts {
  roundTrips: number;
  statements: number;
  /** D1's own billing counts (`meta.rows_read` / `meta.rows_written`) of every result that carries them. */
  rowsRead: number;
  rowsWritten: number;
}

/** Adds a result's billed rows (a D1Result, or a batch's array of them) to `c`; passes the result through. */
function billed<T>(c: DbCounts, r: T): T {
  for (const x of Array.isArray(r) ? r : [r]) {
    const meta = (x as { meta?: { rows_read?: number; rows_written?: number } } | null)?.meta;
    c.rowsRead += meta?.rows_read ?? 0;
    c.rowsWritten += meta?.rows_written ?? 0;
  }
  return r;
}
const perDb: Record<string, DbCounts> = {};
let queueSends = 0;

const REAL = Symbol("real statement");
type Wrapped = D1PreparedStatement & { [REAL]: D1PreparedStatement };

function wrapStatement(s: D1PreparedStatement, c: DbCounts): Wrapped {
  const exec =
    <K extends "run" | "all" | "first" | "raw">(k: K) =>
    (...args: unknown[]) => {
      c.roundTrips++;
      c.statements++;
      const out = (s[k] as (...a: unknown[]) => unknown).apply(s, args);
      return k === "run" || k === "all" ? (out as Promise<unknown>).then((r) => billed(c, r)) : out;
    };
  return {
    [REAL]: s,
    bind: (...values: unknown[]) => wrapStatement(s.bind(...values), c),
    run: exec("run"),
    all: exec("all"),
    first: exec("first"),
    raw: exec("raw"),
  } as unknown as Wrapped;
}

function countingD1(db: D1Database, name: string): D1Database {
  const c = (perDb[name] ??= { roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0 });
  return {
    prepare: (query: string) => wrapStatement(db.prepare(query), c),
    batch: (statements: D1PreparedStatement[]) => {
      c.roundTrips++;
      c.statements += statements.length;
      return db.batch(statements.map((s) => (s as Wrapped)[REAL] ?? s)).then((r) => billed(c, r));
    },
    exec: (query: string) => {
      c.roundTrips++;
      c.statements++;
      return db.exec(query);
    },
    dump: () => db.dump(),
    withSession: (...a: Parameters<D1Database["withSession"]>) => db.withSession(...a),
  } as D1Database;
}

function countingQueue(q: Queue): Queue {
  return {
    send: (body: unknown, opts?: QueueSendOptions) => {
      queueSends++;
      return q.send(body, opts);
    },
    sendBatch: (msgs: Iterable<MessageSendRequest>, opts?: QueueSendBatchOptions) => {
      const list = [...msgs];
      queueSends += list.length;
      return q.sendBatch(list, opts);
    },
  } as Queue;
}

/** The env with each D1 binding LEAD_SHARDS names (and DB) counted under its name; made once per env object. */
const made = new WeakMap<object, Env>();
function counted(env: Env): Env {
  let e = made.get(env);
  if (!e) {
    const bag = env as unknown as Record<string, unknown>;
    const names = new Set(["DB", ...(env.LEAD_SHARDS ?? "").split(",").map((s) => s.trim())].filter(Boolean));
    const dbs = Object.fromEntries([...names].map((n) => [n, countingD1(bag[n] as D1Database, n)]));
    e = { ...env, ...dbs, DELIVERIES: countingQueue(env.DELIVERIES), EVENTS: countingQueue(env.EVENTS) } as Env;
    made.set(env, e);
  }
  return e;
}

export { BuyerGate };

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__scale/counts") return Response.json({ perDb, queueSends });
    if (url.pathname === "/__scale/archive") {
      const now = Number(url.searchParams.get("now") ?? Date.now());
      return Response.json(await runArchive(counted(env), now));
    }
    return leadwire.fetch(request, counted(env), ctx);
  },
  async queue(batch, env, ctx) {
    return leadwire.queue(batch, counted(env), ctx);
  },
  async scheduled(controller, env, ctx) {
    return leadwire.scheduled(controller, counted(env), ctx);
  },
} satisfies ExportedHandler<Env, unknown>;
