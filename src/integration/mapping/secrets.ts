/** Names of every `{"secret": NAME}` reference anywhere in a buyer config. */
export function secretNames(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) secretNames(v, out);
  else if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o.secret === "string" && Object.keys(o).length === 1) out.add(o.secret);
    else for (const v of Object.values(o)) secretNames(v, out);
  }
  return out;
}
