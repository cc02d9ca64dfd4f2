import { runInDurableObject } from "cloudflare:test";
import type { BuyerGate } from "../../../src/buyer-gate";

/** Round trips and statements one D1 database was asked for. */
export interface D1Count {
  roundTrips: number;
  statements: number;
}

const REAL = Symbol("real statement");
type Wrapped = D1PreparedStatement & { [REAL]: D1PreparedStatement };

function wrapStatement(s: D1PreparedStatement, c: D1Count): Wrapped {
  const run =
    (k: "run" | "all" | "first" | "raw") =>
    (...args: unknown[]) => {
      c.roundTrips++;
      c.statements++;
      return (s[k] as (...a: unknown[]) => unknown).apply(s, args);
    };
  return {
    [REAL]: s,
    bind: (...v: unknown[]) => wrapStatement(s.bind(...v), c),
    run: run("run"),
    all: run("all"),
    first: run("first"),
    raw: run("raw"),
  } as unknown as Wrapped;
}

/**
 * The D1 database as the code sees it, counting: each `batch`, `exec` and statement execution is
 * one round trip to D1. Statements are handed to the real database unchanged.
 */
export function countingD1(db: D1Database, count: D1Count = { roundTrips: 0, statements: 0 }): { db: D1Database; count: D1Count } {
  const wrapped = {
    prepare: (q: string) => wrapStatement(db.prepare(q), count),
    batch: (stmts: D1PreparedStatement[]) => {
      count.roundTrips++;
      count.statements += stmts.length;
      return db.batch(stmts.map((s) => (s as Wrapped)[REAL] ?? s));
    },
    exec: (q: string) => {
      count.roundTrips++;
      count.statements++;
      return db.exec(q);
    },
    dump: () => db.dump(),
    withSession: (...a: Parameters<D1Database["withSession"]>) => db.withSession(...a),
  } as D1Database;
  return { db: wrapped, count };
}

/**
 * Every database of the sharded test setup (DB and DB_LEADS_1), counting into one total: put
 * `dbs` over an env and a lead's round trips are counted on whichever shard it lives.
 */
export function countingShards(base: { DB: D1Database; DB_LEADS_1: D1Database }): { dbs: { DB: D1Database; DB_LEADS_1: D1Database }; count: D1Count } {
  const count: D1Count = { roundTrips: 0, statements: 0 };
  return { dbs: { DB: countingD1(base.DB, count).db, DB_LEADS_1: countingD1(base.DB_LEADS_1, count).db }, count };
}

/** The BuyerGate namespace as the code sees it, counting `deliver` and `ping` RPCs (and those that carried the whole config). */
export function countingGates(ns: Env["BUYER_GATE"]): {
  ns: Env["BUYER_GATE"];
  rpcs: { deliver: number; withConfig: number };
  pings: { ping: number; withConfig: number };
} {
  const rpcs = { deliver: 0, withConfig: 0 };
  const pings = { ping: 0, withConfig: 0 };
  const carriesConfig = (buyer: unknown) => {
    const b = buyer as { config?: unknown; endpoint?: unknown };
    return b.config !== undefined || b.endpoint !== undefined;
  };
  const wrapped = {
    idFromName: (name: string) => ns.idFromName(name),
    get: (id: DurableObjectId, opts?: DurableObjectNamespaceGetDurableObjectOptions) => {
      const stub = ns.get(id, opts);
      return new Proxy(stub, {
        get(target, key) {
          if (key === "deliver") {
            return (...args: Parameters<typeof stub.deliver>) => {
              rpcs.deliver++;
              if (carriesConfig(args[0].buyer)) rpcs.withConfig++;
              return target.deliver(...args);
            };
          }
          if (key === "ping") {
            return (...args: Parameters<typeof stub.ping>) => {
              pings.ping++;
              if (carriesConfig(args[0].buyer)) pings.withConfig++;
              return target.ping(...args);
            };
          }
          return Reflect.get(target, key);
        },
      });
    },
  } as unknown as Env["BUYER_GATE"];
  return { ns: wrapped, rpcs, pings };
}

/**
 * Counts the SQLite statements a live BuyerGate runs from now on: its storage's `exec` is
 * wrapped on the instance (the gate's parts hold that same object). Returns a reader.
 */
export async function countGateSql(stub: DurableObjectStub<BuyerGate>): Promise<() => Promise<number>> {
  await runInDurableObject(stub, (_gate: BuyerGate, state) => {
    const sql = state.storage.sql as SqlStorage & { counted?: number };
    if (sql.counted !== undefined) return;
    const exec = sql.exec.bind(sql);
    sql.counted = 0;
    (sql as { exec: typeof exec }).exec = ((query: string, ...bindings: unknown[]) => {
      sql.counted = (sql.counted ?? 0) + 1;
      return exec(query, ...bindings);
    }) as typeof exec;
  });
  return () => runInDurableObject(stub, (_gate: BuyerGate, state) => (state.storage.sql as SqlStorage & { counted?: number }).counted ?? 0);
}
