import { isDeepStrictEqual } from "node:util";
import { loadBuyers } from "../integration/load-buyers";
import type { BuyerLoadError, CompiledBuyer } from "../integration/registry";
import { fingerprint } from "../integration/version";

/**
 * The build's compile step for buyers/*.json (called by src/cli/bundle-buyers.mjs): each config
 * parsed with the schema — presets expanded, defaults filled — and versioned, so the Worker
 * loads its buyers with one JSON.parse and no schema. A config must survive the trip through
 * JSON unchanged (no transform may produce a value JSON cannot carry).
 */
export function compileBuyerConfigs(raw: unknown[]): { buyers: CompiledBuyer[]; errors: BuyerLoadError[] } {
  const { buyers, errors } = loadBuyers(raw);
  return {
    buyers: buyers.map((config) => {
      const json = JSON.stringify(config);
      if (!isDeepStrictEqual(JSON.parse(json), config)) throw new Error(`buyer ${config.id}: its parsed config does not survive JSON`);
      return { version: fingerprint(json), config };
    }),
    errors,
  };
}
