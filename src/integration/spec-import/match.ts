/**
 * Matching a buyer field to what the lead can supply, by its name in context (`Borrower.FirstName`,
 * `applicant.name.first`, `phones[0].number`) and its documented label (Salesforce custom fields
 * `00N…` are known only by theirs). A match is exact on a known name; anything weaker is only
 * offered as a candidate for a person to choose.
 */
import { compact, LEAD_SOURCES, type LeadSource } from "./catalog";

/** A buyer field as the matcher sees it. */
export interface FieldContext {
  /** Name segments from the payload root, without array indexes or the `@_` attribute prefix. */
  segments: string[];
  description?: string;
}

export interface Match {
  source: LeadSource;
  /** 1 = the field's own name; lower = found through its parent's name or its label. */
  score: number;
  /** The name that matched (for the report). */
  via: string;
}

/** Words that only say whose value it is: `applicantFirstName` is `FirstName`. */
const CONTAINER_WORDS = new Set([
  "applicant",
  "borrower",
  "customer",
  "contact",
  "consumer",
  "lead",
  "person",
  "primary",
  "client",
  "insured",
  "driver",
  "prospect",
  "user",
  "property",
  "subject",
  "personal",
  "info",
  "details",
  "data",
  "your",
  "the",
]);

/** `applicant_FirstName2` → `["applicant", "first", "name2"]`. */
export function tokens(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function singular(s: string): string {
  return s.length > 3 && s.endsWith("s") && !s.endsWith("ss") ? s.slice(0, -1) : s;
}

const NAME_INDEX: Map<string, LeadSource[]> = (() => {
  const m = new Map<string, LeadSource[]>();
  for (const s of LEAD_SOURCES)
    for (const n of s.names) {
      const k = compact(n);
      const list = m.get(k) ?? [];
      if (!list.includes(s)) list.push(s);
      m.set(k, list);
    }
  return m;
})();

/** Names a field can be known by, with how much each is worth. */
function keysOf(ctx: FieldContext): { key: string; score: number; via: string }[] {
  const segs = ctx.segments.filter((s) => s !== "#text" && s !== "item");
  const leaf = segs[segs.length - 1] ?? "";
  const parent = segs.length > 1 ? (segs[segs.length - 2] ?? "") : "";
  const keys: { key: string; score: number; via: string }[] = [];
  keys.push({ key: compact(leaf), score: 1, via: leaf });
  if (parent) {
    const p = singular(compact(parent));
    keys.push({ key: p + compact(leaf), score: 0.97, via: `${parent}.${leaf}` });
    keys.push({ key: compact(leaf) + p, score: 0.95, via: `${parent}.${leaf}` });
  }
  const stripped = tokens(leaf).filter((t) => !CONTAINER_WORDS.has(t));
  if (stripped.length) keys.push({ key: stripped.join(""), score: 0.93, via: leaf });
  if (ctx.description) {
    const d = ctx.description.replace(/\(.*?\)/g, " ");
    keys.push({ key: compact(d), score: 0.9, via: `label "${ctx.description}"` });
    const dt = tokens(d).filter((t) => !CONTAINER_WORDS.has(t));
    if (dt.length) keys.push({ key: dt.join(""), score: 0.88, via: `label "${ctx.description}"` });
  }
  return keys.filter((k) => k.key !== "");
}

/**
 * Exact matches for a buyer field, best first. Vertical-specific lead fields count only when the
 * buyer takes that vertical (`verticals` undefined: any). Jornaya's `LeadiD` and a plain
 * `lead_id` (our id as the buyer's reference) are told apart by how they are written.
 */
export function matchField(ctx: FieldContext, verticals?: readonly string[]): Match[] {
  const leaf = ctx.segments.filter((s) => s !== "#text" && s !== "item").pop() ?? "";
  const allowed = (s: LeadSource) => s.vertical === undefined || verticals === undefined || verticals.includes(s.vertical);
  const byLabel = (label: string) => LEAD_SOURCES.find((s) => s.label === label);
  if (/^(LeadiD|leadid|leadid_token)$/.test(leaf)) {
    const s = byLabel("lead.consent.jornaya_leadid");
    return s ? [{ source: s, score: 1, via: leaf }] : [];
  }
  if (/^lead[_-]?id$/i.test(leaf)) {
    const s = byLabel("lead.id");
    return s ? [{ source: s, score: 0.95, via: leaf }] : [];
  }
  const found = new Map<LeadSource, Match>();
  for (const k of keysOf(ctx)) {
    for (const s of NAME_INDEX.get(k.key) ?? []) {
      if (!allowed(s)) continue;
      const prev = found.get(s);
      if (!prev || prev.score < k.score) found.set(s, { source: s, score: k.score, via: k.via });
    }
  }
  return [...found.values()].sort((a, b) => b.score - a.score);
}

function bigrams(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length - 1; i++) out.push(s.slice(i, i + 2));
  return out;
}

/** Dice similarity of two compacted names (0–1). */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const x = bigrams(a);
  const y = bigrams(b);
  if (!x.length || !y.length) return 0;
  const pool = [...y];
  let hits = 0;
  for (const g of x) {
    const i = pool.indexOf(g);
    if (i >= 0) {
      hits++;
      pool.splice(i, 1);
    }
  }
  return (2 * hits) / (x.length + y.length);
}

/** The lead sources closest to a field no name matched exactly: candidates for a person to weigh. */
export function closestSources(ctx: FieldContext, verticals?: readonly string[], n = 3): { label: string; score: number }[] {
  const keys = keysOf(ctx).map((k) => k.key);
  const scored: { label: string; score: number }[] = [];
  for (const s of LEAD_SOURCES) {
    if (s.vertical !== undefined && verticals !== undefined && !verticals.includes(s.vertical)) continue;
    let best = 0;
    for (const name of s.names) for (const k of keys) best = Math.max(best, similarity(k, compact(name)));
    if (best >= 0.5) scored.push({ label: s.label, score: Math.round(best * 100) / 100 });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, n);
}
