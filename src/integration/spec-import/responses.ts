/**
 * Response rules from the buyer's documented answers: the field that says accepted / rejected /
 * error (and which of its values mean which), the buyer's lead id, the reason and the price,
 * statuses that mean "duplicate"; then each documented answer is read back through Leadwire's
 * own response parser so the report shows what the rules make of it.
 */
import { parseResponse } from "../response";
import type { ResponseRulesInput } from "../response/schema";
import { ResponseRulesSchema } from "../response/schema";
import { compact } from "./catalog";
import { ID_KEYS, type Outcome, outcomeOf, PRICE_KEYS, REASON_KEYS, REDIRECT_KEYS, STATUS_KEYS } from "./response-words";
import type { ImportedField, ResponseExample } from "./types";
import { xmlObject } from "./xml-sample";

export { outcomeOf } from "./response-words";

type Kind = ResponseExample["kind"];

/** A documented body as data: JSON value, XML element tree, form pairs, or the text. */
function bodyData(ex: ResponseExample): unknown {
  if (ex.body === undefined) return undefined;
  try {
    if (ex.kind === "json") return JSON.parse(ex.body) as unknown;
    if (ex.kind === "xml") return xmlObject(ex.body);
    if (ex.kind === "form") return Object.fromEntries(new URLSearchParams(ex.body.trim()));
  } catch {
    return undefined;
  }
  return ex.body;
}

/** Leaf paths of a value (`a.b`, `errors[*].message`) with their values. */
function leaves(v: unknown, prefix: string, out: Map<string, unknown[]>, depth = 0): void {
  if (depth > 6) return;
  if (Array.isArray(v)) {
    for (const x of v) leaves(x, `${prefix}[*]`, out, depth + 1);
    return;
  }
  if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!k.startsWith("@_")) leaves(x, prefix ? `${prefix}.${k}` : k, out, depth + 1);
    return;
  }
  const list = out.get(prefix) ?? [];
  list.push(v);
  out.set(prefix, list);
}

/** Leaf paths of documented response schemas (no values, only enums). */
function schemaLeaves(fields: ImportedField[], prefix: string, out: Map<string, unknown[]>): void {
  for (const f of fields) {
    const p = prefix ? `${prefix}.${f.name}` : f.name;
    if (f.properties) schemaLeaves(f.properties, p, out);
    else if (f.items?.properties) schemaLeaves(f.items.properties, `${p}[*]`, out);
    else out.set(p, [...(out.get(p) ?? []), ...(f.enum ?? []), ...(f.example !== undefined ? [f.example] : [])]);
  }
}

function lastName(path: string): string {
  return compact(
    path
      .split(".")
      .pop()
      ?.replace(/\[\*\]$/, "") ?? "",
  );
}

function findKey(paths: string[], keys: string[]): string | undefined {
  for (const k of keys) {
    const hit = paths.filter((p) => lastName(p) === k).sort((a, b) => a.length - b.length)[0];
    if (hit) return hit;
  }
  return undefined;
}

/** A selector for a path in a body of this kind. */
function selector(kind: Kind, path: string): string | { xpath: string } | { formKey: string } {
  if (kind === "xml")
    return {
      xpath: `//*[local-name()='${path
        .split(".")
        .pop()
        ?.replace(/\[\*\]$/, "")}']`,
    };
  if (kind === "form") return { formKey: path };
  return path;
}

/** One documented answer read back through the generated rules. */
export interface ResponseReading {
  status: number | string;
  expected?: Outcome;
  outcome: string;
  buyerLeadId?: string;
  reason?: string;
  price?: number;
}

export interface InferredResponse {
  rules: ResponseRulesInput;
  readings: ResponseReading[];
  notes: string[];
}

function sampleStatus(s: number | string): number {
  if (typeof s === "number") return s;
  const m = /^([1-5])xx$/i.exec(s);
  return m ? Number(m[1]) * 100 : 200;
}

/** One documented answer with its leaf paths and values. */
interface ExampleLeaves {
  e: ResponseExample;
  m: Map<string, unknown[]>;
}

/** The body kind most documented answers use; the request's own when none shows a body. */
function dominantKind(examples: ResponseExample[], fallbackKind: Kind): Kind {
  const withBody = examples.filter((e) => e.body !== undefined || e.fields !== undefined);
  const counts = new Map<Kind, number>();
  for (const e of withBody) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallbackKind;
}

/** Every answer's leaves, and all values seen at each path across the answers. */
function collectLeaves(examples: ResponseExample[]): { perExample: ExampleLeaves[]; values: Map<string, unknown[]> } {
  const values = new Map<string, unknown[]>();
  const perExample = examples.map((e) => {
    const m = new Map<string, unknown[]>();
    const data = bodyData(e);
    if (data !== undefined && typeof data === "object") leaves(data, "", m);
    if (e.fields) schemaLeaves(e.fields, "", m);
    for (const [p, vs] of m) values.set(p, [...(values.get(p) ?? []), ...vs]);
    return { e, m };
  });
  return { perExample, values };
}

/** The status field: the usual name whose documented values are outcome words. */
function findStatusPath(values: Map<string, unknown[]>): string | undefined {
  const paths = [...values.keys()];
  return STATUS_KEYS.map((k) =>
    paths.find((p) => lastName(p) === k && !p.includes("[*]") && (values.get(p) ?? []).some((v) => outcomeOf(v) !== undefined)),
  ).find((p) => p !== undefined);
}

/** The status field with the values meaning each outcome, or first-word rules for plain-text answers. */
function statusRules(rules: ResponseRulesInput, kind: Kind, examples: ResponseExample[], statusPath: string | undefined, values: Map<string, unknown[]>): void {
  const outRules = rules.rules ?? [];
  if (statusPath) {
    const byOutcome: Partial<Record<Outcome, string[]>> = {};
    for (const v of values.get(statusPath) ?? []) {
      const o = outcomeOf(v);
      if (!o) continue;
      const list = (byOutcome[o] ??= []);
      if (!list.includes(String(v))) list.push(String(v));
    }
    rules.statusField = { path: selector(kind, statusPath), ...byOutcome };
  } else if (kind === "text") {
    const words = new Map<string, Outcome>();
    for (const e of examples) {
      const first = /^\s*([A-Za-z_]+)/.exec(e.body ?? "")?.[1];
      const o = first ? outcomeOf(first) : undefined;
      if (first && o) words.set(first, o);
    }
    for (const [w, o] of words) outRules.push({ match: { search: w }, outcome: o });
  }
}

/** Rules by HTTP status: duplicates, and accepted / rejected when no field says so; else a guessed `status` field. */
function httpStatusRules(rules: ResponseRulesInput, kind: Kind, examples: ResponseExample[], statusPath: string | undefined, notes: string[]): void {
  const outRules = rules.rules ?? [];
  for (const e of examples) {
    const text = `${e.description ?? ""} ${e.body ?? ""}`.toLowerCase();
    const st = sampleStatus(e.status);
    if (st >= 400 && /duplicate|already (exists|received|submitted)/.test(text)) outRules.push({ status: e.status, outcome: "rejected", reason: "duplicate" });
    else if (!statusPath && st >= 200 && st < 300 && !outRules.some((r) => r.outcome === "accepted")) outRules.push({ status: e.status, outcome: "accepted" });
    else if (!statusPath && st >= 400 && st < 500 && /reject|declin|not accepted|filtered|unsold|no buyer|no match/.test(text))
      outRules.push({ status: e.status, outcome: "rejected" });
  }
  if (!statusPath && !outRules.length) {
    rules.statusField = kind === "xml" ? { path: { xpath: "//*[local-name()='status']" } } : kind === "form" ? { path: { formKey: "status" } } : "status";
    notes.push(
      examples.length
        ? "no documented answer says accepted or rejected in a field; the rules read a `status` field — check a real answer"
        : "the spec documents no answers; the rules read a `status` field — check a real answer",
    );
  }
}

/** Where the buyer's lead id, price, reason and redirect URL are (ids and prices from accepted answers). */
function fieldSelectors(rules: ResponseRulesInput, kind: Kind, perExample: ExampleLeaves[], paths: string[], statusPath: string | undefined): void {
  const accepted = perExample.filter(({ e, m }) => {
    const st = sampleStatus(e.status);
    const sv = statusPath ? (m.get(statusPath) ?? [])[0] : undefined;
    return st < 300 && (sv === undefined || outcomeOf(sv) === "accepted");
  });
  const acceptedPaths = accepted.length ? [...new Set(accepted.flatMap(({ m }) => [...m.keys()]))] : paths;
  const idPath = findKey(
    acceptedPaths.filter((p) => p !== statusPath),
    ID_KEYS,
  );
  if (idPath) rules.buyerLeadId = selector(kind, idPath);
  const pricePath = findKey(acceptedPaths, PRICE_KEYS);
  if (pricePath) rules.price = selector(kind, pricePath);
  const reasonPaths = REASON_KEYS.map((k) => paths.find((p) => lastName(p) === k || (k === "errors" && /^errors\[\*\]\.(message|msg|description)$/i.test(p))))
    .filter((p): p is string => p !== undefined && p !== statusPath)
    .filter((p, i, a) => a.indexOf(p) === i);
  if (reasonPaths.length) rules.reason = reasonPaths.map((p) => selector(kind, p));
  const redirect = findKey(acceptedPaths, REDIRECT_KEYS);
  if (redirect) rules.redirectUrl = selector(kind, redirect);
}

const CONTENT_TYPES: Record<Kind, string> = {
  json: "application/json",
  xml: "text/xml",
  form: "application/x-www-form-urlencoded",
  text: "text/plain",
};

/** Reads every documented answer back through the rules, as a delivery would. */
function readBack(rules: ResponseRulesInput, kind: Kind, perExample: ExampleLeaves[], statusPath: string | undefined): ResponseReading[] {
  const parsed = ResponseRulesSchema.parse(rules);
  const readings: ResponseReading[] = [];
  for (const { e, m } of perExample) {
    if (e.body === undefined) continue;
    const status = sampleStatus(e.status);
    const sv = statusPath ? (m.get(statusPath) ?? [])[0] : undefined;
    const expected: Outcome | undefined = sv !== undefined ? outcomeOf(sv) : status < 300 ? "accepted" : undefined;
    const r = parseResponse(parsed, { status, headers: { "content-type": CONTENT_TYPES[kind] }, body: e.body });
    const reading: ResponseReading = { status: e.status, outcome: r.outcome };
    if (expected) reading.expected = expected;
    if (r.buyerLeadId !== undefined) reading.buyerLeadId = r.buyerLeadId;
    if (r.reason !== undefined) reading.reason = r.reason;
    if (r.price !== undefined) reading.price = r.price;
    readings.push(reading);
  }
  return readings;
}

/**
 * Rules for the documented answers. `fallbackKind` is used when the docs show none (the
 * request's own format).
 */
export function inferResponse(examples: ResponseExample[], fallbackKind: Kind): InferredResponse {
  const notes: string[] = [];
  const kind = dominantKind(examples, fallbackKind);
  const { perExample, values } = collectLeaves(examples);
  const statusPath = findStatusPath(values);
  const rules: ResponseRulesInput = { contentType: kind, rules: [] };
  statusRules(rules, kind, examples, statusPath, values);
  httpStatusRules(rules, kind, examples, statusPath, notes);
  fieldSelectors(rules, kind, perExample, [...values.keys()], statusPath);
  if (!rules.rules?.length) delete rules.rules;

  const readings = readBack(rules, kind, perExample, statusPath);
  for (const r of readings)
    if (r.expected && r.expected !== r.outcome) notes.push(`the documented ${r.status} answer reads as ${r.outcome}, not ${r.expected}: adjust response.rules`);
  return { rules, readings, notes };
}
