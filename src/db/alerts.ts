import { and, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { newId } from "../core/ids";
import { type DbEnv, isoAt, mainDb, schema } from "./client";

const AL = schema.alerts;
const AN = schema.alertNotifications;

export type AlertRow = typeof AL.$inferSelect;
export type AlertNotificationRow = typeof AN.$inferSelect;

export interface NewAlert {
  kind: string;
  buyerId: string | null;
  /** What it is about (default: the buyer id, or "" for the platform). */
  subject?: string;
  severity?: string;
  message: string;
  nowMs: number;
}

/**
 * Opens an alert unless one of the same kind is already open for the same subject: the unique
 * index on open alerts decides (one insert wins, also between concurrent raisers). Returns the
 * new alert's id, or undefined when one was open. The ops cron sends it to the targets.
 */
export async function raiseAlert(env: DbEnv, a: NewAlert): Promise<string | undefined> {
  const id = newId("alr", a.nowMs);
  const rows = await mainDb(env)
    .insert(AL)
    .values({
      id,
      kind: a.kind,
      buyerId: a.buyerId,
      subject: a.subject ?? a.buyerId ?? "",
      severity: a.severity ?? "warning",
      message: a.message,
      createdAt: isoAt(a.nowMs),
      lastSeenAt: isoAt(a.nowMs),
    })
    .onConflictDoNothing()
    .returning({ id: AL.id });
  return rows[0]?.id;
}

/** The newest alerts first (open and resolved: the history). */
export async function listAlerts(env: DbEnv, limit: number): Promise<AlertRow[]> {
  return mainDb(env).select().from(AL).orderBy(desc(AL.createdAt)).limit(limit);
}

/** Every open alert (at most one per kind and subject, so bounded by buyers and sources). */
export async function openAlerts(env: DbEnv): Promise<AlertRow[]> {
  return mainDb(env).select().from(AL).where(isNull(AL.resolvedAt)).orderBy(AL.createdAt).limit(1000);
}

/** One alert. */
export async function alertById(env: DbEnv, id: string): Promise<AlertRow | undefined> {
  return mainDb(env).select().from(AL).where(eq(AL.id, id)).get();
}

/** The condition still holds: its latest words and when it was last seen. */
export async function touchAlert(env: DbEnv, id: string, message: string, nowMs: number): Promise<void> {
  await mainDb(env)
    .update(AL)
    .set({ message, lastSeenAt: isoAt(nowMs) })
    .where(and(eq(AL.id, id), isNull(AL.resolvedAt)));
}

/** The condition cleared: `resolved_at` is written once (true for the call that wrote it). */
export async function resolveAlert(env: DbEnv, id: string, nowMs: number): Promise<boolean> {
  const rows = await mainDb(env)
    .update(AL)
    .set({ resolvedAt: isoAt(nowMs) })
    .where(and(eq(AL.id, id), isNull(AL.resolvedAt)))
    .returning({ id: AL.id });
  return rows.length > 0;
}

/** An unacknowledged open alert moves up to `level` (from a lower one; true when this call moved it). */
export async function escalateAlert(env: DbEnv, id: string, level: number): Promise<boolean> {
  const rows = await mainDb(env)
    .update(AL)
    .set({ level })
    .where(and(eq(AL.id, id), isNull(AL.resolvedAt), isNull(AL.ackedAt), lt(AL.level, level)))
    .returning({ id: AL.id });
  return rows.length > 0;
}

/** The targets up to `level` have been sent the alert (true for the call that moved it). */
export async function markAlertNotified(env: DbEnv, id: string, fromLevel: number, toLevel: number): Promise<boolean> {
  const rows = await mainDb(env)
    .update(AL)
    .set({ notifiedLevel: toLevel })
    .where(and(eq(AL.id, id), eq(AL.notifiedLevel, fromLevel)))
    .returning({ id: AL.id });
  return rows.length > 0;
}

/** A person took the alert: escalation stops. Undefined when there is no such open, unacknowledged alert. */
export async function ackAlert(env: DbEnv, id: string, by: string, nowMs: number): Promise<AlertRow | undefined> {
  const rows = await mainDb(env)
    .update(AL)
    .set({ ackedAt: isoAt(nowMs), ackedBy: by })
    .where(and(eq(AL.id, id), isNull(AL.ackedAt), isNull(AL.resolvedAt)))
    .returning();
  return rows[0];
}

export interface NewNotification {
  alertId: string;
  target: string;
  level: number;
  event: string;
  nowMs: number;
}

/** The notification's id: one per alert, event, level and target, so a repeated enqueue writes nothing new. */
export function notificationId(n: Pick<NewNotification, "alertId" | "event" | "level" | "target">): string {
  return `${n.alertId}.${n.event}.${n.level}.${n.target}`;
}

/** Records a notification about to be queued; false when it was already recorded. */
export async function recordNotification(env: DbEnv, n: NewNotification): Promise<string | undefined> {
  const id = notificationId(n);
  const rows = await mainDb(env)
    .insert(AN)
    .values({ id, alertId: n.alertId, target: n.target, level: n.level, event: n.event, status: "queued", createdAt: isoAt(n.nowMs) })
    .onConflictDoNothing()
    .returning({ id: AN.id });
  return rows[0]?.id;
}

/** One notification. */
export async function notificationById(env: DbEnv, id: string): Promise<AlertNotificationRow | undefined> {
  return mainDb(env).select().from(AN).where(eq(AN.id, id)).get();
}

/** The outcome of one try: sent, or failed (with what the target answered) — `final` when no retry follows. */
export async function noteNotificationTry(
  env: DbEnv,
  id: string,
  t: { ok: boolean; status: number | null; error: string | null; final: boolean; nowMs: number },
): Promise<void> {
  await mainDb(env)
    .update(AN)
    .set({
      attempts: sql`${AN.attempts} + 1`,
      lastStatus: t.status,
      lastError: t.error,
      ...(t.ok ? { status: "sent" as const, sentAt: isoAt(t.nowMs) } : t.final ? { status: "failed" as const } : {}),
    })
    .where(eq(AN.id, id));
}

/** The notifications of some alerts, oldest first (the dashboard's alert history). */
export async function notificationsOf(env: DbEnv, alertIds: readonly string[]): Promise<AlertNotificationRow[]> {
  if (alertIds.length === 0) return [];
  return mainDb(env)
    .select()
    .from(AN)
    .where(inArray(AN.alertId, [...alertIds]))
    .orderBy(AN.createdAt)
    .limit(2000);
}
