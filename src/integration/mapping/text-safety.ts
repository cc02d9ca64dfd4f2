/**
 * What a rule's text can contain, decided from its config at compile time, so the wire writers
 * skip the per-lead escaping check for values that cannot need it: a phone in digits, a date
 * pattern, a yes/no style, a ZIP, a hash, a translation table's outputs, a constant.
 *
 * A rule's safety is a set of bits, one per wire format (formats/plain-text.ts): the bit is set
 * when every string the rule can produce needs no escaping in that format. Numbers and booleans are written by type
 * and never consult it. 0 (unknown: lead text, computed text, bid fields) is always correct.
 */
import { SAFE_ALL as ALL, SAFE_JSON, SAFE_XML, textSafety } from "../formats/plain-text";
import { booleanOutputs } from "./formatters";
import type { FieldFormat, FieldRule, Scalar } from "./schema";

/** A constant: only a string can need escaping. */
function scalarSafety(v: Scalar | undefined): number {
  return typeof v === "string" ? textSafety(v) : ALL;
}

// Number-to-text of any number may hold `+` (`1e+21`) and `.`: plain in JSON and XML only.
const ANY_NUMBER_TEXT = SAFE_JSON | SAFE_XML;

/** The text a date format writes: its literal text, digits, `AM`/`PM`; an ISO instant holds `:`. */
function dateSafety(pattern: string): number {
  if (pattern === "unix" || pattern === "unix_ms") return ALL;
  if (pattern === "iso") return SAFE_JSON | SAFE_XML;
  // Every token writes digits (or `-`, `NaN`, `AM`, `PM`: plain in every format); bracketed
  // text and anything that is not a token is written as it is. So the pattern's own text,
  // brackets included, bounds what it writes.
  return textSafety(pattern);
}

/**
 * The safety after a rule's format, given the safety of the value it formats. Steps run in
 * the order compileFormat runs them; each either passes text through (trim, maxLength keep
 * what was safe), writes text of a known alphabet, or fails (the rule then writes nothing).
 */
function formatSafety(f: FieldFormat, input: number): number {
  let s = input;
  // Case mapping can turn one character into others: nothing known survives it.
  if (f.case) s = 0;
  if (f.phone) s = f.phone === "e164" || f.phone === "parens" ? SAFE_JSON | SAFE_XML : ALL;
  if (f.date) s = dateSafety(f.date);
  if (f.boolean) {
    const out = booleanOutputs(f.boolean);
    s = out ? scalarSafety(out[0] as Scalar) & scalarSafety(out[1] as Scalar) : 0;
  }
  if (f.decimals !== undefined) s = ALL;
  if (f.money) s = ANY_NUMBER_TEXT & textSafety(f.money.symbol ?? "");
  if (f.zip5) s = ALL;
  if (f.sha256) s = ALL;
  return s;
}

/** The safety of everything the rule can write (see the file comment). */
export function ruleSafety(rule: FieldRule): number {
  // The source: a constant is known, lead text, computed text and bid fields are not.
  let s = rule.value !== undefined ? scalarSafety(rule.value) : 0;
  if (rule.default !== undefined) s &= scalarSafety(rule.default);
  const t = rule.translate;
  if (t) {
    // A hit gives a table value; a miss gives the default, or the value itself when there is none.
    let out = t.default !== undefined ? scalarSafety(t.default) : s;
    for (const v of Object.values(t.table)) out &= scalarSafety(v);
    s = out;
  }
  if (rule.format) s = formatSafety(rule.format, s);
  if (rule.type === "number" || rule.type === "integer" || rule.type === "boolean") s = ALL;
  else if (rule.type === "string") s &= ANY_NUMBER_TEXT;
  return s;
}
