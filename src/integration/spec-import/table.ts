/**
 * A field table (CSV, one row per field, as buyers' posting docs print them) → ImportedSpec.
 *
 * Columns, matched by header case-insensitively: `name` (`applicant.first` and `lead[first]` nest),
 * `required` (yes/no, y/n, true/false, 1/0, x), `type` (string, integer, number, boolean, date,
 * email, phone …), `allowed values` (separated by `|`, else `;`), `max length`, `format`
 * (`MM/DD/YYYY`, `10 digits`, or a regex starting with `^`), `example`, and optionally
 * `description` / `label` and `pattern`.
 *
 * What the table cannot say comes from `# key: value` lines before the header:
 * `# endpoint: POST https://…`, `# format: form | json | xml | query | soap11 | soap12`,
 * `# root: LeadPost` (xml), `# operation: SubmitLead` + `# namespace: urn:…` (SOAP),
 * `# auth: header X-API-Key | query api_key | basic | bearer`, `# header: Accept: application/json`,
 * `# vertical: mortgage`, `# name: …`, `# docs: …`, and `# response 200: <one-line body>`.
 */
import { parse } from "csv-parse/sync";
import { isCredentialName } from "./credentials";
import { bodyKind, formKeySegments } from "./shape";
import type { AuthHint, HttpMethod, ImportedField, ImportedFormat, ImportedSpec, ResponseExample, Scalar } from "./types";
import { SpecImportError } from "./types";

const COLUMNS: Record<string, string[]> = {
  name: ["name", "field", "field name", "fieldname", "parameter", "param", "key", "post field", "field id"],
  description: ["description", "label", "notes", "field label", "meaning"],
  required: ["required", "req", "mandatory", "required?", "is required"],
  type: ["type", "data type", "datatype"],
  allowed: ["allowed values", "allowed", "values", "enum", "options", "valid values", "accepted values"],
  maxLength: ["max length", "maxlength", "max len", "length", "max"],
  format: ["format"],
  pattern: ["pattern", "regex"],
  example: ["example", "sample", "example value", "sample value"],
};

function column(headers: string[], key: string): string | undefined {
  const want = COLUMNS[key] ?? [];
  return headers.find((h) => want.includes(h.trim().toLowerCase()));
}

function yes(v: string | undefined): boolean {
  return /^(y|yes|true|1|x|required|req|mandatory)$/i.test((v ?? "").trim());
}

function typeOf(raw: string | undefined, format: string | undefined): { type: ImportedField["type"]; format?: string } {
  const t = (raw ?? "").trim().toLowerCase();
  if (/^(int|integer|whole number|long|short)$/.test(t)) return { type: "integer" };
  if (/^(number|numeric|decimal|float|double|money|currency|amount)$/.test(t)) return { type: "number" };
  if (/^(bool|boolean)$/.test(t)) return { type: "boolean" };
  if (/^(date|datetime|date-time|timestamp)$/.test(t)) return { type: "string", format: format ?? (t === "date" ? "date" : "date-time") };
  if (/^(email|phone|url|uri|ip|state|zip)$/.test(t)) return { type: "string", format: format ?? t };
  return format ? { type: "string", format } : { type: "string" };
}

/** An example cell typed like its column. */
function typedExample(v: string, type: ImportedField["type"]): Scalar {
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (type === "boolean" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  return v;
}

function splitValues(v: string): string[] {
  const sep = v.includes("|") ? "|" : v.includes(";") ? ";" : ",";
  return v
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Puts a field at a dotted name, creating object parents (a parent is required if a child is). */
function place(root: ImportedField[], path: string[], field: ImportedField): void {
  let list = root;
  for (const seg of path.slice(0, -1)) {
    let parent = list.find((f) => f.name === seg);
    if (!parent) {
      parent = { name: seg, type: "object", required: false, properties: [] };
      list.push(parent);
    }
    if (field.required) parent.required = true;
    parent.properties ??= [];
    list = parent.properties;
  }
  list.push(field);
}

function authFrom(v: string): AuthHint | undefined {
  const m = /^(header|query)\s+(\S+)$/i.exec(v.trim());
  if (m?.[1] && m[2]) return { kind: "api_key", in: m[1].toLowerCase() as "header" | "query", name: m[2] };
  if (/^basic$/i.test(v.trim())) return { kind: "basic" };
  if (/^bearer$/i.test(v.trim())) return { kind: "bearer" };
  return undefined;
}

/** The `# key: value` lines before the header, and the CSV text after them. */
function splitDirectives(text: string): { directives: [string, string][]; csv: string } {
  const lines = text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  const directives: [string, string][] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "") continue;
    if (!line.startsWith("#")) break;
    const m = /^#\s*([A-Za-z][\w -]*?)\s*:\s*(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) directives.push([m[1].toLowerCase(), m[2].trim()]);
  }
  return { directives, csv: lines.slice(i).join("\n") };
}

/** The table's rows, keyed by header; a cell reader that knows the header's synonyms. */
function readRows(csv: string): { rows: Record<string, string>[]; col: (row: Record<string, string>, key: string) => string | undefined } {
  let rows: Record<string, string>[];
  try {
    rows = parse(csv, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as Record<string, string>[];
  } catch (e) {
    throw new SpecImportError(`the field table does not parse as CSV: ${(e as Error).message}`);
  }
  const headers = Object.keys(rows[0] ?? {});
  if (!column(headers, "name")) throw new SpecImportError(`the field table needs a "name" column (found: ${headers.join(", ") || "no header"})`);
  const col = (row: Record<string, string>, key: string): string | undefined => {
    const c = column(headers, key);
    const v = c ? row[c]?.trim() : undefined;
    return v === "" ? undefined : v;
  };
  return { rows, col };
}

/** The field tree of the rows; whether any name used brackets (`lead[first]`, which form nesting must repeat). */
function fieldsFromRows(
  rows: Record<string, string>[],
  col: (row: Record<string, string>, key: string) => string | undefined,
  secrets: string[],
): { fields: ImportedField[]; bracketNames: boolean } {
  const fields: ImportedField[] = [];
  let bracketNames = false;
  rows.forEach((row, n) => {
    const name = col(row, "name");
    if (!name) throw new SpecImportError(`field table row ${n + 2}: no name`);
    const declared = col(row, "format");
    const isPattern = declared !== undefined && /^\^|^\/.*\/$/.test(declared);
    const { type, format } = typeOf(col(row, "type"), isPattern ? undefined : declared);
    // `applicant.first` and `lead[first]` nest; array indexes are not table material.
    const parts = formKeySegments(name);
    if (parts.bracket) bracketNames = true;
    const segs = parts.segs.map(String);
    const leaf = segs[segs.length - 1] ?? name;
    const f: ImportedField = { name: leaf, type, required: yes(col(row, "required")) };
    const description = col(row, "description");
    if (description) f.description = description;
    if (format) f.format = format;
    const pattern = col(row, "pattern") ?? (isPattern && declared ? declared.replace(/^\/(.*)\/$/, "$1") : undefined);
    if (pattern) f.pattern = pattern;
    const allowed = col(row, "allowed");
    if (allowed) f.enum = splitValues(allowed).map((v) => typedExample(v, type));
    const max = col(row, "maxLength");
    if (max && /^\d+$/.test(max) && Number(max) > 0) f.maxLength = Number(max);
    const example = col(row, "example");
    if (isCredentialName(leaf)) {
      f.secret = true;
      if (example) secrets.push(example);
    } else if (example !== undefined) f.example = typedExample(example, type);
    place(fields, segs, f);
  });
  return { fields, bracketNames };
}

/** The body format the `# format:` line names (form by default). */
function formatFrom(get: (k: string) => string | undefined, bracketNames: boolean): ImportedFormat {
  const fmt = (get("format") ?? "form").toLowerCase();
  if (fmt === "json") return { type: "json" };
  if (fmt === "xml") return { type: "xml", root: get("root") ?? "Lead" };
  if (fmt === "soap11" || fmt === "soap12") {
    const operation = get("operation");
    const namespace = get("namespace");
    if (!operation || !namespace) throw new SpecImportError(`a ${fmt} field table needs "# operation:" and "# namespace:" lines`);
    const format: ImportedFormat = { type: fmt, operation, namespace };
    const action = get("action");
    if (action) format.action = action;
    return format;
  }
  if (fmt === "query") return { type: "query", nesting: "dot" };
  if (fmt === "form") return { type: "form", nesting: bracketNames ? "bracket" : "dot" };
  throw new SpecImportError(`unknown "# format: ${fmt}" (json, form, query, xml, soap11, soap12)`);
}

/** The repeatable directives: `# auth:`, `# header:` and `# response NNN:` lines. */
function repeatedDirectives(directives: [string, string][]): { auth: AuthHint[]; headers: Record<string, string>; responses: ResponseExample[] } {
  const auth: AuthHint[] = [];
  const headers: Record<string, string> = {};
  const responses: ResponseExample[] = [];
  for (const [k, v] of directives) {
    if (k === "auth") {
      const a = authFrom(v);
      if (!a) throw new SpecImportError(`"# auth: ${v}": write header <Name>, query <name>, basic or bearer`);
      auth.push(a);
    } else if (k === "header") {
      const c = v.indexOf(":");
      if (c > 0) headers[v.slice(0, c).trim()] = v.slice(c + 1).trim();
    } else if (/^response\s+\d{3}$/.test(k)) {
      responses.push({ status: Number(k.slice(-3)), kind: bodyKind(undefined, v), body: v });
    }
  }
  return { auth, headers, responses };
}

/** Reads a field-table CSV with its `# key: value` directives. */
export function importTable(text: string): ImportedSpec {
  const { directives, csv } = splitDirectives(text);
  const { rows, col } = readRows(csv);
  const secrets: string[] = [];
  const { fields, bracketNames } = fieldsFromRows(rows, col, secrets);

  const get = (k: string): string | undefined => directives.find(([d]) => d === k)?.[1];
  const endpoint = /^(GET|POST|PUT|PATCH)\s+(\S+)$/i.exec(get("endpoint") ?? "");
  const method = (endpoint?.[1]?.toUpperCase() ?? "POST") as HttpMethod;
  const format = formatFrom(get, bracketNames);
  const { auth, headers, responses } = repeatedDirectives(directives);
  // Credentials listed as form/query fields travel as an API key in the query string.
  if (format.type === "form" || format.type === "query") {
    for (const f of fields) if (f.secret && !auth.length) auth.push({ kind: "api_key", in: "query", name: f.name });
  }
  const spec: ImportedSpec = {
    source: "table",
    endpoint: { method, ...(endpoint?.[2] ? { url: endpoint[2] } : {}) },
    headers,
    format,
    fields,
    auth,
    secretValues: secrets,
    responses,
    notes: [],
  };
  const name = get("name");
  if (name) spec.title = name;
  const docs = get("docs");
  if (docs) spec.docsUrl = docs;
  const verticals = get("vertical") ?? get("verticals");
  if (verticals) spec.verticals = splitValues(verticals);
  if (!endpoint) spec.notes.push('the table has no "# endpoint: POST https://…" line: pass --url or fill endpoint.url');
  return spec;
}
