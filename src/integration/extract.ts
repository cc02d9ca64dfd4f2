/**
 * Shared value extraction from a partner's HTTP body: parse once by content type (JSON, XML,
 * form, text), then evaluate any number of selectors against the parsed body. Used by buyer
 * response rules, login-token parsing and the webhook mapping of buyers' callback bodies.
 *
 * Nothing here throws on hostile input: a body that does not parse as what it claims is read
 * as text, and a selector that finds nothing yields undefined.
 */
import type { ParsedBody } from "./extract-body";
import { jsonPathAll } from "./extract-jsonpath";
import { xpathAll } from "./extract-xpath";
import type { Selector } from "./selector-schema";

export { BODY_KINDS, type BodyKind } from "./body-kinds";
// The parts live beside this file: body parsing, JSON paths, XPath.
export { headerValue, kindFromContentType, type ParsedBody, parseBody } from "./extract-body";
export { compileJsonPath, jsonPathAll } from "./extract-jsonpath";
export { loadXPath, usesXPath } from "./extract-xpath";

/** Validates a regular expression at config-check time, so a typo fails `buyers:check`, not a delivery. */
export function isValidRegex(source: string, flags?: string): boolean {
  try {
    new RegExp(source, flags);
    return true;
  } catch {
    return false;
  }
}

// The selector schema (what a config may write) is in selector-schema.ts: reading bodies needs
// only its types, so an isolate that delivers never builds the schema.
export type { Selector, SelectorInput } from "./selector-schema";

// ---------- regex / form ----------

const regexCache = new Map<string, RegExp | null>();
function regexOf(source: string, flags = ""): RegExp | null {
  const key = `${flags}/${source}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    re = isValidRegex(source, flags) ? new RegExp(source, flags.replace(/g/g, "")) : null;
    if (regexCache.size < 10_000) regexCache.set(key, re);
  }
  return re;
}

/** Tests a regular expression (cached) against text; an invalid pattern never matches. */
export function regexTest(source: string, text: string, flags?: string): boolean {
  const re = regexOf(source, flags);
  return re ? re.test(text) : false;
}

// ---------- evaluation ----------

/**
 * The value as text: strings as-is, numbers and booleans printed, an XML element with
 * attributes by its text, anything else (objects, arrays, null) undefined.
 */
export function toText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.hasOwn(v, "#text")) {
    return toText((v as Record<string, unknown>)["#text"]);
  }
  return undefined;
}

/** Every raw value a selector finds (JSON values, XPath node texts, regex captures, form values). */
export function selectAllRaw(body: ParsedBody, sel: Selector): unknown[] {
  if ("jsonPath" in sel) return jsonPathAll(body.data, sel.jsonPath);
  if ("xpath" in sel) return xpathAll(body, sel.xpath, sel.namespaces);
  if ("regex" in sel) {
    const re = regexOf(sel.regex, sel.flags);
    const m = re ? re.exec(body.raw) : null;
    const g = m ? m[sel.group] : undefined;
    return g === undefined ? [] : [g];
  }
  if (body.kind === "form" && body.data !== null && typeof body.data === "object" && Object.hasOwn(body.data, sel.formKey)) {
    const v = (body.data as Record<string, unknown>)[sel.formKey];
    return v === undefined ? [] : [v];
  }
  return [];
}

/** Every value a selector finds, as non-empty trimmed strings. */
export function selectAll(body: ParsedBody, sel: Selector): string[] {
  const out: string[] = [];
  for (const v of selectAllRaw(body, sel)) {
    const s = toText(v)?.trim();
    if (s) out.push(s);
  }
  return out;
}

/** The first non-empty value a selector finds, as a trimmed string; undefined when none. */
export function select(body: ParsedBody, sel: Selector): string | undefined {
  return selectAll(body, sel)[0];
}

/** A selector of an already validated config, where a bare string means a JSON path. */
export function asSelector(input: string | Selector): Selector {
  return typeof input === "string" ? { jsonPath: input } : input;
}
