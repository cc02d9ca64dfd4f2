/**
 * The benchmark's Worker entry: Leadwire's own entry and BuyerGate, with counters around what
 * they touch, so `npm run bench` prints D1 round trips, gate RPCs, gate SQLite statements and
 * queue sends per lead as counted, not estimated. Bundled by wrangler (like `src/index.ts`)
 * and run only by the bench in Miniflare: production never loads this file and its RPC
 * surface has no counting hook.
 *
 * - D1: the `DB` binding handed to the Worker's handlers is wrapped; every `batch`, `exec` and
 *   statement execution (`run`/`all`/`first`/`raw`) is one round trip.
 * - Queues: `send` / `sendBatch` on `DELIVERIES` and `EVENTS`.
 * - The gate: a subclass counts its RPCs and the `exec` calls on its SQLite storage.
 *
 * Counts are per handler kind (`fetch`, `queue`, `gate`); `GET /__bench/counts` reads them and
 * `POST /__bench/reset` zeroes them. The Durable Object runs in the Worker's isolate here, so
 * module state is shared by both.
 */

import type { AttemptResult, DeliverInput } from "../../src/buyer-gate/types";
import leadwire, { BuyerGate as LeadwireGate } from "../../src/index";
import { countingD1, type D1Tally, emptyTally } from "../support/counting-d1";

interface Counts {
  d1: D1Tally;
  queueSends: number;
  gateRpcs: number;
  gateSql: number;
}

const zero = (): Counts => ({ d1: emptyTally(), queueSends: 0, gateRpcs: 0, gateSql: 0 });
let counts: Record<"fetch" | "queue" | "gate", Counts> = { fetch: zero(), queue: zero(), gate: zero() };

/** The counts as the bench reads them (`/__bench/counts`). */
const reported = (c: Counts) => ({
  d1RoundTrips: c.d1.roundTrips,
  d1Statements: c.d1.statements,
  queueSends: c.queueSends,
  gateRpcs: c.gateRpcs,
  gateSql: c.gateSql,
});

function countingQueue(q: Queue, c: Counts): Queue {
  return {
    send: (body: unknown, opts?: QueueSendOptions) => {
      c.queueSends++;
      return q.send(body, opts);
    },
    sendBatch: (msgs: Iterable<MessageSendRequest>, opts?: QueueSendBatchOptions) => {
      const list = [...msgs];
      c.queueSends += list.length;
      return q.sendBatch(list, opts);
    },
  } as Queue;
}

/** The same env, with its D1 database and queues counted into `c`. The object is made once per handler kind. */
const wrapped = new WeakMap<object, Map<Counts, Env>>();
function counted(env: Env, c: Counts): Env {
  let perEnv = wrapped.get(env);
  if (!perEnv) {
    perEnv = new Map();
    wrapped.set(env, perEnv);
  }
  let e = perEnv.get(c);
  if (!e) {
    e = { ...env, DB: countingD1(env.DB, c.d1), DELIVERIES: countingQueue(env.DELIVERIES, c), EVENTS: countingQueue(env.EVENTS, c) };
    perEnv.set(c, e);
  }
  return e;
}

/** Leadwire's BuyerGate, counting its RPCs and its SQLite statements. */
export class BuyerGate extends LeadwireGate {
  constructor(ctx: DurableObjectState, env: Env) {
    const sql = ctx.storage.sql;
    const exec = sql.exec.bind(sql);
    // Patched on the instance before the gate's parts take their reference to it.
    (sql as { exec: typeof sql.exec }).exec = ((query: string, ...bindings: unknown[]) => {
      counts.gate.gateSql++;
      return exec(query, ...bindings);
    }) as typeof sql.exec;
    super(ctx, env);
  }

  override async deliver(input: DeliverInput): Promise<AttemptResult> {
    counts.gate.gateRpcs++;
    return super.deliver(input);
  }

  override async settle(deliveryId: string, accepted: boolean): Promise<void> {
    counts.gate.gateRpcs++;
    return super.settle(deliveryId, accepted);
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/counts") return Response.json({ fetch: reported(counts.fetch), queue: reported(counts.queue), gate: reported(counts.gate) });
    if (url.pathname === "/__bench/reset") {
      counts = { fetch: zero(), queue: zero(), gate: zero() };
      return Response.json({ ok: true });
    }
    return leadwire.fetch(request, counted(env, counts.fetch), ctx);
  },
  async queue(batch, env, ctx) {
    return leadwire.queue(batch, counted(env, counts.queue), ctx);
  },
  async scheduled(controller, env, ctx) {
    return leadwire.scheduled(controller, counted(env, counts.queue), ctx);
  },
} satisfies ExportedHandler<Env, unknown>;
