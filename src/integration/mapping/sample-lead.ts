import type { NormalizedLead } from "../../core/lead";

const FIELDS_BY_VERTICAL: Record<string, NormalizedLead["fields"]> = {
  auto_insurance: { vehicle_year: 2019, vehicle_make: "Toyota", vehicle_model: "Camry", currently_insured: true, incidents: 1 },
  mortgage: { loan_amount: 312500, property_value: 450000, loan_purpose: "refinance", credit_rating: "good" },
  solar: { monthly_electric_bill: 220, roof_shade: "partial" },
  legal: { case_type: "auto accident", incident_date: "2026-02-09", description: "Rear-ended at a light & hurt my neck" },
};

/**
 * A complete, realistic canonical lead for a vertical: validateMapping maps it to catch type,
 * pattern and structure problems a static reading of the config can't see.
 */
export function sampleLead(vertical: string): NormalizedLead {
  return {
    id: "lead_01jsample000000000000000",
    source_id: "src_demo",
    external_id: "ext-1",
    vertical,
    first_name: "Renée",
    last_name: "O'Brien-Smith",
    email: "renee.obrien@example.com",
    phone: "+12025550123",
    phone_national: "2025550123",
    phone_secondary: "+13125550188",
    phone_secondary_national: "3125550188",
    address: { street: "6220 Sunset Blvd, Suite 100", city: "Dallas", state: "TX", zip: "75201", zip4: "1234" },
    dob: "1985-08-09",
    homeowner: true,
    ip_address: "185.117.52.231",
    user_agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    consent: {
      trustedform_cert_url: "https://cert.trustedform.com/a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2",
      jornaya_leadid: "1BA16215-8228-3D15-A9EC-0806705FCA16",
      tcpa_text: "By clicking Submit I agree to be contacted by up to 4 partners at the number provided.",
      consented_at: "2026-11-25T05:33:00.000Z",
    },
    fields: FIELDS_BY_VERTICAL[vertical] ?? {},
    test: false,
    received_at: "2026-11-25T05:34:00.000Z",
  };
}

/** Canonical lead paths and their types; `fields.*` are vertical-specific and typed loosely. */
export const LEAD_PATH_TYPES: Readonly<Record<string, "string" | "boolean">> = {
  id: "string",
  source_id: "string",
  external_id: "string",
  vertical: "string",
  first_name: "string",
  last_name: "string",
  email: "string",
  phone: "string",
  phone_national: "string",
  phone_secondary: "string",
  phone_secondary_national: "string",
  "address.street": "string",
  "address.city": "string",
  "address.state": "string",
  "address.zip": "string",
  "address.zip4": "string",
  dob: "string",
  homeowner: "boolean",
  ip_address: "string",
  user_agent: "string",
  "consent.trustedform_cert_url": "string",
  "consent.jornaya_leadid": "string",
  "consent.tcpa_text": "string",
  "consent.consented_at": "string",
  test: "boolean",
  received_at: "string",
};

/** Lead paths intake guarantees on every accepted lead. */
export const ALWAYS_PRESENT = new Set([
  "id",
  "source_id",
  "vertical",
  "first_name",
  "last_name",
  "email",
  "phone",
  "phone_national",
  "address.street",
  "address.city",
  "address.state",
  "address.zip",
  "test",
  "received_at",
]);

/** Known maximum lengths of canonical values (state code, ZIP …). */
export const LEAD_PATH_MAX: Readonly<Record<string, number>> = {
  // Our ids are newId("lead"): "lead_" + 26 characters.
  id: 31,
  "address.state": 2,
  "address.zip": 5,
  "address.zip4": 4,
  phone: 12,
  phone_national: 10,
  phone_secondary: 12,
  phone_secondary_national: 10,
  dob: 10,
  "consent.jornaya_leadid": 36,
};
