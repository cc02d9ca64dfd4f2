import { compiledBuyersJson } from "../buyers.generated";
import { log } from "../observability/log";
import type { BuyerConfig } from "./config";
import { rememberVersion } from "./version";

export interface BuyerLoadError {
  /** Index in the input list and the id when readable. */
  index: number;
  id?: string;
  issues: { path: string; message: string }[];
}

/** A buyer config as the build compiled it: parsed (presets expanded, defaults filled), with its version. */
export interface CompiledBuyer {
  version: string;
  config: BuyerConfig;
}

/** Parses raw buyer configs with the schema (src/integration/load-buyers.ts). */
export type ConfigLoader = (raw: unknown[]) => { buyers: BuyerConfig[]; errors: BuyerLoadError[] };

let loader: ConfigLoader | undefined;

/**
 * Installs the runtime config parser. Only BUYER_CONFIGS (tests, staging) needs one: the Worker
 * loads it on first need (src/index.ts) so that no isolate builds the config schema for the
 * bundled buyers, which the build already validated.
 */
export function useConfigLoader(l: ConfigLoader): void {
  loader = l;
}

/** Whether runtime configs are given, so the config loader is needed. */
export function needsConfigLoader(env: { BUYER_CONFIGS?: string }): boolean {
  return env.BUYER_CONFIGS !== undefined && env.BUYER_CONFIGS.trim() !== "" && loader === undefined;
}

/** Parses raw buyer configs with the installed loader (see `loadBuyers` in load-buyers.ts). */
export function loadBuyers(raw: unknown[]): { buyers: BuyerConfig[]; errors: BuyerLoadError[] } {
  if (!loader) throw new Error("no buyer config loader installed: import loadBuyers from src/integration/load-buyers.ts and pass it to useConfigLoader");
  return loader(raw);
}

let compiled: BuyerConfig[] | undefined;

/** The bundled buyers as the build compiled them; read once per isolate, without the schema. */
function compiledBuyers(): BuyerConfig[] {
  if (!compiled) {
    const list = JSON.parse(compiledBuyersJson) as CompiledBuyer[];
    for (const b of list) rememberVersion(b.config, b.version);
    compiled = list.map((b) => b.config);
  }
  return compiled;
}

let memo: { key: string | undefined; environment: string | undefined; map: Map<string, BuyerConfig> } | undefined;

/**
 * Buyers by id: the configs bundled from buyers/*.json — validated, preset-expanded and
 * versioned at build time, so loading them is one JSON.parse — or the JSON array in
 * BUYER_CONFIGS (tests, staging), parsed at runtime. Memoized per distinct source. Invalid
 * runtime configs are left out (and reported by `npm run buyers:check`); a malformed
 * BUYER_CONFIGS throws, since every buyer would silently vanish otherwise.
 */
export function getBuyerRegistry(env: { BUYER_CONFIGS?: string; ENVIRONMENT?: string }): Map<string, BuyerConfig> {
  const key = env.BUYER_CONFIGS;
  const environment = env.ENVIRONMENT;
  if (memo && memo.key === key && memo.environment === environment) return memo.map;
  let buyers: BuyerConfig[];
  if (key !== undefined && key.trim() !== "") {
    const parsed: unknown = JSON.parse(key);
    if (!Array.isArray(parsed)) throw new Error("BUYER_CONFIGS must be a JSON array of buyer configs");
    const loaded = loadBuyers(parsed);
    for (const e of loaded.errors) log("error", "buyer config rejected", { buyer: e.id ?? `#${e.index}`, issues: e.issues });
    buyers = loaded.buyers;
  } else {
    buyers = compiledBuyers();
  }
  // A buyer limited to some environments (the demo buyers: development) is not loaded elsewhere.
  const live = buyers.filter((b) => !b.environments || (environment !== undefined && b.environments.includes(environment)));
  const map = new Map(live.map((b) => [b.id, b]));
  memo = { key, environment, map };
  return map;
}
