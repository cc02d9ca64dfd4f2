/** E-mail delivery messages, read back with a real MIME parser (postal-mime) as a mail client would. */
import { parse as parseCsv } from "csv-parse/sync";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { digestEmail, digestWindow, EmailDeliverySchema, leadEmail, rfc5322Date } from "../../../../src/integration/email/mime";

const NOW = Date.UTC(2026, 0, 15, 12, 34, 56);
const cfg = EmailDeliverySchema.parse({
  from: { addr: "leads@leadwire.example", name: "Leadwire Leads" },
  to: ["intake@acme-insurance.example", "backup@acme-insurance.example"],
  replyTo: "ops@leadwire.example",
  subjectPrefix: "[ACME-7]",
});
const fields = [
  { name: "First name", value: "Renée" },
  { name: "Last name", value: "O'Brien-Smith" },
  { name: "Email", value: "renee.obrien@example.com" },
  { name: "Phone", value: "214-715-3718" },
  { name: "Notes", value: "Prefers calls after 5pm,\nnot weekends" },
];

const decode = (content: string | ArrayBuffer | Uint8Array) => (typeof content === "string" ? content : new TextDecoder().decode(content));

describe("one lead per mail", () => {
  it("headers, a readable text body and the same fields as a one-row CSV, all UTF-8", async () => {
    const m = leadEmail(cfg, fields, { leadId: "lead_01JH2", deliveryId: "dlv_01JH2-acme", vertical: "auto_insurance", nowMs: NOW });
    expect(m).toMatchObject({
      from: "leads@leadwire.example",
      to: ["intake@acme-insurance.example", "backup@acme-insurance.example"],
      subject: "[ACME-7] New auto insurance lead lead_01JH2",
      messageId: "<dlv_01JH2-acme@leadwire.example>",
    });
    const p = await PostalMime.parse(m.raw);
    expect(p.from).toMatchObject({ address: "leads@leadwire.example", name: "Leadwire Leads" });
    expect(p.to?.map((t) => t.address)).toEqual(["intake@acme-insurance.example", "backup@acme-insurance.example"]);
    expect(p.replyTo?.map((t) => t.address)).toEqual(["ops@leadwire.example"]);
    expect(p.subject).toBe("[ACME-7] New auto insurance lead lead_01JH2");
    expect(p.messageId).toBe("<dlv_01JH2-acme@leadwire.example>");
    // The date is the injected clock's, not the machine's.
    expect(p.date).toBe("2026-01-15T12:34:56.000Z");
    expect(p.headers.find((h) => h.key === "x-leadwire-lead-id")?.value).toBe("lead_01JH2");
    expect(p.text).toContain("First name: Renée");
    expect(p.text).toContain("Notes:      Prefers calls after 5pm, not weekends");
    expect(p.attachments).toHaveLength(1);
    const a = p.attachments[0];
    expect(a?.filename).toBe("lead_01JH2.csv");
    expect(a?.mimeType).toBe("text/csv");
    expect(parseCsv(decode(a?.content ?? ""), { columns: true })).toEqual([Object.fromEntries(fields.map((f) => [f.name, f.value]))]);
  });

  it("is RFC 5322 on the wire: CRLF line ends, no line over 998 characters, base64 wrapped at 76", () => {
    const long = [{ name: "Comments", value: "é".repeat(5_000) }];
    const m = leadEmail(cfg, long, { leadId: "lead_1", deliveryId: "dlv_1", vertical: "solar", nowMs: NOW });
    expect(m.raw.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    const lines = m.raw.split("\r\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(998);
    const body = lines.filter((l) => /^[A-Za-z0-9+/=]{20,}$/.test(l));
    expect(body.length).toBeGreaterThan(10);
    for (const l of body) expect(l.length).toBeLessThanOrEqual(76);
  });

  it("a retried send is the same message id; a test lead says so; a subject cannot inject headers", async () => {
    const opts = { leadId: "lead_1", deliveryId: "dlv_same", vertical: "legal", nowMs: NOW };
    expect(leadEmail(cfg, fields, opts).messageId).toBe(leadEmail(cfg, fields, { ...opts, nowMs: NOW + 60_000 }).messageId);
    const t = await PostalMime.parse(leadEmail(cfg, fields, { ...opts, test: true }).raw);
    expect(t.subject).toMatch(/^\[ACME-7\] \[TEST\] New legal lead/);
    expect(t.headers.find((h) => h.key === "x-leadwire-test")?.value).toBe("true");
    const evil = EmailDeliverySchema.parse({ ...cfg, subjectPrefix: "X\r\nBcc: thief@evil.example" });
    const p = await PostalMime.parse(leadEmail(evil, fields, opts).raw);
    expect(p.bcc ?? []).toEqual([]);
    expect(p.headers.some((h) => h.key === "bcc")).toBe(false);
  });
});

describe("hourly CSV digest", () => {
  it("every lead one row (a leadwire_lead_id column first), the window in the subject and the file name", async () => {
    const { startMs, endMs } = digestWindow(NOW, 60);
    expect([new Date(startMs).toISOString(), new Date(endMs).toISOString()]).toEqual(["2026-01-15T12:00:00.000Z", "2026-01-15T13:00:00.000Z"]);
    const rows = Array.from({ length: 250 }, (_, i) => ({
      leadId: `lead_${i}`,
      fields: [
        { name: "First name", value: i === 7 ? 'Zoë "Z", Jr.' : `First${i}` },
        { name: "Phone", value: `202-555-${String(i).padStart(4, "0")}` },
        ...(i % 2 ? [{ name: "Notes", value: "line one\nline two" }] : []),
      ],
    }));
    const m = digestEmail(cfg, rows, { digestId: "digest-acme-2026011512", windowStartMs: startMs, windowEndMs: endMs, nowMs: endMs + 5_000 });
    const p = await PostalMime.parse(m.raw);
    expect(p.subject).toBe("[ACME-7] 250 new leads, 2026-01-15 12:00–13:00 UTC");
    expect(p.messageId).toBe("<digest-acme-2026011512@leadwire.example>");
    expect(p.text).toContain("250 leads from Leadwire");
    const a = p.attachments[0];
    expect(a?.filename).toBe("leads-20260115T12.csv");
    const records = parseCsv(decode(a?.content ?? ""), { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(250);
    expect(Object.keys(records[0] ?? {})).toEqual(["leadwire_lead_id", "First name", "Phone", "Notes"]);
    expect(records[7]).toEqual({ leadwire_lead_id: "lead_7", "First name": 'Zoë "Z", Jr.', Phone: "202-555-0007", Notes: "line one\nline two" });
    expect(records[8]?.Notes).toBe("");
  });

  it("refuses an empty digest; the config schema names bad addresses", () => {
    expect(() => digestEmail(cfg, [], { digestId: "d", windowStartMs: 0, windowEndMs: 1, nowMs: 2 })).toThrow(/at least one/);
    const bad = EmailDeliverySchema.safeParse({ from: { addr: "nope" }, to: [] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["from.addr", "to"]);
  });

  it("rfc5322Date", () => {
    expect(rfc5322Date(NOW)).toBe("Thu, 15 Jan 2026 12:34:56 +0000");
  });
});
