import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { type Clock, systemClock } from "./core/clock";
import { errorBody, zodIssues } from "./core/errors";
import { settings } from "./core/settings";
import { adminRouter } from "./routes/admin";
import { alertsRouter } from "./routes/alerts";
import { answerHeaders, errorResponse, requestIdOf } from "./routes/answer";
import { buyerVersionsRouter } from "./routes/buyer-versions";
import { buyersRouter } from "./routes/buyers";
import { dashboardRouter } from "./routes/dashboard";
import { docsRouter } from "./routes/docs";
import { leadsRouter } from "./routes/leads";
import { metricsRouter } from "./routes/metrics";
import { json } from "./routes/openapi";
import { pingPostRouter } from "./routes/ping-post";
import { buyerBidsRouter, sourceTermsRouter } from "./routes/pingpost-admin";
import { adminSpecRouter, dashboardSpecRouter, sourceSpecRouter } from "./routes/posting-spec";
import { routingAdminRouter } from "./routes/routing-admin";
import { webhooksRouter } from "./routes/webhooks";

export interface AppOptions {
  clock?: Clock;
}

/** Builds the Hono app: request ids, one error handler, a router per resource. */
export function createApp(options: AppOptions = {}) {
  const clock = options.clock ?? systemClock;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const requestId = c.get("requestId");
        return c.json(errorBody("validation_failed", "The request is not valid.", requestId, zodIssues(result.error)), 400);
      }
      return undefined;
    },
  });

  app.use("*", async (c, next) => {
    const requestId = requestIdOf(c.req.raw.headers);
    c.set("requestId", requestId);
    c.set("clock", clock);
    // Parsed once per configuration: a Worker that cannot work as configured says so at once.
    settings(c.env);
    await next();
    for (const [name, value] of answerHeaders(requestId)) c.header(name, value);
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      summary: "Liveness",
      responses: { 200: json(z.object({ status: z.literal("ok"), service: z.string(), time: z.string() }), "Alive") },
    }),
    (c) => c.json({ status: "ok" as const, service: "leadwire", time: new Date(clock.now()).toISOString() }, 200),
  );

  app.route("/v1/leads", leadsRouter);
  app.route("/v1/webhooks", webhooksRouter);
  app.route("/v1/buyers", buyersRouter);
  // Ping/post (issue 12): sources' /v1/ping and /v1/post, their terms of sale, buyers' bids.
  app.route("/v1", pingPostRouter);
  app.route("/v1/admin", sourceTermsRouter);
  app.route("/v1/buyers", buyerBidsRouter);
  // Config versions, rollback pins, canary progress (issue 15).
  app.route("/v1/buyers", buyerVersionsRouter);
  app.route("/v1/metrics", metricsRouter);
  app.route("/v1/admin", adminRouter);
  app.route("/v1/alerts", alertsRouter);
  // Routing (issue 13): methods per vertical, their figures, prepaid top-ups.
  app.route("/v1/admin", routingAdminRouter);
  // Routing (issue 13): posting instructions — a source's own, an operator's, and the printable page (before /dashboard's catch-all).
  app.route("/v1/sources", sourceSpecRouter(app));
  app.route("/v1/admin", adminSpecRouter(app));
  app.route("/dashboard/posting-spec", dashboardSpecRouter(app));
  app.route("/dashboard", dashboardRouter);
  app.route("/", docsRouter(app));

  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}.`, c.get("requestId")), 404));

  app.onError((err, c) => errorResponse(err, c.get("requestId") ?? crypto.randomUUID(), { method: c.req.method, path: c.req.path }));

  return app;
}

export type App = ReturnType<typeof createApp>;
