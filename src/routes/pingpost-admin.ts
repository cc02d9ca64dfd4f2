import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, zodIssues } from "../core/errors";
import { DEFAULT_SALE_TERMS, parseSaleTerms, SaleTermsSchema } from "../core/sale-terms";
import { bidsOfBuyer } from "../db/pingpost-reports";
import { listSources, setSaleTerms } from "../db/sources";
import { getBuyerRegistry } from "../integration/registry";
import { WINDOWS, type WindowName, windowRange } from "../observability/metrics";
import { adminAuth } from "./auth";
import { readJsonBody } from "./body";
import { ADMIN_TOKEN, documentedBody, errors, IdParam, json, newRouter } from "./openapi";

/** Operators' side of ping/post (issue 12): a source's terms of sale, and a buyer's bids. */
export const sourceTermsRouter = newRouter();
sourceTermsRouter.use("*", adminAuth);

const TermsSchema = z.record(z.string(), z.unknown()).openapi("SaleTerms", {
  description:
    'The source\'s terms of sale: `{"mode": "exclusive"|"shared", "maxBuyers": 1-10, "payout": {"type": "margin", "amount": 5} | {"type": "share", "percent": 80}, ' +
    '"auctionDeadlineMs": 1500, "pingTtlSeconds": 60, "rejectDuplicatesDays": 30, "distribution": {"method": "waterfall" | "highest_bid" | "multi_sell" | "round_robin" | "weighted" | "epl", …}}`',
});

const putTerms = createRoute({
  method: "put",
  path: "/sources/{id}/terms",
  summary: "Set a source's terms of sale: exclusive or shared, payout rule, auction deadline, duplicate window",
  security: ADMIN_TOKEN,
  // Read by the handler (size limit, then the terms' own schema): documented by reference, so no validator reads the body first.
  request: { params: IdParam, body: documentedBody("SaleTerms", "The terms (omitted fields take their defaults)") },
  responses: { 200: json(TermsSchema, "The terms now in force"), 400: errors[400], 401: errors[401], 404: errors[404], 415: errors[415] },
});

sourceTermsRouter.openapi(putTerms, async (c) => {
  const { id } = c.req.valid("param");
  const { json: body } = await readJsonBody(c.req.raw, 8 * 1024);
  const parsed = SaleTermsSchema.safeParse(body);
  if (!parsed.success) throw new ApiError("validation_failed", "The terms are not valid.", zodIssues(parsed.error));
  if (!(await setSaleTerms(c.env, id, parsed.data))) throw new ApiError("not_found", `No source ${id}.`);
  return c.json(parsed.data as Record<string, unknown>, 200);
});

const getTerms = createRoute({
  method: "get",
  path: "/sources/{id}/terms",
  summary: "A source's terms of sale",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: { 200: json(TermsSchema, "The terms in force (the defaults when none were set)"), 401: errors[401], 404: errors[404] },
});

sourceTermsRouter.openapi(getTerms, async (c) => {
  const { id } = c.req.valid("param");
  const row = (await listSources(c.env)).find((s) => s.id === id);
  if (!row) throw new ApiError("not_found", `No source ${id}.`);
  return c.json((row.saleTerms ? parseSaleTerms(row.saleTerms) : DEFAULT_SALE_TERMS) as Record<string, unknown>, 200);
});

/** `GET /v1/buyers/{id}/bids`, mounted beside the buyers router. */
export const buyerBidsRouter = newRouter();
buyerBidsRouter.use("*", adminAuth);

const bidsRoute = createRoute({
  method: "get",
  path: "/{id}/bids",
  summary: "A buyer's latest bids and its auction figures: bid rate, distribution, win rate, ping-to-post acceptance",
  security: ADMIN_TOKEN,
  request: {
    params: IdParam,
    query: z.object({
      window: z
        .enum(Object.keys(WINDOWS) as [WindowName, ...WindowName[]])
        .optional()
        .openapi({ description: "How far back: 1h, 24h, 7d or 30d (default 24h)", example: "24h" }),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
  },
  responses: {
    200: json(
      z.object({ buyerId: z.string(), summary: z.record(z.string(), z.unknown()), bids: z.array(z.record(z.string(), z.unknown())) }),
      "Bids, newest first",
    ),
    400: errors[400],
    401: errors[401],
    404: errors[404],
  },
});

buyerBidsRouter.openapi(bidsRoute, async (c) => {
  const { id } = c.req.valid("param");
  if (!getBuyerRegistry(c.env).has(id)) throw new ApiError("not_found", `No buyer ${id}.`);
  const q = c.req.valid("query");
  const range = windowRange(q.window ?? "24h", c.get("clock").now());
  const r = await bidsOfBuyer(c.env, id, range.fromMs, range.toMs, q.limit ?? 100);
  return c.json({ buyerId: id, summary: r.summary as unknown as Record<string, unknown>, bids: r.bids }, 200);
});
