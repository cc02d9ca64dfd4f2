/**
 * How the buyer writes a phone number, a date or an instant, and yes/no, read from the spec's
 * pattern, example, declared format or length. Every guess is checked by rendering a probe value
 * with Leadwire's own formatters.
 */
import { booleanOutputs, formatDate, formatPhone } from "../mapping/formatters";
import { BOOLEAN_STYLES, PHONE_STYLES } from "../mapping/schema";
import type { ImportedField, Scalar } from "./types";
import { proposeTable } from "./values";

export type PhoneStyle = (typeof PHONE_STYLES)[number];
type BooleanStyle = (typeof BOOLEAN_STYLES)[number];

/** The length of a phone number in each style. */
export const PHONE_LEN: Record<PhoneStyle, number> = { digits10: 10, digits11: 11, e164: 12, dashed: 12, dotted: 12, parens: 14, area_code: 3 };
/** A whole phone number's styles: the area code alone (a ping's) is never what a phone field wants. */
const WHOLE_PHONE_STYLES = PHONE_STYLES.filter((s) => s !== "area_code");
const PHONE_PROBE = "+12025550123";

/** The spec's pattern as a RegExp; undefined when absent or not valid JavaScript. */
export function safeRegex(p: string | undefined): RegExp | undefined {
  if (p === undefined) return undefined;
  try {
    return new RegExp(p, "u");
  } catch {
    return undefined;
  }
}

const shape = (s: string): string => s.replace(/\d/g, "9");

/** The phone style the buyer wants, from its pattern, example, declared format or length. */
export function phoneStyle(f: ImportedField): { style: PhoneStyle; why: string } {
  const re = safeRegex(f.pattern);
  const fits = (s: PhoneStyle) => f.maxLength === undefined || PHONE_LEN[s] <= f.maxLength;
  if (re) for (const s of WHOLE_PHONE_STYLES) if (fits(s) && re.test(formatPhone(PHONE_PROBE, s) ?? "")) return { style: s, why: `pattern ${f.pattern}` };
  if (f.example !== undefined) {
    const ex = shape(String(f.example));
    for (const s of WHOLE_PHONE_STYLES) if (shape(formatPhone(PHONE_PROBE, s) ?? "") === ex) return { style: s, why: `example ${String(f.example)}` };
  }
  const d = f.format ?? "";
  if (/e\.?164/i.test(d)) return { style: "e164", why: `format ${d}` };
  if (/\(\s*(x{3}|\d{3})\s*\)/i.test(d)) return { style: "parens", why: `format ${d}` };
  if (/(x{3}|\d{3})-(x{3}|\d{3})-/i.test(d)) return { style: "dashed", why: `format ${d}` };
  if (/(x{3}|\d{3})\.(x{3}|\d{3})\./i.test(d)) return { style: "dotted", why: `format ${d}` };
  if (/\b11\b/.test(d)) return { style: "digits11", why: `format ${d}` };
  return { style: "digits10", why: f.maxLength !== undefined ? `max length ${f.maxLength}` : "no format documented: 10 digits" };
}

const DATE_CANDIDATES = ["YYYY-MM-DD", "MM/DD/YYYY", "MMDDYYYY", "YYYYMMDD", "MM-DD-YYYY", "YYYY/MM/DD", "M/D/YYYY", "MM/DD/YY"];
const INSTANT_CANDIDATES = [
  "iso",
  "YYYY-MM-DD HH:mm:ss",
  "YYYY-MM-DDTHH:mm:ss",
  "MM/DD/YYYY HH:mm:ss",
  "MM/DD/YYYY hh:mm:ss A",
  "MM/DD/YYYY hh:mm A",
  "YYYY-MM-DD",
  "MM/DD/YYYY",
  "unix",
  "unix_ms",
];
const TOKEN_RE: Record<string, string> = {
  YYYY: "\\d{4}",
  YY: "\\d{2}",
  MM: "\\d{2}",
  M: "\\d{1,2}",
  DD: "\\d{2}",
  D: "\\d{1,2}",
  HH: "\\d{2}",
  hh: "\\d{2}",
  mm: "\\d{2}",
  ss: "\\d{2}",
  A: "(AM|PM)",
};

const TOKEN_RANGE: Record<string, [number, number]> = {
  YYYY: [1900, 2100],
  MM: [1, 12],
  M: [1, 12],
  DD: [1, 31],
  D: [1, 31],
  HH: [0, 23],
  hh: [1, 12],
  mm: [0, 59],
  ss: [0, 59],
};

/** True when text is written in a date pattern with every part in range (`19850809` is YYYYMMDD, not MMDDYYYY). */
function writtenIn(p: string, text: string): boolean {
  if (p === "iso") return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text);
  if (p === "unix") return /^\d{9,10}$/.test(text);
  if (p === "unix_ms") return /^\d{12,13}$/.test(text);
  const tokens: string[] = [];
  const src = p.replace(/YYYY|YY|MM|M|DD|D|HH|hh|mm|ss|A|[^A-Za-z]/g, (t) => {
    const re = TOKEN_RE[t];
    if (re === undefined) return t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    tokens.push(t);
    return `(${re})`;
  });
  const m = new RegExp(`^${src}$`).exec(text);
  if (!m) return false;
  return tokens.every((t, i) => {
    const range = TOKEN_RANGE[t];
    const n = Number(m[i + 1]);
    return range === undefined || (n >= range[0] && n <= range[1]);
  });
}

/** `mm/dd/yyyy`, `yyyy-MM-dd HH:mm:ss`, `date`, `date-time` → a Leadwire date pattern. */
export function declaredDatePattern(declared: string | undefined): string | undefined {
  if (!declared) return undefined;
  const d = declared.trim();
  if (/^date$/i.test(d)) return "YYYY-MM-DD";
  if (/^(date-?time|iso ?8601|iso)$/i.test(d)) return "iso";
  if (/^(unix|epoch|unix timestamp|epoch seconds)$/i.test(d)) return "unix";
  const m = /^([^\sT]+)(?:([\sT])(.+))?$/.exec(d);
  if (!m?.[1]) return undefined;
  const datePart = m[1].replace(/y/g, "Y").replace(/d/g, "D").replace(/m/g, "M");
  let timePart = m[3] ?? "";
  const twelve = /\b(a|A|tt|am\/pm)\b/.test(timePart);
  timePart = timePart.replace(/\b(tt|am\/pm|a)\b/g, "A").replace(/H{1,2}|h{1,2}/g, twelve ? "hh" : "HH");
  const out = m[3] ? `${datePart}${m[2] === "T" ? "T" : " "}${timePart}` : datePart;
  return /^(YYYY|YY|MM|M|DD|D|HH|hh|mm|ss|A|[^A-Za-z])+$/.test(out.replace("T", "-")) && /Y/.test(out) ? out : undefined;
}

/** The date pattern the buyer wants for a date (`instant` false) or an instant. */
export function datePattern(f: ImportedField, instant: boolean): { pattern?: string; why: string } {
  const probe = instant ? "2026-11-25T17:33:07.000Z" : "1985-12-19";
  const candidates = instant ? INSTANT_CANDIDATES : DATE_CANDIDATES;
  const re = safeRegex(f.pattern);
  const declared = declaredDatePattern(f.format);
  if (declared && (!re || re.test(String(formatDate(probe, declared))))) return { pattern: declared, why: `format ${f.format}` };
  const ex = f.example !== undefined ? String(f.example) : undefined;
  if (re) {
    const fit = candidates.filter((c) => re.test(String(formatDate(probe, c))));
    const pick = (ex !== undefined ? fit.find((c) => writtenIn(c, ex)) : undefined) ?? fit[0];
    if (pick) return { pattern: pick, why: `pattern ${f.pattern}` };
  }
  if (ex !== undefined) {
    for (const c of [...candidates, "DD/MM/YYYY"]) if (writtenIn(c, ex)) return { pattern: c, why: `example ${ex}` };
  }
  if (f.type === "integer" || f.type === "number") return { pattern: "unix", why: "a number: epoch seconds" };
  return instant ? { pattern: "iso", why: "no format documented: ISO 8601" } : { pattern: "YYYY-MM-DD", why: "no format documented: YYYY-MM-DD" };
}

/** How the buyer writes yes/no: a boolean style, or a table when its words are its own (Own/Rent). */
export function booleanShape(f: ImportedField): { style?: BooleanStyle; table?: Record<string, Scalar>; fallback?: Scalar; why: string } {
  if (f.type === "boolean") return { why: "a JSON boolean" };
  const values: Scalar[] = f.enum ?? (f.example !== undefined ? [f.example] : []);
  const numeric = f.type === "integer" || f.type === "number";
  const styles = BOOLEAN_STYLES.filter((s) => {
    const o = booleanOutputs(s);
    if (!o) return false;
    const typed = o.every((x) => (numeric ? typeof x === "number" : typeof x === "string"));
    return typed && values.length > 0 && values.every((v) => o.some((x) => x === v || (numeric && x === Number(v))));
  });
  const style = styles[0];
  if (style && (!f.enum || f.enum.length === 2)) return { style, why: f.enum ? `allowed ${f.enum.join("/")}` : `example ${String(f.example)}` };
  if (f.enum && f.enum.length >= 2) {
    const p = proposeTable(["true", "false"], f.enum);
    if (!p.missing.length) return { table: p.table, ...(p.catchAll !== undefined ? { fallback: p.catchAll } : {}), why: `allowed ${f.enum.join("/")}` };
  }
  if (numeric) return { style: "1_0", why: "a number: 1/0" };
  return {
    style: "true_false",
    why: values.length ? `unrecognised yes/no words ${values.join("/")}: sent as true/false` : "no yes/no words documented: true/false",
  };
}
