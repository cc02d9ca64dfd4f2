/** Value readers every layer shares: intake normalizes with them, buyer mappings format with them. */

// Exactly the writings the README and the error messages list. "on"/"off" (an HTML checkbox
// posts "on" and nothing when unchecked, so "on" alone says little) and "t"/"f" are refused
// rather than guessed, so a source learns at intake instead of a buyer seeing a wrong value.
const TRUE_TEXT = new Set(["true", "yes", "y", "1"]);
const FALSE_TEXT = new Set(["false", "no", "n", "0"]);

/** How intake and buyer mappings describe the booleans they read (error messages, README). */
export const BOOLEAN_WRITINGS = "true/false, yes/no, Y/N or 1/0";

/** Reads a boolean from true/false, yes/no, y/n or 1/0 (text in any case, or the numbers 1 and 0). */
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

/**
 * `obj[key]` when `obj` has `key` as its own property, else undefined. For every lookup by a
 * name a user chose (a field key, a state name, a table value): a plain object also answers
 * "toString", "constructor" or "__proto__" from Object.prototype.
 */
export function ownValue<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * JSON with every object's keys sorted, so two bodies that differ only in key order or
 * whitespace have the same text (what an idempotency key's body is compared by).
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
