import { ownValue } from "../../core/values";
import { getComputed } from "../computed";
import { booleanOutputs } from "../mapping/formatters";
import { ALWAYS_PRESENT, LEAD_PATH_MAX, LEAD_PATH_TYPES } from "../mapping/sample-lead";
import type { FieldRule } from "../mapping/schema";
import type { PathSegment } from "../path";
import { formatPath, parseLeadPath, parsePath } from "../path";
import type { Spec, SpecField } from "../spec-schema";
import { regex, unknownNameMessage, type ValidationProblem, type ValueType } from "./payload";

/**
 * Static checks of a field list against the spec, before any lead is mapped: every required
 * buyer field mapped and always present, names, and what each rule can produce (type, enum,
 * length) compared with what the spec allows.
 */

interface RuleFacts {
  /** Types the rule can produce; empty = unknown. */
  types: Set<ValueType>;
  /** Every value it can produce, when that set is finite and known. */
  outputs?: unknown[];
  /** A bound on the string length, when known. */
  maxLen?: number;
  /** True when an accepted lead always gets a value. */
  alwaysPresent: boolean;
  /** Why the outputs are not closed (for enum messages). */
  openReason?: string;
}

const PHONE_LEN: Record<string, number> = { digits10: 10, digits11: 11, e164: 12, dashed: 12, dotted: 12, parens: 14, area_code: 3 };

function typeOfScalar(v: unknown): ValueType | undefined {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return undefined;
}

/** Facts from the rule's source (a constant, a lead path, a computed function); returns the outputs when closed. */
function sourceFacts(rule: FieldRule, facts: RuleFacts): unknown[] | undefined {
  if (rule.value !== undefined) {
    const t = typeOfScalar(rule.value);
    if (t) facts.types.add(t);
    facts.maxLen = String(rule.value).length;
    facts.alwaysPresent = rule.when === undefined;
    return [rule.value];
  }
  if (rule.from !== undefined) {
    const srcPath = formatPath(parseLeadPath(rule.from));
    const t = ownValue(LEAD_PATH_TYPES, srcPath);
    if (t) facts.types.add(t);
    facts.maxLen = ownValue(LEAD_PATH_MAX, srcPath);
    facts.alwaysPresent = ALWAYS_PRESENT.has(srcPath) && rule.when === undefined;
    facts.openReason = `it passes lead.${srcPath} through unchanged`;
  } else if (rule.compute) {
    const fn = getComputed(rule.compute.fn);
    if (fn) facts.types.add(fn.output);
    facts.openReason = `${rule.compute.fn}() is not limited to the listed values`;
  }
  return undefined;
}

/** A translation table replaces the outputs with its values (closed only with a default). */
function translateFacts(rule: FieldRule, facts: RuleFacts, outputs: unknown[] | undefined): unknown[] | undefined {
  const t = rule.translate;
  if (!t) return outputs;
  const vals: unknown[] = Object.values(t.table);
  if (t.default !== undefined) vals.push(t.default);
  facts.types = new Set(vals.map(typeOfScalar).filter((x): x is ValueType => x !== undefined));
  facts.maxLen = Math.max(...vals.map((v) => (typeof v === "string" ? Array.from(v).length : String(v).length)));
  if (t.default !== undefined) return vals;
  facts.openReason = "values with no translation pass through unchanged (add translate.default)";
  facts.maxLen = undefined;
  return outputs;
}

type Format = NonNullable<FieldRule["format"]>;

/** A formatter that decides the value's type and length and opens its outputs (phone, date, numbers, hashes …). */
function reshapingFacts(f: Format, facts: RuleFacts, outputs: unknown[] | undefined): unknown[] | undefined {
  let out = outputs;
  if (f.phone) {
    facts.types = new Set(["string"]);
    facts.maxLen = PHONE_LEN[f.phone];
    out = undefined;
  }
  if (f.date) {
    facts.types = new Set([f.date === "unix" || f.date === "unix_ms" ? "integer" : "string"]);
    facts.maxLen =
      f.date === "unix" || f.date === "unix_ms" || f.date === "iso" ? 24 : f.date.replace(/\[([^\]]*)\]/g, "$1").length + (/A/.test(f.date) ? 1 : 0);
    out = undefined;
  }
  if (f.boolean) {
    const o = booleanOutputs(f.boolean);
    if (o) {
      out = [...o];
      facts.types = new Set(o.map(typeOfScalar).filter((x): x is ValueType => x !== undefined));
      facts.maxLen = Math.max(...o.map((x) => String(x).length));
    }
  }
  if (f.decimals !== undefined) {
    facts.types = new Set([f.decimals === 0 ? "integer" : "number"]);
    out = undefined;
  }
  if (f.money) {
    facts.types = new Set(["string"]);
    out = undefined;
  }
  if (f.zip5) {
    facts.types = new Set(["string"]);
    facts.maxLen = 5;
    out = undefined;
  }
  return out;
}

/** The format block's effect, in the order the formatter applies it. */
function formatFacts(f: Format | undefined, facts: RuleFacts, outputs: unknown[] | undefined): unknown[] | undefined {
  if (!f) return outputs;
  let out = reshapingFacts(f, facts, outputs);
  if (f.maxLength !== undefined) facts.maxLen = Math.min(facts.maxLen ?? Infinity, f.maxLength);
  if (f.sha256) {
    facts.types = new Set(["string"]);
    facts.maxLen = 64;
    out = undefined;
  }
  if ((f.case || f.trim) && out)
    out = out.map((o) => (typeof o === "string" ? (f.case === "upper" ? o.toUpperCase() : f.case === "lower" ? o.toLowerCase() : o).trim() : o));
  return out;
}

/** What a rule can produce: its source, then translate, format and type, each narrowing the last. */
function ruleFacts(rule: FieldRule): RuleFacts {
  const facts: RuleFacts = { types: new Set(), alwaysPresent: false };
  let outputs = sourceFacts(rule, facts);
  if (rule.default !== undefined && rule.when === undefined) facts.alwaysPresent = true;
  if (rule.required && rule.when === undefined) facts.alwaysPresent = true;
  outputs = translateFacts(rule, facts, outputs);
  outputs = formatFacts(rule.format, facts, outputs);
  if (rule.type) {
    facts.types = new Set([rule.type]);
    if (outputs && rule.type === "string") outputs = outputs.map((o) => String(o));
    if (rule.type !== "string") facts.maxLen = undefined;
  }
  if (outputs) facts.outputs = outputs;
  return facts;
}

function typeCompatible(want: SpecField["type"], have: Set<ValueType>): boolean {
  if (have.size === 0) return true; // unknown: the sample-lead check decides
  for (const t of have) {
    const ok = want === t || (want === "number" && t === "integer");
    if (!ok) return false;
  }
  return true;
}

/** Resolves a `to` path in the spec; returns the leaf field or a problem message. */
function specAt(spec: Spec, segs: PathSegment[]): { field?: SpecField; problem?: string } {
  let fields: Record<string, SpecField> | undefined = spec.fields;
  let node: SpecField | undefined;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i] as PathSegment;
    const where = formatPath(segs.slice(0, i));
    if (typeof s === "number") {
      if (node?.type !== "array") return { problem: `${where || "payload"} is not an array in the spec` };
      node = node.items;
      fields = node?.properties;
      if (!node) return {};
      continue;
    }
    if (i > 0 && node && node.type !== "object")
      return { problem: `${where} is ${node.type === "array" ? "an array" : `a ${node.type}`} in the spec, not an object` };
    if (!fields) return spec.allowUnknownFields ? {} : { problem: `${where} has no documented children` };
    const next: SpecField | undefined = Object.hasOwn(fields, s) ? fields[s] : undefined;
    if (!next) return spec.allowUnknownFields ? {} : { problem: unknownNameMessage(s, Object.keys(fields)) };
    node = next;
    fields = next.properties;
  }
  return { field: node };
}

function requiredLeaves(fields: Record<string, SpecField>, prefix: string, out: string[]): void {
  for (const [name, f] of Object.entries(fields)) {
    if (!f.required) continue;
    const path = prefix ? `${prefix}.${name}` : name;
    if (f.type === "object" && f.properties) requiredLeaves(f.properties, path, out);
    else if (f.type === "array" && f.items?.type === "object" && f.items.properties) requiredLeaves(f.items.properties, `${path}[0]`, out);
    else out.push(path);
  }
}

export function staticChecks(spec: Spec, rules: FieldRule[], out: ValidationProblem[]): void {
  const seen = new Map<string, number>();
  const always = new Set<string>();
  const mapped = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `mapping.fields[${i}] (${rule.to})`;
    let segs: PathSegment[];
    try {
      segs = parsePath(rule.to);
    } catch (e) {
      out.push({ path: at, message: (e as Error).message });
      return;
    }
    const to = formatPath(segs);
    if (seen.has(to) && rule.when === undefined) out.push({ path: at, message: `"${to}" is already mapped by mapping.fields[${seen.get(to)}]` });
    seen.set(to, i);
    const facts = ruleFacts(rule);
    // A required object or array is satisfied by any child that is mapped (always present).
    for (let k = 1; k <= segs.length; k++) {
      const prefix = formatPath(segs.slice(0, k));
      mapped.add(prefix);
      if (facts.alwaysPresent) always.add(prefix);
    }
    if (rule.compute && !getComputed(rule.compute.fn)) out.push({ path: at, message: `unknown computed function "${rule.compute.fn}"` });
    if (rule.from !== undefined) {
      const p = formatPath(parseLeadPath(rule.from));
      if (!Object.hasOwn(LEAD_PATH_TYPES, p) && !p.startsWith("fields.") && !p.startsWith("bid."))
        out.push({ path: at, message: `lead.${p} is not a field of the canonical lead` });
    }
    const { field, problem } = specAt(spec, segs);
    if (problem) {
      out.push({ path: at, message: problem });
      return;
    }
    if (!field) return;
    if (field.type === "object" || field.type === "array") {
      out.push({ path: at, message: `the spec has ${field.type === "object" ? "an object" : "an array"} here; map its children instead` });
      return;
    }
    if (!typeCompatible(field.type, facts.types)) {
      out.push({ path: at, message: `the buyer wants ${field.type}, the mapping produces ${[...facts.types].join(" or ")} (set "type" or a format)` });
    }
    if (field.enum) {
      if (!facts.outputs)
        out.push({
          path: at,
          message: `the buyer accepts only ${field.enum.map((e) => JSON.stringify(e)).join(", ")} but ${facts.openReason ?? "the value is not restricted"}; add a translate table with a default`,
        });
      else
        for (const o of facts.outputs)
          if (!field.enum.includes(o as string | number | boolean))
            out.push({ path: at, message: `${JSON.stringify(o)} (from the mapping) is not one of ${field.enum.map((e) => JSON.stringify(e)).join(", ")}` });
    }
    if (field.maxLength !== undefined && field.type === "string") {
      if (facts.maxLen === undefined) out.push({ path: at, message: `the buyer allows at most ${field.maxLength} characters; add format.maxLength` });
      else if (facts.maxLen > field.maxLength) out.push({ path: at, message: `may produce ${facts.maxLen} characters, the buyer allows ${field.maxLength}` });
    }
    if (field.pattern && facts.outputs) {
      for (const o of facts.outputs)
        if (typeof o === "string" && !regex(field.pattern).test(o)) out.push({ path: at, message: `${JSON.stringify(o)} does not match ${field.pattern}` });
    }
  });
  const req: string[] = [];
  requiredLeaves(spec.fields, "", req);
  for (const path of req) {
    if (!mapped.has(path)) out.push({ path: `spec.${path}`, message: "required by the buyer but not mapped" });
    else if (!always.has(path))
      out.push({ path: `spec.${path}`, message: "required by the buyer but may be missing: mark the rule required or give it a default" });
  }
}
