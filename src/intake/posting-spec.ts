/**
 * Posting instructions (issue 13): what a source must send, per vertical, generated from the
 * intake's own zod schema and field rules and from the buyers that serve each vertical — the
 * fields (required by us, needed by buyers, optional), their formats and accepted values, an
 * example that intake itself accepts, the endpoints, the answers and error codes, and curl
 * lines. A source sees buyers only as counts; an operator sees them by id.
 */
import { z } from "zod";
import type { Distribution } from "../core/distribution";
import { ERROR_STATUS, type ErrorCode } from "../core/errors";
import type { SaleTerms } from "../core/sale-terms";
import { BOOLEAN_WRITINGS } from "../core/values";
import type { BuyerConfig } from "../integration/config";
import { distributionFor, getRoutingConfig } from "../integration/routing";
import type { IntakePolicy } from "./normalize";
import { PingInputSchema } from "./ping";
import { LeadInputSchema, VERTICALS } from "./schema";
import { type FieldAbout, verticalFieldSpecs } from "./vertical-fields";

/** One field a source may send. */
export interface FieldSpec {
  /** Dotted path in the posted JSON (`address.zip`, `fields.loan_amount`). */
  path: string;
  /** Intake refuses a lead without it (400 naming the field). */
  required: boolean;
  /** How many of the vertical's buyers need it (their mapping requires it, or a filter reads it): without it they pass the lead over. */
  neededBy: number;
  /** What the field is: JSON type(s) and how it is read. */
  type: string;
  format: string;
  maxLength?: number;
  /** Values the buyers take (their filters); absent when any value may sell. */
  accepted?: string[];
  example?: unknown;
  /** Sent in a ping too (a ping carries nothing that identifies the person). */
  inPing: boolean;
  /** Operators: the buyers that need it. */
  neededByBuyers?: string[];
}

export interface VerticalSpec {
  vertical: string;
  /** Buyers that can buy this vertical's leads from this source now. */
  buyers: number;
  fields: FieldSpec[];
  /** Where the buyers buy: states and ZIP prefixes (null: anywhere), the consumer's age. */
  accepted: { states: string[] | null; zipPrefixes: string[] | null; age: { min?: number; max?: number } | null };
  /** A complete lead that intake accepts as it is (consent time generated for today). */
  example: Record<string, unknown>;
  /** The same lead as a ping (nothing that identifies the person). */
  pingExample: Record<string, unknown>;
  curl: { direct: string; sync: string; ping?: string; post?: string };
  /** Operators only: the method and each buyer's needs. */
  distribution?: Distribution;
  buyerDetails?: { id: string; price: number; priority: number; needs: string[]; filters: string[] }[];
}

export interface EndpointSpec {
  name: string;
  method: "GET" | "POST";
  url: string;
  description: string;
  headers: Record<string, string>;
  answers: { status: number; meaning: string }[];
}

export interface PostingSpec {
  generatedAt: string;
  audience: "source" | "operator";
  source: { id: string; name: string } | null;
  authentication: string;
  rules: string[];
  endpoints: EndpointSpec[];
  errors: { status: number; code: string; meaning: string }[];
  verticals: VerticalSpec[];
}

/** The documented answers of an endpoint (from the OpenAPI document the routes generate). */
export type Answers = Record<"leads" | "ping" | "post", { status: number; meaning: string }[]>;

export interface PostingSpecInput {
  /** Scheme, host and port the source posts to (the request's origin). */
  origin: string;
  audience: "source" | "operator";
  source: { id: string; name: string; excludedBuyers: readonly string[]; saleTerms: SaleTerms } | null;
  buyers: readonly BuyerConfig[];
  env: { ROUTING_CONFIG?: string };
  policy: IntakePolicy;
  syncDeadlineMs: number;
  answers: Answers;
  nowMs: number;
}

/** What each error code means to a source. */
const ERROR_MEANING: Partial<Record<ErrorCode, string>> = {
  validation_failed: "A field is missing or invalid: error.issues names each field (path) and why. Fix every one and send again.",
  malformed_json: "The body is not JSON.",
  unsupported_media_type: "Content-Type is not application/json.",
  payload_too_large: "The body is over 64 KB.",
  unauthorized: "The API key is missing, unknown or revoked.",
  forbidden: "This key may not do this (ping/post without a payout rule set by your operator).",
  not_found: "No such lead or ping for this key.",
  conflict: "A duplicate refused by your terms, or a post that does not match its ping (the field is named), or a ping already used or expired.",
  unprocessable: "The Idempotency-Key was already used with a different body.",
  rate_limited: "Too many requests: wait as Retry-After says.",
  internal: "Our fault: send again later with the same Idempotency-Key, and quote the request id.",
  unavailable: "Temporarily unavailable: send again later with the same Idempotency-Key.",
};

/** How the top-level and nested fields are read (the normalizers' rules, in a source's words). */
const FORMATS: Record<string, { format: string; example?: unknown }> = {
  external_id: { format: "your own id for the lead; a repeat returns the original lead", example: "your-id-1001" },
  vertical: { format: `one of ${VERTICALS.join(", ")}` },
  first_name: { format: "text", example: "Jane" },
  last_name: { format: "text", example: "Doe" },
  email: { format: "an e-mail address (trimmed and lower-cased)", example: "jane.doe@example.com" },
  phone: { format: "a US phone in any writing: (214) 715-3718, 214-715-3718, 2147153718, +1 214 715 3718", example: "(214) 715-3718" },
  phone_secondary: { format: "a second phone, written like phone" },
  "address.street": { format: "text", example: "6220 Sunset Blvd" },
  "address.city": { format: "text", example: "Dallas" },
  "address.state": { format: "a US state: the 2-letter code or the name, any case (TX, texas)", example: "TX" },
  "address.zip": { format: "a 5-digit ZIP or ZIP+4 (75201, 75201-1234)", example: "75201" },
  dob: { format: "date of birth: YYYY-MM-DD, MM/DD/YYYY, M/D/YYYY, YYYYMMDD or ISO; the consumer is 18 or older", example: "1989-07-20" },
  homeowner: { format: BOOLEAN_WRITINGS, example: "yes" },
  ip_address: { format: "the consumer's IPv4 or IPv6 address", example: "203.0.113.7" },
  user_agent: { format: "the consumer's browser user agent" },
  "consent.trustedform_cert_url": {
    format: "a TrustedForm certificate URL: https://cert.trustedform.com/<40 hex characters>",
    example: "https://cert.trustedform.com/a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2",
  },
  "consent.jornaya_leadid": { format: "a Jornaya LeadiD (8-4-4-4-12 hexadecimal)", example: "1BA16215-8228-3D15-A9EC-0806705FCA16" },
  "consent.tcpa_text": { format: "the consent language the consumer agreed to", example: "By clicking Submit I agree to be contacted by phone and e-mail." },
  "consent.consented_at": { format: "when the consumer consented: ISO 8601 with a zone (2026-11-25T05:33:00Z)" },
  test: { format: `a test lead (${BOOLEAN_WRITINGS}): only buyers' sandboxes get it, never billed` },
};

/** Lead paths a buyer reads that come from another field the source sends. */
const SENT_AS: Record<string, string> = {
  phone_national: "phone",
  phone_secondary_national: "phone_secondary",
  "address.zip4": "address.zip",
};
/** Lead paths that are ours, not the source's. */
const OURS = new Set(["id", "source_id", "received_at"]);

/** Sample ZIPs of some states, so an example with a buyer's state has a plausible ZIP. */
const STATE_ZIPS: Record<string, string> = {
  TX: "75201",
  CA: "90012",
  FL: "33101",
  NY: "10001",
  AZ: "85001",
  IL: "60601",
  GA: "30303",
  NC: "27601",
  OH: "43215",
  PA: "19103",
  WA: "98101",
  CO: "80202",
  NV: "89101",
  NJ: "07102",
};
const STATE_CITIES: Record<string, string> = { TX: "Dallas", CA: "Los Angeles", FL: "Miami", NY: "New York", AZ: "Phoenix", IL: "Chicago" };

type Rule = NonNullable<BuyerConfig["filters"]["rules"]>[number];

function sourcePath(leadPath: string): string | undefined {
  const p = leadPath.replace(/^lead\./, "");
  if (OURS.has(p)) return undefined;
  return SENT_AS[p] ?? p;
}

/** The source paths a buyer needs, each with why. */
function needsOf(b: BuyerConfig): Map<string, string> {
  const out = new Map<string, string>();
  if ("fields" in b.mapping) {
    for (const f of b.mapping.fields) {
      if (!f.required || typeof f.from !== "string" || !f.from.startsWith("lead.")) continue;
      const p = sourcePath(f.from);
      if (p) out.set(p, "its mapping requires it");
    }
  }
  const f = b.filters;
  if (f.minAge !== undefined || f.maxAge !== undefined) out.set("dob", "its age filter reads it");
  if (f.requireTrustedForm) out.set("consent.trustedform_cert_url", "it requires a TrustedForm certificate");
  if (f.requireJornaya) out.set("consent.jornaya_leadid", "it requires a Jornaya LeadiD");
  for (const r of f.rules ?? []) {
    const p = sourcePath(r.field);
    if (p && r.op !== "neq" && r.op !== "nin") out.set(p, `its filter ${r.op} reads it`);
  }
  return out;
}

function ruleText(r: Rule): string {
  const v = r.value === undefined ? "" : ` ${JSON.stringify(r.value)}`;
  return `${r.field.replace(/^lead\./, "")} ${r.op}${v}`;
}

/** What a buyer's filter rules say about a field's values: the values it takes, or a bound. */
function ruleValues(rules: readonly Rule[], path: string): string[] | undefined {
  const mine = rules.filter((r) => sourcePath(r.field) === path);
  if (mine.length === 0) return undefined;
  const out: string[] = [];
  for (const r of mine) {
    if (r.op === "in" && Array.isArray(r.value)) out.push(...r.value.map(String));
    else if (r.op === "eq") out.push(String(r.value));
    else if (r.op === "gte") out.push(`≥ ${String(r.value)}`);
    else if (r.op === "gt") out.push(`> ${String(r.value)}`);
    else if (r.op === "lte") out.push(`≤ ${String(r.value)}`);
    else if (r.op === "lt") out.push(`< ${String(r.value)}`);
    else if (r.op === "regex") out.push(`matching /${String(r.value)}/`);
  }
  return out.length ? out : undefined;
}

/** A value a buyer's rules on `path` accept (for the example), if they say. */
function acceptableValue(rules: readonly Rule[], path: string): unknown {
  for (const r of rules) {
    if (sourcePath(r.field) !== path) continue;
    if (r.op === "in" && Array.isArray(r.value) && r.value.length) return r.value[0];
    if (r.op === "eq") return r.value;
    if ((r.op === "gte" || r.op === "lte") && typeof r.value === "number") return r.value;
    if (r.op === "gt" && typeof r.value === "number") return r.value + 1;
    if (r.op === "lt" && typeof r.value === "number") return r.value - 1;
  }
  return undefined;
}

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  maxLength?: number;
  enum?: unknown[];
};

function typeOf(s: JsonSchema): string {
  const types = new Set<string>();
  const walk = (x: JsonSchema) => {
    if (Array.isArray(x.type)) for (const t of x.type) types.add(t);
    else if (x.type) types.add(x.type);
    for (const a of x.anyOf ?? []) walk(a);
  };
  walk(s);
  types.delete("null");
  return [...types].join(" | ") || "any";
}

function maxLengthOf(s: JsonSchema): number | undefined {
  if (s.maxLength !== undefined) return s.maxLength;
  for (const a of s.anyOf ?? []) {
    const m = maxLengthOf(a);
    if (m !== undefined) return m;
  }
  return undefined;
}

/** The lead schema's fields, flattened (`address.zip`), with whether intake requires each. */
function schemaFields(): { path: string; required: boolean; schema: JsonSchema }[] {
  const root = z.toJSONSchema(LeadInputSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out: { path: string; required: boolean; schema: JsonSchema }[] = [];
  const walk = (s: JsonSchema, prefix: string, parentRequired: boolean) => {
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if (prefix === "" && k === "fields") continue;
      const path = prefix ? `${prefix}.${k}` : k;
      const required = parentRequired && (s.required ?? []).includes(k);
      if (v.properties) walk(v, path, required);
      else out.push({ path, required, schema: v });
    }
  };
  walk(root, "", true);
  return out;
}

const PING_KEYS = new Set(Object.keys(PingInputSchema.shape));

function inPing(path: string): boolean {
  const top = path.split(".")[0] ?? "";
  if (!PING_KEYS.has(top)) return false;
  return path !== "address.street";
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== "object") cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] ?? ""] = value;
}

/** A single-quoted shell word (a quote inside becomes '\'' ). */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

function mostCommon(values: string[]): string | undefined {
  const n = new Map<string, number>();
  for (const v of values) n.set(v, (n.get(v) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

function verticalSpec(input: PostingSpecInput, vertical: string, buyers: readonly BuyerConfig[], pingPost: boolean): VerticalSpec {
  const operator = input.audience === "operator";
  const typed = verticalFieldSpecs(vertical);
  const needs = new Map(buyers.map((b) => [b.id, needsOf(b)]));
  const allRules = buyers.flatMap((b) => b.filters.rules ?? []);
  const needed = (path: string) => buyers.filter((b) => needs.get(b.id)?.has(path)).map((b) => b.id);

  // Every field: the schema's, the vertical's typed ones, and any custom field a buyer needs.
  const fields: FieldSpec[] = [];
  for (const f of schemaFields()) {
    const about = FORMATS[f.path];
    const by = needed(f.path);
    const maxLength = maxLengthOf(f.schema);
    const accepted = ruleValues(allRules, f.path);
    fields.push({
      path: f.path,
      required: f.required,
      neededBy: by.length,
      type: typeOf(f.schema),
      format: about?.format ?? typeOf(f.schema),
      ...(maxLength !== undefined ? { maxLength } : {}),
      ...(accepted ? { accepted } : {}),
      ...(about?.example !== undefined ? { example: about.example } : {}),
      inPing: inPing(f.path),
      ...(operator ? { neededByBuyers: by } : {}),
    });
  }
  const custom = new Set<string>(Object.keys(typed).map((k) => `fields.${k}`));
  for (const b of buyers) for (const p of needs.get(b.id)?.keys() ?? []) if (p.startsWith("fields.")) custom.add(p);
  for (const path of [...custom].sort()) {
    const about: FieldAbout | undefined = typed[path.slice("fields.".length)];
    const by = needed(path);
    const accepted = ruleValues(allRules, path);
    fields.push({
      path,
      required: false,
      neededBy: by.length,
      type: about
        ? about.type === "integer" || about.type === "money"
          ? "number | string"
          : about.type === "boolean"
            ? "boolean | string"
            : "string"
        : "string | number | boolean",
      format: about?.format ?? "a custom field, sent to the buyers as written (a US date is stored as YYYY-MM-DD)",
      ...(about?.maxLength !== undefined ? { maxLength: about.maxLength } : {}),
      ...(accepted ? { accepted } : about?.values ? { accepted: [...new Set(Object.values(about.values))] } : {}),
      ...(about ? { example: about.example } : {}),
      inPing: true,
      ...(operator ? { neededByBuyers: by } : {}),
    });
  }

  // Where the buyers buy: a restriction holds only when every buyer has one.
  const everyRestricts = (get: (b: BuyerConfig) => readonly string[] | undefined) =>
    buyers.length > 0 && buyers.every((b) => get(b) !== undefined) ? [...new Set(buyers.flatMap((b) => get(b) ?? []))].sort() : null;
  const states = everyRestricts((b) => b.filters.states);
  const zipPrefixes = everyRestricts((b) => b.filters.zips);
  const mins = buyers.map((b) => b.filters.minAge).filter((x): x is number => x !== undefined);
  const maxs = buyers.map((b) => b.filters.maxAge).filter((x): x is number => x !== undefined);
  const age = mins.length || maxs.length ? { ...(mins.length ? { min: Math.min(...mins) } : {}), ...(maxs.length ? { max: Math.max(...maxs) } : {}) } : null;

  // The example: every field with its example, in a state and ZIP the buyers take, values their rules accept.
  const state = states ? (mostCommon(buyers.flatMap((b) => b.filters.states ?? [])) ?? "TX") : "TX";
  const zip = zipPrefixes?.[0] ? zipPrefixes[0].padEnd(5, "1") : (STATE_ZIPS[state] ?? "75201");
  const example: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.path === "vertical") example.vertical = vertical;
    else if (f.path === "consent.consented_at") setPath(example, f.path, new Date(input.nowMs - 60_000).toISOString());
    else if (f.path === "address.state") setPath(example, f.path, state);
    else if (f.path === "address.zip") setPath(example, f.path, zip);
    else if (f.path === "address.city") setPath(example, f.path, STATE_CITIES[state] ?? "Springfield");
    else if (f.path === "test" || f.path === "phone_secondary" || f.path === "user_agent") continue;
    else {
      const v = acceptableValue(allRules, f.path) ?? f.example ?? (f.path.startsWith("fields.") && f.neededBy > 0 ? "example" : undefined);
      if (v !== undefined) setPath(example, f.path, v);
    }
  }
  const pingExample: Record<string, unknown> = { vertical };
  const addr = example.address as Record<string, unknown> | undefined;
  pingExample.address = { state: addr?.state, zip: addr?.zip };
  if (example.homeowner !== undefined) pingExample.homeowner = example.homeowner;
  if (example.fields !== undefined) pingExample.fields = example.fields;

  const body = JSON.stringify(example);
  const auth = `-H "Authorization: Bearer $LEADWIRE_KEY" -H "Content-Type: application/json"`;
  const curl: VerticalSpec["curl"] = {
    direct: `curl -s ${input.origin}/v1/leads ${auth} -H "Idempotency-Key: ${String(example.external_id ?? "your-id-1001")}" -d ${shellQuote(body)}`,
    sync: `curl -s "${input.origin}/v1/leads?mode=sync" ${auth} -d ${shellQuote(body)}`,
    ...(pingPost
      ? {
          ping: `curl -s ${input.origin}/v1/ping ${auth} -d ${shellQuote(JSON.stringify(pingExample))}`,
          post: `curl -s ${input.origin}/v1/post ${auth} -d ${shellQuote(JSON.stringify({ ping_id: "png_…", lead: example }))}`,
        }
      : {}),
  };

  return {
    vertical,
    buyers: buyers.length,
    fields,
    accepted: { states, zipPrefixes, age },
    example,
    pingExample,
    curl,
    ...(operator
      ? {
          distribution: distributionFor(getRoutingConfig(input.env), vertical, input.source?.saleTerms.distribution).distribution,
          buyerDetails: buyers.map((b) => ({
            id: b.id,
            price: b.price,
            priority: b.priority,
            needs: [...(needs.get(b.id)?.entries() ?? [])].map(([p, why]) => `${p} (${why})`),
            filters: [
              ...(b.filters.states ? [`states ${b.filters.states.join(", ")}`] : []),
              ...(b.filters.excludeStates ? [`not in ${b.filters.excludeStates.join(", ")}`] : []),
              ...(b.filters.zips ? [`ZIPs ${b.filters.zips.join(", ")}`] : []),
              ...(b.filters.minAge !== undefined ? [`age ≥ ${b.filters.minAge}`] : []),
              ...(b.filters.maxAge !== undefined ? [`age ≤ ${b.filters.maxAge}`] : []),
              ...(b.filters.minSourceQuality !== undefined ? [`source quality ≥ ${b.filters.minSourceQuality}`] : []),
              ...(b.filters.rules ?? []).map(ruleText),
              ...(b.schedule
                ? [
                    `schedule ${b.schedule.days?.join(",") ?? "every day"} ${b.schedule.hours ? `${b.schedule.hours.start}–${b.schedule.hours.end}` : ""} ${b.schedule.timezone}`.trim(),
                  ]
                : []),
            ],
          })),
        }
      : {}),
  };
}

/** The posting spec for a source (or, for an operator, for every source), from the schemas and the buyers. */
export function buildPostingSpec(input: PostingSpecInput): PostingSpec {
  const excluded = new Set(input.source?.excludedBuyers ?? []);
  const live = input.buyers.filter((b) => b.status !== "sandbox" && !excluded.has(b.id));
  const terms = input.source?.saleTerms;
  // Without a source (an operator's general view) ping/post is shown as sources would use it.
  const pingPost = input.source === null || terms?.payout !== undefined;
  const maxAgeDays = Math.round(input.policy.consentMaxAgeMs / 86_400_000);
  const headers = { Authorization: "Bearer <your API key>", "Content-Type": "application/json" };
  const endpoints: EndpointSpec[] = [
    {
      name: "Direct post",
      method: "POST",
      url: `${input.origin}/v1/leads`,
      description: "The full lead. Answered 202 at once; the lead is sold from our queue. Check it with GET /v1/leads/{id}.",
      headers: { ...headers, "Idempotency-Key": "<your id for this post, optional>" },
      answers: input.answers.leads,
    },
    {
      name: "Direct post, waiting for the outcome",
      method: "POST",
      url: `${input.origin}/v1/leads?mode=sync`,
      description: `The full lead; the answer says sold (with your payout when you have a payout rule) or unsold within ${Math.round(input.syncDeadlineMs / 1000)} s — or queued when a buyer needs longer.`,
      headers,
      answers: input.answers.leads,
    },
    {
      name: "Lead status",
      method: "GET",
      url: `${input.origin}/v1/leads/{id}`,
      description: "Your lead's status, its normalized data (personal data masked), your payout and its timeline.",
      headers: { Authorization: headers.Authorization },
      answers: [
        { status: 200, meaning: "The lead" },
        { status: 404, meaning: "No such lead for this key" },
      ],
    },
  ];
  if (pingPost) {
    endpoints.push(
      {
        name: "Ping",
        method: "POST",
        url: `${input.origin}/v1/ping`,
        description:
          "The lead without name, e-mail, phones, street, date of birth, IP address or browser. Answers the price offered to you, a ping_id and an expiry (or no bid).",
        headers,
        answers: input.answers.ping,
      },
      {
        name: "Post",
        method: "POST",
        url: `${input.origin}/v1/post`,
        description: '{"ping_id": …, "lead": {the full lead}} before the ping expires; the lead must repeat what was pinged (409 names the field otherwise).',
        headers,
        answers: input.answers.post,
      },
    );
  }
  const rules = [
    "Every request carries Authorization: Bearer <your API key>; bodies are JSON (Content-Type: application/json), at most 64 KB.",
    "Send each lead once. A repeat with the same Idempotency-Key header or external_id returns the original lead (200, duplicate: true); the same Idempotency-Key with a different body is refused (422).",
    `consent.consented_at must be at most ${maxAgeDays} days old and not in the future.`,
    `Phone numbers must belong to ${input.policy.acceptedPhoneCountries.join(", ")}.`,
    "Text fields may not hold control characters (tabs and line breaks only in consent.tcpa_text, legal descriptions and custom fields); surrounding spaces are trimmed.",
    'A lead with "test": true goes only to buyers\' sandboxes and is never billed.',
    ...(terms?.rejectDuplicatesDays !== undefined
      ? [`A lead whose phone or e-mail was already received (from any source) within ${terms.rejectDuplicatesDays} days is refused with 409.`]
      : []),
    ...(input.source && !pingPost ? ["Ping/post is not enabled for this source: ask your operator to set a payout rule."] : []),
  ];
  const errors = (Object.keys(ERROR_MEANING) as ErrorCode[]).map((code) => ({ status: ERROR_STATUS[code], code, meaning: ERROR_MEANING[code] ?? "" }));
  const verticals = VERTICALS.map((v) =>
    verticalSpec(
      input,
      v,
      live.filter((b) => b.verticals.includes(v)),
      pingPost,
    ),
  );
  return {
    generatedAt: new Date(input.nowMs).toISOString(),
    audience: input.audience,
    source: input.source ? { id: input.source.id, name: input.source.name } : null,
    authentication: "Authorization: Bearer <your API key>",
    rules,
    endpoints,
    errors,
    verticals,
  };
}
