import { createHash } from "node:crypto";
import { ownValue, toBoolean, toNumber } from "../../core/values";
import { compileDateFormat } from "./dates";
import type { FieldFormat } from "./schema";

/**
 * Value formatters. Each is compiled once per field rule (`compileFormat`) into a function
 * `value → formatted | undefined`; undefined means "cannot format this value" and becomes a
 * warning (optional field) or an issue (required field) in the mapper.
 */

export { toBoolean, toNumber } from "../../core/values";

export type Formatter = (v: unknown) => unknown;

export { compileDateFormat, compileDatePattern, formatDate } from "./dates";

/** A value that can't be formatted; the message says why. */
export class FormatFailure {
  constructor(readonly message: string) {}
}

/** `+1` and ten digits: the canonical form of a US phone on a normalized lead. */
function isE164Us(v: string): boolean {
  if (v.length !== 12 || v.charCodeAt(0) !== 43 || v.charCodeAt(1) !== 49) return false;
  for (let i = 2; i < 12; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function digitsOf(v: unknown): string | undefined {
  // Canonical leads carry E.164: skip the general digit scrub for them.
  if (typeof v === "string" && isE164Us(v)) return v.slice(2);
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const d = String(v).replace(/\D/g, "");
  if (d.length === 11 && d.startsWith("1")) return d.slice(1);
  return d.length === 10 ? d : undefined;
}

/**
 * Lower-case hex SHA-256 of a scalar's text (UTF-8). Synchronous (node:crypto, which workerd
 * provides under nodejs_compat) because mapping is; undefined for a missing or non-scalar value.
 */
export function sha256Text(v: unknown): string | undefined {
  if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return undefined;
  const s = String(v);
  return s === "" ? undefined : createHash("sha256").update(s, "utf8").digest("hex");
}

/** A US phone in any writing → the chosen style; undefined when it is not 10 (or 1+10) digits. */
export function formatPhone(v: unknown, style: string): string | undefined {
  const d = digitsOf(v);
  if (d === undefined) return undefined;
  switch (style) {
    case "digits10":
      return d;
    case "digits11":
      return `1${d}`;
    case "e164":
      return `+1${d}`;
    case "dashed":
      return `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`;
    case "dotted":
      return `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`;
    case "parens":
      return `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
    case "area_code":
      return d.slice(0, 3);
    default:
      return undefined;
  }
}

const BOOLEAN_OUT: Record<string, [unknown, unknown]> = {
  yes_no: ["yes", "no"],
  "Yes/No": ["Yes", "No"],
  "YES/NO": ["YES", "NO"],
  y_n: ["y", "n"],
  "Y/N": ["Y", "N"],
  "1_0": [1, 0],
  string_1_0: ["1", "0"],
  true_false: [true, false],
  "True/False": ["True", "False"],
  "TRUE/FALSE": ["TRUE", "FALSE"],
};

/** The two values a boolean style produces (validateMapping checks them against enums). */
export function booleanOutputs(style: string): [unknown, unknown] | undefined {
  return ownValue(BOOLEAN_OUT, style);
}

/** A boolean in the buyer's style; undefined when the value is not a boolean. */
export function formatBoolean(v: unknown, style: string): unknown {
  const b = toBoolean(v);
  const out = ownValue(BOOLEAN_OUT, style);
  return b === undefined || !out ? undefined : b ? out[0] : out[1];
}

/** Rounds half away from zero to `decimals` places (buyers expect 2.5 → 3, not banker's rounding). */
export function roundTo(n: number, decimals: number): number {
  const f = 10 ** decimals;
  return (Math.sign(n) * Math.round(Math.abs(n) * f + Number.EPSILON)) / f;
}

/** A money amount as a fixed-decimal string (`312500.00`), optionally with a symbol prefix. */
export function formatMoney(v: unknown, decimals = 2, symbol = ""): string | undefined {
  const n = toNumber(v);
  return n === undefined ? undefined : `${symbol}${roundTo(n, decimals).toFixed(decimals)}`;
}

/** First five digits of a ZIP / ZIP+4; undefined when it has fewer than five. */
export function formatZip5(v: unknown): string | undefined {
  if (typeof v === "string" && startsWithFiveDigits(v)) return v.length === 5 ? v : v.slice(0, 5);
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const m = /^(\d{5})/.exec(
    String(v)
      .trim()
      .padStart(typeof v === "number" ? 5 : 0, "0"),
  );
  return m?.[1];
}

/** Text starting with five digits (a canonical ZIP or ZIP+4): trimming cannot change its first five. */
function startsWithFiveDigits(v: string): boolean {
  if (v.length < 5) return false;
  for (let i = 0; i < 5; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Truncates to `max` code points, so an emoji or accented letter is never cut in half. */
export function truncate(v: string, max: number): string {
  if (v.length <= max) return v;
  const cps = Array.from(v);
  return cps.length <= max ? v : cps.slice(0, max).join("");
}

function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/**
 * Compiles a rule's format into one function. Returns a FormatFailure when a step can't
 * read the value (e.g. "abc" as a phone) so the mapper can report which step failed.
 */
export function compileFormat(f: FieldFormat): (v: unknown) => unknown {
  const steps: ((v: unknown) => unknown)[] = [];
  if (f.trim) steps.push((v) => (typeof v === "string" ? v.trim() : v));
  if (f.case) {
    const c = f.case;
    steps.push((v) => (typeof v !== "string" ? v : c === "upper" ? v.toUpperCase() : c === "lower" ? v.toLowerCase() : titleCase(v)));
  }
  if (f.phone) {
    const style = f.phone;
    steps.push((v) => formatPhone(v, style) ?? new FormatFailure(`not a US phone number (format ${style})`));
  }
  if (f.date) {
    const df = compileDateFormat(f.date, f.timezone);
    const pat = f.date;
    steps.push((v) => df(v) ?? new FormatFailure(`not a date (format ${pat})`));
  }
  if (f.boolean) {
    const style = f.boolean;
    const out = ownValue(BOOLEAN_OUT, style);
    steps.push((v) => {
      const b = toBoolean(v);
      return b === undefined || !out ? new FormatFailure(`not a yes/no value (format ${style})`) : b ? out[0] : out[1];
    });
  }
  if (f.decimals !== undefined) {
    const d = f.decimals;
    steps.push((v) => {
      const n = toNumber(v);
      return n === undefined ? new FormatFailure("not a number") : roundTo(n, d);
    });
  }
  if (f.money) {
    const { decimals, symbol } = f.money;
    steps.push((v) => formatMoney(v, decimals, symbol) ?? new FormatFailure("not a money amount"));
  }
  if (f.zip5) steps.push((v) => formatZip5(v) ?? new FormatFailure("not a ZIP code"));
  if (f.maxLength !== undefined) {
    const max = f.maxLength;
    steps.push((v) => (typeof v === "string" ? truncate(v, max) : v));
  }
  if (f.sha256) steps.push((v) => sha256Text(v) ?? new FormatFailure("nothing to hash"));
  if (steps.length === 1) return steps[0] as (v: unknown) => unknown;
  return (v) => {
    let cur = v;
    for (const step of steps) {
      cur = step(cur);
      if (cur instanceof FormatFailure) return cur;
    }
    return cur;
  };
}
