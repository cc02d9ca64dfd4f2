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
import { countingD1, type D1Tally, emptyTally } from "../support/counting-d1";

const perDb: Record<string, D1Tally> = {};
let queueSends = 0;

function countingDb(db: D1Database, name: string): D1Database {
  const c = (perDb[name] ??= emptyTally());
  return countingD1(db, c);
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
    const dbs = Object.fromEntries([...names].map((n) => [n, countingDb(bag[n] as D1Database, n)]));
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
