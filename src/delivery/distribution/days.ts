import { windowKeys } from "../../buyer-gate/time";

/** The local date (YYYY-MM-DD) of `ms` in `timeZone`: the day a buyer's figures are counted under. */
export function localDay(ms: number, timeZone: string): string {
  return windowKeys(ms, timeZone).day;
}

/** The date `n` days before `day` (calendar arithmetic on the date itself, so DST never shifts it). */
export function dayMinus(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
}

/** The first day of `day`'s month. */
export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}
