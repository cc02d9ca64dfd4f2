import { compiledBuyersJson, compiledHistoryJson } from "../buyers.generated";
import { log } from "../observability/log";
import type { CanaryPolicy, SplitBuyerFile } from "./canary";
import type { BuyerConfig } from "./config";
import { configVersion, rememberVersion } from "./version";

export interface BuyerLoadError {
  /** Index in the input list and the id when readable. */
  index: number;
  id?: string;
  issues: { path: string; message: string }[];
}

/** A buyer's candidate version (its file's `canary` block), compiled like the live one. */
export interface CompiledCanary {
  version: string;
  config: BuyerConfig;
  policy: CanaryPolicy;
  changeNote?: string;
  /** When a build first bundled this version (ISO). */
  builtAt?: string;
}

/** A buyer config as the build compiled it: parsed (presets expanded, defaults filled), with its version. */
export interface CompiledBuyer {
  version: string;
  config: BuyerConfig;
  /** The file's one-line `changeNote`. */
  changeNote?: string;
  /** When a build first bundled this version (ISO). */
  builtAt?: string;
  canary?: CompiledCanary;
}

/** One version of a buyer config the Worker can deliver with (live, candidate, or a previous one kept for rollback). */
export interface VersionRecord {
  id: string;
  version: string;
  kind: "live" | "candidate" | "previous";
  changeNote?: string;
  builtAt?: string;
  /** The git commit that last wrote this version of the file (previous versions, from git history). */
  commit?: string;
  committedAt?: string;
  config: BuyerConfig;
}

/** What a buyer's gate needs to run its candidate: its version, config and policy. */
export interface BuyerCanary {
  version: string;
  config: BuyerConfig;
  policy: CanaryPolicy;
}

/** Parses raw buyer configs with the schema (src/integration/load-buyers.ts). */
export type ConfigLoader = (raw: unknown[]) => { buyers: BuyerConfig[]; errors: BuyerLoadError[] };

/** Splits a buyer file's change note and canary off its config (`splitBuyerFile`, src/integration/canary.ts). */
export type FileSplitter = (raw: unknown) => SplitBuyerFile;

let loader: ConfigLoader | undefined;
let splitter: FileSplitter | undefined;

/**
 * Installs the runtime config parser and the canary splitter (both built on the schema
 * library). Only BUYER_CONFIGS and BUYER_HISTORY (tests, staging) need them: the Worker loads
 * them on first need (src/index.ts) so that no isolate builds the config or canary schema for
 * the bundled buyers, which the build already validated and split.
 */
export function useConfigLoader(l: ConfigLoader, split: FileSplitter): void {
  loader = l;
  splitter = split;
}

/** Splits a runtime buyer file with the installed splitter. */
function splitBuyerFile(raw: unknown): SplitBuyerFile {
  if (!splitter) throw new Error("no buyer file splitter installed: pass splitBuyerFile from src/integration/canary.ts to useConfigLoader");
  return splitter(raw);
}

type RegistryEnv = { BUYER_CONFIGS?: string; BUYER_HISTORY?: string; ENVIRONMENT?: string };

function given(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== "";
}

/** Whether runtime configs are given, so the config loader is needed. */
export function needsConfigLoader(env: RegistryEnv): boolean {
  return (given(env.BUYER_CONFIGS) || given(env.BUYER_HISTORY)) && loader === undefined;
}

/** Parses raw buyer configs with the installed loader (see `loadBuyers` in load-buyers.ts). */
export function loadBuyers(raw: unknown[]): { buyers: BuyerConfig[]; errors: BuyerLoadError[] } {
  if (!loader) throw new Error("no buyer config loader installed: import loadBuyers from src/integration/load-buyers.ts and pass it to useConfigLoader");
  return loader(raw);
}

const canaries = new WeakMap<BuyerConfig, BuyerCanary>();

/** The candidate version a buyer's file carries (its `canary` block), if any. */
export function canaryOf(buyer: BuyerConfig): BuyerCanary | undefined {
  return canaries.get(buyer);
}

let compiled: CompiledBuyer[] | undefined;

/** The bundled buyers as the build compiled them; read once per isolate, without the schema. */
function compiledBuyers(): CompiledBuyer[] {
  if (!compiled) {
    compiled = JSON.parse(compiledBuyersJson) as CompiledBuyer[];
    for (const b of compiled) rememberVersion(b.config, b.version);
  }
  return compiled;
}

let compiledHistory: VersionRecord[] | undefined;

/** The previous versions the build kept; parsed only when an operator asks (versions, rollback), never for a delivery. */
function bundledHistory(): VersionRecord[] {
  compiledHistory ??= JSON.parse(compiledHistoryJson) as VersionRecord[];
  return compiledHistory;
}

/**
 * BUYER_CONFIGS parsed at runtime: each item split into its live config and its candidate
 * (the build does the same for buyers/*.json). A candidate the schema refuses is left out and
 * logged (the build refuses it outright); the live config runs.
 */
function runtimeBuyers(raw: unknown[]): CompiledBuyer[] {
  const split = raw.map((r) => splitBuyerFile(r));
  const loaded = loadBuyers(split.map((s) => s.live));
  for (const e of loaded.errors) log("error", "buyer config rejected", { buyer: e.id ?? `#${e.index}`, issues: e.issues });
  const notes = new Map<string, (typeof split)[number]>();
  for (const s of split) {
    const id = (s.live as { id?: unknown } | null)?.id;
    if (typeof id === "string") notes.set(id, s);
  }
  return loaded.buyers.map((config) => {
    const s = notes.get(config.id);
    const out: CompiledBuyer = { version: configVersion(config), config, ...(s?.changeNote ? { changeNote: s.changeNote } : {}) };
    for (const p of s?.problems ?? []) log("error", "buyer canary rejected", { buyer: config.id, ...p });
    if (s?.canary) {
      const cand = loadBuyers([s.canary.raw]);
      const c = cand.buyers[0];
      if (c)
        out.canary = { version: configVersion(c), config: c, policy: s.canary.policy, ...(s.canary.changeNote ? { changeNote: s.canary.changeNote } : {}) };
      for (const e of cand.errors) log("error", "buyer canary rejected", { buyer: config.id, issues: e.issues });
    }
    return out;
  });
}

/** BUYER_HISTORY (tests, staging): previous configs, the runtime counterpart of the build's history from git. */
function runtimeHistory(raw: unknown[]): VersionRecord[] {
  const out: VersionRecord[] = [];
  for (const item of raw) {
    const s = splitBuyerFile(item);
    const c = loadBuyers([s.live]).buyers[0];
    if (c) out.push({ id: c.id, version: configVersion(c), kind: "previous", ...(s.changeNote ? { changeNote: s.changeNote } : {}), config: c });
  }
  return out;
}

interface Memo {
  key: string | undefined;
  history: string | undefined;
  environment: string | undefined;
  map: Map<string, BuyerConfig>;
  /** Live and candidate versions by buyer id. */
  current: Map<string, VersionRecord[]>;
  previous: () => VersionRecord[];
}

let memo: Memo | undefined;

function load(env: RegistryEnv): Memo {
  const key = env.BUYER_CONFIGS;
  const environment = env.ENVIRONMENT;
  const historyKey = env.BUYER_HISTORY;
  if (memo && memo.key === key && memo.environment === environment && memo.history === historyKey) return memo;
  let buyers: CompiledBuyer[];
  let previous: () => VersionRecord[];
  if (given(key)) {
    const parsed: unknown = JSON.parse(key);
    if (!Array.isArray(parsed)) throw new Error("BUYER_CONFIGS must be a JSON array of buyer configs");
    buyers = runtimeBuyers(parsed);
    const h: unknown = given(historyKey) ? JSON.parse(historyKey) : [];
    if (!Array.isArray(h)) throw new Error("BUYER_HISTORY must be a JSON array of buyer configs");
    const history = runtimeHistory(h);
    previous = () => history;
  } else {
    buyers = compiledBuyers();
    previous = bundledHistory;
  }
  // A buyer limited to some environments (the demo buyers: development) is not loaded elsewhere.
  const live = buyers.filter((b) => !b.config.environments || (environment !== undefined && b.config.environments.includes(environment)));
  const current = new Map<string, VersionRecord[]>();
  for (const b of live) {
    const id = b.config.id;
    const list: VersionRecord[] = [{ id, version: b.version, kind: "live", ...meta(b), config: b.config }];
    if (b.canary) {
      canaries.set(b.config, { version: b.canary.version, config: b.canary.config, policy: b.canary.policy });
      list.push({ id, version: b.canary.version, kind: "candidate", ...meta(b.canary), config: b.canary.config });
    }
    current.set(id, list);
  }
  memo = { key, history: historyKey, environment, map: new Map(live.map((b) => [b.config.id, b.config])), current, previous };
  return memo;
}

function meta(v: { changeNote?: string; builtAt?: string }): { changeNote?: string; builtAt?: string } {
  return { ...(v.changeNote ? { changeNote: v.changeNote } : {}), ...(v.builtAt ? { builtAt: v.builtAt } : {}) };
}

/**
 * Buyers by id: the configs bundled from buyers/*.json — validated, preset-expanded and
 * versioned at build time, so loading them is one JSON.parse — or the JSON array in
 * BUYER_CONFIGS (tests, staging), parsed at runtime. Memoized per distinct source. Invalid
 * runtime configs are left out (and reported by `npm run buyers:check`); a malformed
 * BUYER_CONFIGS throws, since every buyer would silently vanish otherwise. A buyer's candidate
 * (its `canary` block) rides along, read with `canaryOf`.
 */
export function getBuyerRegistry(env: RegistryEnv): Map<string, BuyerConfig> {
  return load(env).map;
}

/**
 * Every version of a buyer this Worker can deliver with: the live one, the candidate, and the
 * previous ones the build kept (newest first) — what `GET /v1/buyers/:id/versions` lists and a
 * rollback pin may name. Empty for an unknown buyer.
 */
export function buyerVersions(env: RegistryEnv, id: string): VersionRecord[] {
  const m = load(env);
  const list = [...(m.current.get(id) ?? [])];
  if (list.length === 0) return list;
  for (const h of m.previous()) {
    if (h.id === id && !list.some((v) => v.version === h.version)) list.push({ ...h, kind: "previous" });
  }
  return list;
}
