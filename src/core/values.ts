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

const DAY_MS = 86_400_000;

/**
 * The UTC calendar date of a whole epoch-ms instant from 1970 on, as `year * 10_000 + month *
 * 100 + day`, by civil-from-days arithmetic (H. Hinnant): what the Date getters give, without
 * a Date per call.
 */
function utcDateNumber(ms: number): number {
  return civilFromDays(Math.floor(ms / DAY_MS));
}

/**
 * The UTC calendar date `days` days after 1970-01-01, as `year * 10_000 + month * 100 + day`,
 * by civil-from-days arithmetic (H. Hinnant). For a year before 0 the packed number is negative:
 * the year is `Math.floor(n / 10_000)` and month and day the remainder under it.
 */
export function civilFromDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mo = mp < 10 ? mp + 3 : mp - 9;
  return (yoe + era * 400 + (mo <= 2 ? 1 : 0)) * 10_000 + mo * 100 + d;
}

/** The value of `len` ASCII digits at `at`, or -1 when one of them is not a digit. */
export function digitsAt(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Whole years between an ISO date of birth and `nowMs`. */
export function ageOn(dobIso: string, nowMs: number): number {
  let y: number, m: number, d: number;
  // The canonical `YYYY-MM-DD` read by its digits (mappings call this per lead); any other
  // writing is split as before.
  if (dobIso.length === 10 && dobIso.charCodeAt(4) === 45 && dobIso.charCodeAt(7) === 45) {
    y = digitsAt(dobIso, 0, 4);
    m = digitsAt(dobIso, 5, 2);
    d = digitsAt(dobIso, 8, 2);
  } else y = m = d = -1;
  if (y < 0 || m < 0 || d < 0) [y, m, d] = dobIso.split("-").map(Number) as [number, number, number];
  let ny: number, mm: number, dd: number;
  if (Number.isInteger(nowMs) && nowMs >= 0 && nowMs <= 8.64e15) {
    const today = utcDateNumber(nowMs);
    ny = Math.floor(today / 10_000);
    mm = Math.floor(today / 100) % 100;
    dd = today % 100;
  } else {
    const now = new Date(nowMs);
    ny = now.getUTCFullYear();
    mm = now.getUTCMonth() + 1;
    dd = now.getUTCDate();
  }
  let age = ny - y;
  if (mm < m || (mm === m && dd < d)) age--;
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
