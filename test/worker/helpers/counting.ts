import { runInDurableObject } from "cloudflare:test";
import type { BuyerGate } from "../../../src/buyer-gate";
import { countingD1 as countD1, type D1Tally, emptyTally } from "../../support/counting-d1";

/** Round trips and statements (and billed rows) D1 was asked for. */
export type D1Count = D1Tally;

/** The D1 database as the code sees it, counting into `count` (see test/support/counting-d1). */
export function countingD1(db: D1Database, count: D1Count = emptyTally()): { db: D1Database; count: D1Count } {
  return { db: countD1(db, count), count };
}

/**
 * Every database of the sharded test setup (DB and DB_LEADS_1), counting into one total: put
 * `dbs` over an env and a lead's round trips are counted on whichever shard it lives.
 */
export function countingShards(base: { DB: D1Database; DB_LEADS_1: D1Database }): { dbs: { DB: D1Database; DB_LEADS_1: D1Database }; count: D1Count } {
  const count = emptyTally();
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
