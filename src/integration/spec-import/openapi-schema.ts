/**
 * OpenAPI schemas → ImportedField trees: local `$ref`s followed, `allOf` merged, the first
 * `oneOf` / `anyOf` branch taken (noted), XML names and attributes applied for XML bodies, and
 * credential examples collected so they never reach the generated file.
 */
import { isCredentialName } from "./credentials";
import type { ImportedField, ResponseExample, Scalar } from "./types";
import { SpecImportError } from "./types";

/** A JSON object of the document. */
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
export const isScalar = (v: unknown): v is Scalar => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** The document being read, and what reading it collects: notes for the report, credential values to keep out of the file. */
export interface Ctx {
  doc: Obj;
  notes: string[];
  secrets: string[];
}

/** Follows a local `$ref` (JSON pointer into the same document). */
export function resolve(ctx: Ctx, v: unknown, seen: Set<string> = new Set()): Obj {
  if (!isObj(v)) return {};
  const ref = str(v.$ref);
  if (ref === undefined) return v;
  if (!ref.startsWith("#/")) throw new SpecImportError(`only local references are supported (${ref}); bundle the document first`);
  if (seen.has(ref)) return {};
  seen.add(ref);
  let cur: unknown = ctx.doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = isObj(cur) ? cur[key] : undefined;
  }
  if (!isObj(cur)) throw new SpecImportError(`reference ${ref} points at nothing`);
  return resolve(ctx, cur, seen);
}

/** The last segment of a `$ref` (the component's name). */
export function refName(v: unknown): string | undefined {
  const ref = isObj(v) ? str(v.$ref) : undefined;
  return ref?.split("/").pop();
}

/** A schema with its `allOf` merged and the first `oneOf`/`anyOf` branch taken. */
export function flatten(ctx: Ctx, schema: unknown, depth: number): Obj {
  const s = resolve(ctx, schema);
  if (depth > 30) return s;
  const all = Array.isArray(s.allOf) ? s.allOf : undefined;
  const alt = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : undefined;
  if (!all && !alt) return s;
  const out: Obj = { ...s };
  delete out.allOf;
  delete out.oneOf;
  delete out.anyOf;
  const parts = [...(all ?? []), ...(alt?.slice(0, 1) ?? [])];
  if (alt && alt.length > 1) ctx.notes.push(`a schema offers ${alt.length} alternatives (oneOf/anyOf); the first was used`);
  const props: Obj = isObj(out.properties) ? { ...out.properties } : {};
  const required = new Set<string>(Array.isArray(out.required) ? (out.required as string[]) : []);
  for (const p of parts) {
    const f = flatten(ctx, p, depth + 1);
    if (isObj(f.properties)) Object.assign(props, f.properties);
    if (Array.isArray(f.required)) for (const r of f.required) if (typeof r === "string") required.add(r);
    for (const [k, v] of Object.entries(f)) if (!(k in out) && k !== "properties" && k !== "required") out[k] = v;
  }
  if (Object.keys(props).length) out.properties = props;
  if (required.size) out.required = [...required];
  return out;
}

function schemaType(s: Obj): ImportedField["type"] {
  const t = Array.isArray(s.type) ? (s.type as unknown[]).find((x) => x !== "null") : s.type;
  if (t === "string" || t === "number" || t === "integer" || t === "boolean" || t === "object" || t === "array") return t;
  if (isObj(s.properties)) return "object";
  if (s.items !== undefined) return "array";
  const e = Array.isArray(s.enum) ? s.enum.find(isScalar) : undefined;
  if (typeof e === "number") return Number.isInteger(e) ? "integer" : "number";
  if (typeof e === "boolean") return "boolean";
  return "string";
}

/** Whether names follow the schema's `xml` objects (an XML body). */
export interface XmlMode {
  xml: boolean;
}

/** One schema → ImportedField (XML names and attributes applied when `mode.xml`). */
export function fieldFromSchema(ctx: Ctx, name: string, schema: unknown, required: boolean, mode: XmlMode, depth: number): ImportedField {
  const s = flatten(ctx, schema, depth);
  const type = schemaType(s);
  const xml = isObj(s.xml) ? s.xml : {};
  let wire = name;
  if (mode.xml) {
    const xn = str(xml.name) ?? name;
    wire = xml.attribute === true ? `@_${xn}` : xn;
  }
  const f: ImportedField = { name: wire, type, required };
  const description = str(s.description) ?? str(s.title);
  if (description) f.description = description;
  if (Array.isArray(s.enum)) {
    const e = s.enum.filter(isScalar);
    if (e.length) f.enum = e;
  }
  const maxLength = num(s.maxLength);
  if (maxLength !== undefined && maxLength > 0) f.maxLength = maxLength;
  const minLength = num(s.minLength);
  if (minLength !== undefined) f.minLength = minLength;
  if (typeof s.pattern === "string") f.pattern = s.pattern;
  const minimum = num(s.minimum) ?? num(s.exclusiveMinimum);
  if (minimum !== undefined) f.minimum = minimum;
  const maximum = num(s.maximum) ?? num(s.exclusiveMaximum);
  if (maximum !== undefined) f.maximum = maximum;
  if (typeof s.format === "string") f.format = s.format;
  const example = isScalar(s.example) ? s.example : Array.isArray(s.examples) ? s.examples.find(isScalar) : undefined;
  const secret = isCredentialName(name);
  if (secret) {
    f.secret = true;
    if (example !== undefined) ctx.secrets.push(String(example));
    if (isScalar(s.default)) ctx.secrets.push(String(s.default));
  } else {
    if (example !== undefined) f.example = example;
    if (isScalar(s.default)) f.default = s.default;
  }
  if (depth > 30) return f;
  if (type === "object" && isObj(s.properties)) {
    const req = new Set(Array.isArray(s.required) ? (s.required as unknown[]).filter((x): x is string => typeof x === "string") : []);
    f.properties = Object.entries(s.properties).map(([k, v]) => fieldFromSchema(ctx, k, v, req.has(k), mode, depth + 1));
  }
  if (type === "array") {
    const items = fieldFromSchema(ctx, name, s.items ?? {}, true, mode, depth + 1);
    if (mode.xml) {
      // Repeated elements are named by the item (default: the property); `wrapped` adds a parent.
      const itemXml = isObj(resolve(ctx, s.items).xml) ? (resolve(ctx, s.items).xml as Obj) : {};
      const itemName = str(itemXml.name) ?? str(xml.name) ?? name;
      if (xml.wrapped === true) {
        return { ...f, type: "object", properties: [{ name: itemName, type: "array", required: true, items: { ...items, name: "item" } }] };
      }
      f.name = itemName;
    }
    f.items = { ...items, name: "item" };
  }
  return f;
}

/** Copies example values into fields that have none (and collects credentials found there). */
export function applyExample(ctx: Ctx, fields: ImportedField[], example: unknown): void {
  if (!isObj(example)) return;
  for (const f of fields) {
    const key = f.name.replace(/^@_/, "");
    const v = example[f.name] ?? example[key];
    if (v === undefined) continue;
    if (f.secret) {
      if (isScalar(v)) ctx.secrets.push(String(v));
      continue;
    }
    if (isScalar(v) && f.example === undefined) f.example = v;
    if (f.properties) applyExample(ctx, f.properties, v);
    if (f.items?.properties && Array.isArray(v)) applyExample(ctx, f.items.properties, v[0]);
  }
}

/** A media object's example, or its first named example's value. */
export function firstExample(media: Obj): unknown {
  if (media.example !== undefined) return media.example;
  if (isObj(media.examples)) {
    const first = Object.values(media.examples)[0];
    if (isObj(first)) return first.value;
  }
  return undefined;
}

/** What a media type's body is read as; undefined for kinds the importer does not read. */
export function mediaKind(type: string): ResponseExample["kind"] | undefined {
  const t = type.toLowerCase();
  if (t.includes("json")) return "json";
  if (t.includes("xml")) return "xml";
  if (t.includes("x-www-form-urlencoded")) return "form";
  if (t.startsWith("text/")) return "text";
  return undefined;
}
