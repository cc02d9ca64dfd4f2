/**
 * The parts of one mapping rule, each compiled once from its config: the source (value, lead
 * path, bid path, computed function), the `when` condition, the translation table and the type
 * coercion. compile.ts chains them into the rule's per-lead closure.
 */
import type { NormalizedLead } from "../../core/lead";
import type { ComputeEnv } from "../computed";
import { getComputed } from "../computed";
import { MappingConfigError } from "../errors";
import type { PathSegment } from "../path";
import { compileGetter, parseLeadPath } from "../path";
import { FormatFailure, toBoolean, toNumber } from "./formatters";
import type { FieldRule, Scalar, When } from "./schema";

/** A `bid.<field>` path: the mapping's second root, the winning bid of a ping/post sale. */
export function isBidPath(segs: readonly PathSegment[]): boolean {
  return segs[0] === "bid" && segs.length > 1;
}

/** No value: undefined, null or the empty string. */
export const isMissing = (v: unknown): boolean => v === undefined || v === null || v === "";

/** A `when` condition as a predicate over the lead. */
export function compileWhen(w: When): (lead: NormalizedLead) => boolean {
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

/** Where a rule's value comes from, for one lead. */
export type Source = (lead: NormalizedLead, env: ComputeEnv) => unknown;

// Only a name Object.prototype (or Array.prototype) has can be found by inheritance (path.ts
// reads those by own property, in its general getter).
const inheritable = (k: PathSegment): boolean => typeof k === "string" && (k in Object.prototype || k in Array.prototype);

/**
 * A rule's lead path when it is one or two plain steps (`email`, `address.zip`): the rule's
 * closure then reads it itself instead of calling a getter (a call per rule per lead saved).
 * undefined for anything else; compileSource has already refused a malformed path.
 */
export function shortLeadPath(rule: FieldRule): readonly PathSegment[] | undefined {
  if (rule.from === undefined || rule.value !== undefined || rule.compute !== undefined) return undefined;
  let segs: PathSegment[];
  try {
    segs = parseLeadPath(rule.from);
  } catch {
    return undefined;
  }
  if (isBidPath(segs) || segs.length < 1 || segs.length > 2 || segs.some(inheritable)) return undefined;
  return segs;
}

/** The rule's source (value, lead path, bid path or computed function); a config fault throws MappingConfigError. */
export function compileSource(rule: FieldRule, field: string): Source {
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

/** What a translation returns for a value its table has no entry for. */
export const NO_ENTRY: unique symbol = Symbol("no entry");

/**
 * The rule's translation table as a lookup: the table's value, or NO_ENTRY (the caller then
 * applies the table's default and warns). Per lead this allocates nothing.
 */
export function compileTranslate(rule: FieldRule): ((v: unknown) => unknown) | undefined {
  const t = rule.translate;
  if (!t) return undefined;
  const table = new Map<string, Scalar>();
  for (const [k, v] of Object.entries(t.table)) table.set(t.caseInsensitive ? k.toLowerCase() : k, v);
  const ci = t.caseInsensitive;
  return (v) => {
    const key = ci ? String(v).toLowerCase() : String(v);
    const hit = table.get(key);
    return hit !== undefined || table.has(key) ? hit : NO_ENTRY;
  };
}

/** The rule's type coercion; a value that cannot be coerced becomes a FormatFailure. */
export function compileType(type: FieldRule["type"]): ((v: unknown) => unknown) | undefined {
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
