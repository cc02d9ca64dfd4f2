import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { leadShard } from "../../../src/db/client";
import { recordDeadLetter } from "../../../src/db/dead-letters";
import { earlierLeads, leadHashes } from "../../../src/db/dedupe";
import { purgePersonalData } from "../../../src/db/retention";
import { insertWebhookEvent } from "../../../src/db/webhook-events";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { runRetention } from "../../../src/ops/cron";
import { testBuyer, uid } from "../helpers/buyers";
import { storeLead, testClock } from "../helpers/engine";
import { opsHarness } from "../helpers/ops";
import { everyD1, leadD1 } from "../helpers/shards";
import { ADMIN, newSource } from "../helpers/sources";

const DAY = 86_400_000;

/** Personal data only this test uses, in every writing a row could hold it. */
const PEOPLE = [
  {
    phone: "(415) 867-4921",
    e164: "+14158674921",
    digits: "4158674921",
    email: "Quinn.Retain@Example.org",
    street: "4417 Quail Hollow Rd",
    dob: "03/14/1977",
    iso: "1977-03-14",
  },
  {
    phone: "312.624.8830",
    e164: "+13126248830",
    digits: "3126248830",
    email: "marta.vogt@example.net",
    street: "88 Larchmere Blvd",
    dob: "11/02/1969",
    iso: "1969-11-02",
  },
  {
    phone: "+1 (206) 443-1187",
    e164: "+12064431187",
    digits: "2064431187",
    email: "d.okafor@example.com",
    street: "17 Pelican Crest Way",
    dob: "07/30/1990",
    iso: "1990-07-30",
  },
];

function needles(p: (typeof PEOPLE)[number]): string[] {
  const d = p.digits;
  return [
    d,
    `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
    `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
    `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`,
    p.e164,
    p.email.toLowerCase(),
    p.email,
    p.street,
    p.street.split(" ").slice(1).join(" "),
    p.dob,
    p.iso,
  ];
}

/** Every row of every table of the database, as text. */
async function dumpAll(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [i, d1] of everyD1().entries()) {
    const tables = await d1
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'")
      .all<{ name: string }>();
    for (const t of tables.results) {
      const rows = await d1.prepare(`SELECT * FROM "${t.name}"`).all();
      out.set(`${i}:${t.name}`, JSON.stringify(rows.results));
    }
  }
  return out;
}

function hits(dump: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [table, text] of dump) {
    const lower = text.toLowerCase();
    for (const p of PEOPLE) for (const n of needles(p)) if (lower.includes(n.toLowerCase())) found.push(`${table}: ${n}`);
  }
  return found;
}

describe("retention", () => {
  it("removes every raw phone, e-mail, date of birth and street after the period; hashes, status, timeline and reports stay", async () => {
    const T0 = Date.UTC(2032, 0, 10, 12, 0, 0);
    const buyer = uid("ret");
    const h = opsHarness([testBuyer(buyer, "accept", { price: 40 })], [], { RETENTION_DAYS: "30", RETENTION_BATCH: "2" });
    const clock = testClock(T0);
    const source = await newSource("Retention source");
    const ids: string[] = [];
    for (const p of PEOPLE) {
      const id = await storeLead(
        h.env,
        clock,
        { phone: p.phone, email: p.email, dob: p.dob, address: { street: p.street, city: "Austin", state: "TX", zip: "78701" } },
        source,
      );
      expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer });
      ids.push(id);
      clock.advance(1000);
    }
    // A buyer's callback and a dead letter that echo personal data.
    await insertWebhookEvent(h.env, {
      id: `whe_${uid("r")}`,
      buyerId: buyer,
      eventId: uid("ev"),
      type: "status",
      payload: JSON.stringify({ lead: { email: PEOPLE[0]?.email, phone: PEOPLE[0]?.phone } }),
      status: "ignored",
      error: null,
      nowMs: T0,
    });
    await recordDeadLetter(h.env, { queue: "leadwire-events-dlq", body: { email: PEOPLE[1]?.email }, attempts: 8, nowMs: T0 });

    // Before: the exact request archive and the attempts hold the data the buyer was sent.
    expect(hits(await dumpAll()).length).toBeGreaterThan(0);

    const app = createApp({ clock: testClock(T0 + 3_600_000) });
    const call = (path: string) => app.fetch(new Request(`https://leadwire.test${path}`, { headers: { authorization: `Bearer ${ADMIN}` } }), h.env);
    const report = async () => {
      const m = await (await call("/v1/metrics?window=24h")).json<Record<string, unknown>>();
      // The figures, not how many rows D1 happened to read for them (old minute rows were pruned meanwhile).
      delete m.circuits;
      delete m.meta;
      return m;
    };
    const before = await report();
    const leadBefore = await (await call(`/v1/leads/${ids[0]}`)).json<{ status: string; timeline: { type: string; at: string }[]; attempts: unknown[] }>();
    expect((before.leads as { sold: number }).sold).toBeGreaterThanOrEqual(3);

    // One step is bounded: at most `limit` leads per kind on each lead shard (one here, so that
    // with three leads on two shards one shard always keeps a backlog for the cron).
    const first = await purgePersonalData(h.env, { beforeMs: T0 + DAY, limit: 1, nowMs: T0 + 31 * DAY });
    const perShard = everyD1().map((_, i) => ids.filter((id) => leadShard(h.env, id) === i).length);
    expect(first.leads).toBe(perShard.reduce((n, k) => n + Math.min(k, 1), 0));
    expect(first.leads).toBeLessThan(ids.length);
    // The cron repeats full steps until the backlog is gone.
    const run = await runRetention(h.env, T0 + 31 * DAY);
    expect(run.purged.leads).toBeGreaterThanOrEqual(1);

    const found = hits(await dumpAll());
    expect(found, `personal data left: ${found.join("; ")}`).toEqual([]);

    // Duplicates are still found by their hashes.
    for (const [i, p] of PEOPLE.entries()) {
      const dupes = await earlierLeads(h.env, "auto_insurance", await leadHashes(h.env, { phone: p.e164, email: p.email.toLowerCase() }), 0);
      expect(dupes.map((d) => d.leadId)).toContain(ids[i]);
      expect(new Set(dupes.map((d) => d.kind))).toEqual(new Set(["phone", "email"]));
    }

    // A purged lead answers with its status and timeline, marked purged.
    const after = await call(`/v1/leads/${ids[0]}`);
    expect(after.status).toBe(200);
    const leadAfter = await after.json<{
      status: string;
      purged: boolean;
      lead: unknown;
      timeline: { type: string; at: string }[];
      attempts: { outcome: string; request: unknown }[];
    }>();
    expect(leadAfter).toMatchObject({ status: leadBefore.status, purged: true, lead: {} });
    expect(leadAfter.timeline.map((e) => [e.type, e.at])).toEqual(leadBefore.timeline.map((e) => [e.type, e.at]));
    expect(leadAfter.attempts).toHaveLength(leadBefore.attempts.length);
    expect(leadAfter.attempts[0]).toMatchObject({ outcome: "accepted", request: { purged: true } });

    // Reports unchanged.
    expect(await report()).toEqual(before);
  });

  it("past the compliance period the sanitized lead and its attempts are deleted", async () => {
    const T0 = Date.UTC(2032, 5, 1, 12, 0, 0);
    const buyer = uid("cmp");
    const h = opsHarness([testBuyer(buyer, "accept")], [], { RETENTION_DAYS: "30", COMPLIANCE_YEARS: "1" });
    const clock = testClock(T0);
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    await runRetention(h.env, T0 + 40 * DAY);
    const purged = await leadD1(id).prepare("SELECT purged_at FROM leads WHERE id = ?").bind(id).first<{ purged_at: string }>();
    expect(purged?.purged_at).toBeTruthy();
    expect((await leadD1(id).prepare("SELECT COUNT(*) AS n FROM delivery_attempts WHERE lead_id = ?").bind(id).first<{ n: number }>())?.n).toBe(1);
    const r = await runRetention(h.env, T0 + 370 * DAY);
    expect(r.expired.leads).toBeGreaterThanOrEqual(1);
    expect(await leadD1(id).prepare("SELECT id FROM leads WHERE id = ?").bind(id).first()).toBeNull();
    expect((await leadD1(id).prepare("SELECT COUNT(*) AS n FROM delivery_attempts WHERE lead_id = ?").bind(id).first<{ n: number }>())?.n).toBe(0);
  });
});
