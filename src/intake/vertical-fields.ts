/**
 * The vertical-specific `fields` of a lead: how each typed field is read (a whole number in a
 * range, money, yes/no, a date, one of a list), and the reading of every field of a lead.
 */
import { BOOLEAN_WRITINGS, ownValue } from "../core/values";
import { normalizeBoolean, normalizeDate, normalizeMoney, normalizeMoneyOrRange, usWrittenDate } from "./normalizers";

/** A vertical field's value, as read. */
export type FieldValue = string | number | boolean | null;
type FieldRule = (v: FieldValue) => { value: FieldValue } | { error: string };

const str =
  (max = 200): FieldRule =>
  (v) =>
    typeof v === "string" || typeof v === "number" ? { value: String(v).trim().slice(0, max) } : { error: "must be text" };
const money: FieldRule = (v) => {
  const n = normalizeMoney(v);
  return n === undefined ? { error: 'must be an amount such as 250000 or "$250,000"' } : { value: n };
};
const moneyOrRange: FieldRule = (v) => {
  const n = normalizeMoneyOrRange(v);
  return n === undefined ? { error: 'must be an amount or a range such as "100-150"' } : { value: n };
};
const bool: FieldRule = (v) => {
  const b = normalizeBoolean(v);
  return b === undefined ? { error: `must be ${BOOLEAN_WRITINGS}` } : { value: b };
};
const int =
  (min: number, max: number): FieldRule =>
  (v) => {
    const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    return Number.isInteger(n) && n >= min && n <= max ? { value: n } : { error: `must be a whole number from ${min} to ${max}` };
  };
const date: FieldRule = (v) => {
  const d = typeof v === "string" ? normalizeDate(v) : undefined;
  return d === undefined ? { error: "must be a date (YYYY-MM-DD or MM/DD/YYYY)" } : { value: d };
};
const oneOf =
  (options: Record<string, string>): FieldRule =>
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
  };

/**
 * Vertical-specific fields: how each is read. Unknown extra fields are kept trimmed, except
 * that one written as a US date becomes ISO (or is refused when it is no real date).
 */
export const VERTICAL_FIELDS: Record<string, Record<string, FieldRule>> = {
  auto_insurance: {
    vehicle_year: int(1950, 2100),
    vehicle_make: str(60),
    vehicle_model: str(60),
    incidents: int(0, 50),
    currently_insured: bool,
  },
  mortgage: {
    loan_amount: money,
    property_value: money,
    loan_purpose: oneOf({ purchase: "purchase", refinance: "refinance", refi: "refinance", cash_out: "cash_out", heloc: "heloc" }),
    credit_rating: oneOf({ excellent: "excellent", good: "good", fair: "fair", poor: "poor" }),
  },
  solar: {
    monthly_electric_bill: moneyOrRange,
    roof_shade: oneOf({ none: "none", no_shade: "none", partial: "partial", partial_shade: "partial", full: "full", full_shade: "full" }),
  },
  legal: {
    case_type: str(100),
    incident_date: date,
    description: str(2000),
  },
};

/** Typed vertical fields that are free text over several lines; every other typed field is one line. */
export const MULTILINE_FIELDS: Record<string, ReadonlySet<string>> = {
  legal: new Set(["description"]),
};

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
