/**
 * The e-mail messages are built inside workerd too (where the BuyerGate will send them through
 * the `send_email` binding): mimetext's browser build needs no Node API, and the result is what
 * `cloudflare:email`'s EmailMessage takes.
 */
import { EmailMessage } from "cloudflare:email";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { digestEmail, EmailDeliverySchema, leadEmail } from "../../../src/integration/email/mime";

const cfg = EmailDeliverySchema.parse({ from: { addr: "leads@leadwire.example" }, to: ["intake@buyer.example"] });

describe("e-mail delivery messages in the Workers runtime", () => {
  it("a lead mail and a digest build, parse back, and fit an EmailMessage", async () => {
    const now = Date.UTC(2026, 0, 15, 12, 0, 0);
    const one = leadEmail(cfg, [{ name: "Last name", value: "Ñúñez" }], { leadId: "lead_w1", deliveryId: "dlv_w1", vertical: "solar", nowMs: now });
    const parsed = await PostalMime.parse(one.raw);
    expect(parsed.text).toContain("Last name: Ñúñez");
    const digest = digestEmail(cfg, [{ leadId: "lead_w1", fields: [{ name: "Last name", value: "Ñúñez" }] }], {
      digestId: "dg_1",
      windowStartMs: now,
      windowEndMs: now + 3_600_000,
      nowMs: now + 3_600_000,
    });
    expect((await PostalMime.parse(digest.raw)).attachments[0]?.filename).toBe("leads-20260115T12.csv");
    for (const m of [one, digest]) {
      const msg = new EmailMessage(m.from, m.to[0] ?? "", m.raw);
      expect(msg.from).toBe("leads@leadwire.example");
      expect(msg.to).toBe("intake@buyer.example");
    }
  });
});
