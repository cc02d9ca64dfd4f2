import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { receiveWebhook } from "../webhooks/ingest";

/**
 * `POST /v1/webhooks/:buyerId` — buyers' signed callbacks. The raw body is read here (never
 * parsed by a validator first), because the signature covers the exact bytes.
 */
export const webhooksRouter = new OpenAPIHono<AppEnv>();

webhooksRouter.post("/:buyerId", async (c) => {
  const out = await receiveWebhook(c.env, c.get("clock"), c.req.param("buyerId"), c.req.raw);
  return c.json(out, 200);
});
