/**
 * Whether one outcome rule holds for an answer: its HTTP status, and its matcher (a selector
 * whose values must exist, equal, be in a list, match a pattern …). The status-field
 * shorthand expands to such rules through `defaults`.
 */
import type { ParsedBody, Selector } from "../extract";
import { jsonPathAll, regexTest, selectAllRaw, toText } from "../extract";
import type { Matcher, OutcomeRule, StatusField, StatusSpec } from "./schema";

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

/** True when the answer's status and body satisfy the rule (both, when it has both). */
export function ruleHolds(body: ParsedBody, status: number, rule: OutcomeRule): boolean {
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
