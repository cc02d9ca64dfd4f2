/**
 * The operations of an OpenAPI document and the choice of one (`--operation`): by
 * `operationId`, `METHOD /path`, `/path`, or the only one with a body.
 */
import { isObj, type Obj, str } from "./openapi-schema";
import type { HttpMethod } from "./types";
import { SpecImportError } from "./types";

const METHODS = ["get", "post", "put", "patch"] as const;

/** One operation of the document, as `--operation` can name it. */
export interface OpenApiOperation {
  id?: string;
  method: HttpMethod;
  path: string;
  summary?: string;
  hasBody: boolean;
}

/** Every operation of the document (for choosing one and for error messages). */
export function listOperations(doc: Obj): OpenApiOperation[] {
  const out: OpenApiOperation[] = [];
  const paths = isObj(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObj(item)) continue;
    for (const m of METHODS) {
      const op = item[m];
      if (!isObj(op)) continue;
      const o: OpenApiOperation = { method: m.toUpperCase() as HttpMethod, path, hasBody: op.requestBody !== undefined };
      const id = str(op.operationId);
      if (id) o.id = id;
      const summary = str(op.summary);
      if (summary) o.summary = summary;
      out.push(o);
    }
  }
  return out;
}

function describeOps(ops: OpenApiOperation[]): string {
  return ops.map((o) => `${o.id ? `${o.id} = ` : ""}${o.method} ${o.path}`).join("; ");
}

/** Picks the operation `--operation` names (`operationId`, `METHOD /path` or `/path`), or the only one with a body. */
export function chooseOperation(ops: OpenApiOperation[], wanted?: string): OpenApiOperation {
  if (ops.length === 0) throw new SpecImportError("the document has no operations under `paths`");
  if (wanted) {
    const w = wanted.trim();
    const m = /^(get|post|put|patch)\s+(\/\S*)$/i.exec(w);
    const hit = m?.[1] && m[2] ? ops.filter((o) => o.method === m[1]?.toUpperCase() && o.path === m[2]) : ops.filter((o) => o.id === w || o.path === w);
    if (hit.length === 1 && hit[0]) return hit[0];
    throw new SpecImportError(
      `${hit.length ? "more than one" : "no"} operation matches "${wanted}"; the document has: ${describeOps(ops)} (pass --operation <operationId> or "POST /path")`,
    );
  }
  const withBody = ops.filter((o) => o.hasBody);
  const pick = withBody.length === 1 ? withBody[0] : ops.length === 1 ? ops[0] : undefined;
  if (!pick) throw new SpecImportError(`the document has several operations; choose one with --operation: ${describeOps(ops)}`);
  return pick;
}
