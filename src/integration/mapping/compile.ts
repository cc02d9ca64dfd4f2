/**
 * A buyer's field mapping compiled once into per-lead closures: each rule reads its source,
 * applies default, translation, format and type, and reports what kept a lead from being sent.
 * The parts of a rule are compiled in compile-steps.ts.
 */
import type { NormalizedLead } from "../../core/lead";
import type { ComputeEnv } from "../computed";
import { MappingConfigError } from "../errors";
import type { PathSegment } from "../path";
import { parsePath, setPath } from "../path";
import type { MappingWarning } from "../types";
import { compileSource, compileTranslate, compileType, compileWhen, isMissing, NO_ENTRY, type Source, shortLeadPath } from "./compile-steps";
import { compileFormat, FormatFailure } from "./formatters";
import type { FieldRule, FieldsMapping } from "./schema";
import { ruleSafety } from "./text-safety";

export { isBidPath } from "./compile-steps";

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

/** The rule's output path; a bad one is a config fault naming the rule. */
function targetOf(rule: FieldRule, index: number): PathSegment[] {
  try {
    return parsePath(rule.to);
  } catch (e) {
    throw new MappingConfigError(`mapping.fields[${index}].to`, (e as Error).message);
  }
}

/** A formatter or coercion: the value, or a FormatFailure saying why not. */
type Step = (v: unknown) => unknown;

type Indexable = Record<PathSegment, unknown>;

/** `lead[a][b]`, or undefined when `lead[a]` is not an object. */
function readTwo(lead: NormalizedLead, a: PathSegment, b: PathSegment): unknown {
  const x = (lead as unknown as Indexable)[a];
  return x !== null && typeof x === "object" ? (x as Indexable)[b] : undefined;
}

/**
 * The usual rule (a source, maybe a default and a format) as a closure without the other
 * steps: this runs per rule per lead, so it skips what the rule does not use, and reads a
 * short lead path (`path`, one or two plain steps) itself rather than through the source.
 */
function usualValue(
  field: string,
  source: Source,
  path: readonly PathSegment[] | undefined,
  def: unknown,
  required: boolean | undefined,
  format: Step | undefined,
): CompiledRule["value"] {
  const missing = required ? "required field is missing" : undefined;
  // 1: lead[a]; 2: lead[a][b]; 0: the source.
  const steps = path?.length ?? 0;
  const a = path?.[0] ?? "";
  const b = path?.[1] ?? "";
  if (!format) {
    return (lead, env, out) => {
      let v = steps === 1 ? (lead as unknown as Indexable)[a] : steps === 2 ? readTwo(lead, a, b) : source(lead, env);
      if (v === undefined || v === null || v === "") {
        v = def;
        if (v === undefined || v === null || v === "") {
          if (missing) out.issues.push({ field, message: missing });
          return ABSENT;
        }
      }
      return v;
    };
  }
  return (lead, env, out) => {
    let v = steps === 1 ? (lead as unknown as Indexable)[a] : steps === 2 ? readTwo(lead, a, b) : source(lead, env);
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
  };
}

/** The compiled parts of a rule that needs the whole pipeline. */
interface Pipeline {
  field: string;
  source: Source;
  def: unknown;
  required: boolean | undefined;
  when: ((lead: NormalizedLead) => boolean) | undefined;
  translate: ReturnType<typeof compileTranslate>;
  /** What a value with no table entry becomes (undefined: itself). */
  tableDefault: unknown;
  /** Formatting, then type coercion. */
  steps: Step[];
}

/** The whole pipeline: when → source → default → translate → format → type. */
function pipelineValue(p: Pipeline): CompiledRule["value"] {
  const { field, source, def, required, when, translate, tableDefault, steps } = p;
  const hasTableDefault = tableDefault !== undefined;
  return (lead, env, out) => {
    if (when && !when(lead)) return ABSENT;
    let v = source(lead, env);
    if (isMissing(v)) v = def;
    if (isMissing(v)) {
      if (required) out.issues.push({ field, message: "required field is missing" });
      return ABSENT;
    }
    if (translate) {
      let t = translate(v);
      if (t === NO_ENTRY) {
        t = hasTableDefault ? tableDefault : v;
        out.warnings.push({ field, message: `no translation for "${String(v)}"${def === undefined && t === v ? "; sent as is" : ""}` });
      }
      v = t;
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
}

/** Compiles one rule's parts and picks the cheapest closure that does what the rule asks. */
function compileRule(rule: FieldRule, index: number): CompiledRule {
  const field = rule.to;
  const segs = targetOf(rule, index);
  const source = compileSource(rule, field);
  const when = rule.when ? compileWhen(rule.when) : undefined;
  const translate = compileTranslate(rule);
  const format = rule.format ? compileFormat(rule.format) : undefined;
  const type = compileType(rule.type);
  if (!when && !translate && !type) return { field, segs, value: usualValue(field, source, shortLeadPath(rule), rule.default, rule.required, format) };
  const steps = [format, type].filter((f): f is Step => f !== undefined);
  return {
    field,
    segs,
    value: pipelineValue({ field, source, def: rule.default, required: rule.required, when, translate, tableDefault: rule.translate?.default, steps }),
  };
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
  /** Each rule's text safety (text-safety.ts): which wire formats can write its text unescaped. */
  safety: readonly number[];
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
    safety: mapping.fields.map(ruleSafety),
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
