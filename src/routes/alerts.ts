import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../core/errors";
import { alertById, listAlerts, notificationsOf } from "../db/alerts";
import { acknowledgeAlert } from "../ops/alerts";
import { adminAuth } from "./auth";
import { ADMIN_TOKEN, errors, IdParam, json, newRouter } from "./openapi";

export const alertsRouter = newRouter();
alertsRouter.use("*", adminAuth);

const AlertSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    subject: z.string(),
    buyerId: z.string().nullable(),
    severity: z.string(),
    message: z.string(),
    level: z.number().openapi({ description: "Escalation level reached: 0 first targets, 1 after 15 min unacknowledged, 2 after an hour" }),
    createdAt: z.string(),
    lastSeenAt: z.string().nullable(),
    ackedAt: z.string().nullable(),
    ackedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    notifications: z.array(
      z.object({ target: z.string(), level: z.number(), event: z.string(), status: z.string(), attempts: z.number(), sentAt: z.string().nullable() }),
    ),
  })
  .openapi("Alert");

type AlertOut = z.infer<typeof AlertSchema>;

async function withNotifications(env: Env, rows: Awaited<ReturnType<typeof listAlerts>>): Promise<AlertOut[]> {
  const notes = await notificationsOf(
    env,
    rows.map((r) => r.id),
  );
  return rows.map((a) => ({
    id: a.id,
    kind: a.kind,
    subject: a.subject,
    buyerId: a.buyerId,
    severity: a.severity,
    message: a.message,
    level: a.level,
    createdAt: a.createdAt,
    lastSeenAt: a.lastSeenAt,
    ackedAt: a.ackedAt,
    ackedBy: a.ackedBy,
    resolvedAt: a.resolvedAt,
    notifications: notes
      .filter((n) => n.alertId === a.id)
      .map((n) => ({ target: n.target, level: n.level, event: n.event, status: n.status, attempts: n.attempts, sentAt: n.sentAt })),
  }));
}

const list = createRoute({
  method: "get",
  path: "/",
  summary: "Alerts with their history (newest first): open and resolved, escalation level, acknowledgement, every notification sent",
  security: ADMIN_TOKEN,
  responses: { 200: json(z.object({ alerts: z.array(AlertSchema) }), "The latest 200 alerts"), 401: errors[401] },
});

alertsRouter.openapi(list, async (c) => c.json({ alerts: await withNotifications(c.env, await listAlerts(c.env, 200)) }, 200));

const ack = createRoute({
  method: "post",
  path: "/{id}/ack",
  summary: "Acknowledge an open alert: escalation stops (PagerDuty targets already paged get an acknowledge event)",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: { 200: json(AlertSchema, "Acknowledged"), 401: errors[401], 404: errors[404], 409: errors[409] },
});

alertsRouter.openapi(ack, async (c) => {
  const { id } = c.req.valid("param");
  const row = await acknowledgeAlert(c.env, id, "api", c.get("clock").now());
  if (!row) {
    const existing = await alertById(c.env, id);
    if (!existing) throw new ApiError("not_found", `No alert ${id}.`);
    throw new ApiError("conflict", existing.resolvedAt ? `Alert ${id} is already resolved.` : `Alert ${id} was already acknowledged at ${existing.ackedAt}.`);
  }
  const [out] = await withNotifications(c.env, [row]);
  if (!out) throw new ApiError("not_found", `No alert ${id}.`);
  return c.json(out, 200);
});
