import { createRoute, z } from "@hono/zod-openapi";
import { gateStatuses } from "../buyer-gate/client";
import { ApiError } from "../core/errors";
import { pingPostMetrics } from "../db/pingpost-reports";
import { computeMetrics } from "../db/reports";
import { getBuyerRegistry } from "../integration/registry";
import { parseWindow } from "../observability/metrics";
import { adminAuth } from "./auth";
import { ADMIN_TOKEN, errors, json, newRouter } from "./openapi";

export const metricsRouter = newRouter();
metricsRouter.use("*", adminAuth);

const getMetrics = createRoute({
  method: "get",
  path: "/",
  summary: "Success rate, latency percentiles, errors by class, retries, circuits, revenue",
  security: ADMIN_TOKEN,
  request: {
    query: z.object({
      window: z.string().optional().openapi({ description: "How far back: 90m, 24h, 7d … (at most 90 days; default 24h)", example: "24h" }),
    }),
  },
  responses: {
    200: json(z.record(z.string(), z.unknown()).openapi("Metrics"), "The figures, overall, per buyer and per source"),
    400: errors[400],
    401: errors[401],
  },
});

metricsRouter.openapi(getMetrics, async (c) => {
  const windowMs = parseWindow(c.req.valid("query").window);
  if (windowMs === undefined) {
    throw new ApiError("bad_request", "window must look like 90m, 24h or 7d (at most 90 days).", [{ path: "query.window", message: "e.g. 24h" }]);
  }
  const now = c.get("clock").now();
  const [metrics, circuits, pingPost] = await Promise.all([
    computeMetrics(c.env, now - windowMs, now + 1),
    gateStatuses(c.env, [...getBuyerRegistry(c.env).values()]),
    pingPostMetrics(c.env, now - windowMs, now + 1),
  ]);
  return c.json({ ...metrics, circuits, pingPost }, 200);
});
