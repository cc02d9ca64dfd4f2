import { describe, expect, it } from "vitest";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, leadRow, mockRequests, storeLead, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
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
