/** Value readers every layer shares: intake normalizes with them, buyer mappings format with them. */

const TRUE_TEXT = new Set(["true", "yes", "y", "1", "t", "on"]);
const FALSE_TEXT = new Set(["false", "no", "n", "0", "f", "off"]);

/** Reads a boolean from true/false, 1/0, yes/no, y/n in any case. */
export function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== "string") return undefined;
  const s = v.trim().toLowerCase();
  return TRUE_TEXT.has(s) ? true : FALSE_TEXT.has(s) ? false : undefined;
}

/** Reads a number from a number or a numeric string ("$1,250.50" included). */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string") return undefined;
  const s = v.trim().replace(/^\$/, "").replace(/,/g, "");
  if (s === "" || !/^-?\d*\.?\d+(e[+-]?\d+)?$/i.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Whole years between an ISO date of birth and `nowMs`. */
export function ageOn(dobIso: string, nowMs: number): number {
  const [y, m, d] = dobIso.split("-").map(Number) as [number, number, number];
  const now = new Date(nowMs);
  let age = now.getUTCFullYear() - y;
  const mm = now.getUTCMonth() + 1;
  if (mm < m || (mm === m && now.getUTCDate() < d)) age--;
  return age;
}
