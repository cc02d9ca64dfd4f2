import { type MetadataJson, parsePhoneNumberFromString } from "libphonenumber-js/core";
import { z } from "zod";
import { toBoolean } from "../core/values";
import nanp from "./phone-metadata.nanp.json";

export { normalizeState } from "./states";

/**
 * Phone metadata for what intake accepts: the NANP countries (+1) of libphonenumber-js's "max"
 * metadata (src/cli/phone-metadata.mjs), a tenth of the whole. A number of another country
 * does not parse with it, and was refused before as well.
 */
const metadata = nanp as unknown as MetadataJson;

/**
 * A phone in any common US writing → E.164, 10-digit national and the country the number
 * belongs to (ISO 3166 alpha-2, from its area code: `+1 242…` is BS, not US, although both
 * dial +1); undefined if not a valid North American number. Which countries intake accepts is
 * the caller's policy (`ACCEPTED_PHONE_COUNTRIES`).
 */
export function normalizePhone(input: string | number): { e164: string; national: string; country: string | undefined } | undefined {
  const s = String(input).trim();
  if (!/\d/.test(s) || s.length > 32) return undefined;
  const parsed = parsePhoneNumberFromString(s, "US", metadata);
  if (!parsed?.isValid()) return undefined;
  // Leads are North American consumers: a number outside the +1 plan is refused outright.
  if (parsed.countryCallingCode !== "1") return undefined;
  return { e164: parsed.number, national: parsed.nationalNumber, country: parsed.country };
}

const emailSchema = z.email();

/** Trimmed and lower-cased; undefined when it is not an address. */
export function normalizeEmail(input: string): string | undefined {
  const s = input.trim().toLowerCase();
  return emailSchema.safeParse(s).success ? s : undefined;
}

/** "75201", "75201-1234", "75201 1234", "752011234" → {zip, zip4?}; a 4-digit ZIP is refused. */
export function normalizeZip(input: string | number): { zip: string; zip4?: string } | undefined {
  const s = String(input).trim();
  const m = /^(\d{5})(?:[-\s]?(\d{4}))?$/.exec(s);
  if (!m || m[1] === undefined) return undefined;
  return m[2] === undefined ? { zip: m[1] } : { zip: m[1], zip4: m[2] };
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/**
 * A calendar date in the common US writings → ISO `YYYY-MM-DD`:
 * `1989-07-20`, `07/20/1989`, `7/20/1989`, `07-20-1989`, `19890720`, `1989-07-20T00:00:00Z`.
 */
export function normalizeDate(input: string): string | undefined {
  const s = input.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(s))) {
    [m, d, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    return undefined;
  }
  if (y < 1900 || y > 2100 || !isRealDate(y, m, d)) return undefined;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * A date written the US way in free text (`3/15/2026`, `03-15-2026`, `3/15/26`) → its ISO
 * `YYYY-MM-DD`, `{ error }` when it has that shape but is no real date (or a 2-digit year,
 * whose century is a guess), undefined when the text is not written like a date at all.
 * Buyer date formats read ISO only, so an untyped custom field written this way would
 * otherwise be dropped from the buyer's request.
 */
export function usWrittenDate(input: string): { iso: string } | { error: string } | undefined {
  const s = input.trim();
  const m = /^(\d{1,2})([/-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(s);
  if (!m) return undefined;
  if ((m[4] ?? "").length === 2) return { error: "looks like a date with a 2-digit year: write the year with 4 digits (MM/DD/YYYY)" };
  const iso = normalizeDate(s);
  return iso ? { iso } : { error: "looks like a date (MM/DD/YYYY) but is not a real calendar date" };
}

/** An instant (ISO 8601 with zone, or epoch seconds/ms) → ISO string in UTC. */
export function normalizeInstant(input: string | number): string | undefined {
  if (typeof input === "number") {
    const ms = input < 1e12 ? input * 1000 : input;
    return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
  }
  const s = input.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** 1/0, "yes"/"no", "Y"/"N", true/false in any case → boolean; undefined otherwise ("on", "t" included: the same reading buyer mappings use). */
export const normalizeBoolean: (input: unknown) => boolean | undefined = toBoolean;

/** "$312,500.00", "250,000", 250000 → number; undefined when not an amount. */
export function normalizeMoney(input: unknown): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== "string") return undefined;
  const s = input
    .trim()
    .replace(/^\$\s*/, "")
    .replace(/,(?=\d{3}(\D|$))/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * A money amount or a range of them ("100-150", "$100 - $150"): a range becomes its midpoint,
 * which is what bucketed buyer fields expect when the source only had a bracket.
 */
export function normalizeMoneyOrRange(input: unknown): number | undefined {
  const single = normalizeMoney(input);
  if (single !== undefined) return single;
  if (typeof input !== "string") return undefined;
  const parts = input.split(/\s*(?:-|–|to)\s*/);
  if (parts.length !== 2) return undefined;
  const lo = normalizeMoney(parts[0]);
  const hi = normalizeMoney(parts[1]);
  if (lo === undefined || hi === undefined || hi < lo) return undefined;
  return (lo + hi) / 2;
}

/** `https://cert.trustedform.com/<40 hex>` — TrustedForm's certificate host and id shape. */
export function normalizeTrustedFormUrl(input: string): string | undefined {
  const s = input.trim();
  const m = /^https:\/\/cert\.trustedform\.com\/([0-9a-fA-F]{40})$/.exec(s);
  return m?.[1] ? `https://cert.trustedform.com/${m[1].toLowerCase()}` : undefined;
}

/** A Jornaya LeadiD token: 8-4-4-4-12 hex, upper case. */
export function normalizeJornayaLeadId(input: string): string | undefined {
  const s = input.trim().toUpperCase();
  return /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/.test(s) ? s : undefined;
}
