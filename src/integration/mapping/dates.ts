import { civilFromDays, digitsAt } from "../../core/values";
import type { Formatter } from "./formatters";

/**
 * Dates for buyer formats: reading the lead's ISO dates and instants (fast paths for the
 * canonical forms), time zones with a cached offset per quarter hour, and patterns such as
 * `MM/DD/YYYY` or `YYYY-MM-DD[T]HH:mm:ss` compiled once per field rule.
 */

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
let lastZone = "";
let lastBucket = Number.NaN;
let lastOffset = 0;

/**
 * The zone's UTC offset at `ms`. Intl is slow (µs per call), so offsets are cached per zone and
 * quarter hour: every zone's offset changes only on quarter-hour UTC boundaries.
 */
function tzOffsetMs(ms: number, tz: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR);
  // Leads in a burst share a zone and quarter hour (received_at): the last answer first.
  if (bucket === lastBucket && tz === lastZone) return lastOffset;
  let zone = tzOffsets.get(tz);
  const hit = zone?.get(bucket);
  if (hit !== undefined) {
    lastZone = tz;
    lastBucket = bucket;
    lastOffset = hit;
    return hit;
  }
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
  lastZone = tz;
  lastBucket = bucket;
  lastOffset = offset;
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
  const ymd = civilFromDays(days);
  // Month and day are the positive remainder under the year (years before 0 included).
  const y = Math.floor(ymd / 10_000);
  const md = ymd - y * 10_000;
  return { y, mo: Math.floor(md / 100), d: md % 100, h, mi, s, ms: rest - s * 1000 };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, mo: number): number {
  return mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
}

/** Whether `v` starts with `YYYY-MM-DD` (digits and dashes; ranges are checked by the callers). */
function startsWithIsoDate(v: string): boolean {
  return v.length >= 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45 && digitsAt(v, 0, 4) >= 0 && digitsAt(v, 5, 2) >= 0 && digitsAt(v, 8, 2) >= 0;
}

/** Two ASCII digits at `at` as a number, or -1 when either is not a digit (or past the end). */
function d2(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant), what Date.UTC does for years ≥ 100. */
function daysFromCivil(y: number, mo: number, d: number): number {
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * Epoch ms of the canonical instant shapes `YYYY-MM-DDTHH:mm:ssZ` and `YYYY-MM-DDTHH:mm:ss.sssZ`
 * with every field in range, by arithmetic (neither Date.parse nor Date.UTC: this runs per lead).
 * NaN for anything else, which then goes through Date.parse as before.
 */
function fastInstant(v: string): number {
  const n = v.length;
  if ((n !== 20 && n !== 24) || v.charCodeAt(n - 1) !== 90 /* Z */) return NaN;
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return NaN;
  let ms = 0;
  if (n === 24) {
    if (v.charCodeAt(19) !== 46) return NaN;
    const a = d2(v, 20);
    const c = v.charCodeAt(22) - 48;
    if (a < 0 || c < 0 || c > 9) return NaN;
    ms = a * 10 + c;
  }
  const y1 = d2(v, 0),
    y2 = d2(v, 2),
    mo = d2(v, 5),
    d = d2(v, 8);
  const h = d2(v, 11),
    mi = d2(v, 14),
    s = d2(v, 17);
  const y = y1 * 100 + y2;
  // Years below 100 would be read as 19xx by Date.UTC; leave those to Date.parse.
  if (y1 < 0 || y2 < 0 || y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return NaN;
  return daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/**
 * A date-only `YYYY-MM-DD` (exactly ten characters) as `y * 10_000 + mo * 100 + d`; -1 when `v`
 * has that shape but no such day, -2 when it does not have that shape.
 */
function dateOnly(v: string): number {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return -2;
  const y1 = d2(v, 0),
    y2 = d2(v, 2),
    mo = d2(v, 5),
    d = d2(v, 8);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0) return -2;
  const y = y1 * 100 + y2;
  // Date.UTC reads years 0–99 as 1900–1999: validate the day against the year it used.
  const year = y <= 99 ? 1900 + y : y;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(year, mo)) return -1;
  return y * 10_000 + mo * 100 + d;
}

/** Epoch ms of a date-only value from `dateOnly` (years 0–99 are 1900–1999, as Date.UTC reads them). */
function dateOnlyEpoch(ymd: number): number {
  const y = Math.floor(ymd / 10_000);
  return daysFromCivil(y <= 99 ? 1900 + y : y, Math.floor(ymd / 100) % 100, ymd % 100) * DAY_MS;
}

/**
 * Epoch ms of an ISO date-time string (`YYYY-MM-DDT…`), or NaN. A date-time without a zone is
 * read as UTC, as the Workers runtime does: Date.parse would read it in the host's zone, so
 * the CLI preview on a laptop would differ from the Worker.
 */
function instantOf(v: string): number {
  if (v.length < 11 || v.charCodeAt(10) !== 84 /* T */ || !startsWithIsoDate(v)) return NaN;
  const t = fastInstant(v);
  if (!Number.isNaN(t)) return t;
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`);
}

/**
 * Epoch ms of a date-only ISO string, an ISO instant, or epoch seconds/ms; NaN when `v` is
 * none of these. The calendar parts are not worked out (`partsOf` does that).
 */
function epochOf(v: unknown): number {
  if (typeof v === "string") {
    const ymd = dateOnly(v);
    if (ymd >= 0) return dateOnlyEpoch(ymd);
    return ymd === -1 ? NaN : instantOf(v);
  }
  if (typeof v === "number" && Number.isFinite(v)) return v < 1e12 ? v * 1000 : v;
  return NaN;
}

/**
 * Calendar and clock parts of a date-only ISO string (no zone shift: a birth date is a calendar
 * date), an ISO instant, or epoch seconds/ms, in zone `tz`; undefined when `v` is not a date.
 */
function partsOf(v: unknown, tz: string | undefined): DateParts | undefined {
  if (typeof v === "string") {
    const ymd = dateOnly(v);
    if (ymd >= 0) return { y: Math.floor(ymd / 10_000), mo: Math.floor(ymd / 100) % 100, d: ymd % 100, h: 0, mi: 0, s: 0, ms: 0 };
    if (ymd === -1) return undefined;
    const t = instantOf(v);
    return Number.isNaN(t) ? undefined : partsAt(t, tz);
  }
  if (typeof v === "number" && Number.isFinite(v)) return partsAt(v < 1e12 ? v * 1000 : v, tz);
  return undefined;
}

function partsAt(ms: number, tz: string | undefined): DateParts {
  return tz && tz !== "UTC" ? tzParts(ms, tz) : utcParts(ms);
}

// Two-digit fields come from a table: no number-to-string conversion per field.
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const p2 = (n: number): string => TWO_DIGITS[n] ?? (n < 10 ? `0${n}` : String(n));
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

/** The number a two-digit token writes (after `p2`); undefined for the other tokens. */
function twoDigitField(code: number, p: DateParts): number {
  switch (code) {
    case 2:
      return p.y % 100;
    case 3:
      return p.mo;
    case 5:
      return p.d;
    case 7:
      return p.h;
    case 9:
      return p.h % 12 === 0 ? 12 : p.h % 12;
    case 11:
      return p.mi;
    default:
      return p.s;
  }
}

const TWO_DIGIT_CODES = new Set([2, 3, 5, 7, 9, 11, 12]);

/**
 * One token with the literal text before it. A two-digit token carries a table of that text
 * followed by each of 00–99, so writing it is one lookup and one concatenation.
 */
interface Segment {
  prefix: string;
  code: number;
  table: readonly string[] | undefined;
}

/** Compiles a date pattern once into a parts → string function. */
export function compileDatePattern(pattern: string): PartFn {
  // Literal text (brackets unwrapped) gathered into the prefix of the token that follows it.
  const segments: Segment[] = [];
  let prefix = "";
  let last = 0;
  for (const m of pattern.matchAll(DATE_TOKEN)) {
    if (m.index > last) prefix += pattern.slice(last, m.index);
    const tok = m[0];
    last = m.index + tok.length;
    if (tok.startsWith("[")) {
      prefix += tok.slice(1, -1);
      continue;
    }
    const code = TOKEN_CODES[tok] as number;
    const lead = prefix;
    const table = TWO_DIGIT_CODES.has(code) ? Array.from({ length: 100 }, (_, i) => lead + p2(i)) : undefined;
    segments.push({ prefix, code, table });
    prefix = "";
  }
  const tail = prefix + pattern.slice(last);
  return (p) => {
    let out = "";
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as Segment;
      if (seg.table) {
        const n = twoDigitField(seg.code, p);
        out += seg.table[n] ?? seg.prefix + p2(n);
      } else out += seg.prefix + piece(seg.code, p);
    }
    return tail === "" ? out : out + tail;
  };
}

/** Compiles a date format (`MM/DD/YYYY`, `unix`, `unix_ms`, `iso`) for an optional time zone. */
export function compileDateFormat(pattern: string, tz?: string): Formatter {
  const epochFormat = pattern === "unix" || pattern === "unix_ms" || pattern === "iso";
  // An epoch needs no calendar parts, but with a zone they are still worked out first (and an
  // unknown zone throws from Intl, as it always did); without one, the epoch alone is read.
  if (epochFormat && tz && tz !== "UTC") {
    const withParts = (v: unknown): number => (partsOf(v, tz) === undefined ? NaN : epochOf(v));
    if (pattern === "unix") return (v) => orUndefined(Math.floor(withParts(v) / 1000));
    if (pattern === "unix_ms") return (v) => orUndefined(withParts(v));
    return (v) => isoOf(withParts(v));
  }
  if (pattern === "unix") return (v) => orUndefined(Math.floor(epochOf(v) / 1000));
  if (pattern === "unix_ms") return (v) => orUndefined(epochOf(v));
  if (pattern === "iso") return (v) => isoOf(epochOf(v));
  const fmt = compileDatePattern(pattern);
  return (v) => {
    const p = partsOf(v, tz);
    return p && fmt(p);
  };
}

const orUndefined = (n: number): number | undefined => (Number.isNaN(n) ? undefined : n);
const isoOf = (ms: number): string | undefined => (Number.isNaN(ms) ? undefined : new Date(ms).toISOString());

/** Formats a date with a pattern; undefined when the value is not a date. */
export function formatDate(v: unknown, pattern: string, tz?: string): unknown {
  return compileDateFormat(pattern, tz)(v);
}
