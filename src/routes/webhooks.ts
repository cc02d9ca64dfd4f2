import { createRoute, z } from "@hono/zod-openapi";
import { receiveWebhook } from "../webhooks/ingest";
import { errors, freeformBody, json, newRouter } from "./openapi";

/**
 * `POST /v1/webhooks/:buyerId` — buyers' signed callbacks. The raw body is read by the
 * receiver (never parsed by a validator first), because the signature covers the exact bytes.
 */
export const webhooksRouter = newRouter();

const WebhookReceiptSchema = z.object({ status: z.enum(["accepted", "duplicate", "ignored"]), eventId: z.string() }).openapi("WebhookReceipt");

const receive = createRoute({
  method: "post",
  path: "/{buyerId}",
  summary: "Signed callbacks from a buyer (decision, status, return, conversion, feedback)",
  description:
    "Verified over the raw bytes with the buyer's scheme (Standard Webhooks, Stripe-style, GitHub-style or a plain header), timestamp within ±300 s, " +
    "IP allowlist and size cap; deduplicated by event id; acknowledged at once and processed from the events queue.",
  request: {
    params: z.object({
      buyerId: z
        .string()
        .min(1)
        .max(128)
        .openapi({ param: { name: "buyerId", in: "path" } }),
    }),
    body: freeformBody("The buyer's event, as its webhook rules describe it"),
  },
  responses: {
    200: json(WebhookReceiptSchema, "Accepted, a duplicate, or a type this buyer's rules ignore"),
    400: errors[400],
    401: json(errors[401].content["application/json"].schema, "Bad signature or timestamp"),
    403: json(errors[403].content["application/json"].schema, "IP not allowed"),
    404: errors[404],
    413: errors[413],
    415: errors[415],
    503: errors[503],
  },
});

webhooksRouter.openapi(receive, async (c) => {
  const out = await receiveWebhook(c.env, c.get("clock"), c.req.valid("param").buyerId, c.req.raw);
  return c.json(out, 200);
});
