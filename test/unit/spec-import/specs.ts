/**
 * The committed buyer specs (test/fixtures/specs) and what a person knows about each: the
 * credentials the file holds (which must never reach a buyer config), the fields the lead cannot
 * supply (which must come out open), and the value a person would decide for each of those.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Scalar } from "../../../src/integration/mapping/schema";
import type { SpecKind } from "../../../src/integration/spec-import";

export const SPEC_DIR = fileURLToPath(new URL("../../fixtures/specs/", import.meta.url));

export interface SpecCase {
  file: string;
  id: string;
  kind: SpecKind;
  /** Credential values written in the spec. */
  secrets: string[];
  /** The secret names the generated buyer references instead. */
  secretNames: string[];
  /** Open targets → the value a person decides. */
  open: Record<string, Scalar>;
  verticals: string[];
  format: string;
}

export const SPECS: SpecCase[] = [
  {
    file: "pinnacle-auto.leadspedia.http",
    id: "pinnacle-auto",
    kind: "sample",
    secrets: ["Xk7pQ2vR9mTz4LwBn3Yd"],
    secretNames: ["PINNACLE_AUTO_API_KEY"],
    open: { gender: "U" },
    verticals: ["auto_insurance"],
    format: "form",
  },
  {
    file: "harborline-mortgage.salesforce-w2l.csv",
    id: "harborline-mortgage",
    kind: "table",
    secrets: [],
    secretNames: [],
    open: {},
    verticals: ["mortgage"],
    format: "form",
  },
  {
    file: "brightroof-solar.hubspot-forms.http",
    id: "brightroof-solar",
    kind: "sample",
    secrets: ["pat-na1-7c1d9e2f-4a3b-4c5d-8e9f-0a1b2c3d4e5f"],
    secretNames: ["BRIGHTROOF_SOLAR_TOKEN"],
    open: { "fields[11].value": "Unknown" },
    verticals: ["solar"],
    format: "json",
  },
  {
    file: "keystone-mortgage.soap.http",
    id: "keystone-mortgage",
    kind: "sample",
    // The HTTP Basic credential, what it decodes to, and the API key in the SOAP header.
    secrets: ["a2V5c3RvbmUtcGFydG5lcjpUcjB1dC1SaXZlci03Nw==", "keystone-partner", "Tr0ut-River-77", "kx_4b9d2f7e1a6c8h3jQ"],
    secretNames: ["KEYSTONE_MORTGAGE_USERNAME", "KEYSTONE_MORTGAGE_PASSWORD", "KEYSTONE_MORTGAGE_API_KEY"],
    open: { "Application.Borrower.EmployerName": "Not provided" },
    verticals: ["mortgage"],
    format: "soap11",
  },
  {
    file: "lexpoint-legal.openapi.json",
    id: "lexpoint-legal",
    kind: "openapi",
    secrets: ["lpk_live_9f8e7d6c5b4a3f2e1d0c"],
    secretNames: ["LEXPOINT_LEGAL_API_KEY"],
    open: { "Case.HasAttorney": "N" },
    verticals: ["legal"],
    format: "xml",
  },
  {
    file: "summit-auto.openapi.yaml",
    id: "summit-auto",
    kind: "openapi",
    secrets: [],
    secretNames: ["SUMMIT_AUTO_CLIENT_ID", "SUMMIT_AUTO_CLIENT_SECRET"],
    open: { "applicant.ssn_last4": "0000" },
    verticals: ["auto_insurance"],
    format: "json",
  },
];

/** A spec file's text. */
export function specText(file: string): string {
  return readFileSync(`${SPEC_DIR}${file}`, "utf8");
}

interface RuleLike {
  to: string;
  open?: string;
  value?: Scalar;
}

/** The config with each open rule decided as a person would: `open` replaced by a `value`. */
export function fillOpen(config: Record<string, unknown>, decided: Record<string, Scalar>): Record<string, unknown> {
  const out = structuredClone(config);
  const fields = (out.mapping as { fields: RuleLike[] }).fields;
  for (const r of fields) {
    if (r.open === undefined) continue;
    const v = decided[r.to];
    if (v === undefined) throw new Error(`the test has no decision for open field ${r.to}`);
    delete r.open;
    r.value = v;
  }
  return out;
}
