/**
 * The inputs of the fast-path golden tests and the digests they are compared by. The golden
 * JSON files next to this were recorded once from the pre-optimisation implementation; any
 * change to these inputs (or to buyers/, the sample, helpers.lead) changes what is expected.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { NormalizedLead } from "../../../../src/core/lead";
import { normalizeLead } from "../../../../src/intake/normalize";
import { expandPreset } from "../../../../src/integration/adapters";
import type { BuyerConfig } from "../../../../src/integration/config";
import { BuyerConfigSchema } from "../../../../src/integration/config";
import { formComponent, formEncodePayload } from "../../../../src/integration/formats/form-encode";
import { compileDateFormat } from "../../../../src/integration/mapping/formatters";
import { compileBuyer } from "../../../../src/integration/mapping/request";
import { sampleText } from "../../../fixtures/sample";
import { buyer, lead, NOW } from "../helpers";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
export const goldenDir = fileURLToPath(new URL(".", import.meta.url));
export const env = { now: (): number => NOW };
export const secret = (n: string): string => `secret-${n}`;

/** SHA-256 (hex) over the items' JSON, one per line, in order. */
export function digest(items: readonly unknown[]): string {
  const h = createHash("sha256");
  for (const x of items) h.update(`${JSON.stringify(x) ?? "undefined"}\n`);
  return h.digest("hex");
}

/** Reads one golden JSON file. */
export function readGolden<T>(name: string): T {
  return JSON.parse(readFileSync(`${goldenDir}/${name}`, "utf8")) as T;
}

/** The raw config text of each demo buyer, by id (its digest tells a config change from a regression). */
export function demoBuyers(): { config: BuyerConfig; text: string }[] {
  return readdirSync(`${root}/buyers`)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .sort()
    .map((f) => {
      const text = readFileSync(`${root}/buyers/${f}`, "utf8");
      // CRM demo buyers name a preset: expanded as the registry does.
      return { config: BuyerConfigSchema.parse(expandPreset(JSON.parse(text))), text };
    });
}

/** Every valid lead of the shared sample, normalized at the fixed clock. */
export function sampleLeads(): NormalizedLead[] {
  const out: NormalizedLead[] = [];
  sampleText()
    .trim()
    .split("\n")
    .forEach((line, i) => {
      const row = JSON.parse(line) as { lead: unknown; valid: boolean };
      if (!row.valid) return;
      const r = normalizeLead(row.lead, { id: `lead_${i}`, sourceId: "src_sample", nowMs: NOW });
      if (r.ok) out.push(r.lead);
    });
  return out;
}

export const HOSTILE = [
  "<Script>alert(1)</Script>",
  "Smith & Sons",
  "O'Brien",
  "Nguyễn Văn Thành",
  "Zoë 😀 日本",
  "line1\nline2\r\nline3",
  'tab\tand "quotes" ~!*()\'',
  "a=1&b=2+3?#/%20",
  "ctl\u0001\u0000\u001f\uFFFE",
  "lone \uD83D surrogate \uDE00 x",
  "  padded  ",
  "€100 ½",
  "C:\\path\\to \\u0041 \u2028\u2029\u007f",
];

export const HOSTILE_VERTICALS = ["auto_insurance", "mortgage", "solar", "legal"];
const HOSTILE_BLOCK = HOSTILE.length + 3;

/** The hostile leads kept in full for a buyer: the block of its own (first listed) vertical. */
export function hostileFull(verticals: readonly string[]): number[] {
  const k = Math.max(0, HOSTILE_VERTICALS.indexOf(verticals[0] ?? ""));
  return Array.from({ length: HOSTILE_BLOCK }, (_, i) => k * HOSTILE_BLOCK + i);
}

/** Sample-shaped leads with hostile text in every text field, and optional fields emptied or dropped. */
export function hostileLeads(): NormalizedLead[] {
  const out: NormalizedLead[] = [];
  for (const vertical of HOSTILE_VERTICALS) {
    HOSTILE.forEach((h, i) => {
      out.push(
        lead(
          {
            id: `hostile_${vertical}_${i}`,
            first_name: h,
            last_name: `${h} Jr.`,
            email: `x${i}+${h}@example.com`,
            address: { street: `${i} ${h} St`, city: h, state: "CA", zip: "90210" },
            consent: {
              tcpa_text: `I agree. ${h}`,
              trustedform_cert_url: `https://cert.trustedform.com/${i}?q=${h}`,
              jornaya_leadid: h,
              consented_at: "2026-11-25T05:33:00.000Z",
            },
            fields: { roof_shade: h, monthly_electric_bill: "$1,250.50" },
          } as never,
          vertical,
        ),
      );
    });
    const bare = lead({ id: `bare_${vertical}` }, vertical) as unknown as Record<string, unknown>;
    for (const k of ["phone_secondary", "dob", "ip_address", "user_agent", "homeowner", "external_id"]) delete bare[k];
    bare.consent = {};
    out.push(bare as unknown as NormalizedLead);
    out.push(
      lead(
        { id: `empty_${vertical}`, first_name: "", last_name: "", email: "", dob: "", consent: { tcpa_text: "", trustedform_cert_url: "" } } as never,
        vertical,
      ),
    );
    out.push(
      lead(
        { id: `odd_dates_${vertical}`, dob: "2024-02-30", received_at: "0099-01-01T00:00:00Z", consent: { consented_at: "2026-11-25T05:33:60Z" } } as never,
        vertical,
      ),
    );
  }
  return out;
}

/** Nested paths, arrays with holes, attributes, #text, formats: one mapping for every wire format. */
export const NESTED_FIELDS = [
  { to: "id", from: "id" },
  { to: "@_kind", from: "vertical" },
  { to: "@_who", from: "first_name" },
  { to: "contact.name.first", from: "first_name" },
  { to: "contact.name.#text", from: "last_name" },
  { to: "contact.name.@_lang", value: "en" },
  { to: "contact.phones[1].number", from: "phone_secondary" },
  { to: "contact.phones[0].number", from: "phone", format: { phone: "dashed" } },
  { to: "contact.phones[0].@_type", value: "mobile" },
  { to: "contact.tags[2]", from: "first_name" },
  { to: "contact.tags[0]", from: "email" },
  { to: "money", from: "fields.monthly_electric_bill", format: { money: { decimals: 2 } } },
  { to: "flag", from: "homeowner" },
  { to: "n", from: "fields.count", type: "number" },
  { to: "consented", from: "consent.consented_at", format: { date: "MM/DD/YYYY hh:mm A", timezone: "America/Chicago" } },
];

export const FORMATS = [
  { type: "json" },
  { type: "xml", root: "Lead" },
  { type: "xml", root: "Lead", declaration: false, rootAttributes: { xmlns: "urn:x&y", v: "1" } },
  { type: "xml", root: "Lead", attributePrefix: "_" },
  { type: "form" },
  { type: "form", nesting: "bracket" },
  { type: "query", nesting: "bracket" },
  { type: "xml", root: "Lead", pretty: true },
  { type: "soap11", operation: "Post", namespace: "urn:p" },
  { type: "csv" },
];

/** Hostile leads, the first 200 sample leads, and two number edge cases. */
export function variants(sample: NormalizedLead[]): NormalizedLead[] {
  return hostileLeads().concat(sample.slice(0, 200), [
    lead({ phone_secondary: undefined, fields: { count: "12.5" } } as never),
    lead({ fields: { count: "x" } } as never),
  ]);
}

/** Mappings whose output shape a compiled writer cannot predict: they must take the general serializer. */
export const FALLBACK_SHAPES = [
  // A value that is an object (a whole lead sub-object) at run time.
  [
    { to: "a", from: "first_name" },
    { to: "addr", from: "address" },
    { to: "b.c", from: "consent" },
  ],
  // Interleaved siblings: key order depends on which rules produced a value.
  [
    { to: "x.a", from: "phone_secondary" },
    { to: "y", from: "first_name" },
    { to: "x.b", from: "last_name" },
  ],
  // Conflicting and duplicate paths.
  [
    { to: "a", from: "first_name" },
    { to: "a.b", from: "last_name" },
  ],
  [
    { to: "a", from: "phone_secondary" },
    { to: "b", from: "email" },
    { to: "a", from: "first_name" },
  ],
  // Keys JS orders or inherits specially.
  [
    { to: "z", from: "email" },
    { to: "7", from: "first_name" },
  ],
  [
    { to: "constructor.x", from: "email" },
    { to: "toString", from: "first_name" },
  ],
  [
    { to: "a[0]", from: "email" },
    { to: "a.b", from: "first_name" },
  ],
  [
    { to: "list[0][1]", from: "email" },
    { to: "list[0][0]", from: "first_name" },
  ],
];
export const FALLBACK_FORMATS = FORMATS.slice(0, 7);
export const FALLBACK_LEADS = 60;

/** What one render produced, in the form it is compared by (payload as its JSON text). */
export interface Outcome {
  body: string;
  payload?: string;
  warnings: unknown;
  issues: unknown;
}

/** A group of renders as recorded: digests over all of them, a chosen few in full. */
export interface GroupGolden {
  /** SHA-256 of the buyer config text the group was recorded with (demo buyers only). */
  config?: string;
  count: number;
  digests: { body: string; payload: string; warnings: string; issues: string };
  /** Digest of whole outcomes per block of BLOCK renders (large groups), to say where a mismatch is. */
  blocks?: string[];
  /** Chosen renders in full (payloads only by digest), so a failure shows a readable diff. */
  full: FullOutcome[];
}

export interface FullOutcome {
  index: number;
  lead: string;
  body: string;
  warnings: unknown;
  issues: unknown;
}

export const BLOCK = 100;

/** The renders kept in full: by index into the group's leads. */
export const FULL_SAMPLE = [0, 1, 2];
export const FULL_NESTED = [0, 1, 2, 5, 6, 8, 9, 12, 13, 14, 15];
export const FULL_FALLBACK = [0, 13, 14];

/** Summarizes a group of renders (recorded and compared the same way). */
export function summarize(items: { lead: string; outcome: Outcome }[], full: readonly number[]): GroupGolden {
  const o = items.map((x) => x.outcome);
  const g: GroupGolden = {
    count: items.length,
    digests: {
      body: digest(o.map((x) => x.body)),
      payload: digest(o.map((x) => x.payload)),
      warnings: digest(o.map((x) => x.warnings)),
      issues: digest(o.map((x) => x.issues)),
    },
    full: full
      .filter((i) => i < items.length)
      .map((i) => {
        const { lead: id, outcome } = items[i] as { lead: string; outcome: Outcome };
        return JSON.parse(JSON.stringify({ index: i, lead: id, body: outcome.body, warnings: outcome.warnings, issues: outcome.issues })) as FullOutcome;
      }),
  };
  if (o.length > BLOCK) {
    g.blocks = [];
    for (let i = 0; i < o.length; i += BLOCK) g.blocks.push(digest(o.slice(i, i + BLOCK)));
  }
  return g;
}

/** Form-encoding inputs: hostile text, every ASCII character, long and huge, broken surrogates. */
export const FORM_STRINGS = [
  ...HOSTILE,
  "",
  "plain",
  " ",
  "+",
  "%",
  "~*._-",
  Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join(""),
  `${"long ".repeat(500)}ü`,
  "x".repeat(5000),
  "é".repeat(2000),
  "\uD800",
  "\uDC00\uD800",
  "😀".repeat(40),
  "a\uD83D",
];

/** A nested payload around one string, encoded with both nestings. */
export function formPayload(s: string): Record<string, unknown> {
  return { a: s, nested: { b: [s, 1, true, null], c: s.slice(0, 40) }, "k y": s };
}

/** A payload larger than the encoder's buffer. */
export function bigFormPayload(): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, `${"ab cd/é".repeat(200)}${i}`]));
}

/** Stored in full when short, else as its digest. */
export type Text = { text: string } | { sha256: string; length: number };
export function textOf(s: string, max = 400): Text {
  return s.length <= max ? { text: s } : { sha256: digest([s]), length: s.length };
}

export const DATE_PATTERNS = [
  "YYYY-MM-DD HH:mm:ss",
  "MM/DD/YYYY",
  "MMDDYYYY",
  "M/D/YY h:mm A",
  "YYYY-MM-DDTHH:mm:ss.SSS",
  "unix",
  "unix_ms",
  "iso",
  "[Day] DD hh A",
];
export const DATE_ZONES = [undefined, "UTC", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"];
export const DATE_VALUES: unknown[] = [
  "2026-11-25T05:33:00.000Z",
  "2026-11-25T05:33:00Z",
  "2026-03-08T10:00:00.000Z",
  "2026-11-01T05:59:59.999Z",
  "2024-02-29T23:59:59Z",
  "2026-02-29T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-11-25T24:00:00Z",
  "2026-11-25T24:30:00Z",
  "2026-11-25T05:33:60Z",
  "2026-11-25T05:33:00+05:30",
  "2026-11-25T05:33",
  "2026-11-25T05:33:00.5Z",
  "0099-06-15T12:00:00Z",
  "0050-01-01",
  "1900-02-29",
  "2000-02-29",
  "2023-02-29",
  "1989-07-20",
  "2026-00-10",
  "2026-1-5",
  "20261125",
  "",
  "not a date",
  1764048780,
  1764048780123,
  1764048780.5,
  -86_400_001,
  0,
  -1,
  8.64e15,
  8.64e15 + 1,
  Number.NaN,
  null,
  true,
];

/** A formatter's outcome as JSON: null for undefined, the value, or `{ threw }` for an error. */
export function dateOutcome(f: (v: unknown) => unknown, v: unknown): unknown {
  let r: unknown;
  try {
    r = f(v) ?? null;
  } catch (e) {
    r = { threw: (e as Error).name };
  }
  return JSON.parse(JSON.stringify(r)) as unknown;
}

/** The key of one pattern × zone in dates.json. */
export const dateKey = (p: string, z: string | undefined): string => `${p} @ ${z ?? "(none)"}`;

/** 3000 instants across four centuries either side of 1970, from a fixed-seed LCG. */
export function randomInstants(): number[] {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: 3000 }, () => Math.floor((rnd() - 0.5) * 2 * 1.3e13));
}

export const RANDOM_NY = ["YYYY-MM-DD HH:mm:ss.SSS", "America/New_York"] as const;
export const RANDOM_UTC = "YYYY-MM-DDTHH:mm:ss.SSS";

/** The functions under test: the recorded goldens came from the pre-optimisation code. */
export interface Impl {
  outcome(b: BuyerConfig, l: NormalizedLead): Outcome;
  dateFormat(pattern: string, tz?: string): (v: unknown) => unknown;
  formComponent(s: string): string;
  formEncode(payload: Record<string, unknown>, nesting: "bracket" | "dot"): string;
}

/** The implementation in src/, as the tests run it. */
export const currentImpl: Impl = {
  outcome(b, l) {
    const r = compileBuyer(b).render(l, env, secret);
    // Template buyers have no payload; field-list payloads are compared as their JSON text.
    return "fields" in b.mapping
      ? { body: r.body, payload: JSON.stringify(r.payload), warnings: r.warnings, issues: r.issues }
      : { body: r.body, warnings: r.warnings, issues: r.issues };
  },
  dateFormat: compileDateFormat,
  formComponent,
  formEncode: formEncodePayload,
};

/** Pretty JSON that keeps short objects and arrays on one line (the golden files' layout). */
export function prettyJson(v: unknown, ind = ""): string {
  const flat = JSON.stringify(v);
  if (v === null || typeof v !== "object" || flat.length <= 100) return flat;
  const inner = `${ind} `;
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + prettyJson(x, inner)).join(",\n")}\n${ind}]`;
  const rows = Object.entries(v)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${inner}${JSON.stringify(k)}: ${prettyJson(x, inner)}`);
  return `{\n${rows.join(",\n")}\n${ind}}`;
}

const group = (impl: Impl, b: BuyerConfig, leads: NormalizedLead[], full: readonly number[]): GroupGolden =>
  summarize(
    leads.map((l) => ({ lead: l.id, outcome: impl.outcome(b, l) })),
    full,
  );

export interface SampleGolden {
  leads: number;
  buyers: Record<string, GroupGolden>;
}
/** Every valid sample lead through every demo buyer. */
export function recordSample(impl: Impl, sample: NormalizedLead[], buyers: ReturnType<typeof demoBuyers>): SampleGolden {
  return {
    leads: sample.length,
    buyers: Object.fromEntries(buyers.map(({ config, text }) => [config.id, { config: digest([text]), ...group(impl, config, sample, FULL_SAMPLE) }])),
  };
}

export interface HostileGolden {
  buyers: Record<string, GroupGolden>;
}
/** The hostile leads through every demo buyer. */
export function recordHostile(impl: Impl, buyers: ReturnType<typeof demoBuyers>): HostileGolden {
  const hostile = hostileLeads();
  return {
    buyers: Object.fromEntries(
      buyers.map(({ config, text }) => [config.id, { config: digest([text]), ...group(impl, config, hostile, hostileFull(config.verticals)) }]),
    ),
  };
}

export interface NestedGolden {
  formats: (GroupGolden & { format: unknown })[];
}
/** NESTED_FIELDS in every wire format over the variants. */
export function recordNested(impl: Impl, sample: NormalizedLead[]): NestedGolden {
  const v = variants(sample);
  return {
    formats: FORMATS.map((format) => ({
      format,
      ...group(impl, buyer({ format: format as never, mapping: { fields: NESTED_FIELDS } as never }), v, FULL_NESTED),
    })),
  };
}

export interface FallbackGolden {
  groups: (GroupGolden & { shape: number; format: unknown })[];
}
/** Every fallback shape in the first seven formats over the first variants. */
export function recordFallback(impl: Impl, sample: NormalizedLead[]): FallbackGolden {
  const v = variants(sample).slice(0, FALLBACK_LEADS);
  return {
    groups: FALLBACK_SHAPES.flatMap((fields, shape) =>
      FALLBACK_FORMATS.map((format) => ({ shape, format, ...group(impl, buyer({ format: format as never, mapping: { fields } as never }), v, FULL_FALLBACK) })),
    ),
  };
}

export interface FormGolden {
  strings: { component: Text; bracket: Text; dot: Text }[];
  big: Text;
}
/** Form encoding of FORM_STRINGS (alone and nested) and of a payload larger than the buffer. */
export function recordForm(impl: Impl): FormGolden {
  return {
    strings: FORM_STRINGS.map((s) => ({
      component: textOf(impl.formComponent(s)),
      bracket: textOf(impl.formEncode(formPayload(s), "bracket")),
      dot: textOf(impl.formEncode(formPayload(s), "dot")),
    })),
    big: textOf(impl.formEncode(bigFormPayload(), "dot")),
  };
}

export interface Series {
  count: number;
  sha256: string;
  first: unknown[];
}
export interface DatesGolden {
  values: Record<string, unknown[]>;
  random: Record<"ny" | "utcMs" | "utcIso", Series>;
}
/** Every pattern × zone × odd value, and the fixed-seed random instants. */
export function recordDates(impl: Impl): DatesGolden {
  const values: Record<string, unknown[]> = {};
  for (const p of DATE_PATTERNS)
    for (const z of DATE_ZONES) {
      const f = impl.dateFormat(p, z);
      values[dateKey(p, z)] = DATE_VALUES.map((v) => dateOutcome(f, v));
    }
  const ms = randomInstants();
  const ny = impl.dateFormat(...RANDOM_NY),
    utc = impl.dateFormat(RANDOM_UTC);
  const series = (f: (x: number) => unknown): Series => {
    const out = ms.map(f);
    return { count: out.length, sha256: digest(out), first: out.slice(0, 10) };
  };
  return {
    values,
    random: { ny: series((x) => ny(new Date(x).toISOString())), utcMs: series((x) => utc(x)), utcIso: series((x) => utc(new Date(x).toISOString())) },
  };
}
