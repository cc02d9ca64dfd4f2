import type { FieldIssue } from "../core/errors";
import { formatPath } from "../core/errors";
import type { NormalizedLead } from "../core/lead";
import { ageOn, BOOLEAN_WRITINGS, ownValue } from "../core/values";
import {
  normalizeBoolean,
  normalizeDate,
  normalizeEmail,
  normalizeInstant,
  normalizeJornayaLeadId,
  normalizeMoney,
  normalizeMoneyOrRange,
  normalizePhone,
  normalizeState,
  normalizeTrustedFormUrl,
  normalizeZip,
  usWrittenDate,
} from "./normalizers";
import { type LeadInput, LeadInputSchema } from "./schema";
import { controlCharacterProblem } from "./text";

type FieldValue = string | number | boolean | null;
type FieldRead = (v: FieldValue) => { value: FieldValue } | { error: string };

/**
 * What a typed vertical field accepts, in a source's words (issue 13: the posting spec is
 * generated from these, beside the zod schema): its kind, bounds or accepted values, and an
 * example that the field's own rule accepts.
 */
export interface FieldAbout {
  type: "text" | "integer" | "money" | "money_or_range" | "boolean" | "date" | "choice";
  format: string;
  example: string | number | boolean;
  min?: number;
  max?: number;
  maxLength?: number;
  /** `choice`: the values accepted as written (aliases included) and what each is stored as. */
  values?: Record<string, string>;
}

/** A field's rule: reads one value, and says what it accepts. */
type FieldRule = FieldRead & { about: FieldAbout };

function rule(read: FieldRead, about: Omit<FieldAbout, "example">, example: FieldAbout["example"]): FieldRule {
  return Object.assign(read, { about: { ...about, example } });
}

const str = (max = 200, example: string = "text"): FieldRule =>
  rule(
    (v) => (typeof v === "string" || typeof v === "number" ? { value: String(v).trim().slice(0, max) } : { error: "must be text" }),
    { type: "text", format: `text, at most ${max} characters (longer is cut)`, maxLength: max },
    example,
  );
const money = (example: string | number): FieldRule =>
  rule(
    (v) => {
      const n = normalizeMoney(v);
      return n === undefined ? { error: 'must be an amount such as 250000 or "$250,000"' } : { value: n };
    },
    { type: "money", format: 'an amount: 250000, "250000.00" or "$250,000"' },
    example,
  );
const moneyOrRange = (example: string | number): FieldRule =>
  rule(
    (v) => {
      const n = normalizeMoneyOrRange(v);
      return n === undefined ? { error: 'must be an amount or a range such as "100-150"' } : { value: n };
    },
    { type: "money_or_range", format: 'an amount, or a range such as "100-150" (stored as its midpoint)' },
    example,
  );
const bool = (example: string | boolean): FieldRule =>
  rule(
    (v) => {
      const b = normalizeBoolean(v);
      return b === undefined ? { error: `must be ${BOOLEAN_WRITINGS}` } : { value: b };
    },
    { type: "boolean", format: BOOLEAN_WRITINGS },
    example,
  );
const int = (min: number, max: number, example: number): FieldRule =>
  rule(
    (v) => {
      const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
      return Number.isInteger(n) && n >= min && n <= max ? { value: n } : { error: `must be a whole number from ${min} to ${max}` };
    },
    { type: "integer", format: `a whole number from ${min} to ${max}`, min, max },
    example,
  );
const date = (example: string): FieldRule =>
  rule(
    (v) => {
      const d = typeof v === "string" ? normalizeDate(v) : undefined;
      return d === undefined ? { error: "must be a date (YYYY-MM-DD or MM/DD/YYYY)" } : { value: d };
    },
    { type: "date", format: "a date: YYYY-MM-DD, MM/DD/YYYY or M/D/YYYY (stored as YYYY-MM-DD)" },
    example,
  );
const oneOf = (options: Record<string, string>, example: string): FieldRule =>
  rule(
    (v) => {
      const key =
        typeof v === "string"
          ? v
              .trim()
              .toLowerCase()
              .replace(/[\s-]+/g, "_")
          : "";
      const out = ownValue(options, key);
      return out === undefined ? { error: `must be one of ${[...new Set(Object.values(options))].join(", ")}` } : { value: out };
    },
    { type: "choice", format: `one of ${[...new Set(Object.values(options))].join(", ")} (any case; spaces or dashes for underscores)`, values: options },
    example,
  );

/**
 * Vertical-specific fields: how each is read. Unknown extra fields are kept trimmed, except
 * that one written as a US date becomes ISO (or is refused when it is no real date).
 */
const VERTICAL_FIELDS: Record<string, Record<string, FieldRule>> = {
  auto_insurance: {
    vehicle_year: int(1950, 2100, 2019),
    vehicle_make: str(60, "Toyota"),
    vehicle_model: str(60, "Camry"),
    incidents: int(0, 50, 0),
    currently_insured: bool("yes"),
  },
  mortgage: {
    loan_amount: money("$250,000"),
    property_value: money(350000),
    loan_purpose: oneOf({ purchase: "purchase", refinance: "refinance", refi: "refinance", cash_out: "cash_out", heloc: "heloc" }, "refinance"),
    credit_rating: oneOf({ excellent: "excellent", good: "good", fair: "fair", poor: "poor" }, "good"),
  },
  solar: {
    monthly_electric_bill: moneyOrRange("150-200"),
    roof_shade: oneOf({ none: "none", no_shade: "none", partial: "partial", partial_shade: "partial", full: "full", full_shade: "full" }, "none"),
  },
  legal: {
    case_type: str(100, "auto accident"),
    incident_date: date("2026-01-15"),
    description: str(2000, "Rear-ended at a red light; back pain since."),
  },
};

/** What each typed field of a vertical accepts (the posting spec shows these to sources). */
export function verticalFieldSpecs(vertical: string): Record<string, FieldAbout> {
  const rules = ownValue(VERTICAL_FIELDS, vertical) ?? {};
  return Object.fromEntries(Object.entries(rules).map(([k, r]) => [k, r.about]));
}

/** Typed vertical fields that are free text over several lines; every other typed field is one line. */
const MULTILINE_FIELDS: Record<string, ReadonlySet<string>> = {
  legal: new Set(["description"]),
};

/** What intake accepts beyond the shape of a lead: the Worker's settings (CONSENT_MAX_AGE_DAYS, ACCEPTED_PHONE_COUNTRIES). */
export interface IntakePolicy {
  /** The oldest `consent.consented_at` accepted, as an age in ms. */
  consentMaxAgeMs: number;
  /** ISO country codes whose phone numbers are accepted. */
  acceptedPhoneCountries: readonly string[];
}

export const DEFAULT_INTAKE_POLICY: IntakePolicy = { consentMaxAgeMs: 90 * 86_400_000, acceptedPhoneCountries: ["US"] };

// A source's clock may run a little ahead of ours: consent up to this far in the future passes.
const CONSENT_CLOCK_SKEW_MS = 5 * 60_000;

export interface NormalizeOptions {
  id: string;
  sourceId: string;
  nowMs: number;
  /** Defaults to DEFAULT_INTAKE_POLICY. */
  policy?: IntakePolicy;
}

export type NormalizeResult = { ok: true; lead: NormalizedLead; input: LeadInput } | { ok: false; issues: FieldIssue[] };

/**
 * Validates a raw lead (zod) and normalizes it into the canonical form. Every problem is
 * reported with its field path, all at once, so a source can fix a lead in one round trip.
 */
export function normalizeLead(raw: unknown, opts: NormalizeOptions): NormalizeResult {
  const policy = opts.policy ?? DEFAULT_INTAKE_POLICY;
  const reserved = reservedFieldNames(raw);
  const parsed = LeadInputSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, issues: [...reserved, ...parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }))] };
  }
  const input = parsed.data;
  const issues: FieldIssue[] = [...reserved, ...textIssues(input)];
  const bad = (path: string, message: string) => issues.push({ path, message });

  const email = normalizeEmail(input.email);
  if (!email) bad("email", "is not a valid email address");
  const phone = acceptedPhone(input.phone, "phone", policy, bad);
  let phone2: { e164: string; national: string } | undefined;
  if (input.phone_secondary !== undefined && input.phone_secondary !== null && String(input.phone_secondary).trim() !== "") {
    phone2 = acceptedPhone(input.phone_secondary, "phone_secondary", policy, bad);
  }
  const state = normalizeState(input.address.state);
  if (!state) bad("address.state", "is not a US state code or name");
  const zip = normalizeZip(input.address.zip);
  if (!zip) bad("address.zip", "must be a 5-digit ZIP or ZIP+4");

  let dob: string | undefined;
  if (input.dob) {
    dob = normalizeDate(input.dob);
    if (!dob) bad("dob", "is not a date (YYYY-MM-DD or MM/DD/YYYY)");
    else {
      const age = ageOn(dob, opts.nowMs);
      if (age < 18) bad("dob", "the consumer must be at least 18");
      else if (age > 120) bad("dob", "is not a plausible date of birth");
    }
  }
  let homeowner: boolean | undefined;
  if (input.homeowner !== undefined && input.homeowner !== null) {
    homeowner = normalizeBoolean(input.homeowner);
    if (homeowner === undefined) bad("homeowner", `must be ${BOOLEAN_WRITINGS}`);
  }
  if (input.ip_address && !/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]{2,39})$/.test(input.ip_address.trim())) {
    bad("ip_address", "is not an IPv4 or IPv6 address");
  }

  const consent: NormalizedLead["consent"] = {};
  if (input.consent) {
    const c = input.consent;
    if (c.trustedform_cert_url) {
      const tf = normalizeTrustedFormUrl(c.trustedform_cert_url);
      if (!tf) bad("consent.trustedform_cert_url", "must be a TrustedForm certificate URL: https://cert.trustedform.com/<40 hex characters>");
      else consent.trustedform_cert_url = tf;
    }
    if (c.jornaya_leadid) {
      const j = normalizeJornayaLeadId(c.jornaya_leadid);
      if (!j) bad("consent.jornaya_leadid", "must be a Jornaya LeadiD token (8-4-4-4-12 hexadecimal)");
      else consent.jornaya_leadid = j;
    }
    if (c.tcpa_text) consent.tcpa_text = c.tcpa_text.trim();
    if (c.consented_at !== undefined && c.consented_at !== null) {
      const at = normalizeInstant(c.consented_at);
      const maxDays = Math.round(policy.consentMaxAgeMs / 86_400_000);
      if (!at) bad("consent.consented_at", "must be an ISO 8601 time with a zone, e.g. 2026-11-25T05:33:00Z");
      else if (Date.parse(at) > opts.nowMs + CONSENT_CLOCK_SKEW_MS) bad("consent.consented_at", "is in the future");
      else if (Date.parse(at) < opts.nowMs - policy.consentMaxAgeMs) bad("consent.consented_at", `is more than ${maxDays} days old (${at})`);
      else consent.consented_at = at;
    }
  }

  const fields: Record<string, FieldValue> = {};
  const rules = ownValue(VERTICAL_FIELDS, input.vertical) ?? {};
  for (const [key, value] of Object.entries(input.fields ?? {})) {
    if (value === null || value === "") {
      fields[key] = null;
      continue;
    }
    // Own rules only: a field named "toString" or "constructor" is the source's data, not a rule.
    const rule = ownValue(rules, key);
    if (!rule) {
      const text = typeof value === "string" ? value.trim() : undefined;
      const date = text === undefined ? undefined : usWrittenDate(text);
      if (date && "error" in date) bad(`fields.${key}`, date.error);
      else fields[key] = date ? date.iso : (text ?? value);
      continue;
    }
    const r = rule(value);
    if ("error" in r) bad(`fields.${key}`, r.error);
    else fields[key] = r.value;
  }

  let test = false;
  if (input.test !== undefined) {
    const t = normalizeBoolean(input.test);
    if (t === undefined) bad("test", `must be ${BOOLEAN_WRITINGS}`);
    else test = t;
  }

  if (issues.length > 0 || !email || !phone || !state || !zip) return { ok: false, issues };

  const lead: NormalizedLead = {
    id: opts.id,
    source_id: opts.sourceId,
    vertical: input.vertical,
    first_name: input.first_name,
    last_name: input.last_name,
    email,
    phone: phone.e164,
    phone_national: phone.national,
    address: {
      street: input.address.street,
      city: input.address.city,
      state,
      zip: zip.zip,
      ...(zip.zip4 ? { zip4: zip.zip4 } : {}),
    },
    consent,
    fields,
    test,
    received_at: new Date(opts.nowMs).toISOString(),
  };
  if (input.external_id) lead.external_id = input.external_id.trim();
  if (phone2) {
    lead.phone_secondary = phone2.e164;
    lead.phone_secondary_national = phone2.national;
  }
  if (dob) lead.dob = dob;
  if (homeowner !== undefined) lead.homeowner = homeowner;
  if (input.ip_address) lead.ip_address = input.ip_address.trim();
  if (input.user_agent) lead.user_agent = input.user_agent.trim();
  return { ok: true, lead, input };
}

/**
 * `fields.__proto__` cannot be stored as a field (JSON parsing makes it a key, but assigning it
 * to an object sets the object's prototype, and the schema would drop it silently): refused.
 */
function reservedFieldNames(raw: unknown): FieldIssue[] {
  if (raw === null || typeof raw !== "object" || !Object.hasOwn(raw, "fields")) return [];
  const fields: unknown = (raw as Record<string, unknown>).fields;
  if (fields === null || typeof fields !== "object" || !Object.hasOwn(fields, "__proto__")) return [];
  return [{ path: "fields.__proto__", message: "is a reserved name; choose another field name" }];
}

/** Every text value (and custom field name) of the lead checked for control characters; see ./text. */
function textIssues(input: LeadInput): FieldIssue[] {
  const out: FieldIssue[] = [];
  const multiline = MULTILINE_FIELDS[input.vertical];
  const check = (path: string, v: unknown, isMultiline = false) => {
    if (typeof v !== "string") return;
    const problem = controlCharacterProblem(v.trim(), isMultiline);
    if (problem) out.push({ path, message: problem });
  };
  for (const [k, v] of Object.entries(input)) {
    if (k === "address" || k === "consent" || k === "fields") continue;
    check(k, v);
  }
  for (const [k, v] of Object.entries(input.address)) check(`address.${k}`, v);
  for (const [k, v] of Object.entries(input.consent ?? {})) check(`consent.${k}`, v, k === "tcpa_text");
  const typed = ownValue(VERTICAL_FIELDS, input.vertical) ?? {};
  for (const [k, v] of Object.entries(input.fields ?? {})) {
    const keyProblem = controlCharacterProblem(k, false);
    if (keyProblem) out.push({ path: "fields", message: `a field name ${keyProblem}` });
    // Typed fields are one line unless listed as free text; untyped custom fields may be free text.
    check(`fields.${k}`, v, Object.hasOwn(typed, k) ? (multiline?.has(k) ?? false) : true);
  }
  return out;
}

/** A phone number of an accepted country, or undefined with the field's issue recorded. */
function acceptedPhone(
  input: string | number,
  path: string,
  policy: IntakePolicy,
  bad: (path: string, message: string) => void,
): { e164: string; national: string } | undefined {
  const p = normalizePhone(input);
  if (!p) {
    bad(path, "is not a valid US phone number (10 digits with area code)");
    return undefined;
  }
  if (!p.country || !policy.acceptedPhoneCountries.includes(p.country)) {
    const accepted = policy.acceptedPhoneCountries.join(", ");
    bad(path, `is a ${p.country ?? "non-geographic"} number (area code ${p.national.slice(0, 3)}); accepted countries: ${accepted}`);
    return undefined;
  }
  return { e164: p.e164, national: p.national };
}
