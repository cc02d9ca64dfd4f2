/**
 * Which D1 database holds a lead.
 *
 * The lead tables (leads, claims, timeline events, attempts, hashes, returns, conversions,
 * feedback, sales, the lead's own auctions and rollups counted with them) are spread over N D1
 * databases, the *lead shards*, named by the `LEAD_SHARDS` var: binding names separated by
 * commas, shard 0 first (default `DB`, i.e. one database that is also the main one). The main
 * database is always `DB`; it holds the platform rows (sources, overrides, alerts, webhook
 * events, dead letters, sessions, the archive index). With `LEAD_SHARDS = "DB,DB_LEADS_1"` the
 * main database is also shard 0.
 *
 * A lead's shard is a hash of the *random* part of its id (the 16 characters after the
 * 10-character time prefix, see `newId`): the time prefix is shared by every lead of a
 * millisecond and would pile a burst onto one shard; the random characters are uniform. The
 * hash (FNV-1a, 32 bits) rather than the last character keeps any N uniform, not only powers of
 * two. The id carries everything needed: no lookup table, no round trip to find a lead.
 *
 * Resharding (out of scope) would go: add the new bindings at the end of `LEAD_SHARDS` under a
 * new generation, keep reading a lead on its old shard (`hash mod N_old`) until a copy job has
 * moved its rows (batches, copied then deleted, like the archive) — or mint new ids only for the
 * new N and leave old leads where they are until the hot window archives them, which is the
 * cheap way: after ARCHIVE_AFTER_DAYS no hot lead lives under the old mapping.
 *
 * Sources and buyer overrides are small reference tables the lead queries join (excluded
 * buyers, sale terms, paused buyers): they are written to every database (see `allDatabases`),
 * so a lead's routing still reads them in its one round trip.
 */

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** Characters of the time prefix in an id (`newId`). */
const TIME_CHARS = 10;
/** Most shards one deployment may name (a guard against a typo'd list, not a platform limit). */
export const MAX_SHARDS = 64;

/** The bindings sharding reads. */
export interface ShardEnv {
  DB: D1Database;
  LEAD_SHARDS?: string;
}

/** FNV-1a (32 bits) of a string's UTF-16 code units: cheap, stable, well spread on short keys. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The random part of an id (after `prefix_` and the time prefix); the whole id when it is not one of ours. */
function randomPart(id: string): string {
  const us = id.indexOf("_");
  const body = us >= 0 ? id.slice(us + 1) : id;
  return body.length > TIME_CHARS ? body.slice(TIME_CHARS) : id;
}

/** The shard (0 … n-1) of a lead id among `n` shards. */
export function shardIndex(leadId: string, n: number): number {
  return n <= 1 ? 0 : fnv1a(randomPart(leadId)) % n;
}

/** The shard a key pins its lead to (a source's external id or idempotency key). */
export function shardOfKey(key: string, n: number): number {
  return n <= 1 ? 0 : fnv1a(key) % n;
}

const names = new WeakMap<object, string[]>();

/** The binding names of the lead shards, shard 0 first (read once per env object). */
export function shardNames(env: ShardEnv): string[] {
  let out = names.get(env);
  if (!out) {
    const list = (env.LEAD_SHARDS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    out = list.length === 0 ? ["DB"] : list;
    if (out.length > MAX_SHARDS) throw new Error(`LEAD_SHARDS names ${out.length} databases; at most ${MAX_SHARDS}`);
    if (new Set(out).size !== out.length) throw new Error("LEAD_SHARDS names a database twice");
    // Shard 0 is the main database: ping/post leads are pinned there with their auction (intake/exchange).
    if (out[0] !== "DB") throw new Error(`LEAD_SHARDS must start with DB (the main database is shard 0), got ${out[0]}`);
    names.set(env, out);
  }
  return out;
}

function isD1(v: unknown): v is D1Database {
  return typeof v === "object" && v !== null && typeof (v as { prepare?: unknown }).prepare === "function";
}

/** The lead shards as bindings, shard 0 first. A name without a D1 binding stops the Worker with its name. */
export function shardBindings(env: ShardEnv): D1Database[] {
  const bag = env as unknown as Record<string, unknown>;
  return shardNames(env).map((name) => {
    const b = bag[name];
    if (!isD1(b)) throw new Error(`LEAD_SHARDS names ${name}, which is not a D1 binding of this Worker (wrangler.toml [[d1_databases]])`);
    return b;
  });
}

/** How many lead shards this deployment has. */
export function shardCount(env: ShardEnv): number {
  return shardNames(env).length;
}

/** A random `lead_…` id (time prefix + 16 random characters), like `newId("lead")`. */
function mint(nowMs: number): string {
  let time = "";
  let t = nowMs;
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `lead_${time}${rand}`;
}

/**
 * A new lead id, optionally pinned to one shard: `{ key }` pins it to the shard of a key (a
 * source's external id or idempotency key, so a repeat lands on the same shard, where the
 * unique index settles the race), `{ shard }` to a given shard. Ids are re-drawn until their
 * random part hashes to the shard (N draws on average); unpinned ids spread uniformly.
 */
export function newLeadId(env: ShardEnv, nowMs: number, pin?: { key: string } | { shard: number }): string {
  const n = shardCount(env);
  if (!pin || n <= 1) return mint(nowMs);
  const want = "key" in pin ? shardOfKey(pin.key, n) : Math.min(Math.max(0, pin.shard), n - 1);
  for (let i = 0; i < 64 * n; i++) {
    const id = mint(nowMs);
    if (shardIndex(id, n) === want) return id;
  }
  // Unreachable in practice (probability (1-1/n)^(64n) ≈ e^-64): fail loudly rather than mis-shard.
  throw new Error(`could not mint a lead id on shard ${want} of ${n}`);
}
