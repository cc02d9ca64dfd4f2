/**
 * An OpenAPI 3 document (JSON or YAML) and one of its operations → ImportedSpec. Local `$ref`s
 * (`#/components/…`) are followed; `allOf` is merged; `oneOf` / `anyOf` take their first branch
 * (noted). XML bodies follow the `xml` objects (name, attribute, wrapped, namespace).
 *
 * The parts live beside it: openapi-schema.ts (schemas → fields), openapi-operations.ts
 * (choosing the operation), openapi-request.ts (security, server, responses).
 */
import YAML from "yaml";
import { isCredentialName } from "./credentials";
import { chooseOperation, listOperations, type OpenApiOperation } from "./openapi-operations";
import { responses, securityHints, serverUrl } from "./openapi-request";
import { applyExample, type Ctx, fieldFromSchema, firstExample, flatten, isObj, isScalar, mediaKind, type Obj, refName, resolve, str } from "./openapi-schema";
import type { AuthHint, ImportedField, ImportedFormat, ImportedSpec, Scalar } from "./types";
import { SpecImportError } from "./types";

export { chooseOperation, listOperations, type OpenApiOperation } from "./openapi-operations";

/** Parses the text and refuses what is not an OpenAPI 3 document. */
function parseDocument(text: string): Obj {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new SpecImportError(`the document is neither JSON nor YAML: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new SpecImportError("the document is not an object");
  if (typeof doc.swagger === "string") throw new SpecImportError("Swagger 2.0 is not read; convert the document to OpenAPI 3 first");
  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3")) throw new SpecImportError('not an OpenAPI 3 document (no "openapi: 3.x")');
  return doc;
}

/** What the operation's parameters give: constant headers and query values, the filled path, and a GET's fields. */
interface ParameterParts {
  headers: Record<string, string>;
  queryConst: URLSearchParams;
  queryFields: ImportedField[];
  path: string;
}

/** A credential parameter becomes an auth hint (its example a secret value), never a field or constant. */
function credentialParameter(ctx: Ctx, name: string, where: string, example: Scalar | undefined, auth: AuthHint[]): void {
  if (example !== undefined) ctx.secrets.push(String(example).replace(/^(Bearer|Basic)\s+/i, ""), String(example));
  if (where === "header" && name.toLowerCase() === "authorization") {
    if (!auth.length) auth.push(/^basic/i.test(String(example ?? "")) ? { kind: "basic" } : { kind: "bearer" });
  } else if ((where === "header" || where === "query") && !auth.some((a) => a.kind === "api_key" && a.name === name)) {
    auth.push({ kind: "api_key", in: where, name });
  }
}

/** Path, header and query parameters of the path item and the operation. */
function readParameters(ctx: Ctx, chosen: OpenApiOperation, pathItem: Obj, op: Obj, auth: AuthHint[]): ParameterParts {
  const out: ParameterParts = { headers: {}, queryConst: new URLSearchParams(), queryFields: [], path: chosen.path };
  const params = [...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])].map((p) =>
    resolve(ctx, p),
  );
  for (const p of params) {
    const name = str(p.name);
    const where = str(p.in);
    if (!name || !where) continue;
    const schema = flatten(ctx, p.schema, 0);
    const example = [p.example, schema.example, schema.default, Array.isArray(schema.enum) && schema.enum.length === 1 ? schema.enum[0] : undefined].find(
      isScalar,
    );
    if (isCredentialName(name) || (where === "header" && name.toLowerCase() === "authorization")) {
      credentialParameter(ctx, name, where, example, auth);
      continue;
    }
    if (where === "path") {
      if (example !== undefined) out.path = out.path.replace(`{${name}}`, encodeURIComponent(String(example)));
      else ctx.notes.push(`path parameter {${name}} has no example: fill it in endpoint.url`);
    } else if (where === "header") {
      if (example !== undefined && !/^(content-type|content-length|host)$/i.test(name)) out.headers[name] = String(example);
      else if (p.required === true && example === undefined) ctx.notes.push(`header ${name} is required but has no example value: add it to endpoint.headers`);
    } else if (where === "query") {
      if (chosen.method === "GET" && op.requestBody === undefined)
        out.queryFields.push(fieldFromSchema(ctx, name, p.schema, p.required === true, { xml: false }, 0));
      else if (example !== undefined) out.queryConst.append(name, String(example));
      else if (p.required === true) ctx.notes.push(`query parameter ${name} is required but has no example value: add it to endpoint.url`);
    }
  }
  return out;
}

/** The request body's format and fields (JSON first, then form-encoded, then plain XML). */
function readBody(ctx: Ctx, body: Obj): { format: ImportedFormat; fields: ImportedField[] } {
  const content = isObj(body.content) ? body.content : {};
  const types = Object.keys(content);
  const pick =
    types.find((t) => /json/i.test(t)) ?? types.find((t) => /x-www-form-urlencoded/i.test(t)) ?? types.find((t) => /xml/i.test(t) && !/soap/i.test(t));
  if (!pick) throw new SpecImportError(`the request body is ${types.join(", ") || "undescribed"}; JSON, form-encoded or XML is needed`);
  const media = isObj(content[pick]) ? content[pick] : {};
  const kind = mediaKind(pick);
  const isXml = kind === "xml";
  const root = fieldFromSchema(ctx, refName(media.schema) ?? "Request", media.schema ?? {}, true, { xml: isXml }, 0);
  const fields = root.properties ?? [];
  applyExample(ctx, fields, firstExample(media));
  if (kind === "json") return { format: { type: "json" }, fields };
  if (isXml) {
    const s = flatten(ctx, media.schema, 0);
    const xml = isObj(s.xml) ? s.xml : {};
    const format: ImportedFormat = { type: "xml", root: root.name };
    const ns = str(xml.namespace);
    if (ns) format.rootAttributes = { [str(xml.prefix) ? `xmlns:${str(xml.prefix)}` : "xmlns"]: ns };
    if (/text\/xml/i.test(pick)) format.contentType = "text/xml";
    return { format, fields };
  }
  const nested = fields.some((f) => f.type === "object" || f.type === "array");
  return { format: { type: "form", nesting: nested ? "bracket" : "dot" }, fields };
}

/** The endpoint URL: the server, the filled path, and the constant query values. */
function endpointUrl(ctx: Ctx, pathItem: Obj, op: Obj, parts: ParameterParts): string | undefined {
  const base = serverUrl(ctx, pathItem, op);
  if (!base) ctx.notes.push("the document names no server: pass --url or fill endpoint.url");
  let url = base ? `${base}${parts.path}` : undefined;
  if (url && parts.queryConst.size) url += `${url.includes("?") ? "&" : "?"}${parts.queryConst.toString()}`;
  return url;
}

/** Title, summary, docs link and declared verticals, from the operation or the document. */
function describe(spec: ImportedSpec, doc: Obj, op: Obj): void {
  const info = isObj(doc.info) ? doc.info : {};
  const title = [str(info.title), str(info.version)].filter(Boolean).join(" ");
  if (title) spec.title = title;
  const summary = str(op.summary) ?? str(op.description);
  if (summary) spec.description = summary;
  const docs = isObj(op.externalDocs) ? str(op.externalDocs.url) : isObj(doc.externalDocs) ? str(doc.externalDocs.url) : undefined;
  if (docs) spec.docsUrl = docs;
  const verticals = doc["x-leadwire-verticals"] ?? op["x-leadwire-verticals"];
  if (Array.isArray(verticals)) spec.verticals = verticals.filter((v): v is string => typeof v === "string");
}

/** Reads an OpenAPI 3 document (JSON or YAML text) at one operation. */
export function importOpenApi(text: string, operation?: string): ImportedSpec {
  const doc = parseDocument(text);
  const ctx: Ctx = { doc, notes: [], secrets: [] };
  const chosen = chooseOperation(listOperations(doc), operation);
  const paths = doc.paths as Obj;
  const pathItem = resolve(ctx, paths[chosen.path]);
  const op = resolve(ctx, pathItem[chosen.method.toLowerCase()]);

  const auth = securityHints(ctx, op);
  const parts = readParameters(ctx, chosen, pathItem, op, auth);
  let body: { format: ImportedFormat; fields: ImportedField[] };
  if (op.requestBody !== undefined) body = readBody(ctx, resolve(ctx, op.requestBody));
  else if (parts.queryFields.length) body = { format: { type: "query", nesting: "dot" }, fields: parts.queryFields };
  else throw new SpecImportError(`${chosen.method} ${chosen.path} has no request body and no query parameters: nothing to map`);

  const url = endpointUrl(ctx, pathItem, op, parts);
  const spec: ImportedSpec = {
    source: "openapi",
    endpoint: { method: chosen.method, ...(url ? { url } : {}) },
    headers: parts.headers,
    format: body.format,
    fields: body.fields,
    auth,
    secretValues: ctx.secrets.filter((s) => s.length > 0),
    responses: responses(ctx, op),
    notes: ctx.notes,
  };
  describe(spec, doc, op);
  return spec;
}
