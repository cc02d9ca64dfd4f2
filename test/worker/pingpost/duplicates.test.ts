import { env } from "cloudflare:workers";
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, leadRow, mockRequests, storeLead, testClock } from "../helpers/engine";
import { countAll, leadD1 } from "../helpers/shards";
import { newSource, sampleLead } from "../helpers/sources";
import { appWith, sourceWithTerms } from "./helpers";

describe("duplicate suppression", () => {
  it("leaves a buyer out of a lead it already bought from another source, also after the first lead's personal data is purged", async () => {
    const picky = uid("picky");
    const other = uid("other");
    const h = harness([testBuyer(picky, "accept", { price: 50, dedupe: { days: 30 } }), testBuyer(other, "accept", { price: 20 })]);
    const clock = testClock();
    const phone = `(469) 555-${String(1000 + Math.floor(Math.random() * 8999))}`;
    const first = await storeLead(h.env, clock, { phone }, await newSource("Source One"));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: first })).toMatchObject({ status: "sold", buyer: picky });

    clock.advance(3 * 86_400_000);
    const second = await storeLead(h.env, clock, { phone, email: "someone.else@example.com" }, await newSource("Source Two"));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: second })).toMatchObject({ status: "sold", buyer: other });
    expect(await mockRequests(picky)).toHaveLength(1);
    expect(JSON.parse(String((await leadRow(second))?.outcome_reasons))).toContainEqual({
      buyerId: picky,
      reason: "left out: bought the same phone or e-mail 3 day(s) ago (dedupe 30 days)",
    });

    // Retention purges the personal data of the first lead; its hashes stay, and so does the rule.
    for (const id of [first, second]) await leadD1(id).prepare("UPDATE leads SET data = '{}', raw = '{}' WHERE id = ?").bind(id).run();
    const hashes = await leadD1(first).prepare("SELECT kind, hash FROM lead_hashes WHERE lead_id = ?").bind(first).all<{ kind: string; hash: string }>();
    expect(hashes.results.map((r) => r.kind).sort()).toEqual(["email", "phone"]);
    expect(JSON.stringify(hashes.results)).not.toMatch(/469|example\.com/);
    const third = await storeLead(h.env, clock, { phone }, await newSource("Source Three"));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: third })).toMatchObject({ status: "sold", buyer: other });
    expect(await mockRequests(picky)).toHaveLength(1);

    // Past its window the buyer gets the person again.
    clock.advance(31 * 86_400_000);
    const later = await storeLead(h.env, clock, { phone }, await newSource("Source Four"));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: later })).toMatchObject({ status: "sold", buyer: picky });
  });

  it("a source that refuses duplicates gets a 409 naming the field and the duplicate's age", async () => {
    const clock = testClock();
    const { call } = appWith([testBuyer(uid("dupb"), "accept")], clock);
    const email = `dup-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const elsewhere = await newSource("Elsewhere");
    expect((await call("/v1/leads", elsewhere.apiKey, sampleLead({ email, phone: "(972) 555-0199" }))).status).toBe(202);
    clock.advance(5 * 3_600_000);
    const strict = await sourceWithTerms({ rejectDuplicatesDays: 7 });
    const dup = await call("/v1/leads", strict.apiKey, sampleLead({ email, phone: "(972) 555-0142" }));
    expect(dup.status).toBe(409);
    const body = await dup.json<{ error: { message: string; issues: { path: string; message: string }[] } }>();
    expect(body.error.message).toBe("Duplicate lead: a lead with the same email was received 5 hours ago.");
    expect(body.error.issues).toEqual([{ path: "email", message: "already received 5 hours ago (this source refuses duplicates within 7 days)" }]);
    // A new person is taken.
    expect((await call("/v1/leads", strict.apiKey, sampleLead({ email: `new-${email}`, phone: "(972) 555-0143" }))).status).toBe(202);
  });
});

describe("keyed duplicate hashes", () => {
  const KEY = env.DEDUPE_HASH_KEY;
  const hmac = (value: string, key = KEY) => createHmac("sha256", key).update(value).digest("hex");
  const plain = (value: string) => createHash("sha256").update(value).digest("hex");
  const freshPhone = () => `(469) 555-${String(1000 + Math.floor(Math.random() * 8999))}`;
  const e164 = (phone: string) => `+1${phone.replace(/\D/g, "")}`;

  /** Rewrites a stored lead's hashes as the code before keyed hashing wrote them: plain SHA-256. */
  async function makeLegacy(leadId: string, phone: string, email: string) {
    const d1 = leadD1(leadId);
    await d1.batch([
      d1.prepare("UPDATE lead_hashes SET hash = ? WHERE lead_id = ? AND kind = 'phone'").bind(plain(e164(phone)), leadId),
      d1.prepare("UPDATE lead_hashes SET hash = ? WHERE lead_id = ? AND kind = 'email'").bind(plain(email), leadId),
    ]);
  }

  it("stores HMAC-SHA-256 under DEDUPE_HASH_KEY, not the plain SHA-256 a phone's 10^10 values would give away", async () => {
    const h = harness([testBuyer(uid("keyed"), "accept")]);
    const clock = testClock();
    const phone = freshPhone();
    const email = `keyed-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const id = await storeLead(h.env, clock, { phone, email: ` ${email.toUpperCase()} ` });
    const rows = await leadD1(id).prepare("SELECT kind, hash FROM lead_hashes WHERE lead_id = ? ORDER BY kind").bind(id).all<{ kind: string; hash: string }>();
    expect(rows.results).toEqual([
      { kind: "email", hash: `k1:${hmac(email)}` },
      { kind: "phone", hash: `k1:${hmac(e164(phone))}` },
    ]);
    const stored = JSON.stringify(rows.results);
    expect(stored).not.toContain(plain(e164(phone)));
    expect(stored).not.toContain(plain(email));
    // The key is what makes it: another key gives another hash for the same phone.
    expect(hmac(e164(phone), `${KEY}-other`)).not.toBe(hmac(e164(phone)));
  });

  it("a duplicate posted after the key change is still caught from the legacy plain hash, by a source's window and by a buyer's dedupe", async () => {
    const picky = uid("legacy-picky");
    const other = uid("legacy-other");
    const clock = testClock();
    const h = harness([testBuyer(picky, "accept", { price: 50, dedupe: { days: 30 } }), testBuyer(other, "accept", { price: 20 })]);
    const app = createApp({ clock });
    const call = (path: string, key: string, body: unknown) =>
      app.request(path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) }, h.env);
    const phone = freshPhone();
    const email = `legacy-${crypto.randomUUID().slice(0, 8)}@example.com`;
    // A lead stored and sold to `picky` before the key existed: its hashes are plain SHA-256.
    const before = await storeLead(h.env, clock, { phone, email }, await newSource("Before The Key"));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: before })).toMatchObject({ status: "sold", buyer: picky });
    await makeLegacy(before, phone, email);

    clock.advance(2 * 86_400_000);
    // A source that refuses duplicates: 409, found by the legacy phone hash (another e-mail).
    const strict = await sourceWithTerms({ rejectDuplicatesDays: 7 });
    const dup = await call("/v1/leads", strict.apiKey, sampleLead({ phone, email: `new-${email}` }, clock.now()));
    expect(dup.status).toBe(409);
    expect((await dup.json<{ error: { issues: { path: string; message: string }[] } }>()).error.issues).toEqual([
      { path: "phone", message: "already received 2 days ago (this source refuses duplicates within 7 days)" },
    ]);

    // A buyer's dedupe: the buyer that bought the legacy lead is left out; the new lead stores a keyed hash only.
    const after = await storeLead(h.env, clock, { phone, email: `other-${email}` }, await newSource("After The Key"));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: after })).toMatchObject({ status: "sold", buyer: other });
    expect(await mockRequests(picky)).toHaveLength(1);
    const hashes = await leadD1(after).prepare("SELECT hash FROM lead_hashes WHERE lead_id = ?").bind(after).all<{ hash: string }>();
    expect(hashes.results.map((r) => r.hash.slice(0, 3))).toEqual(["k1:", "k1:"]);
  });

  it("a key rotation (`k2:<new>,k1:<old>`) writes under the new key and still catches duplicates hashed under the old one, by a source's window and by a buyer's dedupe", async () => {
    const picky = uid("rot-picky");
    const other = uid("rot-other");
    const clock = testClock();
    const h = harness([testBuyer(picky, "accept", { price: 50, dedupe: { days: 30 } }), testBuyer(other, "accept", { price: 20 })]);
    const phone = freshPhone();
    const email = `rotate-${crypto.randomUUID().slice(0, 8)}@example.com`;
    // Before the rotation: the single key, as k1.
    const before = await storeLead(h.env, clock, { phone, email }, await newSource("Before Rotation"));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: before })).toMatchObject({ status: "sold", buyer: picky });

    const NEW = `rotated-dedupe-key-${"9".repeat(24)}`;
    const rotated = { ...h.env, DEDUPE_HASH_KEY: `k2:${NEW},k1:${KEY}` } as Env;
    clock.advance(86_400_000);
    // A source that refuses duplicates: 409, found by the old key's phone hash (another e-mail).
    const strict = await sourceWithTerms({ rejectDuplicatesDays: 7 });
    const app = createApp({ clock });
    const call = (e: Env, body: unknown) =>
      app.request(
        "/v1/leads",
        { method: "POST", headers: { authorization: `Bearer ${strict.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) },
        e,
      );
    const dup = await call(rotated, sampleLead({ phone, email: `new-${email}` }, clock.now()));
    expect(dup.status).toBe(409);

    // A buyer's dedupe: the buyer that bought it under k1 is left out; the new lead's hashes are k2 only.
    const after = await storeLead(rotated, clock, { phone, email: `other-${email}` }, await newSource("After Rotation"));
    expect(await processDeliveryJob(rotated, clock, { kind: "deliver", leadId: after })).toMatchObject({ status: "sold", buyer: other });
    expect(await mockRequests(picky)).toHaveLength(1);
    const rows = await leadD1(after)
      .prepare("SELECT kind, hash FROM lead_hashes WHERE lead_id = ? ORDER BY kind")
      .bind(after)
      .all<{ kind: string; hash: string }>();
    expect(rows.results).toEqual([
      { kind: "email", hash: `k2:${hmac(`other-${email}`, NEW)}` },
      { kind: "phone", hash: `k2:${hmac(e164(phone), NEW)}` },
    ]);

    // Why the old key stays listed until its newest hash is older than the longest window: without it, the k1 lead is not matched.
    const retiredTooSoon = { ...h.env, DEDUPE_HASH_KEY: `k2:${NEW}` } as Env;
    expect((await call(retiredTooSoon, sampleLead({ phone: freshPhone(), email }, clock.now()))).status).toBe(202);
  });

  it("without DEDUPE_HASH_KEY a lead is refused whole (500, nothing stored), and a production Worker does not start (503 naming it)", async () => {
    const src = await newSource("No Key Source");
    const app = createApp();
    const post = (e: Env) =>
      app.request(
        "/v1/leads",
        { method: "POST", headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(sampleLead()) },
        e,
      );
    const noKey = { ...env, DEDUPE_HASH_KEY: "", DELIVERIES: harness([]).queue } as unknown as Env;
    const res = await post(noKey);
    expect(res.status).toBe(500);
    expect(await countAll("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?", src.id)).toBe(0);

    const prod = await post({ ...noKey, ENVIRONMENT: "production" } as Env);
    expect(prod.status).toBe(503);
    expect(await countAll("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?", src.id)).toBe(0);
  });
});
