import { bundledRouting } from "../buyers.generated";
import { DEFAULT_DISTRIBUTION, type Distribution, type RoutingConfig, RoutingConfigSchema } from "../core/distribution";
import { log } from "../observability/log";

/** Where a lead's distribution method came from, as its timeline records it. */
export type DistributionOrigin = "source" | "vertical" | "default";

const FALLBACK: RoutingConfig = { default: DEFAULT_DISTRIBUTION, verticals: {} };

let memo: { key: string | undefined; config: RoutingConfig } | undefined;

/**
 * The routing config: `config/routing.json` as bundled with the buyers, or the JSON in
 * ROUTING_CONFIG (tests, staging). A malformed ROUTING_CONFIG throws — every vertical would
 * silently fall back otherwise; a bundled file that does not parse (buyers:check refuses it)
 * is logged and every vertical routes by waterfall, as before this config existed.
 */
export function getRoutingConfig(env: { ROUTING_CONFIG?: string }): RoutingConfig {
  const key = env.ROUTING_CONFIG;
  if (memo && memo.key === key) return memo.config;
  let config: RoutingConfig;
  if (key !== undefined && key.trim() !== "") {
    config = RoutingConfigSchema.parse(JSON.parse(key));
  } else if (bundledRouting === null || bundledRouting === undefined) {
    config = FALLBACK;
  } else {
    const parsed = RoutingConfigSchema.safeParse(bundledRouting);
    if (!parsed.success) log("error", "routing config rejected", { issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
    config = parsed.success ? parsed.data : FALLBACK;
  }
  memo = { key, config };
  return config;
}

/** A vertical's distribution method, unless the source has its own. */
export function distributionFor(
  config: RoutingConfig,
  vertical: string,
  sourceOwn: Distribution | undefined,
): { distribution: Distribution; origin: DistributionOrigin } {
  if (sourceOwn) return { distribution: sourceOwn, origin: "source" };
  const own = Object.hasOwn(config.verticals, vertical) ? config.verticals[vertical] : undefined;
  return own ? { distribution: own, origin: "vertical" } : { distribution: config.default, origin: "default" };
}
