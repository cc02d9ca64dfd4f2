/**
 * Reads a buyer's answer with its response rules: outcome (accepted / rejected / error /
 * pending / unrecognized), the buyer's lead id, reasons, price and redirect URL. Pure and total:
 * whatever the buyer sends (empty, malformed, binary), the result is a ParsedResponse.
 */

import type { ParsedBody, Selector } from "../extract";
import { headerValue, jsonPathAll, parseBody, regexTest, selectAll, selectAllRaw, toText } from "../extract";
import type { BuyerResponse, ParsedResponse } from "../types";
import type { ErrorList, Extract, Matcher, OutcomeRule, ResponseRules, StatusField, StatusSpec } from "./schema";

const DEFAULT_STATUS_VALUES = {
  accepted: ["accepted", "accept", "success", "successful", "ok", "sold", "approved", "true"],
  rejected: ["rejected", "reject", "declined", "denied", "duplicate", "failure", "failed", "false", "unsold"],
  error: ["error", "exception"],
  pending: ["pending", "queued", "received", "processing"],
} as const;

/**
 * Rules for the common "a status field says accepted / rejected" answer, e.g.
 * `{"status": "accepted", "id": "…"}` or `<result><status>rejected</status></result>`.
 * Values are compared case-insensitively; the defaults cover the usual words
 * (accepted/success/ok/sold, rejected/declined/duplicate/failed, error, pending/queued).
 */
export function defaults(field: string | StatusField = {}): OutcomeRule[] {
  const f: StatusField = typeof field === "string" ? { path: field } : field;
  const path = f.path ?? "status";
  const sel: Selector = typeof path === "string" ? { jsonPath: path } : path;
  const rules: OutcomeRule[] = [];
  for (const outcome of ["accepted", "rejected", "error", "pending"] as const) {
    const values = f[outcome] ?? [...DEFAULT_STATUS_VALUES[outcome]];
    if (values.length === 0) continue;
    rules.push({ match: { ...matcherFor(sel), in: values, caseSensitive: false }, outcome });
  }
  return rules;
}

function matcherFor(sel: Selector): { jsonPath: string } | { xpath: string; namespaces?: Record<string, string> } | { formKey: string } {
  if ("jsonPath" in sel) return { jsonPath: sel.jsonPath };
  if ("xpath" in sel) return sel.namespaces ? { xpath: sel.xpath, namespaces: sel.namespaces } : { xpath: sel.xpath };
  if ("formKey" in sel) return { formKey: sel.formKey };
  // A regex status field has no value to compare; read group 1 through a regex matcher instead.
  throw new Error("a status field cannot be a regex selector");
}

function statusMatches(status: number, spec: StatusSpec): boolean {
  if (typeof spec === "number") return status === spec;
  if (/^[1-5]xx$/.test(spec)) return Math.floor(status / 100) === Number(spec[0]);
  const [lo, hi] = spec.split("-").map(Number);
  if (lo === undefined || Number.isNaN(lo)) return false;
  return hi === undefined ? status === lo : status >= lo && status <= hi;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && !(typeof v === "string" && v.trim() === "");
}

function sameText(a: string, b: string, caseSensitive: boolean): boolean {
  const x = a.trim();
  const y = b.trim();
  return caseSensitive ? x === y : x.toLowerCase() === y.toLowerCase();
}

interface ValueTests {
  equals?: string | number | boolean | null | undefined;
  in?: (string | number | boolean | null)[] | undefined;
  matches?: string | undefined;
  flags?: string | undefined;
  exists?: boolean | undefined;
  caseSensitive: boolean;
}

function testValues(values: unknown[], t: ValueTests): boolean {
  if (t.exists === false) return !values.some(present);
  let tested = false;
  if (t.equals !== undefined) {
    tested = true;
    const want = t.equals;
    const ok =
      want === null
        ? values.some((v) => v === null)
        : values.some((v) => {
            const s = toText(v);
            return s !== undefined && sameText(s, String(want), t.caseSensitive);
          });
    if (!ok) return false;
  }
  if (t.in !== undefined) {
    tested = true;
    const list = t.in;
    const ok = values.some((v) => {
      if (v === null) return list.includes(null);
      const s = toText(v);
      return s !== undefined && list.some((w) => w !== null && sameText(s, String(w), t.caseSensitive));
    });
    if (!ok) return false;
  }
  if (t.matches !== undefined) {
    tested = true;
    const source = t.matches;
    const flags = t.caseSensitive || (t.flags ?? "").includes("i") ? t.flags : `${t.flags ?? ""}i`;
    const ok = values.some((v) => {
      const s = toText(v);
      return s !== undefined && regexTest(source, s, flags);
    });
    if (!ok) return false;
  }
  return tested || values.some(present);
}

function matcherHolds(body: ParsedBody, m: Matcher): boolean {
  if ("search" in m) return body.raw.toLowerCase().includes(m.search.toLowerCase());
  if ("regex" in m) return regexTest(m.regex, body.raw, m.flags);
  let values: unknown[];
  if ("jsonPath" in m) values = jsonPathAll(body.data, m.jsonPath);
  else if ("xpath" in m) values = selectAllRaw(body, m.namespaces ? { xpath: m.xpath, namespaces: m.namespaces } : { xpath: m.xpath });
  else values = selectAllRaw(body, { formKey: m.formKey });
  return testValues(values, m);
}

function ruleHolds(body: ParsedBody, status: number, rule: OutcomeRule): boolean {
  if (rule.status !== undefined) {
    const specs = Array.isArray(rule.status) ? rule.status : [rule.status];
    if (!specs.some((s) => statusMatches(status, s))) return false;
  }
  if (rule.match !== undefined) {
    const ms = Array.isArray(rule.match) ? rule.match : [rule.match];
    for (const m of ms) if (!matcherHolds(body, m)) return false;
  }
  return true;
}

function selectorsOf(e: Extract): Selector[] {
  const list = Array.isArray(e) ? e : [e];
  return list.map((x) => (typeof x === "string" ? { jsonPath: x } : x));
}

function extractFirst(body: ParsedBody, e: Extract | undefined): string | undefined {
  if (e === undefined) return undefined;
  for (const s of selectorsOf(e)) {
    const v = selectAll(body, s)[0];
    if (v !== undefined) return v;
  }
  return undefined;
}

function extractAll(body: ParsedBody, e: Extract | undefined): string[] {
  if (e === undefined) return [];
  const out: string[] = [];
  for (const s of selectorsOf(e)) for (const v of selectAll(body, s)) if (!out.includes(v)) out.push(v);
  return out;
}

function firstText(item: unknown, paths: string | string[] | undefined): string | undefined {
  if (paths === undefined) return undefined;
  for (const p of Array.isArray(paths) ? paths : [paths]) {
    for (const v of jsonPathAll(item, p)) {
      const t = toText(v)?.trim();
      if (t) return t;
    }
  }
  return undefined;
}

function allTexts(item: unknown, path: string): string[] {
  const out: string[] = [];
  for (const v of jsonPathAll(item, path)) {
    const t = toText(v)?.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * The vendor's structured errors as text: `CODE: message (fields: a, b; policy: X)`, one entry
 * per error object, duplicates dropped. An item with neither code nor message adds nothing.
 */
export function readErrors(body: ParsedBody, lists: ErrorList[] | undefined): string[] {
  if (!lists || body.data === undefined) return [];
  const out: string[] = [];
  for (const list of lists) {
    for (const item of jsonPathAll(body.data, list.items)) {
      if (item === null || typeof item !== "object") continue;
      const code = firstText(item, list.code);
      const message = firstText(item, list.message);
      if (code === undefined && message === undefined) continue;
      let text = code !== undefined && message !== undefined ? `${code}: ${message}` : (code ?? message ?? "");
      const extras: string[] = [];
      const fields = list.fields ? allTexts(item, list.fields) : [];
      if (fields.length) extras.push(`fields: ${fields.join(", ")}`);
      for (const [label, path] of Object.entries(list.details ?? {})) {
        const values = allTexts(item, path);
        if (values.length) extras.push(`${label}: ${values.join(", ")}`);
      }
      if (extras.length) text += ` (${extras.join("; ")})`;
      if (!out.includes(text)) out.push(text);
    }
  }
  return out;
}

/** "$1,250.00" → 1250; undefined for anything that is not a finite non-negative amount. */
export function parsePrice(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const cleaned = s.replace(/[$€£,\s]|USD/gi, "");
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(cleaned)) return undefined;
  const n = Number(cleaned);
  return Number.isFinite(n) ? n : undefined;
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function faultText(v: unknown): string | undefined {
  const x = first(v);
  const t = toText(x);
  if (t !== undefined) return t.trim() || undefined;
  // SOAP 1.2 Reason/Text and Code/Value are nested one more level.
  if (x !== null && typeof x === "object") {
    const o = x as Record<string, unknown>;
    return faultText(o.Text ?? o.Value);
  }
  return undefined;
}

/**
 * A SOAP 1.1 (`faultcode`/`faultstring`) or 1.2 (`Code/Value`, `Reason/Text`) Fault in an XML
 * body parsed with namespace prefixes removed; undefined when the body is no fault.
 */
export function soapFault(body: ParsedBody): { code?: string; reason: string } | undefined {
  if (body.kind !== "xml" || body.data === null || typeof body.data !== "object") return undefined;
  const env = first((body.data as Record<string, unknown>).Envelope);
  if (env === null || typeof env !== "object") return undefined;
  const b = first((env as Record<string, unknown>).Body);
  if (b === null || typeof b !== "object") return undefined;
  const f = first((b as Record<string, unknown>).Fault);
  if (f === null || f === undefined || typeof f !== "object") return undefined;
  const fo = f as Record<string, unknown>;
  const code = faultText(fo.faultcode ?? fo.Code);
  const reason = faultText(fo.faultstring ?? fo.Reason) ?? code ?? "SOAP fault";
  return code !== undefined ? { code, reason } : { reason };
}

const compiledDefaults = new WeakMap<ResponseRules, OutcomeRule[]>();

function allRules(rules: ResponseRules): OutcomeRule[] {
  if (rules.statusField === undefined) return rules.rules;
  let hit = compiledDefaults.get(rules);
  if (!hit) {
    hit = [...rules.rules, ...defaults(rules.statusField)];
    compiledDefaults.set(rules, hit);
  }
  return hit;
}

function interpret(rules: ResponseRules, res: BuyerResponse): ParsedResponse {
  const body = parseBody(res.body ?? "", headerValue(res.headers, "content-type"), rules.contentType);

  let outcome: ParsedResponse["outcome"] = "unrecognized";
  let pending = false;
  let fixedReason: string | undefined;

  const fault = rules.soapFaults ? soapFault(body) : undefined;
  if (fault) {
    outcome = "error";
    fixedReason = fault.reason;
  } else {
    for (const rule of allRules(rules)) {
      if (!ruleHolds(body, res.status, rule)) continue;
      if (rule.outcome === "pending") {
        // The delivery layer reads `pending` first; the buyer has taken the lead for now.
        outcome = "accepted";
        pending = true;
      } else {
        outcome = rule.outcome;
      }
      fixedReason = rule.reason;
      break;
    }
  }

  const out: ParsedResponse = { outcome };
  if (pending) out.pending = true;
  const id = extractFirst(body, rules.buyerLeadId);
  if (id !== undefined) out.buyerLeadId = id;
  let reasons: string[];
  if (fault) reasons = [fault.reason];
  else {
    // The vendor's own codes first; a plain reason already said inside one of them is not repeated.
    const errors = readErrors(body, rules.errors);
    reasons = [...errors, ...extractAll(body, rules.reason).filter((r) => !errors.some((e) => e.includes(r)))];
  }
  const reason = reasons.length ? reasons.join("; ") : fixedReason;
  if (reason !== undefined && reason !== "") out.reason = reason;
  let price = parsePrice(extractFirst(body, rules.price));
  if (price === undefined && outcome === "accepted" && !pending) price = rules.fallbackPrice;
  if (price !== undefined) out.price = price;
  const redirect = extractFirst(body, rules.redirectUrl);
  if (redirect !== undefined) out.redirectUrl = redirect;
  return out;
}

/**
 * Interprets a buyer's answer with its rules. Order: a SOAP Fault (unless `soapFaults: false`)
 * is an error; then the explicit rules in order, then the status-field shorthand; nothing
 * matched → "unrecognized" (the delivery layer keeps the body). Never throws.
 */
export function parseResponse(rules: ResponseRules, res: BuyerResponse): ParsedResponse {
  try {
    return interpret(rules, res);
  } catch {
    // Defensive: a parser bug must not crash a delivery; an unreadable answer is just that.
    return { outcome: "unrecognized" };
  }
}
