import { describe, expect, it } from "vitest";
import { type BuyerConfigInput, BuyerConfigSchema } from "../../../src/integration/config";
import { compileBuyer } from "../../../src/integration/mapping/request";
import { loadBuyers } from "../../../src/integration/registry";
import { validateMapping } from "../../../src/integration/validate";

/** A small JSON buyer whose spec needs first name, email and an SSN tail the lead does not have. */
function raw(fields: unknown[]): BuyerConfigInput {
  return {
    id: "open-buyer",
    name: "Open buyer",
    verticals: ["auto_insurance"],
    price: 1,
    endpoint: { url: "https://buyer.example/leads" },
    format: { type: "json" },
    mapping: { fields } as BuyerConfigInput["mapping"],
    response: { statusField: "status" },
    spec: {
      fields: {
        first: { type: "string", required: true },
        email: { type: "string", required: true, maxLength: 10 },
        ssn_last4: { type: "string", required: true, pattern: "^\\d{4}$" },
      },
    },
  };
}

const OPEN = { to: "ssn_last4", required: true, open: "no lead field matched; candidates: none" };

describe("open field rules (undecided by buyer:new)", () => {
  it("the schema accepts a rule with `open` and no source, but not `open` beside a source", () => {
    expect(BuyerConfigSchema.safeParse(raw([{ to: "first", from: "first_name" }, OPEN])).success).toBe(true);
    const both = BuyerConfigSchema.safeParse(
      raw([
        { to: "first", from: "first_name" },
        { ...OPEN, from: "email" },
      ]),
    );
    expect(both.success).toBe(false);
    expect(JSON.stringify(both.error?.issues)).toContain("or `open` while no source is decided");
    expect(BuyerConfigSchema.safeParse(raw([{ to: "first" }])).success).toBe(false);
  });

  it("validateMapping reports each open rule as an error and still checks the rest, without a duplicate 'not mapped' for it", () => {
    const buyer = BuyerConfigSchema.parse(raw([{ to: "first", from: "first_name", required: true }, { to: "email", from: "email", required: true }, OPEN]));
    const { ok, problems } = validateMapping(buyer);
    expect(ok).toBe(false);
    expect(problems).toContainEqual({
      path: "mapping.fields[2] (ssn_last4)",
      message: 'open, no source decided: no lead field matched; candidates: none (replace "open" with "from", "value" or "compute")',
    });
    // The email rule lacks a maxLength: still found although the config has an open rule.
    expect(problems.some((p) => p.path === "mapping.fields[1] (email)" && /at most 10/.test(p.message))).toBe(true);
    expect(problems.filter((p) => p.path.replace(/^spec\./, "") === "ssn_last4")).toEqual([]);
  });

  it("once the open rule gets a source, the problem is gone", () => {
    const buyer = BuyerConfigSchema.parse(
      raw([
        { to: "first", from: "first_name", required: true },
        { to: "email", from: "email", required: true, format: { maxLength: 10 } },
        { to: "ssn_last4", value: "0000", required: true },
      ]),
    );
    expect(validateMapping(buyer).problems).toEqual([]);
  });

  it("the registry refuses to load a buyer with an open rule, and compiling one fails by name", () => {
    const input = raw([{ to: "first", from: "first_name" }, OPEN]);
    const { buyers, errors } = loadBuyers([input]);
    expect(buyers).toEqual([]);
    expect(errors[0]?.id).toBe("open-buyer");
    expect(errors[0]?.issues[0]?.path).toBe("mapping.fields[1] (ssn_last4)");
    expect(() => compileBuyer(BuyerConfigSchema.parse(input))).toThrow(/ssn_last4: open, no source decided/);
  });
});
