/**
 * Hot and cold data (issue 17): the cron moves leads past ARCHIVE_AFTER_DAYS to R2 (local R2
 * here) in bounded batches, day-partitioned gzip NDJSON with the personal data purged, then
 * deletes them from D1; the status API still answers them (`archived: true`); the admin export
 * reads a day range back; a lead in the middle of delivery is never taken; a crash between the
 * steps neither loses nor duplicates a lead. The clock is injected: the days are fixed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { leadShard } from "../../../src/db/client";
import { leaseLead } from "../../../src/db/leads";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { runArchive } from "../../../src/ops/archive";
import { runOps } from "../../../src/ops/cron";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, storeLead, testClock } from "../helpers/engine";
import { everyD1, leadD1 } from "../helpers/shards";
import { ADMIN, newSource } from "../helpers/sources";

const DAY = 86_400_000;
const LEAD_TABLES = ["leads", "delivery_attempts", "lead_events", "lead_buyers"] as const;

/** How many rows keyed by this lead D1 still holds, over every database and lead table. */
async function rowsInD1(leadId: string): Promise<number> {
  let n = 0;
  for (const d of everyD1()) {
    for (const t of LEAD_TABLES)
      n += Number(
        await d
          .prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE ${t === "leads" ? "id" : "lead_id"} = ?`)
          .bind(leadId)
          .first("n"),
      );
  }
  return n;
}

async function gunzipText(body: ReadableStream): Promise<string> {
  return new Response(body.pipeThrough(new DecompressionStream("gzip"))).text();
}

/** Every archive file under a day, with its lines' lead ids. */
async function filesOfDay(day: string): Promise<{ key: string; ids: string[]; text: string }[]> {
  const out = [];
  const listed = await env.ARCHIVE.list({ prefix: `leads/${day}/` });
  for (const o of listed.objects) {
    const obj = await env.ARCHIVE.get(o.key);
    if (!obj) continue;
    const text = await gunzipText(obj.body);
    const ids = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => (JSON.parse(l) as { id: string }).id);
    out.push({ key: o.key, ids, text });
  }
  return out;
}

/** A D1 database whose batches fail when one of their statements matches `pattern` (a crash at that step). */
function failingD1(db: D1Database, pattern: RegExp): D1Database {
  const REAL = Symbol("real");
  const SQL = Symbol("sql");
  type Tagged = D1PreparedStatement & { [REAL]: D1PreparedStatement; [SQL]: string };
  const wrap = (s: D1PreparedStatement, q: string): Tagged =>
    new Proxy(s, {
      get(t, p) {
        if (p === REAL) return t;
        if (p === SQL) return q;
        if (p === "bind") return (...v: unknown[]) => wrap(t.bind(...v), q);
        const v = Reflect.get(t, p, t);
        return typeof v === "function" ? v.bind(t) : v;
      },
    }) as Tagged;
  return new Proxy(db, {
    get(t, p) {
      if (p === "prepare") return (q: string) => wrap(t.prepare(q), q);
      if (p === "batch")
        return (stmts: Tagged[]) => {
          if (stmts.some((s) => pattern.test(s[SQL] ?? ""))) return Promise.reject(new Error(`simulated crash at ${pattern}`));
          return t.batch(stmts.map((s) => s[REAL] ?? s));
        };
      const v = Reflect.get(t, p, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
}

interface Export {
  id: string;
  shard: number;
  lead: { status: string; data: string; raw: string; purgedAt: string | null };
  attempts: { requestMasked: string; responseBody: string | null }[];
}

async function exportDays(app: ReturnType<typeof createApp>, testEnv: Env, from: string, to: string): Promise<Export[]> {
  const res = await app.fetch(
    new Request(`https://leadwire.test/v1/admin/archive/leads?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${ADMIN}` } }),
    testEnv,
  );
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/x-ndjson");
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Export);
}

describe("the lead archive", () => {
  it("moves a day of ended leads to R2 in bounded batches, deletes them from D1, and still answers them; a lead mid-delivery stays", async () => {
    const T0 = Date.parse("2025-03-03T10:00:00Z");
    const buyer = uid("arch");
    const h = harness([testBuyer(buyer, "accept", { price: 31 })]);
    const testEnv = { ...h.env, ARCHIVE_AFTER_DAYS: "14", ARCHIVE_BATCH: "3" } as unknown as Env;
    const clock = testClock(T0);
    const source = await newSource("Archive source");
    const sold: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await storeLead(testEnv, clock, {}, source);
      expect(await processDeliveryJob(testEnv, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer });
      sold.push(id);
      clock.advance(60_000);
    }
    expect(new Set(sold.map((id) => leadShard(env, id)))).toEqual(new Set([0, 1]));
    // Two leads of the same day that have not ended: one queued, one leased by a worker right now.
    const queued = await storeLead(testEnv, clock, {}, source);
    const leased = await storeLead(testEnv, clock, {}, source);
    expect(await leaseLead(testEnv, leased, "wrk_busy", clock.now(), 30 * DAY)).toBeDefined();

    // Thirteen days later nothing is old enough.
    expect((await runArchive(testEnv, T0 + 13 * DAY)).archived).toBe(0);
    for (const id of sold) expect(await rowsInD1(id)).toBeGreaterThan(0);

    // Fifteen days later: every sold lead of that day moves, three at most per file.
    const later = T0 + 15 * DAY;
    const report = await runArchive(testEnv, later);
    const mine = report.files.filter((f) => f.key.startsWith("leads/2025-03-03/"));
    expect(mine.reduce((n, f) => n + f.leads, 0)).toBe(8);
    for (const f of mine) {
      expect(f.leads).toBeLessThanOrEqual(3);
      expect(f.key).toMatch(/^leads\/2025-03-03\/[01]-lead_[0-9a-z]{26}-[0-9a-z]+\.ndjson\.gz$/);
      // gzip made it smaller than the NDJSON it holds.
      expect(f.bytes).toBeLessThan(f.rawBytes);
    }
    for (const id of sold) expect(await rowsInD1(id), id).toBe(0);
    expect(await leadD1(queued).prepare("SELECT status FROM leads WHERE id = ?").bind(queued).first("status")).toBe("queued");
    expect(await leadD1(leased).prepare("SELECT status FROM leads WHERE id = ?").bind(leased).first("status")).toBe("delivering");

    // The files hold each sold lead once, and none of its personal data.
    const files = await filesOfDay("2025-03-03");
    const inFiles = files.flatMap((f) => f.ids).filter((id) => sold.includes(id) || id === queued || id === leased);
    expect(inFiles.sort()).toEqual([...sold].sort());
    for (const f of files) {
      expect(f.text).not.toMatch(/715-?3718|obrien@example|Sunset Blvd|07\/20\/1989|1989-07-20/i);
    }

    // The status API answers an archived lead, marked archived, for the admin and for its source.
    const app = createApp({ clock: testClock(later) });
    const first = sold[0] ?? "";
    const view = await (
      await app.fetch(new Request(`https://leadwire.test/v1/leads/${first}`, { headers: { authorization: `Bearer ${ADMIN}` } }), testEnv)
    ).json<{
      status: string;
      archived: boolean;
      purged: boolean;
      lead: Record<string, unknown>;
      sold: { buyer: string; price: number };
      attempts: { outcome: string; request: unknown }[];
      timeline: { type: string }[];
    }>();
    expect(view).toMatchObject({ status: "sold", archived: true, purged: true, lead: {}, sold: { buyer, price: 31 } });
    expect(view.attempts).toHaveLength(1);
    expect(view.attempts[0]).toMatchObject({ outcome: "accepted", request: { purged: true } });
    expect(view.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(["received", "sold"]));
    const asSource = await app.fetch(
      new Request(`https://leadwire.test/v1/leads/${first}`, { headers: { authorization: `Bearer ${source.apiKey}` } }),
      testEnv,
    );
    expect(await asSource.json()).toMatchObject({ id: first, status: "sold", archived: true });
    // Another source gets the same 404 as for a lead that never was.
    const other = await newSource("Other source");
    const notYours = await app.fetch(new Request(`https://leadwire.test/v1/leads/${first}`, { headers: { authorization: `Bearer ${other.apiKey}` } }), testEnv);
    expect(notYours.status).toBe(404);

    // The export reads the day back: each archived lead once.
    const exported = (await exportDays(app, testEnv, "2025-03-03", "2025-03-03")).filter((r) => sold.includes(r.id));
    expect(exported.map((r) => r.id).sort()).toEqual([...sold].sort());
    for (const r of exported) {
      expect(r.lead).toMatchObject({ status: "sold", data: '{"purged":true}', raw: '{"purged":true}' });
      expect(r.shard).toBe(leadShard(env, r.id));
      for (const a of r.attempts) expect(a).toMatchObject({ requestMasked: '{"purged":true}', responseBody: null });
    }
    // A later run has nothing left of that day but the two leads still in flight.
    const again = await runArchive(testEnv, later + 60_000);
    expect(again.files.filter((f) => f.key.startsWith("leads/2025-03-03/"))).toEqual([]);
  });

  it("the minute cron runs the archive; a bad day range is a 400 naming the field", async () => {
    const T0 = Date.parse("2025-04-07T09:00:00Z");
    const buyer = uid("archcron");
    const h = harness([testBuyer(buyer, "accept")]);
    const testEnv = { ...h.env, ARCHIVE_AFTER_DAYS: "14" } as unknown as Env;
    const clock = testClock(T0);
    const id = await storeLead(testEnv, clock);
    expect(await processDeliveryJob(testEnv, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold" });
    clock.set(T0 + 15 * DAY);
    const ops = await runOps(testEnv, clock);
    expect(ops.errors).toEqual([]);
    expect(ops.archive?.archived).toBeGreaterThanOrEqual(1);
    expect(await rowsInD1(id)).toBe(0);

    const app = createApp({ clock });
    const bad = async (q: string) =>
      (await app.fetch(new Request(`https://leadwire.test/v1/admin/archive/leads?${q}`, { headers: { authorization: `Bearer ${ADMIN}` } }), testEnv)).json<{
        error: { code: string; issues: { path: string; message: string }[] };
      }>();
    expect((await bad("from=2025-04-31&to=2025-05-01")).error.issues).toEqual([{ path: "query.from", message: "must be a day as YYYY-MM-DD" }]);
    expect((await bad("from=2025-04-07&to=2025-04-01")).error.issues).toEqual([{ path: "query.to", message: "must not be before from" }]);
    expect((await bad("from=2025-01-01&to=2025-04-01")).error.issues).toEqual([{ path: "query.to", message: "at most 31 days after from" }]);
    const unauth = await app.fetch(new Request("https://leadwire.test/v1/admin/archive/leads?from=2025-04-07&to=2025-04-07"), testEnv);
    expect(unauth.status).toBe(401);
  });

  it("a crash after the file is written, or after the index, neither loses nor duplicates a lead", async () => {
    const T0 = Date.parse("2025-05-12T08:00:00Z");
    const buyer = uid("archcrash");
    const h = harness([testBuyer(buyer, "accept")]);
    const base = { ...h.env, ARCHIVE_AFTER_DAYS: "14", ARCHIVE_BATCH: "45" } as unknown as Env;
    const clock = testClock(T0);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await storeLead(base, clock);
      expect(await processDeliveryJob(base, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold" });
      ids.push(id);
      clock.advance(1000);
    }
    const later = T0 + 15 * DAY;
    // Crash 1: the file is in R2, the index write fails.
    const noIndex = { ...base, DB: failingD1(env.DB, /archived_leads/) } as unknown as Env;
    await expect(runArchive(noIndex, later)).rejects.toThrow(/simulated crash/);
    for (const id of ids) expect(await rowsInD1(id)).toBeGreaterThan(0);
    const orphanFiles = (await filesOfDay("2025-05-12")).length;
    expect(orphanFiles).toBeGreaterThan(0);

    // Crash 2: file and index written, the delete fails (on every shard).
    const noDelete = {
      ...base,
      DB: failingD1(env.DB, /delete from "bids"/i),
      DB_LEADS_1: failingD1(env.DB_LEADS_1, /delete from "bids"/i),
    } as unknown as Env;
    await expect(runArchive(noDelete, later + 60_000)).rejects.toThrow(/simulated crash/);
    for (const id of ids) expect(await rowsInD1(id)).toBeGreaterThan(0);

    // A clean run: it only deletes (the index already has these versions), writing no new file.
    const clean = await runArchive(base, later + 120_000);
    expect(clean.files.filter((f) => f.key.startsWith("leads/2025-05-12/"))).toEqual([]);
    for (const id of ids) expect(await rowsInD1(id)).toBe(0);

    // R2 holds stale copies from the first crash, but the export and the status API read through the index: each lead once.
    const app = createApp({ clock: testClock(later) });
    const exported = (await exportDays(app, base, "2025-05-12", "2025-05-12")).filter((r) => ids.includes(r.id));
    expect(exported.map((r) => r.id).sort()).toEqual([...ids].sort());
    const all = (await filesOfDay("2025-05-12")).flatMap((f) => f.ids).filter((id) => ids.includes(id));
    expect(all.length).toBeGreaterThan(ids.length);
    for (const id of ids) {
      const res = await app.fetch(new Request(`https://leadwire.test/v1/leads/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } }), base);
      expect(await res.json()).toMatchObject({ id, status: "sold", archived: true });
    }
  });
});
