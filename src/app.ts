import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context";
import { type Clock, systemClock } from "./core/clock";
import { ApiError, errorBody, zodIssues } from "./core/errors";
import { SettingsError, settings } from "./core/settings";
import { log } from "./observability/log";
import { adminRouter } from "./routes/admin";
import { alertsRouter } from "./routes/alerts";
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
    const incoming = c.req.header("cf-ray") ?? c.req.header("x-request-id");
    const requestId = incoming && /^[\w-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("clock", clock);
    // Parsed once per configuration: a Worker that cannot work as configured says so at once.
    settings(c.env);
    await next();
    c.header("X-Request-Id", requestId);
    // No response is ever meant to be sniffed into another type (JSON read as HTML, …).
    c.header("X-Content-Type-Options", "nosniff");
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

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? crypto.randomUUID();
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message, requestId, err.issues), err.status as 400);
    }
    if (err instanceof SettingsError) {
      log("error", "leadwire is misconfigured", { requestId, issues: err.issues });
      return c.json(errorBody("unavailable", "Leadwire is not configured correctly; the operator has been told.", requestId), 503);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 400 ? "bad_request" : status === 401 ? "unauthorized" : status === 413 ? "payload_too_large" : "bad_request";
      if (status < 500) return c.json(errorBody(code, err.message || "Bad request.", requestId), status);
    }
    log("error", "unhandled error", {
      requestId,
      path: c.req.path,
      method: c.req.method,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    return c.json(errorBody("internal", "Something went wrong on our side. Quote the request id when you contact us.", requestId), 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
