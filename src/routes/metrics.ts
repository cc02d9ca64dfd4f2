import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { ApiError } from "../core/errors";
import { gateFor } from "../delivery/engine";
import { getBuyerRegistry } from "../integration/registry";
import { computeMetrics, parseWindow } from "../observability/metrics";
import { adminAuth } from "./auth";

export const metricsRouter = new OpenAPIHono<AppEnv>();
metricsRouter.use("*", adminAuth);

/** Circuit state of every buyer, read from its BuyerGate. */
export async function circuitStates(env: Env): Promise<Record<string, unknown>> {
  const buyers = [...getBuyerRegistry(env).values()];
  const states = await Promise.all(
    buyers.map(async (b) => {
      try {
        return await gateFor(env, b).status(b);
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return Object.fromEntries(buyers.map((b, i) => [b.id, states[i]]));
}

metricsRouter.get("/", async (c) => {
  const windowMs = parseWindow(c.req.query("window"));
  if (windowMs === undefined) {
    throw new ApiError("bad_request", "window must look like 90m, 24h or 7d (at most 90 days).", [{ path: "query.window", message: "e.g. 24h" }]);
  }
  const now = c.get("clock").now();
  const [metrics, circuits] = await Promise.all([computeMetrics(c.env, now - windowMs, now + 1), circuitStates(c.env)]);
  return c.json({ ...metrics, circuits });
});
