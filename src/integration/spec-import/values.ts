/**
 * Proposing translation tables: which of the buyer's allowed values stands for each value the
 * lead can hold (`refinance` → `REFI`, `true` → `Own`, `TX` → `Texas`), and which allowed value
 * is the buyer's catch-all ("Other", "Unknown", "U").
 */
import type { Scalar } from "./types";

const norm = (v: Scalar): string =>
  String(v)
    .toLowerCase()
    .replace(/[^a-z0-9+]+/g, " ")
    .trim();

/** Words buyers use for each canonical lead value (normalized: lower case, words). */
const VALUE_WORDS: Record<string, string[]> = {
  // loan_purpose — cash-out before refinance, so "Cash-Out Refinance" is not read as a plain refinance
  cash_out: ["cash out", "cashout", "cash out refinance", "cash out refi", "co", "cash out refinancing"],
  heloc: ["heloc", "home equity", "home equity line of credit", "equity", "he", "home equity loan", "second mortgage"],
  purchase: ["purchase", "purch", "buy", "home purchase", "new purchase", "pur", "p", "purchase loan", "buying"],
  refinance: ["refinance", "refi", "rate term", "rate and term", "rate term refinance", "rate and term refinance", "refinancing", "r", "ref", "refi rate term"],
  // credit_rating
  excellent: ["excellent", "a", "720+", "740+", "720 +", "superb", "excellent 720+", "excellent 720"],
  good: ["good", "b", "680 719", "good 680 719", "680+"],
  fair: ["fair", "c", "average", "620 679", "fair 620 679", "640 679"],
  poor: ["poor", "d", "bad", "below 620", "poor below 620", "under 620", "poor 619 or below", "619 or below"],
  // roof_shade
  none: ["none", "no shade", "no", "sunny", "full sun", "no shading", "n"],
  partial: ["partial", "partial shade", "some", "some shade", "partially shaded", "partly shaded", "moderate", "p"],
  full: ["full", "full shade", "heavy", "lots", "a lot", "fully shaded", "heavy shade", "mostly shaded", "f"],
  // vertical
  auto_insurance: ["auto", "auto insurance", "car insurance", "autoins", "auto ins", "car", "vehicle insurance", "automobile"],
  mortgage: ["mortgage", "home loan", "mtg", "mortgages", "home loans"],
  solar: ["solar", "solar panels", "home solar"],
  legal: ["legal", "law", "legal services", "attorney", "lawyer"],
  // booleans (lead values "true" / "false")
  true: ["y", "yes", "true", "1", "t", "own", "owner", "owns", "insured", "on"],
  false: ["n", "no", "false", "0", "f", "rent", "renter", "rents", "uninsured", "not insured", "off"],
};

const CATCH_ALL = [
  "other",
  "unknown",
  "u",
  "not sure",
  "unsure",
  "n a",
  "na",
  "none of the above",
  "other unknown",
  "unk",
  "x",
  "unspecified",
  "not specified",
];

/** The buyer's catch-all value ("Other", "Unknown" …), if its list has one. */
export function catchAllOf(options: readonly Scalar[]): Scalar | undefined {
  return options.find((o) => CATCH_ALL.includes(norm(o)));
}

/**
 * The allowed value that stands for a canonical lead value, if one clearly does. One-letter
 * words ("A" for excellent credit, "P" for purchase) count only when the buyer's list is letters.
 */
function optionFor(canonical: string, options: readonly Scalar[], letters: boolean): Scalar | undefined {
  const words = [...(VALUE_WORDS[canonical] ?? []), norm(canonical)].filter((w) => letters || w.length > 1 || /^\d$/.test(w));
  const exact = options.find((o) => words.includes(norm(o)));
  if (exact !== undefined) return exact;
  // Multi-word labels: "Cash-Out Refinance" contains "cash out".
  return options.find((o) => {
    const n = ` ${norm(o)} `;
    return words.some((w) => w.length >= 4 && n.includes(` ${w} `));
  });
}

/** A proposed table from canonical values to the buyer's values, and what it could not place. */
export interface TableProposal {
  table: Record<string, Scalar>;
  missing: string[];
  catchAll?: Scalar;
}

/**
 * Proposes a translation table for a field whose lead values form a closed set (`values`), or
 * for a free-text field with typical values. Each of the buyer's values is used at most once
 * unless it is the catch-all.
 */
export function proposeTable(values: readonly string[], options: readonly Scalar[]): TableProposal {
  const catchAll = catchAllOf(options);
  const table: Record<string, Scalar> = {};
  const missing: string[] = [];
  const used = new Set<Scalar>();
  // Single letters (credit grades A–D) only when the buyer's list is letters.
  const letters = options.every((o) => /^[A-Za-z]$/.test(String(o)));
  for (const v of values) {
    const hit = optionFor(
      v,
      options.filter((o) => !used.has(o) && o !== catchAll),
      letters,
    );
    if (hit === undefined) missing.push(v);
    else {
      table[v] = hit;
      used.add(hit);
    }
  }
  return catchAll === undefined ? { table, missing } : { table, missing, catchAll };
}

/** USPS codes → state names (the states, DC and the inhabited territories). */
export const STATE_NAMES: Readonly<Record<string, string>> = {
  AL: "Alabama",
  AK: "Alaska",
  AZ: "Arizona",
  AR: "Arkansas",
  CA: "California",
  CO: "Colorado",
  CT: "Connecticut",
  DE: "Delaware",
  DC: "District of Columbia",
  FL: "Florida",
  GA: "Georgia",
  HI: "Hawaii",
  ID: "Idaho",
  IL: "Illinois",
  IN: "Indiana",
  IA: "Iowa",
  KS: "Kansas",
  KY: "Kentucky",
  LA: "Louisiana",
  ME: "Maine",
  MD: "Maryland",
  MA: "Massachusetts",
  MI: "Michigan",
  MN: "Minnesota",
  MS: "Mississippi",
  MO: "Missouri",
  MT: "Montana",
  NE: "Nebraska",
  NV: "Nevada",
  NH: "New Hampshire",
  NJ: "New Jersey",
  NM: "New Mexico",
  NY: "New York",
  NC: "North Carolina",
  ND: "North Dakota",
  OH: "Ohio",
  OK: "Oklahoma",
  OR: "Oregon",
  PA: "Pennsylvania",
  RI: "Rhode Island",
  SC: "South Carolina",
  SD: "South Dakota",
  TN: "Tennessee",
  TX: "Texas",
  UT: "Utah",
  VT: "Vermont",
  VA: "Virginia",
  WA: "Washington",
  WV: "West Virginia",
  WI: "Wisconsin",
  WY: "Wyoming",
  PR: "Puerto Rico",
  GU: "Guam",
  VI: "U.S. Virgin Islands",
  AS: "American Samoa",
  MP: "Northern Mariana Islands",
};

/** True when the values read as state names ("Texas", "NEW YORK"), not USPS codes. */
export function looksLikeStateNames(values: readonly Scalar[]): boolean {
  const names = new Set(Object.values(STATE_NAMES).map((n) => n.toLowerCase()));
  const hits = values.filter((v) => names.has(String(v).toLowerCase()));
  return hits.length > 0 && hits.length >= values.length / 2;
}

/** True when the values are USPS state codes. */
export function looksLikeStateCodes(values: readonly Scalar[]): boolean {
  return values.length > 0 && values.every((v) => typeof v === "string" && Object.hasOwn(STATE_NAMES, v.toUpperCase()) && v.length === 2);
}
