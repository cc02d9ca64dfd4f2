/**
 * Formatters inferred from the spec for one matched field: phone style, date pattern, yes/no
 * style, state code or name, ZIP or ZIP+4, money, numbers as text, lengths, and translation
 * tables for enums. Every guess is checked against what the spec allows (its pattern, example,
 * enum and max length) by rendering a probe value with Leadwire's own formatters.
 */
import { booleanOutputs, formatDate, formatPhone } from "../mapping/formatters";
import type { Compute, FieldFormat, Translate } from "../mapping/schema";
import { BOOLEAN_STYLES, PHONE_STYLES } from "../mapping/schema";
import type { LeadSource } from "./catalog";
import type { ImportedField, Scalar } from "./types";
import { catchAllOf, looksLikeStateCodes, looksLikeStateNames, proposeTable, STATE_NAMES } from "./values";

type ValueType = "string" | "number" | "integer" | "boolean";
type PhoneStyle = (typeof PHONE_STYLES)[number];
type BooleanStyle = (typeof BOOLEAN_STYLES)[number];

/** What the generator writes for a matched field (beside `to` and `required`). */
export interface InferredRule {
  source: { from: string } | { compute: Compute };
  translate?: Omit<Translate, "caseInsensitive"> & { caseInsensitive?: boolean };
  format?: FieldFormat;
  type?: ValueType;
  /** Why a matched field still needs a person (an enum value with no counterpart …). */
  open?: string;
  notes: string[];
  /** The buyer takes only these states (a state enum of codes becomes a filter). */
  onlyStates?: string[];
  /** The spec's state enum of codes is written as a pattern once it is a filter. */
  dropEnum?: boolean;
}

const PHONE_LEN: Record<PhoneStyle, number> = { digits10: 10, digits11: 11, e164: 12, dashed: 12, dotted: 12, parens: 14, area_code: 3 };
/** A whole phone number's styles: the area code alone (a ping's) is never what a phone field wants. */
const WHOLE_PHONE_STYLES = PHONE_STYLES.filter((s) => s !== "area_code");
const PHONE_PROBE = "+12025550123";

function safeRegex(p: string | undefined): RegExp | undefined {
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
function booleanShape(f: ImportedField): { style?: BooleanStyle; table?: Record<string, Scalar>; fallback?: Scalar; why: string } {
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

function typeOfScalar(v: Scalar | null): ValueType {
  return v === null ? "string" : typeof v === "boolean" ? "boolean" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : "string";
}

/** The type a rule produces, and its longest output when known. */
function produced(source: LeadSource, r: InferredRule): { type: ValueType; maxLen?: number } {
  let type: ValueType = source.type;
  let maxLen: number | undefined;
  if (r.translate) {
    const vals = [...Object.values(r.translate.table), ...(r.translate.default !== undefined ? [r.translate.default] : [])];
    const ts = new Set(vals.map(typeOfScalar));
    if (ts.size === 1) type = [...ts][0] as ValueType;
    // Without a default, an untranslated value passes through: its length is not known.
    if (r.translate.default !== undefined) maxLen = Math.max(...vals.map((v) => String(v).length));
  }
  const f = r.format;
  if (f?.phone) {
    type = "string";
    maxLen = PHONE_LEN[f.phone];
  }
  if (f?.date) {
    type = f.date === "unix" || f.date === "unix_ms" ? "integer" : "string";
    maxLen = f.date === "iso" ? 24 : f.date.length;
  }
  if (f?.boolean) {
    const o = booleanOutputs(f.boolean);
    if (o) {
      type = typeOfScalar(o[0] as Scalar);
      maxLen = Math.max(...o.map((x) => String(x).length));
    }
  }
  if (f?.decimals !== undefined) type = f.decimals === 0 ? "integer" : "number";
  if (f?.money) type = "string";
  if (f?.zip5) {
    type = "string";
    maxLen = 5;
  }
  if ("from" in r.source && r.source.from === "address.state" && !r.translate) maxLen = 2;
  if ("from" in r.source && r.source.from === "address.zip" && !f?.zip5) maxLen = 5;
  if ("compute" in r.source && r.source.compute.fn === "zip_plus4") maxLen = 10;
  return maxLen === undefined ? { type } : { type, maxLen };
}

function compatible(want: ImportedField["type"], have: ValueType): boolean {
  return want === have || (want === "number" && have === "integer");
}

/** A table over an enum and the lead's values; open when a value has nowhere to go. */
function enumTable(source: LeadSource, f: ImportedField, values: readonly string[], out: InferredRule, freeText: boolean): void {
  const options = f.enum ?? [];
  const p = proposeTable(values, options);
  const table: Record<string, Scalar> = { ...p.table };
  if (freeText) for (const o of options) if (o !== p.catchAll && !Object.values(table).includes(o)) table[String(o).toLowerCase()] = o;
  const list = options.map((o) => JSON.stringify(o)).join(", ");
  if (p.catchAll !== undefined) {
    out.translate = { table, caseInsensitive: true, default: p.catchAll };
    if (p.missing.length && !freeText) out.notes.push(`${p.missing.join(", ")} → ${JSON.stringify(p.catchAll)} (no closer value in ${list})`);
    if (freeText) out.notes.push(`free text: any value not in the table is sent as ${JSON.stringify(p.catchAll)}`);
    return;
  }
  if (!freeText && p.missing.length === 0) {
    // Intake only ever produces the listed values, so the default below is never used; the check
    // still wants every output known.
    const last = Object.values(table)[Object.values(table).length - 1] as Scalar;
    out.translate = { table, caseInsensitive: true, default: last };
    return;
  }
  out.translate = { table, caseInsensitive: true };
  out.open = freeText
    ? `${source.label} is free text and ${list} has no catch-all value: finish the translate table and set translate.default, then add "from": "${"from" in source.rule ? source.rule.from : source.label}"`
    : `${source.label} matches, but ${p.missing.join(", ")} ${p.missing.length === 1 ? "has" : "have"} no counterpart in ${list}: finish the translate table and set translate.default, then add "from": "${"from" in source.rule ? source.rule.from : source.label}"`;
}

/**
 * The rule for a buyer field matched to a lead source: formatters, translation tables and type
 * coercion inferred from the spec, with a note for each guess a person may want to check.
 */
export function inferRule(f: ImportedField, source: LeadSource): InferredRule {
  const out: InferredRule = { source: source.rule, notes: [] };
  const format: FieldFormat = {};
  switch (source.kind) {
    case "phone": {
      const p = phoneStyle(f);
      format.phone = p.style;
      if (!p.why.startsWith("pattern") && !p.why.startsWith("example")) out.notes.push(`phone as ${p.style} (${p.why})`);
      break;
    }
    case "date":
    case "instant": {
      const d = datePattern(f, source.kind === "instant");
      if (d.pattern) format.date = d.pattern;
      if (d.why.startsWith("no format")) out.notes.push(d.why);
      break;
    }
    case "boolean": {
      const b = booleanShape(f);
      if (b.style) format.boolean = b.style;
      if (b.table) out.translate = { table: b.table, default: b.fallback ?? (b.table.false as Scalar) };
      if (b.why.startsWith("no yes/no") || b.why.startsWith("unrecognised")) out.notes.push(b.why);
      break;
    }
    case "state": {
      const names = (f.enum && looksLikeStateNames(f.enum)) || (f.example !== undefined && looksLikeStateNames([f.example])) || /name/i.test(f.format ?? "");
      if (names) {
        const upper = f.enum
          ? f.enum.every((v) => String(v) === String(v).toUpperCase())
          : f.example !== undefined && String(f.example) === String(f.example).toUpperCase();
        const table: Record<string, Scalar> = {};
        for (const [code, name] of Object.entries(STATE_NAMES)) {
          const written = upper ? name.toUpperCase() : name;
          if (!f.enum || f.enum.includes(written)) table[code] = written;
        }
        out.translate = { table };
        if (f.enum) {
          out.onlyStates = Object.keys(table);
          out.translate.default = f.enum[0] as Scalar;
          out.notes.push("state names; only the states the buyer lists are sent (filters.states)");
        } else out.notes.push("state written as its name");
      } else if (f.enum && looksLikeStateCodes(f.enum)) {
        out.dropEnum = true;
        if (f.enum.length < 50) out.onlyStates = f.enum.map((v) => String(v).toUpperCase());
        out.notes.push(`the buyer's list of ${f.enum.length} state codes became ${f.enum.length < 50 ? "filters.states and " : ""}a pattern`);
      } else if (f.example !== undefined && /^[a-z]{2}$/.test(String(f.example))) format.case = "lower";
      break;
    }
    case "zip": {
      const re = safeRegex(f.pattern);
      const ex = f.example !== undefined ? String(f.example) : "";
      const plus4 = (re ? re.test("75201-1234") : false) || /^\d{5}-\d{4}$/.test(ex) || (f.maxLength !== undefined && f.maxLength >= 10 && /^\d{5}-/.test(ex));
      const nine = /^\d{9}$/.test(ex) || (re ? re.test("752011234") && !re.test("75201") : false);
      if (plus4 || nine) {
        out.source = { compute: { fn: "zip_plus4", args: ["address.zip", "address.zip4"], ...(nine ? { options: { separator: "" } } : {}) } };
        out.notes.push("ZIP+4 when the lead has it, else the 5-digit ZIP");
      }
      break;
    }
    case "money": {
      const ex = f.example !== undefined ? String(f.example) : "";
      if (f.type === "integer") format.decimals = 0;
      else if (f.type === "string") {
        const re = safeRegex(f.pattern);
        if ((re?.test("312500.00") && !re.test("312500")) || /^\d+\.\d{2}$/.test(ex)) format.money = { decimals: 2 };
        else if (/^\$[\d,]+\.\d{2}$/.test(ex)) format.money = { decimals: 2, symbol: "$" };
        else format.decimals = 0;
      } else if ("compute" in source.rule && source.rule.compute.fn === "ltv") {
        const dec = /\.(\d+)$/.exec(ex)?.[1]?.length ?? 2;
        out.source = { compute: { ...source.rule.compute, options: { decimals: dec } } };
      }
      break;
    }
    default:
      break;
  }

  if (source.values && !f.enum && f.example !== undefined && !source.values.includes(String(f.example))) {
    out.notes.push(
      `the spec's example ${JSON.stringify(f.example)} is not one of the lead's values (${source.values.join(", ")}): if the buyer uses codes, list them and add a translate table`,
    );
  }
  if (!out.translate && f.enum && f.enum.length > 0 && !out.dropEnum && source.kind !== "boolean") {
    if (source.values) enumTable(source, f, source.values, out, false);
    else if (source.typical) enumTable(source, f, source.typical, out, true);
    else if (source.kind === "text" || source.kind === "name") enumTable(source, f, [], out, true);
  }

  // Text case the pattern insists on (`^[A-Z ]+$`).
  if ((source.kind === "text" || source.kind === "name" || source.kind === "city" || source.kind === "street") && f.pattern && !out.translate) {
    if (/A-Z/.test(f.pattern) && !/a-z/.test(f.pattern)) format.case = "upper";
    else if (/a-z/.test(f.pattern) && !/A-Z/.test(f.pattern)) format.case = "lower";
  }
  if (Object.keys(format).length) out.format = format;

  const p = produced(source, out);
  if (!compatible(f.type, p.type) && f.type !== "object" && f.type !== "array") {
    if (f.type === "integer" && p.type === "number") {
      out.format = { ...out.format, decimals: 0 };
    } else out.type = f.type;
  }
  if (f.maxLength !== undefined && (out.type ?? p.type) === "string") {
    if (p.maxLen === undefined) out.format = { ...out.format, maxLength: f.maxLength };
    else if (p.maxLen > f.maxLength) {
      out.format = { ...out.format, maxLength: f.maxLength };
      out.notes.push(`values can be ${p.maxLen} characters; cut to ${f.maxLength}`);
    }
  }
  if (source.label === "lead.id" && f.maxLength !== undefined && f.maxLength < 31)
    out.notes.push(`our lead id is 31 characters; the buyer keeps ${f.maxLength}`);
  if (catchAllOf(f.enum ?? []) === undefined && out.translate && out.translate.default === undefined && !out.open && f.enum) {
    out.open = `choose translate.default among ${f.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  }
  return out;
}
