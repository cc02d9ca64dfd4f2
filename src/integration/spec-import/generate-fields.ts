/**
 * The mapping half of the generator: every buyer field (nested objects, arrays and name/value
 * lists flattened to target paths) is matched to a lead source, given a constant, sent through
 * auth, or left `open` for a person, with a report line saying which and why.
 */
import type { Compute, FieldFormat, Scalar as MappingScalar } from "../mapping/schema";
import { compact, type LeadSource, VERTICALS } from "./catalog";
import { type InferredRule, inferRule } from "./infer";
import { closestSources, type FieldContext, matchField } from "./match";
import type { ImportedField, Scalar } from "./types";

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

/** Generated rules in the key order a person reads them. */
export interface Rule {
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

/** One scalar target path of the buyer's payload. */
export interface Slot {
  to: string;
  segments: string[];
  field: ImportedField;
  required: boolean;
}

/** A name/value list (`[{name, value}]`): each pair is decided on its own. */
export interface PairList {
  to: string;
  field: ImportedField;
  required: boolean;
}

/** What the field decisions learnt beside the rules, for the spec block and the filters. */
export interface MappingState {
  verticals: string[];
  /** Names of API-key fields the auth scheme sends. */
  authFields: Set<string>;
  /** Credential fields: left out of the spec block, since auth sends them. */
  dropFromSpec: Set<ImportedField>;
  /** State enums that became a filter and are written as a pattern instead. */
  dropEnum: Set<ImportedField>;
  /** The states every state field allows (intersection), when any lists them. */
  onlyStates?: string[];
}

/** One field's outcome. `always`: the rule puts a value in every lead's payload (name/value lists need that). */
interface Decision {
  rule?: Rule;
  report: FieldReport;
  always?: boolean;
}

/** Flattens the spec's field tree into target paths (`a.b`, `list[0].c`) and name/value lists. */
export function walk(fields: ImportedField[], prefix: string, segs: string[], parentRequired: boolean, slots: Slot[], pairs: PairList[]): void {
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

/** The matcher's view of a field: its path and, when documented, its description. */
export function contextOf(segments: string[], f: ImportedField): FieldContext {
  return f.description ? { segments, description: f.description } : { segments };
}

/** Verticals whose specific fields the spec asks for, most matches first (ties kept). */
export function inferVerticals(contexts: FieldContext[]): string[] {
  const count = new Map<string, number>();
  for (const c of contexts) {
    const m = matchField(c)[0];
    const v = m && m.score >= 0.95 ? m.source.vertical : undefined;
    if (v) count.set(v, (count.get(v) ?? 0) + 1);
  }
  const max = Math.max(0, ...count.values());
  return max === 0 ? [] : VERTICALS.filter((v) => count.get(v) === max);
}

/** A required field becomes an open rule; an optional one is only reported. */
function openOrNote(report: FieldReport, to: string, required: boolean, why: string): Decision {
  return required ? { rule: { to, open: why, required: true }, report: { ...report, status: "open", notes: [why] } } : { report: { ...report, notes: [why] } };
}

/** A credential in the payload: sent by auth when the scheme names it, else a person decides. */
function decideSecret(state: MappingState, to: string, f: ImportedField, required: boolean, report: FieldReport): Decision {
  if (state.authFields.has(f.name)) {
    state.dropFromSpec.add(f);
    return {
      report: { ...report, status: "auth", source: "auth (secret reference)", notes: ["a credential: sent by the auth scheme, never written here"] },
    };
  }
  const why =
    "the spec carries a credential in the payload; Leadwire sends credentials in a header, the query string or the SOAP header: ask the buyer which, then set auth";
  return openOrNote(report, to, required, why);
}

/** A field matched to a lead source: the inferred rule, and what the inference learnt about states. */
function decideMatched(state: MappingState, to: string, f: ImportedField, required: boolean, report: FieldReport, ctx: FieldContext): Decision | undefined {
  // `lp_*` fields are LeadsPedia configuration; the only lead value they take is the test flag.
  const lp = /^lp_/i.test(f.name);
  const matches = matchField(ctx, state.verticals);
  const best = lp ? matches.find((m) => m.score === 1 && m.source.label === "lead.test") : matches[0];
  if (!best) return undefined;
  const inf = inferRule(f, best.source);
  if (inf.onlyStates) state.onlyStates = state.onlyStates ? state.onlyStates.filter((s) => inf.onlyStates?.includes(s)) : inf.onlyStates;
  if (inf.dropEnum) state.dropEnum.add(f);
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

/** A constant the spec itself gives: the only enum value, the default, or a configuration example. */
function decideConstant(to: string, f: ImportedField, required: boolean, report: FieldReport, isConfig: boolean): Decision | undefined {
  const constant = f.enum?.length === 1 ? f.enum[0] : f.default !== undefined ? f.default : isConfig ? (f.example ?? f.enum?.[0]) : undefined;
  if (constant === undefined) return undefined;
  const value = typed(constant, f.type);
  const rule: Rule = { to, value };
  if (required) rule.required = true;
  const why = f.enum?.length === 1 ? "the only allowed value" : f.default !== undefined ? "the documented default" : "configuration: the value the spec shows";
  return { rule, always: true, report: { ...report, status: "default", source: JSON.stringify(value), notes: [why] } };
}

/** A required field with a usual value (a consumer's company is their name). */
function decideUsual(to: string, f: ImportedField, required: boolean, report: FieldReport): Decision | undefined {
  const usual = USUAL[compact(f.name)];
  if (!usual || !required) return undefined;
  const rule: Rule = { to, compute: usual.compute, required: true };
  if (f.maxLength !== undefined) rule.format = { maxLength: f.maxLength };
  return {
    rule,
    always: true,
    report: { ...report, status: "default", source: `${usual.compute.fn}(${usual.compute.args.join(", ")})`, notes: [usual.note] },
  };
}

/** Nothing fits: configuration without an example, or a field no lead value matches. */
function decideUnmatched(state: MappingState, to: string, required: boolean, report: FieldReport, ctx: FieldContext, isConfig: boolean): Decision {
  if (isConfig) {
    const why = 'a configuration value the spec shows no example for (campaign, partner or account id): ask the buyer and set "value"';
    return openOrNote(report, to, required, why);
  }
  if (!required) return { report: { ...report, notes: ["optional; no lead field matched"] } };
  const candidates = closestSources(ctx, state.verticals);
  const why = `no lead field matched; ${candidatesText(candidates)}`;
  return { rule: { to, open: why, required: true }, report: { ...report, status: "open", candidates, notes: [why] } };
}

/** Decides one buyer field, trying each way to fill it in order of confidence. */
function decide(state: MappingState, to: string, segments: string[], f: ImportedField, required: boolean): Decision {
  const report: FieldReport = { to, required, status: "unmapped", notes: [] };
  if (f.secret) return decideSecret(state, to, f, required, report);
  const ctx = contextOf(segments, f);
  const isConfig = /^lp_/i.test(f.name) || CONFIG_NAME.test(compact(f.name));
  return (
    decideMatched(state, to, f, required, report, ctx) ??
    decideConstant(to, f, required, report, isConfig) ??
    decideUsual(to, f, required, report) ??
    decideUnmatched(state, to, required, report, ctx, isConfig)
  );
}

/**
 * A name/value list's pairs: a pair is written only when every lead fills it (the list cannot
 * drop a pair per lead), with its extras and name before its value.
 */
function decidePairs(state: MappingState, p: PairList, rules: Rule[], reports: FieldReport[]): void {
  const pairs = p.field.pairs;
  if (!pairs) return;
  let i = 0;
  for (const pf of pairs.fields) {
    const required = p.required && pf.required;
    const valueTo = `${p.to}[${i}].${pairs.valueKey}`;
    const { rule, report, always } = decide(state, valueTo, [pf.name], { ...pf, type: "string" }, required);
    if (rule && (required || always)) {
      for (const [k, v] of Object.entries(pf.pairExtras ?? {})) rules.push({ to: `${p.to}[${i}].${k}`, value: v });
      rules.push({ to: `${p.to}[${i}].${pairs.nameKey}`, value: pf.name, ...(required ? { required: true } : {}) });
      rules.push(rule);
      reports.push({ ...report, to: `${p.to}[name=${pf.name}]` });
      i++;
    } else {
      const why = rule ? "optional and not on every lead: a name/value list cannot drop a pair per lead, so it is left out" : "optional; no lead field matched";
      reports.push({ ...report, to: `${p.to}[name=${pf.name}]`, status: report.status === "auth" ? "auth" : "unmapped", notes: [why] });
    }
  }
}

/** The mapping rules for every slot and name/value list, with a report line per buyer field. */
export function mapFields(state: MappingState, slots: Slot[], pairLists: PairList[]): { rules: Rule[]; reports: FieldReport[] } {
  const rules: Rule[] = [];
  const reports: FieldReport[] = [];
  for (const s of slots) {
    const { rule, report } = decide(state, s.to, s.segments, s.field, s.required);
    if (rule) rules.push(rule);
    reports.push(report);
  }
  for (const p of pairLists) decidePairs(state, p, rules, reports);
  return { rules, reports };
}
