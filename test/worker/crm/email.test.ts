/**
 * E-mail delivery (issue 16) through the runtime's own `send_email` binding (wrangler.toml
 * `[[send_email]] name = "SEND_EMAIL"`). Locally miniflare does not send mail: it checks each
 * message (parsable MIME, From matching the envelope, a Message-ID) and stores it as an .eml
 * file, which the mock buyer's mailbox reads back (test/mock-buyer/mailbox.ts). One mail per
 * lead is a delivery like any other; the digest is collected in the gate and sent on its alarm.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { applyGateResults } from "../../../src/delivery/batch";
import { processDeliveryJob, type WaterfallOutcome } from "../../../src/delivery/waterfall";
import { type BuyerConfig, type BuyerConfigInput, BuyerConfigSchema } from "../../../src/integration/config";
import { gate, input, lead, uid } from "../buyer-gate/fixtures";
import { harness, storeLead, testClock } from "../helpers/engine";
import { setGateClock } from "../helpers/gate";
import { allRows, leadD1, mergeCounts } from "../helpers/shards";
import { newSource } from "../helpers/sources";

const TO = ["intake@buyer.example", "backup@buyer.example"];

/** A buyer that takes leads by e-mail: its columns are the mapping's names, in order. */
function emailBuyer(email: Record<string, unknown> = {}, over: Partial<BuyerConfigInput> = {}): BuyerConfig {
  const id = uid("mail");
  return BuyerConfigSchema.parse({
    id,
    name: `Mail ${id}`,
    verticals: ["auto_insurance"],
    price: 700,
    endpoint: { url: `mailto:${TO.join(",")}` },
    format: { type: "csv" },
    mapping: {
      fields: [
        { to: "Lead id", from: "lead.id" },
        { to: "First name", from: "lead.first_name", required: true },
        { to: "Last name", from: "lead.last_name", required: true },
        { to: "Phone", from: "lead.phone", format: { phone: "dashed" } },
        { to: "E-mail", from: "lead.email" },
        { to: "State", from: "lead.address.state" },
      ],
    },
    response: { rules: [] },
    email: { from: { addr: "leads@leadwire.example", name: "Leadwire" }, to: TO, subjectPrefix: `[${id}]`, ...email },
    ...over,
  } satisfies BuyerConfigInput);
}

/** The mails the local binding stored that contain `needle` (their Message-ID), read back by a MIME parser. */
async function mailbox(needle: string) {
  const res = await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/mailbox?contains=${encodeURIComponent(needle)}`);
  const stored = (await res.json()) as { file: string; raw: string }[];
  return Promise.all(stored.map(async (m) => ({ ...(await PostalMime.parse(m.raw)), raw: m.raw })));
}

const csvOf = (att: { content: ArrayBuffer | Uint8Array | string } | undefined) =>
  att ? (typeof att.content === "string" ? att.content : new TextDecoder().decode(att.content)) : "";

describe("e-mail delivery, one mail per lead", () => {
  it("the binding takes the mail: accepted, one message per recipient, the lead in the text and as a one-row CSV", async () => {
    const b = emailBuyer();
    const l = lead({ first_name: "Ada", last_name: "Lovelace", email: "ada.mail@example.com" });
    const inp = input(b, { lead: l });
    const r = await gate(b).deliver(inp);
    expect(r).toMatchObject({ outcome: "accepted", sent: true, buyerLeadId: `<${inp.deliveryId}@leadwire.example>` });
    expect(r.request).toMatchObject({ url: `mailto:${TO.join(",")}`, headers: { From: "leads@leadwire.example", "Message-ID": r.buyerLeadId } });
    // Encrypted for compliance, the raw MIME is never in the masked record.
    expect(r.archive?.data).toBeTruthy();
    expect(r.request?.body).not.toContain("Content-Transfer-Encoding");

    // One message per recipient (the binding takes one envelope `to` each); both name every recipient.
    const mails = await mailbox(inp.deliveryId);
    expect(mails).toHaveLength(2);
    for (const m of mails) {
      expect(m.to?.map((a) => a.address)).toEqual(TO);
      expect(m.from?.address).toBe("leads@leadwire.example");
      expect(m.messageId).toBe(r.buyerLeadId);
      expect(m.subject).toBe(`[${b.id}] New auto insurance lead ${l.id}`);
      expect(m.text).toContain("First name: Ada");
      expect(m.text).toContain("Phone:      202-555-0123");
      expect(m.attachments).toHaveLength(1);
      expect(m.attachments[0]?.filename).toBe(`${l.id}.csv`);
      expect(csvOf(m.attachments[0])).toBe(`Lead id,First name,Last name,Phone,E-mail,State\r\n${l.id},Ada,Lovelace,202-555-0123,ada.mail@example.com,TX\r\n`);
    }
  });

  it("through the waterfall: the lead is sold by e-mail and the attempt is recorded, personal data masked", async () => {
    const b = emailBuyer();
    const h = harness([b]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const out = (await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })) as WaterfallOutcome;
    expect(out).toMatchObject({ status: "sold", buyer: b.id, attempts: 1 });
    expect(out.buyerLeadId).toMatch(/^<dlv_\w+@leadwire\.example>$/);
    const row = await leadD1(id)
      .prepare("SELECT outcome, endpoint, request_masked, request_encrypted, buyer_lead_id FROM delivery_attempts WHERE lead_id = ?")
      .bind(id)
      .first<{ outcome: string; endpoint: string; request_masked: string; request_encrypted: string | null; buyer_lead_id: string }>();
    expect(row).toMatchObject({ outcome: "accepted", endpoint: `mailto:${TO.join(",")}`, buyer_lead_id: out.buyerLeadId });
    expect(row?.request_encrypted).toBeTruthy();
    expect(row?.request_masked).toContain("First name: Liam");
    expect(row?.request_masked).not.toContain("liam.obrien@example.com");
    expect(row?.request_masked).not.toContain("214-715-3718");
    expect(await mailbox(out.buyerLeadId ?? "none")).toHaveLength(2);
  });

  it("a send_email binding the Worker does not have is a config fault: nothing is sent", async () => {
    const b = emailBuyer({ binding: "NO_SUCH_MAILER" });
    const inp = input(b);
    const r = await gate(b).deliver(inp);
    expect(r).toMatchObject({ outcome: "failed", errorClass: "config", sent: false });
    expect(r.reason).toMatch(/send_email binding NO_SUCH_MAILER is not bound/);
    expect(await mailbox(inp.deliveryId)).toEqual([]);
  });
});

describe("e-mail digest", () => {
  it("leads wait pending in the gate; at the window's end one mail carries them all as CSV rows, then each is sold with the digest's id", async () => {
    const b = emailBuyer({ mode: "digest", digestMinutes: 60 });
    const g = gate(b);
    await setGateClock(g, 0);
    const h = harness([b]);
    const clock = testClock();
    const source = await newSource();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await storeLead(h.env, clock, { first_name: `Digest${i}`, email: `digest${i}@example.com` }, source);
      expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "pending", buyer: b.id });
      ids.push(id);
    }
    const waiting = (await g.status(b)).batch;
    expect(waiting).toMatchObject({ waiting: 3, jobs: [] });
    // Before the window ends nothing goes out.
    await runDurableObjectAlarm(g);
    expect((await g.status(b)).batch).toMatchObject({ waiting: 3 });

    await setGateClock(g, 61 * 60_000);
    await runDurableObjectAlarm(g);
    let batch = (await g.status(b)).batch;
    for (let i = 0; i < 100 && batch?.unreported !== 3; i++) {
      await new Promise((r) => setTimeout(r, 25));
      batch = (await g.status(b)).batch;
    }
    expect(batch).toMatchObject({ waiting: 0, jobs: [], unreported: 3 });

    const results = await g.batchResults(10);
    const messageId = results[0]?.result.buyerLeadId ?? "none";
    expect(results.map((r) => r.result.buyerLeadId)).toEqual([messageId, messageId, messageId]);
    const mails = await mailbox(messageId);
    expect(mails).toHaveLength(2);
    const m = mails[0];
    expect(m?.subject).toMatch(new RegExp(`^\\[${b.id}\\] 3 new leads, `));
    const rows = csvOf(m?.attachments[0]).trim().split("\r\n");
    expect(rows[0]).toBe("leadwire_lead_id,Lead id,First name,Last name,Phone,E-mail,State");
    expect(rows.slice(1).map((r) => r.split(",")[0])).toEqual(ids);
    expect(rows.slice(1).map((r) => r.split(",")[2])).toEqual(["Digest0", "Digest1", "Digest2"]);

    expect(await applyGateResults(h.env, clock, b.id)).toEqual({ applied: 3, sold: 3, sentOn: 0, late: 0 });
    const sold = await allRows<{ status: string; buyer_lead_id: string }>(`SELECT status, buyer_lead_id FROM leads WHERE id IN (?, ?, ?)`, ...ids);
    expect(sold).toEqual(Array(3).fill({ status: "sold", buyer_lead_id: messageId }));
    const att = mergeCounts(
      await allRows<{ outcome: string; n: number }>("SELECT outcome, COUNT(*) AS n FROM delivery_attempts WHERE buyer_id = ? GROUP BY outcome", b.id),
      (r) => r.outcome,
    ).sort((x, y) => x.outcome.localeCompare(y.outcome));
    expect(att).toEqual([
      { outcome: "accepted", n: 3 },
      { outcome: "pending", n: 3 },
    ]);
  });
});
