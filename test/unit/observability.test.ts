import { describe, expect, it } from "vitest";
import { decrypt, encrypt, loadEncryptionKeys } from "../../src/core/crypto";
import { percentile } from "../../src/observability/metrics";
import { redact, redactBody, redactHeaders, redactString, redactUrl } from "../../src/observability/redact";

const PII = ["2147153718", "(214) 715-3718", "+12147153718", "ann.smith@example.com", "123-45-6789", "1989-07-20", "07/20/1989", "1 Main St"];

function assertNoPii(s: string) {
  for (const p of PII) expect(s, `leaked ${p}`).not.toContain(p);
}

describe("redaction", () => {
  it("masks by key and by shape in nested values", () => {
    const out = JSON.stringify(
      redact({
        lead: { phone: "+12147153718", email: "ann.smith@example.com", address: { street: "1 Main St", zip: "75201" }, dob: "1989-07-20" },
        note: "call (214) 715-3718 or mail ann.smith@example.com, ssn 123-45-6789, born 07/20/1989",
        cust_tel: "2147153718",
      }),
    );
    assertNoPii(out);
    expect(out).toContain("75201");
    expect(out).toContain("***@example.com");
  });
  it("masks JSON, XML, form and query bodies", () => {
    assertNoPii(redactBody(JSON.stringify({ Phone: "2147153718", contact: { Email: "ann.smith@example.com" } })));
    assertNoPii(redactBody("<lead><HomePhone>2147153718</HomePhone><Street>1 Main St</Street><DOB>1989-07-20</DOB></lead>"));
    assertNoPii(redactBody("phone=2147153718&email=ann.smith%40example.com&street=1+Main+St"));
    assertNoPii(redactUrl("https://b.example/api?phone=2147153718&dob=1989-07-20"));
    expect(redactString("id MB-12, price 25")).toBe("id MB-12, price 25");
    const xml = redactBody("<Lead><First>Liam</First><Last>Martinez</Last><ns:Given>Ann</ns:Given><State>TX</State></Lead>");
    expect(xml).not.toContain("Liam");
    expect(xml).not.toContain("Martinez");
    expect(xml).not.toContain("Ann");
    expect(xml).toContain("<State>TX</State>");
    const form = redactBody("contact[first]=Liam&contact[last]=Martinez&state=TX");
    expect(form).not.toContain("Liam");
    expect(form).toContain("state=TX");
  });
  it("masks credentials in headers", () => {
    const h = redactHeaders({ Authorization: "Bearer abc", "X-API-Key": "k", "Content-Type": "application/json" });
    expect(h).toEqual({ Authorization: "[redacted]", "X-API-Key": "[redacted]", "Content-Type": "application/json" });
  });
});

describe("request encryption", () => {
  it("round-trips with the current key and decrypts with an older one after rotation", async () => {
    const k1 = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    const k2 = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
    const old = await loadEncryptionKeys(k1);
    if (!old) throw new Error("no keys");
    const sealed = await encrypt(old, '{"phone":"2147153718"}');
    expect(sealed.data).not.toContain("2147153718");
    const rotated = await loadEncryptionKeys(`${k2},${k1}`);
    if (!rotated) throw new Error("no keys");
    expect(await decrypt(rotated, sealed.keyId, sealed.data)).toBe('{"phone":"2147153718"}');
    const fresh = await encrypt(rotated, "x");
    expect(fresh.keyId).toBe("k2");
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 99)).toBe(7);
  });
});
