import { describe, expect, it } from "vitest";
import { normalizeLead } from "../../../src/intake/normalize";
import { sampleText } from "../../fixtures/sample";

interface Line {
  lead: Record<string, unknown>;
  valid: boolean;
  why: string;
}
const lines: Line[] = sampleText()
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as Line);
const NOW = Date.parse("2026-11-28T12:00:00Z");

/** The field each kind of invalid sample line must be rejected on. */
const EXPECTED_FIELD: Record<string, string> = {
  "email malformed": "email",
  "phone has 7 digits": "phone",
  "last_name missing": "last_name",
  "zip has 4 digits": "address.zip",
  "trustedform url not a TrustedForm certificate": "consent.trustedform_cert_url",
};

describe("the 2,000-lead sample", () => {
  it("has both kinds of line", () => {
    expect(lines.length).toBe(2000);
    expect(lines.filter((l) => !l.valid).length).toBeGreaterThan(100);
  });

  it("normalizes every valid line into the canonical form", () => {
    for (const [i, line] of lines.entries()) {
      if (!line.valid) continue;
      const r = normalizeLead(line.lead, { id: `lead_${i}`, sourceId: "src_t", nowMs: NOW });
      if (!r.ok) throw new Error(`line ${i} rejected: ${JSON.stringify(r.issues)}`);
      const l = r.lead;
      expect(l.phone).toMatch(/^\+1\d{10}$/);
      expect(l.phone_national).toMatch(/^\d{10}$/);
      expect(l.email).toBe(l.email.trim().toLowerCase());
      expect(l.address.state).toMatch(/^[A-Z]{2}$/);
      expect(l.address.zip).toMatch(/^\d{5}$/);
      if (l.address.zip4 !== undefined) expect(l.address.zip4).toMatch(/^\d{4}$/);
      if (l.dob !== undefined) expect(l.dob).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(typeof l.homeowner).toBe("boolean");
      if (l.vertical === "mortgage") expect(typeof l.fields.loan_amount).toBe("number");
      if (l.vertical === "auto_insurance") expect(typeof l.fields.currently_insured).toBe("boolean");
    }
  });

  it("rejects every invalid line, naming the field that is wrong", () => {
    for (const [i, line] of lines.entries()) {
      if (line.valid) continue;
      const r = normalizeLead(line.lead, { id: `lead_${i}`, sourceId: "src_t", nowMs: NOW });
      expect(r.ok, `line ${i} (${line.why}) was accepted`).toBe(false);
      if (r.ok) continue;
      const field = EXPECTED_FIELD[line.why];
      expect(field, `unknown reason ${line.why}`).toBeDefined();
      expect(r.issues.map((x) => x.path)).toContain(field);
    }
  });
});
