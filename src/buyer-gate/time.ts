/**
 * Calendar arithmetic in a buyer's time zone with nothing but Intl.DateTimeFormat: local
 * parts of an instant, the cap window keys (hour, day, week from Monday, calendar month), the
 * instant the current window ends, and schedule checks.
 */

export type CapWindow = "hour" | "day" | "week" | "month";
export const CAP_WINDOWS: readonly CapWindow[] = ["hour", "day", "week", "month"];

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Local time minus UTC, in minutes (e.g. -240 for EDT). */
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: a buyer config fault worth surfacing, not masking.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock parts of `ms` in `timeZone`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) out[p.type] = p.value;
  const year = Number(out.year);
  const month = Number(out.month);
  const day = Number(out.day);
  const hour = Number(out.hour) % 24;
  const minute = Number(out.minute);
  const second = Number(out.second);
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  return { year, month, day, hour, minute, weekday: WEEKDAYS[out.weekday ?? ""] ?? 1, offsetMinutes };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function ymd(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/**
 * The key of each cap window containing `ms`. The hour key carries the UTC offset so that the
 * hour repeated when DST ends (01:00–02:00 twice) counts as two hours, as a buyer would expect.
 */
export function windowKeys(ms: number, timeZone: string): Record<CapWindow, string> {
  const p = localParts(ms, timeZone);
  const day = ymd(p.year, p.month, p.day);
  const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - (p.weekday - 1)));
  return {
    hour: `${day}T${pad(p.hour)}${p.offsetMinutes >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(p.offsetMinutes) / 60))}${pad(Math.abs(p.offsetMinutes) % 60)}`,
    day,
    week: `W${ymd(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate())}`,
    month: `${pad(p.year, 4)}-${pad(p.month)}`,
  };
}

const SEARCH_MINUTES: Record<CapWindow, number> = { hour: 3 * 60, day: 27 * 60, week: 8 * 24 * 60, month: 33 * 24 * 60 };

/**
 * The first instant after `ms` that falls in the next `window` (e.g. local midnight for "day").
 * Binary search over whole minutes: every zone boundary is on a whole minute, and "the key
 * differs from now" is false then true, so the search is exact whatever the zone's offset.
 */
export function nextWindowStart(ms: number, timeZone: string, window: CapWindow): number {
  const key = windowKeys(ms, timeZone)[window];
  const base = Math.floor(ms / 60_000) * 60_000;
  let lo = 0;
  let hi = SEARCH_MINUTES[window];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (windowKeys(base + mid * 60_000, timeZone)[window] === key) lo = mid;
    else hi = mid;
  }
  return base + hi * 60_000;
}

export interface Schedule {
  timezone: string;
  days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[] | undefined;
  hours?: { start: string; end: string } | undefined;
}

const DAY_NAMES = ["", "mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
}

/**
 * Whether the buyer takes leads at `ms`. Hours with end before start span midnight
 * (22:00–06:00); the day named is the day the local clock shows.
 */
export function inSchedule(schedule: Schedule | undefined, ms: number): boolean {
  if (!schedule) return true;
  const p = localParts(ms, schedule.timezone);
  const dayName = DAY_NAMES[p.weekday];
  if (schedule.days && dayName && !schedule.days.includes(dayName)) return false;
  if (!schedule.hours) return true;
  const now = p.hour * 60 + p.minute;
  const start = minutesOf(schedule.hours.start);
  const end = minutesOf(schedule.hours.end);
  if (start === end) return true;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** The UTC instant of a local wall-clock time (the later reading when DST makes it ambiguous or skips it). */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - localParts(guess, timeZone).offsetMinutes * 60_000;
  const second = guess - localParts(first, timeZone).offsetMinutes * 60_000;
  return second;
}

/**
 * The next instant the schedule opens (undefined when it never opens within 8 days). A
 * schedule opens either at its start time or at the midnight that begins an allowed day, so
 * only those instants are candidates: exact to the minute, also for a window of one minute.
 */
export function nextScheduleOpen(schedule: Schedule, ms: number): number | undefined {
  const p = localParts(ms, schedule.timezone);
  const start = schedule.hours ? minutesOf(schedule.hours.start) : 0;
  let best: number | undefined;
  for (let i = 0; i <= 8; i++) {
    const d = new Date(Date.UTC(p.year, p.month - 1, p.day + i));
    const [y, m, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    for (const minutes of [0, start]) {
      const t = zonedToUtc(y, m, dd, Math.floor(minutes / 60), minutes % 60, schedule.timezone);
      if (t > ms && (best === undefined || t < best) && inSchedule(schedule, t)) best = t;
    }
    if (best !== undefined) return best;
  }
  return best;
}
