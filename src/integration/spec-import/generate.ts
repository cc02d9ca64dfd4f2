/**
 * ImportedSpec → a buyer config: endpoint, format, auth (secret references only), response
 * rules, the `spec` block and a mapping matched from the normalized lead. What it cannot decide
 * is written as an `open` rule, which buyers:check reports until a person decides.
 */
import { expandPreset, PresetError } from "../adapters";
import { BuyerConfigSchema } from "../config";
import type { Compute, FieldFormat, Scalar as MappingScalar } from "../mapping/schema";
import type { SpecField } from "../spec-schema";
import { compact, type LeadSource, VERTICALS } from "./catalog";
import { secretNameFor, secretPrefix } from "./credentials";
import { type InferredRule, inferRule } from "./infer";
import { closestSources, type FieldContext, matchField } from "./match";
import { type InferredResponse, inferResponse } from "./responses";
import type { ImportedField, ImportedSpec, Scalar, SoapHeaderValue } from "./types";
import { SpecImportError } from "./types";

export interface GenerateOptions {
  /** The buyer id (file name). */
  id: string;
  name?: string;
  /** Verticals the buyer takes; inferred from the matched fields when omitted. */
  verticals?: string[];
  /** Overrides (or supplies) the endpoint URL. */
  url?: string;
}

/**
 * auto: matched to a lead field · default: a constant or default the spec itself gives (campaign
 * ids, form names …) · auth: a credential, sent through the auth scheme · open: a person must
 * decide · unmapped: optional and not matched, left out.
 */
export type FieldStatus = "auto" | "default" | "auth" | "open" | "unmapped";

/** What became of one buyer field. */
export interface FieldReport {
  to: string;
  required: boolean;
  status: FieldStatus;
  /** The lead source or constant used. */
  source?: string;
  /** For open fields: the closest lead fields, with a similarity score. */
  candidates?: { label: string; score: number }[];
  notes: string[];
}

/** Required buyer fields and how each was handled. */
export interface Coverage {
  required: number;
  auto: number;
  byDefault: number;
  viaAuth: number;
  open: number;
}

export interface GeneratedBuyer {
  /** The buyer file, as written to `buyers/<id>.json`. */
  config: Record<string, unknown>;
  fields: FieldReport[];
  coverage: Coverage;
  /** Secret names the config references, and what each is for. */
  secrets: { name: string; use: string }[];
  verticals: string[];
  /** Undefined when a CRM preset supplies the response rules. */
  response?: InferredResponse;
  preset?: string;
  notes: string[];
}

/** Generated rules in the key order a person reads them. */
interface Rule {
  to: string;
  from?: string;
  value?: MappingScalar;
  compute?: Compute;
  open?: string;
  required?: boolean;
  translate?: InferredRule["translate"];
  format?: FieldFormat;
  type?: "string" | "number" | "integer" | "boolean";
}

interface Slot {
  to: string;
  segments: string[];
  field: ImportedField;
  required: boolean;
}

interface PairList {
  to: string;
  field: ImportedField;
  required: boolean;
}

function walk(fields: ImportedField[], prefix: string, segs: string[], parentRequired: boolean, slots: Slot[], pairs: PairList[]): void {
  for (const f of fields) {
    const to = prefix ? `${prefix}.${f.name}` : f.name;
    const required = parentRequired && f.required;
    const here = [...segs, f.name];
    if (f.pairs) pairs.push({ to, field: f, required });
    else if (f.type === "object" && f.properties) walk(f.properties, to, here, required, slots, pairs);
    else if (f.type === "array" && f.items?.type === "object" && f.items.properties) walk(f.items.properties, `${to}[0]`, here, required, slots, pairs);
    else if (f.type === "array" && f.items) slots.push({ to: `${to}[0]`, segments: here, field: { ...f.items, name: f.name, required: f.required }, required });
    else slots.push({ to, segments: here, field: f, required });
  }
}

/** Names that carry the buyer's configuration, not lead data: campaign ids, form names, org ids. */
const CONFIG_NAME =
  /^(lp[a-z0-9]*|oid|orgid|organizationid|campaign[a-z0-9]*|[a-z]*campaignid|leadsource|source|src|channel|vendor(id|code|name)?|partner(id|code|name)?|affiliate(id|code)?|publisher(id|code)?|provider(id|code)?|apiversion|version|formid|formguid|formname|pagename|pageuri|pageurl|pagetitle|returl|returnurl|portalid|listid|offerid|product|productid|buyerid|clientid|accountid|siteid|sitename|type|kind|mode|responsetype|responseformat|debug|debugemail|brand|tier|leadtier|subaffiliate|s[1-5])$/;

/** Buyer fields a consumer lead has no value for, where one value is the usual answer. */
const USUAL: Record<string, { compute: Compute; note: string }> = {
  company: {
    compute: { fn: "full_name", args: ["first_name", "last_name"] },
    note: "consumer leads have no company; the person's name is the usual value (Salesforce Lead requires one)",
  },
  companyname: {
    compute: { fn: "full_name", args: ["first_name", "last_name"] },
    note: "consumer leads have no company; the person's name is the usual value",
  },
};

function typed(v: Scalar, type: ImportedField["type"]): MappingScalar {
  if (type === "string") return String(v);
  if ((type === "integer" || type === "number") && typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (type === "boolean" && typeof v === "string") return /^(true|1|yes|y)$/i.test(v);
  return v;
}

function candidatesText(c: { label: string; score: number }[]): string {
  return c.length ? `candidates: ${c.map((x) => `${x.label} (${x.score})`).join(", ")}` : "no lead field is close";
}

function ruleFromInferred(to: string, required: boolean, inf: InferredRule): Rule {
  const r: Rule = { to };
  if (inf.open) r.open = inf.open;
  else if ("from" in inf.source) r.from = inf.source.from;
  else r.compute = inf.source.compute;
  if (required) r.required = true;
  if (inf.translate) r.translate = inf.translate;
  if (inf.format) r.format = inf.format;
  if (inf.type) r.type = inf.type;
  return r;
}

function sourceLabel(inf: InferredRule, fallback: LeadSource): string {
  if ("compute" in inf.source) return `${inf.source.compute.fn}(${inf.source.compute.args.join(", ")})`;
  return fallback.label;
}

/** Verticals whose specific fields the spec asks for, most matches first (ties kept). */
function inferVerticals(contexts: FieldContext[]): string[] {
  const count = new Map<string, number>();
  for (const c of contexts) {
    const m = matchField(c)[0];
    const v = m && m.score >= 0.95 ? m.source.vertical : undefined;
    if (v) count.set(v, (count.get(v) ?? 0) + 1);
  }
  const max = Math.max(0, ...count.values());
  return max === 0 ? [] : VERTICALS.filter((v) => count.get(v) === max);
}

function specFieldOf(f: ImportedField, drop: Set<ImportedField>, dropEnum: Set<ImportedField>, notes: string[]): SpecField | undefined {
  if (drop.has(f)) return undefined;
  const s: SpecField = { type: f.type };
  if (f.required) s.required = true;
  if (f.description) s.description = f.description;
  if (f.enum && !dropEnum.has(f)) s.enum = f.enum;
  if (f.maxLength !== undefined) s.maxLength = f.maxLength;
  if (f.minLength !== undefined) s.minLength = f.minLength;
  if (f.pattern !== undefined) {
    try {
      new RegExp(f.pattern, "u");
      s.pattern = f.pattern;
    } catch {
      notes.push(`the pattern of ${f.name} (${f.pattern}) is not a valid JavaScript regular expression; left out of spec`);
    }
  } else if (dropEnum.has(f)) s.pattern = "^[A-Z]{2}$";
  if (f.minimum !== undefined) s.minimum = f.minimum;
  if (f.maximum !== undefined) s.maximum = f.maximum;
  if (f.type === "object" && f.properties) {
    const props: Record<string, SpecField> = {};
    for (const c of f.properties) {
      const x = specFieldOf(c, drop, dropEnum, notes);
      if (x) props[c.name] = x;
    }
    s.properties = props;
  }
  if (f.type === "array" && f.items) {
    const items = specFieldOf(f.items, drop, dropEnum, notes);
    if (items) s.items = items;
  }
  return s;
}

const PRESET_URLS: [string, RegExp][] = [
  ["salesforce-web-to-lead", /^https:\/\/webto\.salesforce\.com\/servlet\/servlet\.WebToLead/i],
  ["hubspot-forms", /^https:\/\/api\.hsforms\.com\/submissions\/v3\/integration\/(secure\/)?submit\//i],
];

/**
 * Generates a buyer config from an imported spec. Throws SpecImportError when the spec lacks
 * what no guess can supply (an endpoint URL, the vertical), and a plain Error if the result
 * would break a rule of its own (a credential value in the file, a config the schema refuses).
 */
export function generateBuyer(spec: ImportedSpec, opts: GenerateOptions): GeneratedBuyer {
  const notes = [...spec.notes];
  const slots: Slot[] = [];
  const pairLists: PairList[] = [];
  walk(spec.fields, "", [], true, slots, pairLists);
  const ctxOf = (segments: string[], f: ImportedField): FieldContext => (f.description ? { segments, description: f.description } : { segments });

  const allContexts = [
    ...slots.map((s) => ctxOf(s.segments, s.field)),
    ...pairLists.flatMap((p) => (p.field.pairs?.fields ?? []).map((pf) => ctxOf([pf.name], pf))),
  ];
  const verticals = opts.verticals?.length ? opts.verticals : spec.verticals?.length ? spec.verticals : inferVerticals(allContexts);
  if (!verticals.length) throw new SpecImportError(`cannot tell which vertical this buyer takes from its fields: pass --vertical (${VERTICALS.join(", ")})`);
  const unknown = verticals.filter((v) => !(VERTICALS as readonly string[]).includes(v));
  if (unknown.length) throw new SpecImportError(`unknown vertical ${unknown.join(", ")} (${VERTICALS.join(", ")})`);

  const url = opts.url ?? spec.endpoint.url;
  if (!url) throw new SpecImportError("the spec gives no endpoint URL: pass --url https://…");
  const preset = PRESET_URLS.find(([, re]) => re.test(url))?.[0];

  const authField = new Set(spec.auth.flatMap((a) => (a.kind === "api_key" ? [a.name] : [])));
  const rules: Rule[] = [];
  const reports: FieldReport[] = [];
  const dropFromSpec = new Set<ImportedField>();
  const dropEnum = new Set<ImportedField>();
  let onlyStates: string[] | undefined;

  // `always`: the rule puts a value in every lead's payload (name/value lists need that).
  const decide = (to: string, segments: string[], f: ImportedField, required: boolean): { rule?: Rule; report: FieldReport; always?: boolean } => {
    const report: FieldReport = { to, required, status: "unmapped", notes: [] };
    const name = compact(f.name);
    if (f.secret) {
      if (authField.has(f.name)) {
        dropFromSpec.add(f);
        return {
          report: { ...report, status: "auth", source: "auth (secret reference)", notes: ["a credential: sent by the auth scheme, never written here"] },
        };
      }
      const why =
        "the spec carries a credential in the payload; Leadwire sends credentials in a header, the query string or the SOAP header: ask the buyer which, then set auth";
      return required
        ? { rule: { to, open: why, required: true }, report: { ...report, status: "open", notes: [why] } }
        : { report: { ...report, notes: [why] } };
    }
    const ctx = ctxOf(segments, f);
    const lp = /^lp_/i.test(f.name);
    const best = lp ? matchField(ctx, verticals).find((m) => m.score === 1 && m.source.label === "lead.test") : matchField(ctx, verticals)[0];
    if (best) {
      const inf = inferRule(f, best.source);
      if (inf.onlyStates) onlyStates = onlyStates ? onlyStates.filter((s) => inf.onlyStates?.includes(s)) : inf.onlyStates;
      if (inf.dropEnum) dropEnum.add(f);
      const rule = ruleFromInferred(to, required, inf);
      if (inf.open) {
        rule.required = true;
        return { rule, report: { ...report, status: "open", source: sourceLabel(inf, best.source), notes: [inf.open, ...inf.notes] } };
      }
      if (required && !best.source.alwaysPresent)
        inf.notes.push(`required by the buyer: leads without ${best.source.label.replace(/^lead\./, "")} are not sent to it`);
      return {
        rule,
        always: best.source.alwaysPresent,
        report: {
          ...report,
          status: "auto",
          source: sourceLabel(inf, best.source),
          notes: best.score < 1 ? [`matched by ${best.via}`, ...inf.notes] : inf.notes,
        },
      };
    }
    const constant =
      f.enum?.length === 1 ? f.enum[0] : f.default !== undefined ? f.default : lp || CONFIG_NAME.test(name) ? (f.example ?? f.enum?.[0]) : undefined;
    if (constant !== undefined) {
      const value = typed(constant, f.type);
      const rule: Rule = { to, value };
      if (required) rule.required = true;
      const why =
        f.enum?.length === 1 ? "the only allowed value" : f.default !== undefined ? "the documented default" : "configuration: the value the spec shows";
      return { rule, always: true, report: { ...report, status: "default", source: JSON.stringify(value), notes: [why] } };
    }
    const usual = USUAL[name];
    if (usual && required) {
      const rule: Rule = { to, compute: usual.compute, required: true };
      if (f.maxLength !== undefined) rule.format = { maxLength: f.maxLength };
      return {
        rule,
        always: true,
        report: { ...report, status: "default", source: `${usual.compute.fn}(${usual.compute.args.join(", ")})`, notes: [usual.note] },
      };
    }
    if (lp || CONFIG_NAME.test(name)) {
      const why = 'a configuration value the spec shows no example for (campaign, partner or account id): ask the buyer and set "value"';
      return required
        ? { rule: { to, open: why, required: true }, report: { ...report, status: "open", notes: [why] } }
        : { report: { ...report, notes: [why] } };
    }
    if (!required) return { report: { ...report, notes: ["optional; no lead field matched"] } };
    const candidates = closestSources(ctx, verticals);
    const why = `no lead field matched; ${candidatesText(candidates)}`;
    return { rule: { to, open: why, required: true }, report: { ...report, status: "open", candidates, notes: [why] } };
  };

  for (const s of slots) {
    const { rule, report } = decide(s.to, s.segments, s.field, s.required);
    if (rule) rules.push(rule);
    reports.push(report);
  }
  for (const p of pairLists) {
    const pairs = p.field.pairs;
    if (!pairs) continue;
    let i = 0;
    for (const pf of pairs.fields) {
      const required = p.required && pf.required;
      const valueTo = `${p.to}[${i}].${pairs.valueKey}`;
      const { rule, report, always } = decide(valueTo, [pf.name], { ...pf, type: "string" }, required);
      if (rule && (required || always)) {
        for (const [k, v] of Object.entries(pf.pairExtras ?? {})) rules.push({ to: `${p.to}[${i}].${k}`, value: v });
        rules.push({ to: `${p.to}[${i}].${pairs.nameKey}`, value: pf.name, ...(required ? { required: true } : {}) });
        rules.push(rule);
        reports.push({ ...report, to: `${p.to}[name=${pf.name}]` });
        i++;
      } else {
        const why = rule
          ? "optional and not on every lead: a name/value list cannot drop a pair per lead, so it is left out"
          : "optional; no lead field matched";
        reports.push({ ...report, to: `${p.to}[name=${pf.name}]`, status: report.status === "auth" ? "auth" : "unmapped", notes: [why] });
      }
    }
  }
  if (!rules.length) throw new SpecImportError("no field of the spec could be mapped or marked open: nothing to write");

  // ---- auth and secrets
  const P = secretPrefix(opts.id);
  const secrets: { name: string; use: string }[] = [];
  const addSecret = (name: string, use: string): { secret: string } => {
    let n = name;
    let k = 2;
    while (secrets.some((s) => s.name === n && s.use !== use)) n = `${name}_${k++}`;
    if (!secrets.some((s) => s.name === n)) secrets.push({ name: n, use });
    return { secret: n };
  };
  let auth: Record<string, unknown> = { type: "none" };
  const hint = spec.auth[0];
  if (spec.auth.length > 1) notes.push(`the spec names ${spec.auth.length} ways to authenticate; the first (${hint?.kind}) was used`);
  if (hint?.kind === "api_key") auth = { type: "api_key", in: hint.in, name: hint.name, value: addSecret(`${P}_API_KEY`, `API key (${hint.in} ${hint.name})`) };
  else if (hint?.kind === "basic")
    auth = { type: "basic", username: addSecret(`${P}_USERNAME`, "HTTP Basic user name"), password: addSecret(`${P}_PASSWORD`, "HTTP Basic password") };
  else if (hint?.kind === "bearer") auth = { type: "bearer", token: addSecret(`${P}_TOKEN`, "Bearer token") };
  else if (hint?.kind === "oauth2_client_credentials")
    auth = {
      type: "oauth2_client_credentials",
      tokenUrl: hint.tokenUrl,
      clientId: addSecret(`${P}_CLIENT_ID`, "OAuth 2.0 client id"),
      clientSecret: addSecret(`${P}_CLIENT_SECRET`, "OAuth 2.0 client secret"),
      ...(hint.scope ? { scope: hint.scope } : {}),
    };
  else if (hint?.kind === "hmac") auth = { type: "hmac", header: hint.header, secret: addSecret(`${P}_SIGNING_SECRET`, "HMAC signing secret") };

  // ---- format
  const f = spec.format;
  let format: Record<string, unknown>;
  if (f.type === "json") format = { type: "json" };
  else if (f.type === "form" || f.type === "query") format = f.nesting === "bracket" ? { type: f.type, nesting: "bracket" } : { type: f.type };
  else if (f.type === "xml") {
    format = { type: "xml", root: f.root };
    if (f.rootAttributes) format.rootAttributes = f.rootAttributes;
    if (f.contentType) format.contentType = f.contentType;
  } else {
    format = { type: f.type, operation: f.operation, namespace: f.namespace };
    if (f.action) format.action = f.action;
    if (f.header) {
      const conv = (v: SoapHeaderValue, path: string[]): unknown => {
        if (typeof v === "string") return v;
        if ("secretHint" in v && typeof v.secretHint === "string") {
          const base = secretNameFor(opts.id, v.secretHint);
          return addSecret(
            secrets.some((s) => s.name === base) ? secretNameFor(opts.id, `${path[0] ?? ""}_${v.secretHint}`) : base,
            `SOAP header ${path.join(".")}`,
          );
        }
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, SoapHeaderValue>)) o[k] = conv(x, [...path, k]);
        return o;
      };
      const header: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(f.header)) header[k] = conv(v, [k]);
      format.header = header;
    }
  }

  // ---- response
  const fallbackKind = f.type === "json" ? "json" : f.type === "form" || f.type === "query" ? "json" : "xml";
  const response = preset ? undefined : inferResponse(spec.responses, fallbackKind);
  if (response) notes.push(...response.notes);
  if (preset) notes.push(`the endpoint is ${preset}: the preset supplies the response rules`);

  // ---- spec block
  const specNotes: string[] = [];
  const specFields: Record<string, SpecField> = {};
  for (const field of spec.fields) {
    const s = specFieldOf(field, dropFromSpec, dropEnum, specNotes);
    if (s) specFields[field.name] = s;
  }
  notes.push(...specNotes);
  const kindText = spec.source === "openapi" ? "OpenAPI document" : spec.source === "sample" ? "sample request" : "field table";
  const specBlock: Record<string, unknown> = {
    description: `${spec.title ?? opts.name ?? opts.id}${spec.description ? `: ${spec.description}` : ""} (generated by npm run buyer:new from a ${kindText})`,
  };
  if (spec.docsUrl) specBlock.docsUrl = spec.docsUrl;
  specBlock.fields = specFields;

  // ---- the file
  const endpoint: Record<string, unknown> = { url, method: spec.endpoint.method };
  if (Object.keys(spec.headers).length) endpoint.headers = spec.headers;
  const config: Record<string, unknown> = {
    $schema: "./schema.json",
    id: opts.id,
    name: opts.name ?? spec.title ?? opts.id,
    status: "active",
    environments: ["development"],
  };
  if (preset) config.preset = preset;
  config.verticals = verticals;
  config.price = 0;
  if (onlyStates) config.filters = { states: onlyStates };
  config.endpoint = endpoint;
  config.format = format;
  config.auth = auth;
  config.mapping = { fields: rules };
  if (response) config.response = response.rules;
  config.spec = specBlock;
  notes.push("price is 0: set what this buyer pays per lead");

  // A credential value must never reach the file, whatever the spec held.
  const text = JSON.stringify(config);
  for (const v of spec.secretValues)
    if (v.length >= 4 && text.includes(v)) throw new Error(`internal error: a credential from the spec would be written into buyers/${opts.id}.json`);
  let expanded: unknown;
  try {
    expanded = expandPreset(config);
  } catch (e) {
    if (e instanceof PresetError) throw new Error(`internal error: the generated config fails its preset: ${e.problems.join("; ")}`);
    throw e;
  }
  const parsed = BuyerConfigSchema.safeParse(expanded);
  if (!parsed.success) {
    throw new Error(`internal error: the generated config does not parse: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }

  const req = reports.filter((r) => r.required);
  const coverage: Coverage = {
    required: req.length,
    auto: req.filter((r) => r.status === "auto").length,
    byDefault: req.filter((r) => r.status === "default").length,
    viaAuth: req.filter((r) => r.status === "auth").length,
    open: req.filter((r) => r.status === "open").length,
  };
  const out: GeneratedBuyer = { config, fields: reports, coverage, secrets, verticals, notes };
  if (response) out.response = response;
  if (preset) out.preset = preset;
  return out;
}
