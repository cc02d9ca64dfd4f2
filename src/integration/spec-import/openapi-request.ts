/**
 * The parts of an OpenAPI operation around its body: security schemes → auth hints, the server
 * URL with its variables filled, and the documented responses as examples.
 */
import { type Ctx, fieldFromSchema, firstExample, flatten, isObj, mediaKind, type Obj, refName, resolve, str } from "./openapi-schema";
import type { AuthHint, ResponseExample } from "./types";

/** Auth hints from the operation's (or the document's) first security requirement. */
export function securityHints(ctx: Ctx, op: Obj): AuthHint[] {
  const reqs = Array.isArray(op.security) ? op.security : Array.isArray(ctx.doc.security) ? ctx.doc.security : [];
  const first = reqs.find(isObj);
  if (!first) return [];
  const schemes = isObj(ctx.doc.components) && isObj(ctx.doc.components.securitySchemes) ? ctx.doc.components.securitySchemes : {};
  const out: AuthHint[] = [];
  for (const [name, scopes] of Object.entries(first)) {
    const s = resolve(ctx, schemes[name]);
    const type = str(s.type);
    if (type === "apiKey") {
      const where = str(s.in);
      const key = str(s.name);
      if (!key || (where !== "header" && where !== "query"))
        ctx.notes.push(`security scheme ${name}: API keys in a ${where ?? "?"} are not supported; set auth by hand`);
      else out.push({ kind: "api_key", in: where, name: key });
    } else if (type === "http") {
      const scheme = str(s.scheme)?.toLowerCase();
      if (scheme === "basic") out.push({ kind: "basic" });
      else if (scheme === "bearer") out.push({ kind: "bearer" });
      else ctx.notes.push(`security scheme ${name}: HTTP ${scheme ?? "?"} is not supported; set auth by hand`);
    } else if (type === "oauth2") {
      const cc = isObj(s.flows) && isObj(s.flows.clientCredentials) ? s.flows.clientCredentials : undefined;
      const tokenUrl = cc ? str(cc.tokenUrl) : undefined;
      if (!tokenUrl) ctx.notes.push(`security scheme ${name}: only the OAuth 2.0 client-credentials flow is generated; set auth by hand`);
      else {
        const list = Array.isArray(scopes) ? scopes.filter((x): x is string => typeof x === "string") : [];
        out.push(list.length ? { kind: "oauth2_client_credentials", tokenUrl, scope: list.join(" ") } : { kind: "oauth2_client_credentials", tokenUrl });
      }
    } else ctx.notes.push(`security scheme ${name} (${type ?? "?"}) is not supported; set auth by hand`);
  }
  return out;
}

/** The first server URL (operation, path item, document) with its variables' defaults filled in. */
export function serverUrl(ctx: Ctx, pathItem: Obj, op: Obj): string | undefined {
  const list = [op.servers, pathItem.servers, ctx.doc.servers].find((x) => Array.isArray(x) && x.length > 0) as unknown[] | undefined;
  const server = list?.find(isObj);
  let url = server ? str(server.url) : undefined;
  if (!url || !server) return undefined;
  const vars = isObj(server.variables) ? server.variables : {};
  url = url.replace(/\{([^}]+)\}/g, (m, v: string) => {
    const d = isObj(vars[v]) ? str((vars[v] as Obj).default) : undefined;
    return d ?? m;
  });
  return url.replace(/\/+$/, "");
}

/** Every documented response, with its example body or schema fields. */
export function responses(ctx: Ctx, op: Obj): ResponseExample[] {
  const out: ResponseExample[] = [];
  const rs = isObj(op.responses) ? op.responses : {};
  for (const [code, raw] of Object.entries(rs)) {
    const r = resolve(ctx, raw);
    const status: number | string = /^\d{3}$/.test(code) ? Number(code) : code;
    const content = isObj(r.content) ? r.content : {};
    const entry = Object.entries(content).find(([t]) => mediaKind(t) !== undefined);
    const ex: ResponseExample = { status, kind: entry ? (mediaKind(entry[0]) ?? "text") : "text" };
    const description = str(r.description);
    if (description) ex.description = description;
    if (entry && isObj(entry[1])) {
      const media = entry[1];
      const schema = media.schema !== undefined ? flatten(ctx, media.schema, 0) : undefined;
      const example = firstExample(media) ?? schema?.example;
      if (example !== undefined) ex.body = typeof example === "string" ? example : JSON.stringify(example);
      if (schema && isObj(schema.properties)) {
        const f = fieldFromSchema(ctx, refName(media.schema) ?? "response", media.schema, true, { xml: ex.kind === "xml" }, 0);
        if (f.properties) ex.fields = f.properties;
      }
    }
    out.push(ex);
  }
  return out;
}
