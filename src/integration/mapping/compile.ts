import type { NormalizedLead } from "../../core/lead";
import type { ComputeEnv } from "../computed";
import { getComputed } from "../computed";
import { MappingConfigError } from "../errors";
import type { PathSegment } from "../path";
import { compileGetter, parseLeadPath, parsePath, setPath } from "../path";
import type { MappingWarning } from "../types";
import { compileFormat, FormatFailure, toBoolean, toNumber } from "./formatters";
import type { FieldRule, FieldsMapping, Scalar, When } from "./schema";

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

export { MappingConfigError } from "../errors";

export type Mapper = (lead: NormalizedLead, env: ComputeEnv) => MapResult;

// A local alias: read per rule per lead, and a module-local binding is the cheapest read.
const Failure = FormatFailure;

/** A `bid.<field>` path: the mapping's second root, the winning bid of a ping/post sale. */
export function isBidPath(segs: readonly PathSegment[]): boolean {
  return segs[0] === "bid" && segs.length > 1;
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
  if (rule.open !== undefined) throw new MappingConfigError(field, `open, no source decided: ${rule.open}`);
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
    // Ping/post: `bid.<field>` reads the winning bid the build context provides, not the lead.
    if (isBidPath(segs)) {
      const get = compileGetter(segs.slice(1));
      return (_lead, env) => get(env.bid);
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
    const [g0, g1, g2] = getters;
    // The common arities without a per-lead map() closure.
    if (getters.length === 1 && g0) return (lead, env) => fn.fn([g0(lead)], options, env);
    if (getters.length === 2 && g0 && g1) return (lead, env) => fn.fn([g0(lead), g1(lead)], options, env);
    if (getters.length === 3 && g0 && g1 && g2) return (lead, env) => fn.fn([g0(lead), g1(lead), g2(lead)], options, env);
    return (lead, env) =>
      fn.fn(
        getters.map((g) => g(lead)),
        options,
        env,
      );
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
      return (v) => {
        const n = toNumber(v);
        return n === undefined ? new FormatFailure("not a number") : Math.round(n);
      };
    case "boolean":
      return (v) => toBoolean(v) ?? new FormatFailure("not a yes/no value");
    default:
      return undefined;
  }
}

/** Marks a rule that puts nothing in the payload for this lead (skipped, missing, failed). */
export const ABSENT: unique symbol = Symbol("absent");
export type Slot = unknown;

interface Collector {
  warnings: MappingWarning[];
  issues: MappingIssue[];
}

interface CompiledRule {
  field: string;
  segs: PathSegment[];
  /** The rule's final value for a lead, or ABSENT; warnings and issues go to `out`. */
  value: (lead: NormalizedLead, env: ComputeEnv, out: Collector) => Slot;
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

  // The usual rule (a source, maybe a default and a format) gets a closure without the other steps.
  if (!when && !translate && !type) {
    const missing = required ? "required field is missing" : undefined;
    if (!format) {
      return {
        field,
        segs,
        value: (lead, env, out) => {
          let v = source(lead, env);
          if (v === undefined || v === null || v === "") {
            v = def;
            if (v === undefined || v === null || v === "") {
              if (missing) out.issues.push({ field, message: missing });
              return ABSENT;
            }
          }
          return v;
        },
      };
    }
    return {
      field,
      segs,
      value: (lead, env, out) => {
        let v = source(lead, env);
        if (v === undefined || v === null || v === "") {
          v = def;
          if (v === undefined || v === null || v === "") {
            if (missing) out.issues.push({ field, message: missing });
            return ABSENT;
          }
        }
        const f = format(v);
        if (f instanceof Failure) {
          if (required) out.issues.push({ field, message: f.message });
          else out.warnings.push({ field, message: `${f.message}; field left out` });
          return ABSENT;
        }
        return f;
      },
    };
  }

  const steps = [format, type].filter((f): f is NonNullable<typeof format> => f !== undefined);
  const value = (lead: NormalizedLead, env: ComputeEnv, out: Collector): Slot => {
    if (when && !when(lead)) return ABSENT;
    let v = source(lead, env);
    if (isMissing(v)) v = def;
    if (isMissing(v)) {
      if (required) out.issues.push({ field, message: "required field is missing" });
      return ABSENT;
    }
    if (translate) {
      const t = translate(v);
      if (t.missed) out.warnings.push({ field, message: `no translation for "${String(v)}"${def === undefined && t.value === v ? "; sent as is" : ""}` });
      v = t.value;
      if (isMissing(v)) {
        if (required) out.issues.push({ field, message: "required field has no value after translation" });
        return ABSENT;
      }
    }
    // Formatting, then type coercion: a failure drops the field (an issue if it is required).
    for (const step of steps) {
      const r = step(v);
      if (r instanceof Failure) {
        if (required) out.issues.push({ field, message: r.message });
        else out.warnings.push({ field, message: `${r.message}; field left out` });
        return ABSENT;
      }
      v = r;
    }
    return v;
  };
  return { field, segs, value };
}

function compileRules(mapping: FieldsMapping): CompiledRule[] {
  return mapping.fields.map(compileRule);
}

/** Compiles a field list once; the returned mapper does only the per-lead work. */
export function compileFieldMapping(mapping: FieldsMapping): Mapper {
  return mapperOf(compileRules(mapping));
}

function mapperOf(rules: CompiledRule[]): Mapper {
  return (lead, env) => {
    const out: MapResult = { payload: {}, warnings: [], issues: [] };
    for (const r of rules) {
      const v = r.value(lead, env, out);
      if (v !== ABSENT && !setPath(out.payload, r.segs, v)) out.issues.push({ field: r.field, message: "path runs through a value set by another rule" });
    }
    return out;
  };
}

/** A lead mapped to one value per rule (ABSENT where a rule put nothing), in rule order. */
export interface SlotResult {
  values: Slot[];
  warnings: MappingWarning[];
  issues: MappingIssue[];
}

/**
 * A field list compiled for writers that emit the wire format straight from per-rule values
 * (formats/fast-writer.ts), skipping the payload object a lead does not otherwise need.
 */
export interface CompiledFieldSlots {
  /** Each rule's output path, in rule order (index = slot). */
  paths: readonly (readonly PathSegment[])[];
  /** The same mapping as the Mapper, per rule instead of into a payload. */
  evaluate(lead: NormalizedLead, env: ComputeEnv): SlotResult;
  /**
   * The payload the Mapper builds from these values. Exact only when no path runs through
   * another (which fast writers require before they are used).
   */
  build(values: readonly Slot[]): Record<string, unknown>;
  /** The ordinary payload mapper over the same compiled rules. */
  mapper: Mapper;
}

/** Compiles a field list for per-rule evaluation (see CompiledFieldSlots). */
export function compileFieldSlots(mapping: FieldsMapping): CompiledFieldSlots {
  const rules = compileRules(mapping);
  const n = rules.length;
  return {
    paths: rules.map((r) => r.segs),
    evaluate(lead, env) {
      const out: SlotResult = { values: new Array<Slot>(n), warnings: [], issues: [] };
      const values = out.values;
      for (let i = 0; i < n; i++) values[i] = (rules[i] as CompiledRule).value(lead, env, out);
      return out;
    },
    build(values) {
      const payload: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v !== ABSENT) setPath(payload, (rules[i] as CompiledRule).segs, v);
      }
      return payload;
    },
    mapper: mapperOf(rules),
  };
}
