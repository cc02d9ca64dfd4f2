/** Small readers for preset checks over the untyped merged config. */

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `get(cfg, "endpoint", "url")`; undefined when any step is missing. */
export function get(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The `to` targets of a field-list mapping (empty for templates or malformed mappings). */
export function mappedTargets(cfg: unknown): string[] {
  const fields = get(cfg, "mapping", "fields");
  if (!Array.isArray(fields)) return [];
  const out: string[] = [];
  for (const f of fields as unknown[]) {
    const to = get(f, "to");
    if (typeof to === "string") out.push(to);
  }
  return out;
}

/**
 * The buyer must give its own endpoint URL (its instance, portal or account is in it). A URL
 * that starts with a `${VAR}` origin (the mock buyer in development, a staging host) is checked
 * by its vendor path alone: `vendorPath` must match somewhere after the variable.
 */
export function requireUrl(cfg: unknown, pattern: RegExp, example: string, vendorPath?: RegExp): string[] {
  const url = get(cfg, "endpoint", "url");
  if (typeof url !== "string" || url === "") return [`endpoint.url is required, e.g. ${example}`];
  const m = /^\$\{[A-Z][A-Z0-9_]*\}(.*)$/.exec(url);
  if (m && vendorPath) return vendorPath.test(m[1] ?? "") ? [] : [`endpoint.url should end like ${example}`];
  return pattern.test(url) ? [] : [`endpoint.url should look like ${example}`];
}
