import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../core/errors";
import { acceptPost, quotePing } from "../intake/exchange";
import { sourceAuth } from "./auth";
import { readJsonBody } from "./body";
import { documentedBody, errors, json, newRouter, SOURCE_KEY } from "./openapi";

/** Ping/post for sources (issue 12): `POST /v1/ping`, then `POST /v1/post` with the ping id. */
export const pingPostRouter = newRouter();
// Mounted at /v1: the source key guards these two paths only, not the rest of /v1.
pingPostRouter.use("/ping", sourceAuth);
pingPostRouter.use("/post", sourceAuth);

const MAX_BYTES = 64 * 1024;

/**
 * Work the runtime finishes after the answer (the auction's record), when the request has an
 * execution context; without one (an app called directly) the work is awaited before answering.
 */
function deferrer(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): ((write: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (write) => ctx.waitUntil(write);
  } catch {
    return undefined;
  }
}

const OfferedBidSchema = z.object({ bid_id: z.string(), price: z.number(), expires_at: z.string() });
const PingAnswerSchema = z
  .object({
    ping_id: z.string(),
    status: z.enum(["bid", "no_bid"]),
    mode: z.enum(["exclusive", "shared"]).optional(),
    price: z.number().optional().openapi({ description: "Exclusive: what the source is paid if the lead sells to the top bid (its payout rule applied)" }),
    max_buyers: z.number().optional(),
    bids: z.array(OfferedBidSchema).optional().openapi({ description: "Shared: every live bid, best first, each with its own id and price" }),
    expires_at: z.string().optional(),
    reason: z.string().optional(),
  })
  .openapi("PingAnswer");

const PostAnswerSchema = z
  .object({
    id: z.string(),
    ping_id: z.string(),
    status: z.enum(["sold", "unsold", "expired", "pending", "queued"]),
    payout: z.number().nullable().openapi({ description: "What the source is paid for this lead; null when it did not sell" }),
  })
  .openapi("PostAnswer");

const pingRoute = createRoute({
  method: "post",
  path: "/ping",
  summary: "Ping: partial, non-identifying lead data; answers a price, a ping id and an expiry (or no bid)",
  description:
    "The lead's fields without name, e-mail, phones, street, date of birth, IP address or browser, validated like a lead. " +
    "Leadwire runs an auction among its buyers within the source's deadline and answers the price offered to the source " +
    "(the top bid after the source's payout rule) with a `ping_id`; in shared mode every live bid with its own `bid_id`.",
  security: SOURCE_KEY,
  request: { body: documentedBody("PingInput", "The partial lead") },
  responses: {
    200: json(PingAnswerSchema, "A price (status bid) or no bid"),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    413: errors[413],
    415: errors[415],
  },
});

pingPostRouter.openapi(pingRoute, async (c) => {
  const source = c.get("source");
  if (!source) throw new ApiError("forbidden", "Only a source can ping.");
  const { json: body } = await readJsonBody(c.req.raw, MAX_BYTES);
  return c.json(await quotePing(c.env, c.get("clock"), source, body, deferrer(c)), 200);
});

const postRoute = createRoute({
  method: "post",
  path: "/post",
  summary: "Post: the full lead for a ping; sold to the auction's bids, best first",
  description:
    "`{ping_id, lead, bid_ids?}`. The lead must agree with what was pinged (409 naming the field); an unknown, expired or " +
    "already used ping id is refused. The answer says sold (with the source's payout) or not.",
  security: SOURCE_KEY,
  request: { body: documentedBody("PostInput", "The ping id and the full lead") },
  responses: {
    200: json(PostAnswerSchema, "Sold or unsold"),
    202: json(PostAnswerSchema, "Handed to the queue (a buyer failed transiently) or awaiting a buyer's decision"),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    413: errors[413],
    415: errors[415],
  },
});

pingPostRouter.openapi(postRoute, async (c) => {
  const source = c.get("source");
  if (!source) throw new ApiError("forbidden", "Only a source can post.");
  const { json: body } = await readJsonBody(c.req.raw, MAX_BYTES);
  const out = await acceptPost(c.env, c.get("clock"), source, body);
  return c.json(out, out.status === "queued" || out.status === "pending" ? 202 : 200);
});
