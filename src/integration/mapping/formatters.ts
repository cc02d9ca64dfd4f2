import type { FieldFormat } from "./schema";

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
  const a = d.slice(0, 3),
    b = d.slice(3, 6),
    c = d.slice(6);
  switch (style) {
    case "digits10":
      return d;
    case "digits11":
      return `1${d}`;
    case "e164":
      return `+1${d}`;
    case "dashed":
      return `${a}-${b}-${c}`;
    case "dotted":
      return `${a}.${b}.${c}`;
    case "parens":
      return `(${a}) ${b}-${c}`;
    default:
      return undefined;
  }
}

interface DateParts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}

const tzFormatters = new Map<string, Intl.DateTimeFormat>();
// Per zone: quarter-hour bucket → UTC offset (ms). Keyed by number, so a lookup builds no string.
const tzOffsets = new Map<string, Map<number, number>>();
let tzOffsetCount = 0;
const QUARTER_HOUR = 15 * 60_000;

/**
 * The zone's UTC offset at `ms`. Intl is slow (µs per call), so offsets are cached per zone and
 * quarter hour: every zone's offset changes only on quarter-hour UTC boundaries.
 */
function tzOffsetMs(ms: number, tz: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR);
  let zone = tzOffsets.get(tz);
  const hit = zone?.get(bucket);
  if (hit !== undefined) return hit;
  let f = tzFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    tzFormatters.set(tz, f);
  }
  const at = bucket * QUARTER_HOUR;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const local = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  const offset = local - at;
  if (tzOffsetCount > 50_000) {
    tzOffsets.clear();
    tzOffsetCount = 0;
    zone = undefined;
  }
  if (!zone) {
    zone = new Map();
    tzOffsets.set(tz, zone);
  }
  zone.set(bucket, offset);
  tzOffsetCount++;
  return offset;
}

function tzParts(ms: number, tz: string): DateParts {
  return utcParts(ms + tzOffsetMs(ms, tz));
}

const DAY_MS = 86_400_000;

/**
 * Calendar and clock fields of an epoch-ms instant in UTC. Integer instants in Date's range use
 * civil-from-days arithmetic (H. Hinnant), which gives what the Date getters give without
 * allocating a Date; anything else goes through Date itself.
 */
function utcParts(ms: number): DateParts {
  if (!Number.isInteger(ms) || ms > 8.64e15 || ms < -8.64e15) {
    const x = new Date(ms);
    return {
      y: x.getUTCFullYear(),
      mo: x.getUTCMonth() + 1,
      d: x.getUTCDate(),
      h: x.getUTCHours(),
      mi: x.getUTCMinutes(),
      s: x.getUTCSeconds(),
      ms: x.getUTCMilliseconds(),
    };
  }
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mo = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (mo <= 2 ? 1 : 0);
  return { y, mo, d, h, mi, s, ms: rest - s * 1000 };
}

/** The number written by `len` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, mo: number): number {
  return mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
}

/** Whether `v` starts with `YYYY-MM-DD` (digits and dashes; ranges are checked by the callers). */
function startsWithIsoDate(v: string): boolean {
  return v.length >= 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45 && digitsAt(v, 0, 4) >= 0 && digitsAt(v, 5, 2) >= 0 && digitsAt(v, 8, 2) >= 0;
}

/**
 * Epoch ms of the canonical instant shapes `YYYY-MM-DDTHH:mm:ssZ` and `YYYY-MM-DDTHH:mm:ss.sssZ`
 * with every field in range, without Date.parse (the common case on normalized leads).
 * NaN for anything else, which then goes through Date.parse as before.
 */
function fastInstant(v: string): number {
  const n = v.length;
  if ((n !== 20 && n !== 24) || v.charCodeAt(n - 1) !== 90 /* Z */) return NaN;
  if (v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return NaN;
  let ms = 0;
  if (n === 24) {
    if (v.charCodeAt(19) !== 46) return NaN;
    ms = digitsAt(v, 20, 3);
    if (ms < 0) return NaN;
  }
  if (!startsWithIsoDate(v)) return NaN;
  const y = digitsAt(v, 0, 4),
    mo = digitsAt(v, 5, 2),
    d = digitsAt(v, 8, 2);
  const h = digitsAt(v, 11, 2),
    mi = digitsAt(v, 14, 2),
    s = digitsAt(v, 17, 2);
  // Years below 100 would be read as 19xx by Date.UTC; leave those to Date.parse.
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * Reads a date-only ISO string (no zone shift: a birth date is a calendar date), an ISO
 * instant, or epoch seconds/ms. Returns the calendar/clock parts and the epoch ms.
 */
function readDate(v: unknown, tz: string | undefined): { parts: DateParts; epochMs: number } | undefined {
  if (typeof v === "string") {
    if (v.length === 10 && startsWithIsoDate(v)) {
      const y = digitsAt(v, 0, 4),
        mo = digitsAt(v, 5, 2),
        d = digitsAt(v, 8, 2);
      const epochMs = Date.UTC(y, mo - 1, d);
      // Date.UTC reads years 0–99 as 1900–1999: validate the day against the year it used.
      const year = y <= 99 ? 1900 + y : y;
      if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(year, mo)) return undefined;
      return { parts: { y, mo, d, h: 0, mi: 0, s: 0, ms: 0 }, epochMs };
    }
    if (v.length < 11 || v.charCodeAt(10) !== 84 /* T */ || !startsWithIsoDate(v)) return undefined;
    let t = fastInstant(v);
    // A date-time without a zone is read as UTC, as the Workers runtime does: Date.parse would
    // read it in the host's zone, so the CLI preview on a laptop would differ from the Worker.
    if (Number.isNaN(t)) t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`);
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
  return tz && tz !== "UTC" ? tzParts(ms, tz) : utcParts(ms);
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

// Token → small code, so formatting is one switch per piece instead of a closure call.
const TOKEN_CODES: Record<string, number> = { YYYY: 1, YY: 2, MM: 3, M: 4, DD: 5, D: 6, HH: 7, H: 8, hh: 9, h: 10, mm: 11, ss: 12, SSS: 13, A: 14 };

function piece(code: number, p: DateParts): string {
  switch (code) {
    case 1:
      return p.y >= 1000 && p.y <= 9999 ? String(p.y) : String(p.y).padStart(4, "0");
    case 3:
      return p2(p.mo);
    case 5:
      return p2(p.d);
    case 7:
      return p2(p.h);
    case 11:
      return p2(p.mi);
    case 12:
      return p2(p.s);
    default:
      return (TOKENS[CODE_TOKENS[code] as string] as PartFn)(p);
  }
}
const CODE_TOKENS: string[] = [];
for (const [t, c] of Object.entries(TOKEN_CODES)) CODE_TOKENS[c] = t;

/** Compiles a date pattern once into a parts → string function. */
export function compileDatePattern(pattern: string): PartFn {
  // Literal text as strings, tokens as codes.
  const pieces: (string | number)[] = [];
  let last = 0;
  for (const m of pattern.matchAll(DATE_TOKEN)) {
    if (m.index > last) pieces.push(pattern.slice(last, m.index));
    const tok = m[0];
    pieces.push(tok.startsWith("[") ? tok.slice(1, -1) : (TOKEN_CODES[tok] as number));
    last = m.index + tok.length;
  }
  if (last < pattern.length) pieces.push(pattern.slice(last));
  return (p) => {
    let out = "";
    for (let i = 0; i < pieces.length; i++) {
      const x = pieces[i] as string | number;
      out += typeof x === "string" ? x : piece(x, p);
    }
    return out;
  };
}

/** Compiles a date format (`MM/DD/YYYY`, `unix`, `unix_ms`, `iso`) for an optional time zone. */
export function compileDateFormat(pattern: string, tz?: string): Formatter {
  if (pattern === "unix")
    return (v) => {
      const r = readDate(v, tz);
      return r && Math.floor(r.epochMs / 1000);
    };
  if (pattern === "unix_ms") return (v) => readDate(v, tz)?.epochMs;
  if (pattern === "iso")
    return (v) => {
      const r = readDate(v, tz);
      return r && new Date(r.epochMs).toISOString();
    };
  const fmt = compileDatePattern(pattern);
  return (v) => {
    const r = readDate(v, tz);
    return r && fmt(r.parts);
  };
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
  yes_no: ["yes", "no"],
  "Yes/No": ["Yes", "No"],
  "YES/NO": ["YES", "NO"],
  y_n: ["y", "n"],
  "Y/N": ["Y", "N"],
  "1_0": [1, 0],
  string_1_0: ["1", "0"],
  true_false: [true, false],
  "True/False": ["True", "False"],
  "TRUE/FALSE": ["TRUE", "FALSE"],
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
  const m = /^(\d{5})/.exec(
    String(v)
      .trim()
      .padStart(typeof v === "number" ? 5 : 0, "0"),
  );
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
    steps.push((v) => (typeof v !== "string" ? v : c === "upper" ? v.toUpperCase() : c === "lower" ? v.toLowerCase() : titleCase(v)));
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
    steps.push((v) => {
      const n = toNumber(v);
      return n === undefined ? new FormatFailure("not a number") : roundTo(n, d);
    });
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
