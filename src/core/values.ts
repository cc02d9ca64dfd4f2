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
