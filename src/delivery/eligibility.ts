import type { NormalizedLead } from "../core/lead";
import { ageOn } from "../core/values";
import { decidesLater } from "../integration/channels";
import type { BuyerConfig } from "../integration/config";
import { getPath, parseLeadPath } from "../integration/path";

type Rule = NonNullable<BuyerConfig["filters"]["rules"]>[number];

function ruleMatches(rule: Rule, lead: NormalizedLead): boolean {
  const v = getPath(lead, parseLeadPath(rule.field));
  const want = rule.value;
  switch (rule.op) {
    case "exists":
      return v !== undefined && v !== null && v !== "";
    case "eq":
      return v === want;
    case "neq":
      return v !== want;
    case "in":
      return Array.isArray(want) && want.includes(v);
    case "nin":
      return !Array.isArray(want) || !want.includes(v);
    case "gt":
      return typeof v === "number" && typeof want === "number" && v > want;
    case "gte":
      return typeof v === "number" && typeof want === "number" && v >= want;
    case "lt":
      return typeof v === "number" && typeof want === "number" && v < want;
    case "lte":
      return typeof v === "number" && typeof want === "number" && v <= want;
    case "regex":
      return typeof v === "string" && typeof want === "string" && new RegExp(want).test(v);
  }
}

/** Why a buyer does not take this lead, or undefined when its filters accept it. */
export function filterReason(buyer: BuyerConfig, lead: NormalizedLead, nowMs: number, sourceQuality?: number): string | undefined {
  if (!buyer.verticals.includes(lead.vertical)) return `vertical ${lead.vertical} not bought`;
  const f = buyer.filters;
  if (f.states && !f.states.includes(lead.address.state)) return `state ${lead.address.state} not bought`;
  if (f.excludeStates?.includes(lead.address.state)) return `state ${lead.address.state} excluded`;
  if (f.zips && !f.zips.some((z) => lead.address.zip.startsWith(z))) return "ZIP not in the buyer's area";
  if (f.minAge !== undefined || f.maxAge !== undefined) {
    if (!lead.dob) return "date of birth required for the age filter";
    const age = ageOn(lead.dob, nowMs);
    if (f.minAge !== undefined && age < f.minAge) return `age below ${f.minAge}`;
    if (f.maxAge !== undefined && age > f.maxAge) return `age above ${f.maxAge}`;
  }
  if (f.requireTrustedForm && !lead.consent.trustedform_cert_url) return "TrustedForm certificate required";
  if (f.requireJornaya && !lead.consent.jornaya_leadid) return "Jornaya LeadiD required";
  if (f.minSourceQuality !== undefined && sourceQuality !== undefined && sourceQuality < f.minSourceQuality) {
    return `source quality ${sourceQuality} below ${f.minSourceQuality}`;
  }
  for (const rule of f.rules ?? []) {
    if (!ruleMatches(rule, lead)) return `filter ${rule.field} ${rule.op} failed`;
  }
  return undefined;
}

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const partsCache = new Map<string, Intl.DateTimeFormat>();

/** Local weekday and minutes since midnight in a time zone. */
export function localTime(nowMs: number, timeZone: string): { day: (typeof WEEKDAYS)[number]; minutes: number } {
  let fmt = partsCache.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    partsCache.set(timeZone, fmt);
  }
  let day: (typeof WEEKDAYS)[number] = "sun";
  let h = 0;
  let m = 0;
  for (const p of fmt.formatToParts(new Date(nowMs))) {
    if (p.type === "weekday") day = (p.value.toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number]) ?? "sun";
    if (p.type === "hour") h = Number(p.value);
    if (p.type === "minute") m = Number(p.value);
  }
  return { day, minutes: h * 60 + m };
}

/** Whether the buyer's schedule is open at `nowMs` (no schedule = always open). */
export function inSchedule(buyer: BuyerConfig, nowMs: number): boolean {
  const s = buyer.schedule;
  if (!s) return true;
  const { day, minutes } = localTime(nowMs, s.timezone);
  if (s.days && !s.days.includes(day)) return false;
  if (!s.hours) return true;
  const [sh, sm] = s.hours.start.split(":").map(Number) as [number, number];
  const [eh, em] = s.hours.end.split(":").map(Number) as [number, number];
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  // An overnight window (22:00–06:00) wraps midnight.
  return start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

export interface Candidate {
  buyer: BuyerConfig;
  /** Deliver to the buyer's sandbox endpoint (test leads). */
  sandbox: boolean;
}

/**
 * Why a buyer was passed over (issue 13), by kind: what the lead's reasons and timeline show.
 * `vertical` (the buyer does not buy the lead's vertical at all) is not a pass-over worth
 * showing; every other kind is.
 */
export type SkipCode =
  | "vertical"
  | "filter"
  | "schedule"
  | "paused"
  | "sandbox"
  | "sync_incompatible"
  | "source_excluded"
  | "duplicate"
  | "cap"
  | "revenue_cap"
  | "balance"
  | "circuit"
  | "in_flight"
  | "rate_limit"
  | "throttled"
  | "no_bid"
  | "unavailable";

export interface Skipped {
  buyerId: string;
  reason: string;
  code: SkipCode;
}

/**
 * The buyers that may get this lead now, best first (price, then priority, then id for a
 * stable order), and every other buyer with why it was passed over (`skipped`; `passedOver`
 * adds the kind of each). Called again after every failure so the ranking sees fresh state.
 * `exclude` leaves buyers out silently (already tried, deferred in this run); `excluded` leaves
 * them out with a reason (the source's exclusions).
 */
export function rankCandidates(
  buyers: Iterable<BuyerConfig>,
  lead: NormalizedLead,
  opts: {
    nowMs: number;
    exclude: ReadonlySet<string>;
    paused: ReadonlySet<string>;
    syncOnly?: boolean;
    sourceQuality?: number;
    excluded?: ReadonlyMap<string, { code: SkipCode; reason: string }>;
  },
): { candidates: Candidate[]; skipped: { buyerId: string; reason: string }[]; passedOver: Skipped[] } {
  const candidates: Candidate[] = [];
  const passedOver: Skipped[] = [];
  const skip = (buyerId: string, code: SkipCode, reason: string) => passedOver.push({ buyerId, reason, code });
  for (const buyer of buyers) {
    if (opts.exclude.has(buyer.id)) continue;
    const excluded = opts.excluded?.get(buyer.id);
    if (excluded && buyer.verticals.includes(lead.vertical)) {
      skip(buyer.id, excluded.code, excluded.reason);
      continue;
    }
    // A source waiting in sync mode needs a decision now; a buyer that decides later by callback cannot give one.
    // Issue 16: a batch or digest buyer decides later too (decidesLater).
    if (opts.syncOnly && decidesLater(buyer)) {
      if (buyer.verticals.includes(lead.vertical))
        skip(
          buyer.id,
          "sync_incompatible",
          buyer.endpoint.mode === "async"
            ? "decides later by callback: a source waiting in sync mode cannot wait for it"
            : "decides later (a batch job or digest): a source waiting in sync mode cannot wait for it",
        );
      continue;
    }
    if (opts.paused.has(buyer.id) || buyer.status === "paused") {
      skip(buyer.id, "paused", "buyer paused");
      continue;
    }
    // Test leads go only to sandbox endpoints; real leads never to a buyer in sandbox status.
    if (lead.test && !buyer.endpoint.sandboxUrl && buyer.status !== "sandbox") {
      if (buyer.verticals.includes(lead.vertical)) skip(buyer.id, "sandbox", "test lead: the buyer has no sandbox endpoint");
      continue;
    }
    if (!lead.test && buyer.status === "sandbox") {
      if (buyer.verticals.includes(lead.vertical)) skip(buyer.id, "sandbox", "buyer in sandbox: test leads only");
      continue;
    }
    const why = filterReason(buyer, lead, opts.nowMs, opts.sourceQuality);
    if (why) {
      skip(buyer.id, buyer.verticals.includes(lead.vertical) ? "filter" : "vertical", why);
      continue;
    }
    if (!inSchedule(buyer, opts.nowMs)) {
      skip(buyer.id, "schedule", "outside the buyer's schedule");
      continue;
    }
    candidates.push({ buyer, sandbox: lead.test });
  }
  candidates.sort((a, b) => b.buyer.price - a.buyer.price || b.buyer.priority - a.buyer.priority || a.buyer.id.localeCompare(b.buyer.id));
  return { candidates, skipped: passedOver.map(({ buyerId, reason }) => ({ buyerId, reason })), passedOver };
}
