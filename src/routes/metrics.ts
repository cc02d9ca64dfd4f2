import { createRoute, z } from "@hono/zod-openapi";
import { gateStatuses } from "../buyer-gate/client";
import { ApiError } from "../core/errors";
import { settings } from "../core/settings";
import { pingPostMetrics } from "../db/pingpost-reports";
import { computeMetrics } from "../db/reports";
import { getBuyerRegistry } from "../integration/registry";
import { WINDOWS, type WindowName, windowRange } from "../observability/metrics";
import { AnalyticsError, analyticsMetrics } from "../ops/analytics";
import { adminAuth } from "./auth";
import { ADMIN_TOKEN, errors, json, newRouter } from "./openapi";

export const metricsRouter = newRouter();
metricsRouter.use("*", adminAuth);

const windowNames = Object.keys(WINDOWS) as [WindowName, ...WindowName[]];

const getMetrics = createRoute({
  method: "get",
  path: "/",
  summary: "Delivery success, latency percentiles, errors by class, retries, circuits, revenue, refusals — from rollups",
  description:
    "Reads only the rollups (per minute for 1h, per hour for longer windows): `meta.rowsRead` is what D1 read to answer. " +
    "Delivery success = deliveries that ended accepted ÷ deliveries that ended (accepted, rejected, failed); a delivery awaiting the buyer's " +
    "callback is in neither until it is settled. Percentiles come from a fixed-bucket histogram (the bucket's upper bound). " +
    "`source=analytics` answers the attempt figures from the Workers Analytics Engine SQL API instead (production).",
  security: ADMIN_TOKEN,
  request: {
    query: z.object({
      window: z.enum(windowNames).optional().openapi({ description: "How far back (default 24h)", example: "24h" }),
      source: z.enum(["d1", "analytics"]).optional().openapi({ description: "d1 rollups (default) or Analytics Engine" }),
    }),
  },
  responses: {
    200: json(z.record(z.string(), z.unknown()).openapi("Metrics"), "The figures, overall, per buyer, per source and per vertical, with the window's series"),
    400: errors[400],
    401: errors[401],
    503: errors[503],
  },
});

metricsRouter.openapi(getMetrics, async (c) => {
  const q = c.req.valid("query");
  const window = q.window ?? "24h";
  const now = c.get("clock").now();
  if (q.source === "analytics") {
    const cfg = settings(c.env).analytics;
    if (!cfg) {
      throw new ApiError(
        "unavailable",
        "Analytics Engine is not configured: set the secrets ANALYTICS_ACCOUNT_ID and ANALYTICS_API_TOKEN (locally the D1 rollups serve: omit source).",
      );
    }
    try {
      return c.json(await analyticsMetrics(cfg, windowRange(window, now)), 200);
    } catch (err) {
      if (err instanceof AnalyticsError) throw new ApiError("unavailable", err.message);
      throw err;
    }
  }
  // Ping/post figures (bids and sales in the window) beside the rollups.
  const range = windowRange(window, now);
  const [metrics, circuits, pingPost] = await Promise.all([
    computeMetrics(c.env, window, now),
    gateStatuses(c.env, [...getBuyerRegistry(c.env).values()]),
    pingPostMetrics(c.env, range.fromMs, range.toMs),
  ]);
  return c.json({ ...metrics, circuits, pingPost }, 200);
});
