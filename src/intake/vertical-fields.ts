/**
 * The vertical-specific `fields` of a lead: how each typed field is read (a whole number in a
 * range, money, yes/no, a date, one of a list), and the reading of every field of a lead.
 */
import { BOOLEAN_WRITINGS, ownValue } from "../core/values";
import { normalizeBoolean, normalizeDate, normalizeMoney, normalizeMoneyOrRange, usWrittenDate } from "./normalizers";

/** A vertical field's value, as read. */
export type FieldValue = string | number | boolean | null;
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
export const VERTICAL_FIELDS: Record<string, Record<string, FieldRule>> = {
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
export const MULTILINE_FIELDS: Record<string, ReadonlySet<string>> = {
  legal: new Set(["description"]),
};

/** What intake accepts beyond the shape of a lead: the Worker's settings (CONSENT_MAX_AGE_DAYS, ACCEPTED_PHONE_COUNTRIES). */

/**
 * Reads a lead's `fields` by its vertical's rules: empty values are kept as null, typed ones
 * normalized, untyped ones trimmed (a US-written date becomes ISO). Problems go to `bad`.
 */
export function normalizeVerticalFields(
  vertical: string,
  input: Record<string, FieldValue> | undefined,
  bad: (path: string, message: string) => void,
): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  const rules = ownValue(VERTICAL_FIELDS, vertical) ?? {};
  for (const [key, value] of Object.entries(input ?? {})) {
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
  return fields;
}
