/**
 * Field trees from example values: a JSON body, a parsed XML element, form pairs. Shared by the
 * sample-request reader and the OpenAPI reader (which falls back on examples).
 */
import { isCredentialName } from "./credentials";
import type { ImportedField, ResponseExample, Scalar } from "./types";

/** Paths (`a.b`, `a.b[0].c` written `a.b.c`) and bare names the docs call optional. */
export interface Optionality {
  optional: Set<string>;
}

function isOptional(o: Optionality, name: string, path: string): boolean {
  return o.optional.has(name) || o.optional.has(path) || o.optional.has(name.replace(/^@_/, ""));
}

function scalarType(v: Scalar): ImportedField["type"] {
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return "string";
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `[{name, value}, …]`: HubSpot-style name/value pairs. */
function pairKeys(arr: unknown[]): { nameKey: string; valueKey: string } | undefined {
  if (arr.length === 0) return undefined;
  for (const nameKey of ["name", "key", "field"]) {
    for (const valueKey of ["value", "val"]) {
      const ok = (x: unknown) =>
        isPlainObject(x) &&
        typeof x[nameKey] === "string" &&
        valueKey in x &&
        Object.keys(x).length <= 3 &&
        Object.values(x).every((e) => e === null || typeof e !== "object");
      if (arr.every(ok)) return { nameKey, valueKey };
    }
  }
  return undefined;
}

/**
 * A field tree from an example value. Every field the example shows is required (a buyer's
 * sample shows what it needs) unless `optional` names it or its value is empty; credential-like
 * names are marked `secret` and their values collected, never kept as examples.
 */
export function fieldFromValue(name: string, v: unknown, path: string, o: Optionality, secrets: string[]): ImportedField {
  const required = !isOptional(o, name, path);
  if (Array.isArray(v)) {
    const pk = pairKeys(v);
    if (pk) {
      const extraKeys = new Set<string>();
      const fields = v.map((x) => {
        const item = x as Record<string, unknown>;
        const pairName = String(item[pk.nameKey]);
        const f = fieldFromValue(pairName, item[pk.valueKey], `${path}.${pairName}`, o, secrets);
        const extras: Record<string, Scalar> = {};
        for (const [k, e] of Object.entries(item)) {
          if (k === pk.nameKey || k === pk.valueKey) continue;
          extraKeys.add(k);
          if (typeof e === "string" || typeof e === "number" || typeof e === "boolean") extras[k] = e;
        }
        if (Object.keys(extras).length) f.pairExtras = extras;
        return f;
      });
      return {
        name,
        type: "array",
        required,
        pairs: { ...pk, fields },
        items: {
          name: "item",
          type: "object",
          required: true,
          properties: [
            ...[...extraKeys].map((k) => ({ name: k, type: "string" as const, required: fields.every((f) => f.pairExtras?.[k] !== undefined) })),
            { name: pk.nameKey, type: "string", required: true, enum: fields.map((f) => f.name) },
            { name: pk.valueKey, type: "string", required: true },
          ],
        },
      };
    }
    const first = v.find((x) => x !== null && x !== undefined);
    if (isPlainObject(first)) {
      // The union of the elements' keys; a key is required when every element has it.
      const merged: Record<string, unknown> = {};
      for (const el of v) if (isPlainObject(el)) for (const [k, x] of Object.entries(el)) if (!(k in merged)) merged[k] = x;
      const item = fieldFromValue("item", merged, path, o, secrets);
      for (const p of item.properties ?? []) if (!v.every((el) => isPlainObject(el) && p.name in el)) p.required = false;
      return { name, type: "array", required, items: { ...item, required: true } };
    }
    const items = first === undefined ? { name: "item", type: "string" as const, required: true } : fieldFromValue("item", first, path, o, secrets);
    return { name, type: "array", required: required && v.length > 0, items: { ...items, required: true } };
  }
  if (isPlainObject(v)) {
    const properties = Object.entries(v).map(([k, x]) => fieldFromValue(k, x, `${path}.${k}`.replace(/^\./, ""), o, secrets));
    return { name, type: "object", required: required && properties.some((p) => p.required), properties };
  }
  if (v === null || v === undefined || v === "") return { name, type: "string", required: false };
  const s = v as Scalar;
  if (isCredentialName(name)) {
    secrets.push(String(s));
    return { name, type: scalarType(s), required, secret: true };
  }
  return { name, type: scalarType(s), required, example: s };
}

/** Fields of an object example, in order. */
export function fieldsFromObject(obj: Record<string, unknown>, o: Optionality, secrets: string[]): ImportedField[] {
  return Object.entries(obj).map(([k, v]) => fieldFromValue(k, v, k, o, secrets));
}

/** `a[b][0][c]` / `a.b` → segments; plain names stay one segment. */
export function formKeySegments(key: string): { segs: (string | number)[]; bracket: boolean; dot: boolean } {
  if (/^[^[\]]+(\[[^[\]]*\])+$/.test(key)) {
    const head = key.slice(0, key.indexOf("["));
    const rest = [...key.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? "");
    return { segs: [head, ...rest.map((r) => (/^\d+$/.test(r) ? Number(r) : r))], bracket: true, dot: false };
  }
  if (key.includes(".") && !key.startsWith(".") && !key.endsWith(".")) return { segs: key.split("."), bracket: false, dot: true };
  return { segs: [key], bracket: false, dot: false };
}

/**
 * Form pairs (`a=1&lead[first]=x`) as one nested object, and which nesting their keys use.
 * Numeric bracket segments become array indexes.
 */
export function formPairsToObject(pairs: Iterable<[string, string]>): { value: Record<string, unknown>; nesting: "dot" | "bracket" } {
  const root: Record<string, unknown> = {};
  let nesting: "dot" | "bracket" = "dot";
  for (const [key, val] of pairs) {
    const { segs, bracket } = formKeySegments(key);
    if (bracket) nesting = "bracket";
    let cur: Record<string | number, unknown> = root;
    segs.forEach((s, i) => {
      if (i === segs.length - 1) {
        cur[s] = val;
        return;
      }
      const next = segs[i + 1];
      if (cur[s] === undefined || cur[s] === null || typeof cur[s] !== "object") cur[s] = typeof next === "number" ? [] : {};
      cur = cur[s] as Record<string | number, unknown>;
    });
  }
  return { value: root, nesting };
}

/** How a body is written, from its Content-Type or, failing that, its first character. */
export function bodyKind(contentType: string | undefined, body: string): ResponseExample["kind"] {
  const ct = (contentType ?? "").toLowerCase();
  if (ct.includes("json")) return "json";
  if (ct.includes("xml")) return "xml";
  if (ct.includes("x-www-form-urlencoded")) return "form";
  const t = body.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) return "json";
  if (t.startsWith("<")) return "xml";
  if (/^[\w.[\]%-]+=[^\s]*(&[\w.[\]%-]+=[^\s]*)*$/.test(t.trim())) return "form";
  return "text";
}
