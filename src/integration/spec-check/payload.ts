import { ownValue } from "../../core/values";
import type { Spec, SpecField } from "../spec-schema";

/**
 * Checks a mapped payload against the buyer's `spec`: names (case-sensitive, unknown names
 * refused unless allowed), types, enums, lengths, patterns, nesting.
 */

/** One way a mapping (or a mapped payload) does not fit the buyer's spec. */
export interface ValidationProblem {
  path: string;
  message: string;
}

export type ValueType = "string" | "number" | "integer" | "boolean";

const patternCache = new Map<string, RegExp>();
export function regex(p: string): RegExp {
  let r = patternCache.get(p);
  if (!r) {
    r = new RegExp(p, "u");
    patternCache.set(p, r);
  }
  return r;
}

function typeOk(want: SpecField["type"], v: unknown): boolean {
  switch (want) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v);
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
  }
}

function describe(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

function checkObject(fields: Record<string, SpecField>, obj: Record<string, unknown>, prefix: string, allowUnknown: boolean, out: ValidationProblem[]): void {
  for (const [name, f] of Object.entries(fields)) {
    const v = ownValue(obj, name);
    const path = prefix ? `${prefix}.${name}` : name;
    if (v === undefined) {
      if (f.required) out.push({ path, message: "required by the buyer but missing" });
      continue;
    }
    checkValue(f, v, path, allowUnknown, out);
  }
  if (allowUnknown) return;
  for (const k of Object.keys(obj)) {
    if (Object.hasOwn(fields, k)) continue;
    const path = prefix ? `${prefix}.${k}` : k;
    out.push({ path, message: unknownNameMessage(k, Object.keys(fields)) });
  }
}

export function unknownNameMessage(name: string, known: string[]): string {
  const near = known.find((n) => n.toLowerCase() === name.toLowerCase());
  return near ? `not a field of the buyer's API: names are case-sensitive, the spec says "${near}"` : "not a field of the buyer's API";
}

function checkValue(f: SpecField, v: unknown, path: string, allowUnknown: boolean, out: ValidationProblem[]): void {
  if (!typeOk(f.type, v)) {
    out.push({ path, message: `must be ${f.type}, got ${describe(v)}${typeof v === "string" || typeof v === "number" ? ` (${JSON.stringify(v)})` : ""}` });
    return;
  }
  if (f.enum && !f.enum.includes(v as string | number | boolean)) {
    out.push({ path, message: `${JSON.stringify(v)} is not one of ${f.enum.map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if (typeof v === "string") {
    const len = Array.from(v).length;
    if (f.maxLength !== undefined && len > f.maxLength) out.push({ path, message: `longer than ${f.maxLength} characters (${len})` });
    if (f.minLength !== undefined && len < f.minLength) out.push({ path, message: `shorter than ${f.minLength} characters` });
    if (f.pattern !== undefined && !regex(f.pattern).test(v)) out.push({ path, message: `${JSON.stringify(v)} does not match ${f.pattern}` });
  }
  if (typeof v === "number") {
    if (f.minimum !== undefined && v < f.minimum) out.push({ path, message: `below the minimum ${f.minimum}` });
    if (f.maximum !== undefined && v > f.maximum) out.push({ path, message: `above the maximum ${f.maximum}` });
  }
  if (f.type === "object" && f.properties) checkObject(f.properties, v as Record<string, unknown>, path, allowUnknown, out);
  if (f.type === "array" && f.items) {
    const items = f.items;
    (v as unknown[]).forEach((x, i) => {
      checkValue(items, x, `${path}[${i}]`, allowUnknown, out);
    });
  }
}

/**
 * Checks a real mapped payload against the buyer's spec: required fields, exact names,
 * types, enums, lengths, patterns, nested structure. Every problem is listed.
 */
export function validateMappedPayload(spec: Spec, payload: unknown): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return [{ path: "", message: "payload is not an object" }];
  }
  checkObject(spec.fields, payload as Record<string, unknown>, "", spec.allowUnknownFields, out);
  return out;
}
