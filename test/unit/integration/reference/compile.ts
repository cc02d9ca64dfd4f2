/* Frozen copy of the pre-optimisation implementation: the byte-identity reference for the fast paths. Do not edit. */
import type { NormalizedLead } from "../../../../src/intake/lead";
import { getComputed } from "../../../../src/integration/computed";
import type { ComputeEnv } from "../../../../src/integration/computed";
import { compileGetter, parseLeadPath, parsePath, setPath } from "../../../../src/integration/path";
import type { PathSegment } from "../../../../src/integration/path";
import type { MappingWarning } from "../../../../src/integration/types";
import { compileFormat, FormatFailure, toBoolean, toNumber } from "./formatters";
import type { FieldRule, FieldsMapping, Scalar, When } from "../../../../src/integration/mapping/schema";

/** A reason a lead cannot be sent to this buyer (pre-delivery validation). */
export interface MappingIssue {
  field: string;
  message: string;
}

export interface MapResult {
  /** The buyer's payload before wire serialization. */
  payload: Record<string, unknown>;
  warnings: MappingWarning[];
  issues: MappingIssue[];
}

export type Mapper = (lead: NormalizedLead, env: ComputeEnv) => MapResult;

/** Raised when a buyer config cannot be compiled (unknown function, malformed path). */
export class MappingConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "MappingConfigError";
  }
}

const isMissing = (v: unknown): boolean => v === undefined || v === null || v === "";

function compileWhen(w: When): (lead: NormalizedLead) => boolean {
  const get = compileGetter(parseLeadPath(w.field));
  const equals = w.equals;
  const inList = w.in?.map((x) => String(x));
  const exists = w.exists;
  return (lead) => {
    const v = get(lead);
    if (exists !== undefined && isMissing(v) === exists) return false;
    if (equals !== undefined && String(v) !== String(equals)) return false;
    if (inList && !inList.includes(String(v))) return false;
    return true;
  };
}

type Source = (lead: NormalizedLead, env: ComputeEnv) => unknown;

function compileSource(rule: FieldRule, field: string): Source {
  if (rule.value !== undefined) {
    const c = rule.value;
    return () => c;
  }
  if (rule.from !== undefined) {
    let segs: PathSegment[];
    try {
      segs = parseLeadPath(rule.from);
    } catch (e) {
      throw new MappingConfigError(field, (e as Error).message);
    }
    return compileGetter(segs);
  }
  if (rule.compute) {
    const fn = getComputed(rule.compute.fn);
    if (!fn) throw new MappingConfigError(field, `unknown computed function "${rule.compute.fn}"`);
    if (rule.compute.args.length < fn.minArgs) {
      throw new MappingConfigError(field, `${fn.name} needs at least ${fn.minArgs} argument(s)`);
    }
    const getters = rule.compute.args.map((a) => compileGetter(parseLeadPath(a)));
    const options = rule.compute.options ?? {};
    return (lead, env) => fn.fn(getters.map((g) => g(lead)), options, env);
  }
  throw new MappingConfigError(field, "needs one of from, value, compute");
}

function compileTranslate(rule: FieldRule): ((v: unknown) => { value: unknown; missed: boolean }) | undefined {
  const t = rule.translate;
  if (!t) return undefined;
  const table = new Map<string, Scalar>();
  for (const [k, v] of Object.entries(t.table)) table.set(t.caseInsensitive ? k.toLowerCase() : k, v);
  const ci = t.caseInsensitive;
  const hasDefault = t.default !== undefined;
  const def = t.default;
  return (v) => {
    const key = ci ? String(v).toLowerCase() : String(v);
    const hit = table.get(key);
    if (hit !== undefined || table.has(key)) return { value: hit, missed: false };
    return { value: hasDefault ? def : v, missed: true };
  };
}

function compileType(type: FieldRule["type"]): ((v: unknown) => unknown) | undefined {
  switch (type) {
    case "string":
      return (v) => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : new FormatFailure("not text"));
    case "number":
      return (v) => toNumber(v) ?? new FormatFailure("not a number");
    case "integer":
      return (v) => { const n = toNumber(v); return n === undefined ? new FormatFailure("not a number") : Math.round(n); };
    case "boolean":
      return (v) => toBoolean(v) ?? new FormatFailure("not a yes/no value");
    default:
      return undefined;
  }
}

interface CompiledRule {
  field: string;
  segs: PathSegment[];
  run: (lead: NormalizedLead, env: ComputeEnv, out: MapResult) => void;
}

function compileRule(rule: FieldRule, index: number): CompiledRule {
  const field = rule.to;
  let segs: PathSegment[];
  try {
    segs = parsePath(rule.to);
  } catch (e) {
    throw new MappingConfigError(`mapping.fields[${index}].to`, (e as Error).message);
  }
  const source = compileSource(rule, field);
  const when = rule.when ? compileWhen(rule.when) : undefined;
  const translate = compileTranslate(rule);
  const format = rule.format ? compileFormat(rule.format) : undefined;
  const type = compileType(rule.type);
  const def = rule.default;
  const required = rule.required;

  const run = (lead: NormalizedLead, env: ComputeEnv, out: MapResult): void => {
    if (when && !when(lead)) return;
    let v = source(lead, env);
    if (isMissing(v)) v = def;
    if (isMissing(v)) {
      if (required) out.issues.push({ field, message: "required field is missing" });
      return;
    }
    if (translate) {
      const t = translate(v);
      if (t.missed) out.warnings.push({ field, message: `no translation for "${String(v)}"${def === undefined && t.value === v ? "; sent as is" : ""}` });
      v = t.value;
      if (isMissing(v)) {
        if (required) out.issues.push({ field, message: "required field has no value after translation" });
        return;
      }
    }
    if (format) {
      const f = format(v);
      if (f instanceof FormatFailure) {
        if (required) out.issues.push({ field, message: f.message });
        else out.warnings.push({ field, message: `${f.message}; field left out` });
        return;
      }
      v = f;
    }
    if (type) {
      const t = type(v);
      if (t instanceof FormatFailure) {
        if (required) out.issues.push({ field, message: t.message });
        else out.warnings.push({ field, message: `${t.message}; field left out` });
        return;
      }
      v = t;
    }
    if (!setPath(out.payload, segs, v)) out.issues.push({ field, message: "path runs through a value set by another rule" });
  };
  return { field, segs, run };
}

/** Compiles a field list once; the returned mapper does only the per-lead work. */
export function compileFieldMapping(mapping: FieldsMapping): Mapper {
  const rules = mapping.fields.map(compileRule);
  return (lead, env) => {
    const out: MapResult = { payload: {}, warnings: [], issues: [] };
    for (const r of rules) r.run(lead, env, out);
    return out;
  };
}
