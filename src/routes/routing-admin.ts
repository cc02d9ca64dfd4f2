import { createRoute, z } from "@hono/zod-openapi";
import { gateFor } from "../buyer-gate/client";
import { ApiError } from "../core/errors";
import { newId } from "../core/ids";
import { buyerOverrides, resumeBuyer } from "../db/buyer-overrides";
import { resolveBuyerAlerts } from "../db/routing-alerts";
import { statsOfVertical } from "../db/routing-stats";
import { turnsOf } from "../db/routing-turns";
import { dayMinus, localDay } from "../delivery/distribution/days";
import { eplScore } from "../delivery/distribution/epl";
import { sumFigures } from "../delivery/distribution/figures";
import { BALANCE_ALERT, BALANCE_PAUSE_REASON } from "../delivery/distribution/skips";
import { targetOf } from "../delivery/distribution/weighted";
import { VERTICALS } from "../intake/schema";
import { getBuyerRegistry } from "../integration/registry";
import { distributionFor, getRoutingConfig } from "../integration/routing";
import { adminAuth } from "./auth";
import { ADMIN_TOKEN, errors, IdParam, json, newRouter } from "./openapi";

/** Operators' side of routing (issue 13): the methods in force, what they measure, and prepaid top-ups. */
export const routingAdminRouter = newRouter();
routingAdminRouter.use("*", adminAuth);

const TopUpSchema = z
  .object({
    amount: z.number().positive().max(10_000_000).openapi({ description: "Dollars added to the buyer's prepaid balance", example: 5000 }),
    reference: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "Your id for this top-up (an invoice or payment id): the same reference twice adds once", example: "inv-2026-0042" }),
  })
  .strict()
  .openapi("TopUp");

const topUp = createRoute({
  method: "post",
  path: "/buyers/{id}/balance",
  summary: "Top up a prepaid buyer's balance (a buyer paused because its balance was spent is resumed)",
  security: ADMIN_TOKEN,
  request: { params: IdParam, body: json(TopUpSchema, "The amount and an optional reference") },
  responses: {
    200: json(
      z.object({ buyerId: z.string(), balance: z.number(), applied: z.boolean(), resumed: z.boolean() }),
      "The balance now; `applied` is false when this reference was already added",
    ),
    400: errors[400],
    401: errors[401],
    404: errors[404],
    409: errors[409],
  },
});

routingAdminRouter.openapi(topUp, async (c) => {
  const { id } = c.req.valid("param");
  const buyer = getBuyerRegistry(c.env).get(id);
  if (!buyer) throw new ApiError("not_found", `No buyer ${id}.`);
  const body = c.req.valid("json");
  if (!buyer.caps.prepaid) {
    throw new ApiError("conflict", `${id} is not a prepaid buyer: set "caps": {"prepaid": true} in its config first.`, [
      { path: "params.id", message: "not prepaid" },
    ]);
  }
  const stub = gateFor(c.env, buyer);
  // The gate keeps the config it was last given; a top-up before any lead must still know the caps.
  await stub.status(buyer);
  const r = await stub.topUp(body.reference ?? newId("top", c.get("clock").now()), body.amount);
  const pause = (await buyerOverrides(c.env)).get(id);
  const resumed = pause?.status === "paused" && pause.reason === BALANCE_PAUSE_REASON && r.balance >= buyer.price;
  if (resumed) await resumeBuyer(c.env, id);
  if (r.balance >= buyer.price) await resolveBuyerAlerts(c.env, BALANCE_ALERT, id, c.get("clock").now());
  return c.json({ buyerId: id, balance: r.balance, applied: r.applied, resumed }, 200);
});

const VerticalParam = z.object({
  vertical: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "vertical", in: "path" }, example: "auto_insurance" }),
});

const listRouting = createRoute({
  method: "get",
  path: "/routing",
  summary: "The distribution method of every vertical (config/routing.json) and the buyers it orders",
  security: ADMIN_TOKEN,
  responses: {
    200: json(
      z.object({
        default: z.record(z.string(), z.unknown()),
        verticals: z.record(z.string(), z.object({ distribution: z.record(z.string(), z.unknown()), origin: z.string(), buyers: z.array(z.string()) })),
      }),
      "Per vertical: the method, where it comes from (vertical or default), and its buyers",
    ),
    401: errors[401],
  },
});

routingAdminRouter.openapi(listRouting, (c) => {
  const config = getRoutingConfig(c.env);
  const buyers = [...getBuyerRegistry(c.env).values()];
  const verticals = new Set<string>([...VERTICALS, ...Object.keys(config.verticals), ...buyers.flatMap((b) => b.verticals)]);
  const out: Record<string, { distribution: Record<string, unknown>; origin: string; buyers: string[] }> = {};
  for (const v of [...verticals].sort()) {
    const { distribution, origin } = distributionFor(config, v, undefined);
    out[v] = { distribution, origin, buyers: buyers.filter((b) => b.verticals.includes(v)).map((b) => b.id) };
  }
  return c.json({ default: config.default as Record<string, unknown>, verticals: out }, 200);
});

const figuresRoute = createRoute({
  method: "get",
  path: "/routing/{vertical}",
  summary: "What routing measures in a vertical: each buyer's offers, acceptance, revenue, returns, EPL, target share and turn",
  security: ADMIN_TOKEN,
  request: {
    params: VerticalParam,
    query: z.object({ days: z.coerce.number().int().min(1).max(60).optional().openapi({ description: "The window in days (default: the EPL window, or 7)" }) }),
  },
  responses: { 200: json(z.record(z.string(), z.unknown()), "The vertical's method and each buyer's figures"), 400: errors[400], 401: errors[401] },
});

routingAdminRouter.openapi(figuresRoute, async (c) => {
  const { vertical } = c.req.valid("param");
  const nowMs = c.get("clock").now();
  const { distribution, origin } = distributionFor(getRoutingConfig(c.env), vertical, undefined);
  const days = c.req.valid("query").days ?? (distribution.method === "epl" ? distribution.windowDays : 7);
  const priorOffers = distribution.method === "epl" ? distribution.priorOffers : 0;
  const buyers = [...getBuyerRegistry(c.env).values()].filter((b) => b.verticals.includes(vertical));
  const from = (tz: string) => dayMinus(localDay(nowMs, tz), days - 1);
  const rows = await statsOfVertical(c.env, vertical, [...buyers.map((b) => from(b.caps.timezone))].sort()[0] ?? from("UTC"));
  const window = sumFigures(rows, buyers, (b) => from(b.caps.timezone));
  const today = sumFigures(rows, buyers, (b) => localDay(nowMs, b.caps.timezone));
  const turns = await turnsOf(c.env, vertical);
  return c.json(
    {
      vertical,
      distribution,
      origin,
      days,
      buyers: buyers.map((b) => {
        const f = window.get(b.id);
        const s = f ? eplScore(b.price, f, priorOffers) : undefined;
        const target = distribution.method === "weighted" ? targetOf(b, distribution) : undefined;
        return {
          buyerId: b.id,
          price: b.price,
          priority: b.priority,
          ...f,
          acceptance: f && f.offered > 0 ? f.accepted / f.offered : null,
          epl: s ? Math.round(s.score * 100) / 100 : null,
          realizedEpl: s?.realized === null || s === undefined ? null : Math.round(s.realized * 100) / 100,
          soldToday: today.get(b.id)?.accepted ?? 0,
          ...(target !== undefined ? { target } : {}),
          turn: turns.get(b.id) ?? null,
        };
      }),
    } as Record<string, unknown>,
    200,
  );
});
