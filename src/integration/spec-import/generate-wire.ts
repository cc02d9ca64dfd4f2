/**
 * The wire half of the generator: the auth block and the format block, with every credential
 * written as a secret reference (`{ "secret": NAME }`) and the names collected for the report.
 */
import { secretNameFor, secretPrefix } from "./credentials";
import type { AuthHint, ImportedFormat, SoapHeaderValue } from "./types";

/** Secret names the config references, each with what it is for; a name is never reused for another use. */
export class SecretNames {
  readonly list: { name: string; use: string }[] = [];

  /** A reference to `name` (suffixed `_2`, `_3` … when that name already serves another use). */
  add(name: string, use: string): { secret: string } {
    let n = name;
    let k = 2;
    while (this.list.some((s) => s.name === n && s.use !== use)) n = `${name}_${k++}`;
    if (!this.has(n)) this.list.push({ name: n, use });
    return { secret: n };
  }

  has(name: string): boolean {
    return this.list.some((s) => s.name === name);
  }
}

/** The auth block for the spec's first auth hint (the others are noted). */
export function authConfig(id: string, hints: AuthHint[], secrets: SecretNames, notes: string[]): Record<string, unknown> {
  const P = secretPrefix(id);
  const hint = hints[0];
  if (hints.length > 1) notes.push(`the spec names ${hints.length} ways to authenticate; the first (${hint?.kind}) was used`);
  switch (hint?.kind) {
    case "api_key":
      return { type: "api_key", in: hint.in, name: hint.name, value: secrets.add(`${P}_API_KEY`, `API key (${hint.in} ${hint.name})`) };
    case "basic":
      return { type: "basic", username: secrets.add(`${P}_USERNAME`, "HTTP Basic user name"), password: secrets.add(`${P}_PASSWORD`, "HTTP Basic password") };
    case "bearer":
      return { type: "bearer", token: secrets.add(`${P}_TOKEN`, "Bearer token") };
    case "oauth2_client_credentials":
      return {
        type: "oauth2_client_credentials",
        tokenUrl: hint.tokenUrl,
        clientId: secrets.add(`${P}_CLIENT_ID`, "OAuth 2.0 client id"),
        clientSecret: secrets.add(`${P}_CLIENT_SECRET`, "OAuth 2.0 client secret"),
        ...(hint.scope ? { scope: hint.scope } : {}),
      };
    case "hmac":
      return { type: "hmac", header: hint.header, secret: secrets.add(`${P}_SIGNING_SECRET`, "HMAC signing secret") };
    default:
      return { type: "none" };
  }
}

/** A SOAP header tree with each credential hint replaced by a secret reference. */
function soapHeader(id: string, header: Record<string, SoapHeaderValue>, secrets: SecretNames): Record<string, unknown> {
  const conv = (v: SoapHeaderValue, path: string[]): unknown => {
    if (typeof v === "string") return v;
    if ("secretHint" in v && typeof v.secretHint === "string") {
      const base = secretNameFor(id, v.secretHint);
      // Two header parts with the same hint (two `Password`s) get the parent's name in theirs.
      return secrets.add(secrets.has(base) ? secretNameFor(id, `${path[0] ?? ""}_${v.secretHint}`) : base, `SOAP header ${path.join(".")}`);
    }
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, SoapHeaderValue>)) o[k] = conv(x, [...path, k]);
    return o;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(header)) out[k] = conv(v, [k]);
  return out;
}

/** The format block for the spec's body format. */
export function formatConfig(id: string, f: ImportedFormat, secrets: SecretNames): Record<string, unknown> {
  if (f.type === "json") return { type: "json" };
  if (f.type === "form" || f.type === "query") return f.nesting === "bracket" ? { type: f.type, nesting: "bracket" } : { type: f.type };
  if (f.type === "xml") {
    const format: Record<string, unknown> = { type: "xml", root: f.root };
    if (f.rootAttributes) format.rootAttributes = f.rootAttributes;
    if (f.contentType) format.contentType = f.contentType;
    return format;
  }
  const format: Record<string, unknown> = { type: f.type, operation: f.operation, namespace: f.namespace };
  if (f.action) format.action = f.action;
  if (f.header) format.header = soapHeader(id, f.header, secrets);
  return format;
}
