import { z } from "zod";

/**
 * How a lead's buyers are ordered (issue 13). One method per vertical (config/routing.json),
 * or per source (its terms of sale), each with its own few knobs:
 *
 * - `waterfall`: price, then priority (a live bid counts as the buyer's price).
 * - `highest_bid`: the auction's order — highest price first, a tie to the faster bidder; priority ignored.
 * - `multi_sell`: sold to up to `maxBuyers` buyers, each its own delivery, in waterfall order.
 * - `round_robin`: among buyers of the highest priority, the one that waited longest since its
 *   last turn goes first (turns are taken atomically in D1, so two leads never take the same one).
 * - `weighted`: the buyer furthest below its daily or monthly target (leads sold ÷ target) goes first.
 * - `epl`: earnings per lead — price × acceptance − returns per lead offered, measured over a
 *   rolling window of days; `exploration` of the leads go first to another buyer, so new or
 *   recovering buyers keep being measured.
 */
export const DistributionSchema = z.discriminatedUnion("method", [
  z.object({ method: z.literal("waterfall") }).strict(),
  z.object({ method: z.literal("highest_bid") }).strict(),
  z
    .object({
      method: z.literal("multi_sell"),
      /** The most buyers one lead is sold to (send-to-all: every eligible buyer, up to ten). */
      maxBuyers: z.number().int().min(1).max(10).default(10),
    })
    .strict(),
  z.object({ method: z.literal("round_robin") }).strict(),
  z
    .object({
      method: z.literal("weighted"),
      /** The period each target counts: the buyer's local day or calendar month (its caps time zone). */
      period: z.enum(["day", "month"]).default("day"),
      /** Leads per period by buyer id; a buyer without one is weighted by its lead cap for the period, else goes last. */
      targets: z.record(z.string(), z.number().positive()).default({}),
    })
    .strict(),
  z
    .object({
      method: z.literal("epl"),
      /** Share of leads (0–0.5) whose first offer goes to a buyer other than the best by EPL. */
      exploration: z.number().min(0).max(0.5).default(0.1),
      /** The rolling window the figures are read over, in days (today included). */
      windowDays: z.number().int().min(1).max(60).default(7),
      /**
       * Offers a buyer is assumed to have accepted before any is measured: a new buyer starts at
       * its price and converges to what it really does as offers add up.
       */
      priorOffers: z.number().int().min(0).max(1000).default(10),
    })
    .strict(),
]);
export type Distribution = z.infer<typeof DistributionSchema>;
export type DistributionInput = z.input<typeof DistributionSchema>;
export type DistributionMethod = Distribution["method"];

export const DISTRIBUTION_METHODS: readonly DistributionMethod[] = ["waterfall", "highest_bid", "multi_sell", "round_robin", "weighted", "epl"];

/** Today's behaviour: price, then priority. */
export const DEFAULT_DISTRIBUTION: Distribution = { method: "waterfall" };

/**
 * `config/routing.json`: the distribution method of each vertical, and the default for the
 * others. Bundled with the buyers at build time and checked by `npm run buyers:check`.
 */
export const RoutingConfigSchema = z
  .object({
    $schema: z.string().optional(),
    default: DistributionSchema.default(DEFAULT_DISTRIBUTION),
    verticals: z.record(z.string(), DistributionSchema).default({}),
  })
  .strict();
export type RoutingConfig = z.infer<typeof RoutingConfigSchema>;
