/* Frozen copy of the pre-optimisation implementation: the byte-identity reference for the fast paths. Do not edit. */
import type { FieldFormat } from "../../../../src/integration/mapping/schema";

/**
 * Value formatters. Each is compiled once per field rule (`compileFormat`) into a function
 * `value → formatted | undefined`; undefined means "cannot format this value" and becomes a
 * warning (optional field) or an issue (required field) in the mapper.
 */

export type Formatter = (v: unknown) => unknown;

/** A value that can't be formatted; the message says why. */
export class FormatFailure {
  constructor(readonly message: string) {}
}

const E164_US = /^\+1\d{10}$/;

function digitsOf(v: unknown): string | undefined {
  // Canonical leads carry E.164: skip the general digit scrub for them.
  if (typeof v === "string" && E164_US.test(v)) return v.slice(2);
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const d = String(v).replace(/\D/g, "");
  if (d.length === 11 && d.startsWith("1")) return d.slice(1);
  return d.length === 10 ? d : undefined;
}

/** A US phone in any writing → the chosen style; undefined when it is not 10 (or 1+10) digits. */
export function formatPhone(v: unknown, style: string): string | undefined {
  const d = digitsOf(v);
  if (d === undefined) return undefined;
  const a = d.slice(0, 3), b = d.slice(3, 6), c = d.slice(6);
  switch (style) {
    case "digits10": return d;
    case "digits11": return `1${d}`;
    case "e164": return `+1${d}`;
    case "dashed": return `${a}-${b}-${c}`;
    case "dotted": return `${a}.${b}.${c}`;
    case "parens": return `(${a}) ${b}-${c}`;
    default: return undefined;
  }
}

interface DateParts { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number }

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const tzFormatters = new Map<string, Intl.DateTimeFormat>();
const tzOffsets = new Map<string, number>();
const QUARTER_HOUR = 15 * 60_000;

/**
 * The zone's UTC offset at `ms`. Intl is slow (µs per call), so offsets are cached per zone and
 * quarter hour: every zone's offset changes only on quarter-hour UTC boundaries.
 */
function tzOffsetMs(ms: number, tz: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR);
  const key = `${tz}|${bucket}`;
  const hit = tzOffsets.get(key);
  if (hit !== undefined) return hit;
  let f = tzFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    tzFormatters.set(tz, f);
  }
  const at = bucket * QUARTER_HOUR;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const local = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  const offset = local - at;
  if (tzOffsets.size > 50_000) tzOffsets.clear();
  tzOffsets.set(key, offset);
  return offset;
}

function tzParts(ms: number, tz: string): DateParts {
  const x = new Date(ms + tzOffsetMs(ms, tz));
  return {
    y: x.getUTCFullYear(), mo: x.getUTCMonth() + 1, d: x.getUTCDate(),
    h: x.getUTCHours(), mi: x.getUTCMinutes(), s: x.getUTCSeconds(), ms: x.getUTCMilliseconds(),
  };
}

/**
 * Reads a date-only ISO string (no zone shift: a birth date is a calendar date), an ISO
 * instant, or epoch seconds/ms. Returns the calendar/clock parts and the epoch ms.
 */
function readDate(v: unknown, tz: string | undefined): { parts: DateParts; epochMs: number } | undefined {
  if (typeof v === "string") {
    const m = ISO_DATE.exec(v);
    if (m) {
      const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
      const epochMs = Date.UTC(y, mo - 1, d);
      const back = new Date(epochMs);
      if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
      return { parts: { y, mo, d, h: 0, mi: 0, s: 0, ms: 0 }, epochMs };
    }
    if (!/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t)) return undefined;
    return { parts: partsAt(t, tz), epochMs: t };
  }
  if (typeof v === "number" && Number.isFinite(v)) {
    const t = v < 1e12 ? v * 1000 : v;
    return { parts: partsAt(t, tz), epochMs: t };
  }
  return undefined;
}

function partsAt(ms: number, tz: string | undefined): DateParts {
  if (tz && tz !== "UTC") return tzParts(ms, tz);
  const x = new Date(ms);
  return {
    y: x.getUTCFullYear(), mo: x.getUTCMonth() + 1, d: x.getUTCDate(),
    h: x.getUTCHours(), mi: x.getUTCMinutes(), s: x.getUTCSeconds(), ms: x.getUTCMilliseconds(),
  };
}

const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const DATE_TOKEN = /YYYY|YY|MM|M|DD|D|HH|H|hh|h|mm|ss|SSS|A|\[[^\]]*\]/g;
type PartFn = (p: DateParts) => string;

const TOKENS: Record<string, PartFn> = {
  YYYY: (p) => String(p.y).padStart(4, "0"),
  YY: (p) => p2(p.y % 100),
  MM: (p) => p2(p.mo),
  M: (p) => String(p.mo),
  DD: (p) => p2(p.d),
  D: (p) => String(p.d),
  HH: (p) => p2(p.h),
  H: (p) => String(p.h),
  hh: (p) => p2(p.h % 12 === 0 ? 12 : p.h % 12),
  h: (p) => String(p.h % 12 === 0 ? 12 : p.h % 12),
  mm: (p) => p2(p.mi),
  ss: (p) => p2(p.s),
  SSS: (p) => String(p.ms).padStart(3, "0"),
  A: (p) => (p.h < 12 ? "AM" : "PM"),
};

/** Compiles a date pattern once into a parts → string function. */
export function compileDatePattern(pattern: string): PartFn {
  const pieces: (string | PartFn)[] = [];
  let last = 0;
  for (const m of pattern.matchAll(DATE_TOKEN)) {
    if (m.index > last) pieces.push(pattern.slice(last, m.index));
    const tok = m[0];
    pieces.push(tok.startsWith("[") ? tok.slice(1, -1) : (TOKENS[tok] as PartFn));
    last = m.index + tok.length;
  }
  if (last < pattern.length) pieces.push(pattern.slice(last));
  return (p) => {
    let out = "";
    for (const piece of pieces) out += typeof piece === "string" ? piece : piece(p);
    return out;
  };
}

/** Compiles a date format (`MM/DD/YYYY`, `unix`, `unix_ms`, `iso`) for an optional time zone. */
export function compileDateFormat(pattern: string, tz?: string): Formatter {
  if (pattern === "unix") return (v) => { const r = readDate(v, tz); return r && Math.floor(r.epochMs / 1000); };
  if (pattern === "unix_ms") return (v) => readDate(v, tz)?.epochMs;
  if (pattern === "iso") return (v) => { const r = readDate(v, tz); return r && new Date(r.epochMs).toISOString(); };
  const fmt = compileDatePattern(pattern);
  return (v) => { const r = readDate(v, tz); return r && fmt(r.parts); };
}

/** Formats a date with a pattern; undefined when the value is not a date. */
export function formatDate(v: unknown, pattern: string, tz?: string): unknown {
  return compileDateFormat(pattern, tz)(v);
}

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

const BOOLEAN_OUT: Record<string, [unknown, unknown]> = {
  yes_no: ["yes", "no"], "Yes/No": ["Yes", "No"], "YES/NO": ["YES", "NO"],
  y_n: ["y", "n"], "Y/N": ["Y", "N"], "1_0": [1, 0], string_1_0: ["1", "0"],
  true_false: [true, false], "True/False": ["True", "False"], "TRUE/FALSE": ["TRUE", "FALSE"],
};

/** The two values a boolean style produces (validateMapping checks them against enums). */
export function booleanOutputs(style: string): [unknown, unknown] | undefined {
  return BOOLEAN_OUT[style];
}

/** A boolean in the buyer's style; undefined when the value is not a boolean. */
export function formatBoolean(v: unknown, style: string): unknown {
  const b = toBoolean(v);
  const out = BOOLEAN_OUT[style];
  return b === undefined || !out ? undefined : b ? out[0] : out[1];
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

/** Rounds half away from zero to `decimals` places (buyers expect 2.5 → 3, not banker's rounding). */
export function roundTo(n: number, decimals: number): number {
  const f = 10 ** decimals;
  return (Math.sign(n) * Math.round(Math.abs(n) * f + Number.EPSILON)) / f;
}

/** A money amount as a fixed-decimal string (`312500.00`), optionally with a symbol prefix. */
export function formatMoney(v: unknown, decimals = 2, symbol = ""): string | undefined {
  const n = toNumber(v);
  return n === undefined ? undefined : `${symbol}${roundTo(n, decimals).toFixed(decimals)}`;
}

/** First five digits of a ZIP / ZIP+4; undefined when it has fewer than five. */
export function formatZip5(v: unknown): string | undefined {
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const m = /^(\d{5})/.exec(String(v).trim().padStart(typeof v === "number" ? 5 : 0, "0"));
  return m?.[1];
}

/** Truncates to `max` code points, so an emoji or accented letter is never cut in half. */
export function truncate(v: string, max: number): string {
  if (v.length <= max) return v;
  const cps = Array.from(v);
  return cps.length <= max ? v : cps.slice(0, max).join("");
}

function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/**
 * Compiles a rule's format into one function. Returns a FormatFailure when a step can't
 * read the value (e.g. "abc" as a phone) so the mapper can report which step failed.
 */
export function compileFormat(f: FieldFormat): (v: unknown) => unknown {
  const steps: ((v: unknown) => unknown)[] = [];
  if (f.trim) steps.push((v) => (typeof v === "string" ? v.trim() : v));
  if (f.case) {
    const c = f.case;
    steps.push((v) => typeof v !== "string" ? v : c === "upper" ? v.toUpperCase() : c === "lower" ? v.toLowerCase() : titleCase(v));
  }
  if (f.phone) {
    const style = f.phone;
    steps.push((v) => formatPhone(v, style) ?? new FormatFailure(`not a US phone number (format ${style})`));
  }
  if (f.date) {
    const df = compileDateFormat(f.date, f.timezone);
    const pat = f.date;
    steps.push((v) => df(v) ?? new FormatFailure(`not a date (format ${pat})`));
  }
  if (f.boolean) {
    const style = f.boolean;
    steps.push((v) => formatBoolean(v, style) ?? new FormatFailure(`not a yes/no value (format ${style})`));
  }
  if (f.decimals !== undefined) {
    const d = f.decimals;
    steps.push((v) => { const n = toNumber(v); return n === undefined ? new FormatFailure("not a number") : roundTo(n, d); });
  }
  if (f.money) {
    const { decimals, symbol } = f.money;
    steps.push((v) => formatMoney(v, decimals, symbol) ?? new FormatFailure("not a money amount"));
  }
  if (f.zip5) steps.push((v) => formatZip5(v) ?? new FormatFailure("not a ZIP code"));
  if (f.maxLength !== undefined) {
    const max = f.maxLength;
    steps.push((v) => (typeof v === "string" ? truncate(v, max) : v));
  }
  if (steps.length === 1) return steps[0] as (v: unknown) => unknown;
  return (v) => {
    let cur = v;
    for (const step of steps) {
      cur = step(cur);
      if (cur instanceof FormatFailure) return cur;
    }
    return cur;
  };
}
