/** `6220 Sunset Blvd, Suite 100` → number `6220`, name `Sunset Blvd, Suite 100`; `12-14B Main St` keeps `12-14B`. */
export function splitStreet(street: unknown): { number?: string; name: string } | undefined {
  if (typeof street !== "string" || street.trim() === "") return undefined;
  const s = street.trim();
  const m = /^(\d+[A-Za-z]?(?:-\d+[A-Za-z]?)?|\d+\s+\d\/\d)\s+(.+)$/.exec(s);
  return m?.[1] && m[2] ? { number: m[1], name: m[2] } : { name: s };
}
