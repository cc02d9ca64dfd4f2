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
  normalizePhone,
  normalizeState,
  normalizeTrustedFormUrl,
  normalizeZip,
} from "./normalizers";
import { type LeadInput, LeadInputSchema } from "./schema";
import { controlCharacterProblem } from "./text";
import { MULTILINE_FIELDS, normalizeVerticalFields, VERTICAL_FIELDS } from "./vertical-fields";

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

type Bad = (path: string, message: string) => void;
type Phone = { e164: string; national: string };

/** The contact fields every lead needs; undefined where a value was refused (and recorded). */
interface Contact {
  email: string | undefined;
  phone: Phone | undefined;
  phone2: Phone | undefined;
  state: string | undefined;
  zip: ReturnType<typeof normalizeZip>;
}

function readContact(input: LeadInput, policy: IntakePolicy, bad: Bad): Contact {
  const email = normalizeEmail(input.email);
  if (!email) bad("email", "is not a valid email address");
  const phone = acceptedPhone(input.phone, "phone", policy, bad);
  let phone2: Phone | undefined;
  if (input.phone_secondary !== undefined && input.phone_secondary !== null && String(input.phone_secondary).trim() !== "") {
    phone2 = acceptedPhone(input.phone_secondary, "phone_secondary", policy, bad);
  }
  const state = normalizeState(input.address.state);
  if (!state) bad("address.state", "is not a US state code or name");
  const zip = normalizeZip(input.address.zip);
  if (!zip) bad("address.zip", "must be a 5-digit ZIP or ZIP+4");
  return { email, phone, phone2, state, zip };
}

/** The optional facts about the consumer: date of birth (an adult's), homeownership, IP address. */
function readPerson(input: LeadInput, nowMs: number, bad: Bad): { dob?: string; homeowner?: boolean } {
  const out: { dob?: string; homeowner?: boolean } = {};
  if (input.dob) {
    const dob = normalizeDate(input.dob);
    if (!dob) bad("dob", "is not a date (YYYY-MM-DD or MM/DD/YYYY)");
    else {
      out.dob = dob;
      const age = ageOn(dob, nowMs);
      if (age < 18) bad("dob", "the consumer must be at least 18");
      else if (age > 120) bad("dob", "is not a plausible date of birth");
    }
  }
  if (input.homeowner !== undefined && input.homeowner !== null) {
    const homeowner = normalizeBoolean(input.homeowner);
    if (homeowner === undefined) bad("homeowner", `must be ${BOOLEAN_WRITINGS}`);
    else out.homeowner = homeowner;
  }
  if (input.ip_address && !/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]{2,39})$/.test(input.ip_address.trim())) {
    bad("ip_address", "is not an IPv4 or IPv6 address");
  }
  return out;
}

/** Consent proofs in their canonical forms; the consent time must be recent and not ahead of us. */
function readConsent(input: LeadInput, nowMs: number, policy: IntakePolicy, bad: Bad): NormalizedLead["consent"] {
  const consent: NormalizedLead["consent"] = {};
  const c = input.consent;
  if (!c) return consent;
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
    else if (Date.parse(at) > nowMs + CONSENT_CLOCK_SKEW_MS) bad("consent.consented_at", "is in the future");
    else if (Date.parse(at) < nowMs - policy.consentMaxAgeMs) bad("consent.consented_at", `is more than ${maxDays} days old (${at})`);
    else consent.consented_at = at;
  }
  return consent;
}

function readTest(input: LeadInput, bad: Bad): boolean {
  if (input.test === undefined) return false;
  const t = normalizeBoolean(input.test);
  if (t === undefined) {
    bad("test", `must be ${BOOLEAN_WRITINGS}`);
    return false;
  }
  return t;
}

/** The canonical lead, from parts already checked; optional keys only when present. */
function buildLead(
  input: LeadInput,
  opts: NormalizeOptions,
  contact: { email: string; phone: Phone; phone2: Phone | undefined; state: string; zip: NonNullable<Contact["zip"]> },
  person: { dob?: string; homeowner?: boolean },
  rest: Pick<NormalizedLead, "consent" | "fields" | "test">,
): NormalizedLead {
  const { email, phone, phone2, state, zip } = contact;
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
    consent: rest.consent,
    fields: rest.fields,
    test: rest.test,
    received_at: new Date(opts.nowMs).toISOString(),
  };
  if (input.external_id) lead.external_id = input.external_id.trim();
  if (phone2) {
    lead.phone_secondary = phone2.e164;
    lead.phone_secondary_national = phone2.national;
  }
  if (person.dob) lead.dob = person.dob;
  if (person.homeowner !== undefined) lead.homeowner = person.homeowner;
  if (input.ip_address) lead.ip_address = input.ip_address.trim();
  if (input.user_agent) lead.user_agent = input.user_agent.trim();
  return lead;
}

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
  const bad: Bad = (path, message) => issues.push({ path, message });

  // Each step records its own problems, so one answer lists them all.
  const contact = readContact(input, policy, bad);
  const person = readPerson(input, opts.nowMs, bad);
  const consent = readConsent(input, opts.nowMs, policy, bad);
  const fields = normalizeVerticalFields(input.vertical, input.fields, bad);
  const test = readTest(input, bad);

  const { email, phone, phone2, state, zip } = contact;
  if (issues.length > 0 || !email || !phone || !state || !zip) return { ok: false, issues };
  return { ok: true, lead: buildLead(input, opts, { email, phone, phone2, state, zip }, person, { consent, fields, test }), input };
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
