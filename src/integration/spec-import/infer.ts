/**
 * Formatters inferred from the spec for one matched field: phone style, date pattern, yes/no
 * style, state code or name, ZIP or ZIP+4, money, numbers as text, lengths, and translation
 * tables for enums. Every guess is checked against what the spec allows (its pattern, example,
 * enum and max length) by rendering a probe value with Leadwire's own formatters.
 */
import { booleanOutputs } from "../mapping/formatters";
import type { Compute, FieldFormat, Translate } from "../mapping/schema";
import type { LeadSource, ValueKind } from "./catalog";
import { booleanShape, datePattern, PHONE_LEN, phoneStyle, safeRegex } from "./infer-styles";
import type { ImportedField, Scalar } from "./types";
import { catchAllOf, looksLikeStateCodes, looksLikeStateNames, proposeTable, STATE_NAMES } from "./values";

export { datePattern, declaredDatePattern, phoneStyle } from "./infer-styles";

type ValueType = "string" | "number" | "integer" | "boolean";

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

/** A step that reads the spec for one kind of value: it sets formatters, or rewrites the rule's source and notes. */
type KindStep = (f: ImportedField, source: LeadSource, out: InferredRule, format: FieldFormat) => void;

function phoneStep(f: ImportedField, _source: LeadSource, out: InferredRule, format: FieldFormat): void {
  const p = phoneStyle(f);
  format.phone = p.style;
  if (!p.why.startsWith("pattern") && !p.why.startsWith("example")) out.notes.push(`phone as ${p.style} (${p.why})`);
}

function dateStep(f: ImportedField, source: LeadSource, out: InferredRule, format: FieldFormat): void {
  const d = datePattern(f, source.kind === "instant");
  if (d.pattern) format.date = d.pattern;
  if (d.why.startsWith("no format")) out.notes.push(d.why);
}

function booleanStep(f: ImportedField, _source: LeadSource, out: InferredRule, format: FieldFormat): void {
  const b = booleanShape(f);
  if (b.style) format.boolean = b.style;
  if (b.table) out.translate = { table: b.table, default: b.fallback ?? (b.table.false as Scalar) };
  if (b.why.startsWith("no yes/no") || b.why.startsWith("unrecognised")) out.notes.push(b.why);
}

/** States written as names (a table), as a list of codes (a filter), or in lower case. */
function stateStep(f: ImportedField, _source: LeadSource, out: InferredRule, format: FieldFormat): void {
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
}

/** ZIP+4 (dashed or nine digits) when the pattern, example or length asks for it. */
function zipStep(f: ImportedField, _source: LeadSource, out: InferredRule): void {
  const re = safeRegex(f.pattern);
  const ex = f.example !== undefined ? String(f.example) : "";
  const plus4 = (re ? re.test("75201-1234") : false) || /^\d{5}-\d{4}$/.test(ex) || (f.maxLength !== undefined && f.maxLength >= 10 && /^\d{5}-/.test(ex));
  const nine = /^\d{9}$/.test(ex) || (re ? re.test("752011234") && !re.test("75201") : false);
  if (plus4 || nine) {
    out.source = { compute: { fn: "zip_plus4", args: ["address.zip", "address.zip4"], ...(nine ? { options: { separator: "" } } : {}) } };
    out.notes.push("ZIP+4 when the lead has it, else the 5-digit ZIP");
  }
}

/** Money as whole units, as `312500.00` or `$312,500.00`; a ratio keeps the example's decimals. */
function moneyStep(f: ImportedField, source: LeadSource, out: InferredRule, format: FieldFormat): void {
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
}

/** The kinds of value whose written form the spec decides; other kinds pass through as they are. */
const KIND_STEPS: Partial<Record<ValueKind, KindStep>> = {
  phone: phoneStep,
  date: dateStep,
  instant: dateStep,
  boolean: booleanStep,
  state: stateStep,
  zip: zipStep,
  money: moneyStep,
};

/** Translation tables for a buyer enum, and a note when the example is not one of the lead's values. */
function enumStep(f: ImportedField, source: LeadSource, out: InferredRule): void {
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
}

/** Text case the pattern insists on (`^[A-Z ]+$`). */
function caseStep(f: ImportedField, source: LeadSource, out: InferredRule, format: FieldFormat): void {
  if ((source.kind === "text" || source.kind === "name" || source.kind === "city" || source.kind === "street") && f.pattern && !out.translate) {
    if (/A-Z/.test(f.pattern) && !/a-z/.test(f.pattern)) format.case = "upper";
    else if (/a-z/.test(f.pattern) && !/A-Z/.test(f.pattern)) format.case = "lower";
  }
}

/** The buyer's type and max length against what the rule produces: coerce, cut, or note. */
function fitStep(f: ImportedField, source: LeadSource, out: InferredRule): void {
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
}

/**
 * The rule for a buyer field matched to a lead source: formatters, translation tables and type
 * coercion inferred from the spec, with a note for each guess a person may want to check.
 */
export function inferRule(f: ImportedField, source: LeadSource): InferredRule {
  const out: InferredRule = { source: source.rule, notes: [] };
  const format: FieldFormat = {};
  KIND_STEPS[source.kind]?.(f, source, out, format);
  enumStep(f, source, out);
  caseStep(f, source, out, format);
  if (Object.keys(format).length) out.format = format;
  fitStep(f, source, out);
  return out;
}
