/**
 * ImportedSpec → a buyer config: endpoint, format, auth (secret references only), response
 * rules, the `spec` block and a mapping matched from the normalized lead. What it cannot decide
 * is written as an `open` rule, which buyers:check reports until a person decides.
 *
 * The steps live beside it: generate-fields.ts (the mapping), generate-wire.ts (auth, format,
 * secret names), generate-spec.ts (the spec block).
 */
import { expandPreset, PresetError } from "../adapters";
import { BuyerConfigSchema } from "../config";
import { VERTICALS } from "./catalog";
import { contextOf, type FieldReport, inferVerticals, type MappingState, mapFields, type PairList, type Rule, type Slot, walk } from "./generate-fields";
import { specBlockOf } from "./generate-spec";
import { authConfig, formatConfig, SecretNames } from "./generate-wire";
import { type InferredResponse, inferResponse } from "./responses";
import type { ImportedSpec } from "./types";
import { SpecImportError } from "./types";

export type { FieldReport, FieldStatus } from "./generate-fields";

export interface GenerateOptions {
  /** The buyer id (file name). */
  id: string;
  name?: string;
  /** Verticals the buyer takes; inferred from the matched fields when omitted. */
  verticals?: string[];
  /** Overrides (or supplies) the endpoint URL. */
  url?: string;
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

const PRESET_URLS: [string, RegExp][] = [
  ["salesforce-web-to-lead", /^https:\/\/webto\.salesforce\.com\/servlet\/servlet\.WebToLead/i],
  ["hubspot-forms", /^https:\/\/api\.hsforms\.com\/submissions\/v3\/integration\/(secure\/)?submit\//i],
];

/** The verticals the buyer takes: given, declared by the spec, or inferred from its fields. */
function chooseVerticals(spec: ImportedSpec, opts: GenerateOptions, slots: Slot[], pairLists: PairList[]): string[] {
  const allContexts = [
    ...slots.map((s) => contextOf(s.segments, s.field)),
    ...pairLists.flatMap((p) => (p.field.pairs?.fields ?? []).map((pf) => contextOf([pf.name], pf))),
  ];
  const verticals = opts.verticals?.length ? opts.verticals : spec.verticals?.length ? spec.verticals : inferVerticals(allContexts);
  if (!verticals.length) throw new SpecImportError(`cannot tell which vertical this buyer takes from its fields: pass --vertical (${VERTICALS.join(", ")})`);
  const unknown = verticals.filter((v) => !(VERTICALS as readonly string[]).includes(v));
  if (unknown.length) throw new SpecImportError(`unknown vertical ${unknown.join(", ")} (${VERTICALS.join(", ")})`);
  return verticals;
}

/** The parts of the buyer file, in the key order a person reads it. */
interface ConfigParts {
  url: string;
  preset?: string;
  verticals: string[];
  onlyStates?: string[];
  format: Record<string, unknown>;
  auth: Record<string, unknown>;
  rules: Rule[];
  response?: InferredResponse;
  specBlock: Record<string, unknown>;
}

function assembleConfig(spec: ImportedSpec, opts: GenerateOptions, p: ConfigParts): Record<string, unknown> {
  const endpoint: Record<string, unknown> = { url: p.url, method: spec.endpoint.method };
  if (Object.keys(spec.headers).length) endpoint.headers = spec.headers;
  const config: Record<string, unknown> = {
    $schema: "./schema.json",
    id: opts.id,
    name: opts.name ?? spec.title ?? opts.id,
    status: "active",
    environments: ["development"],
  };
  if (p.preset) config.preset = p.preset;
  config.verticals = p.verticals;
  config.price = 0;
  if (p.onlyStates) config.filters = { states: p.onlyStates };
  config.endpoint = endpoint;
  config.format = p.format;
  config.auth = p.auth;
  config.mapping = { fields: p.rules };
  if (p.response) config.response = p.response.rules;
  config.spec = p.specBlock;
  return config;
}

/** Refuses a result that breaks a rule of its own: a credential value in the file, a config its preset or the schema refuses. */
function assertWritable(spec: ImportedSpec, id: string, config: Record<string, unknown>): void {
  // A credential value must never reach the file, whatever the spec held.
  const text = JSON.stringify(config);
  for (const v of spec.secretValues)
    if (v.length >= 4 && text.includes(v)) throw new Error(`internal error: a credential from the spec would be written into buyers/${id}.json`);
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
}

function coverageOf(reports: FieldReport[]): Coverage {
  const req = reports.filter((r) => r.required);
  return {
    required: req.length,
    auto: req.filter((r) => r.status === "auto").length,
    byDefault: req.filter((r) => r.status === "default").length,
    viaAuth: req.filter((r) => r.status === "auth").length,
    open: req.filter((r) => r.status === "open").length,
  };
}

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
  const verticals = chooseVerticals(spec, opts, slots, pairLists);
  const url = opts.url ?? spec.endpoint.url;
  if (!url) throw new SpecImportError("the spec gives no endpoint URL: pass --url https://…");
  const preset = PRESET_URLS.find(([, re]) => re.test(url))?.[0];

  const state: MappingState = {
    verticals,
    authFields: new Set(spec.auth.flatMap((a) => (a.kind === "api_key" ? [a.name] : []))),
    dropFromSpec: new Set(),
    dropEnum: new Set(),
  };
  const { rules, reports } = mapFields(state, slots, pairLists);
  if (!rules.length) throw new SpecImportError("no field of the spec could be mapped or marked open: nothing to write");

  const secrets = new SecretNames();
  const auth = authConfig(opts.id, spec.auth, secrets, notes);
  const format = formatConfig(opts.id, spec.format, secrets);

  const f = spec.format;
  const fallbackKind = f.type === "json" ? "json" : f.type === "form" || f.type === "query" ? "json" : "xml";
  const response = preset ? undefined : inferResponse(spec.responses, fallbackKind);
  if (response) notes.push(...response.notes);
  if (preset) notes.push(`the endpoint is ${preset}: the preset supplies the response rules`);

  const specBlock = specBlockOf(spec, spec.title ?? opts.name ?? opts.id, state.dropFromSpec, state.dropEnum, notes);
  const config = assembleConfig(spec, opts, { url, preset, verticals, onlyStates: state.onlyStates, format, auth, rules, response, specBlock });
  notes.push("price is 0: set what this buyer pays per lead");
  assertWritable(spec, opts.id, config);

  const out: GeneratedBuyer = { config, fields: reports, coverage: coverageOf(reports), secrets: secrets.list, verticals, notes };
  if (response) out.response = response;
  if (preset) out.preset = preset;
  return out;
}
