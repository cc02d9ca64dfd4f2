/**
 * The alert loop the minute cron runs: evaluate every rule from the rollups (and the gates'
 * circuit states), open one alert per rule and subject, resolve it when its condition clears,
 * escalate what nobody acknowledged, and queue the notifications to the targets.
 */
import { gateStatuses } from "../buyer-gate/client";
import type { GateStatus } from "../buyer-gate/types";
import { settings } from "../core/settings";
import { type AlertRow, ackAlert, escalateAlert, markAlertNotified, openAlerts, raiseAlert, recordNotification, resolveAlert, touchAlert } from "../db/alerts";
import { buyerOverrides } from "../db/buyer-overrides";
import { overdueLeads } from "../db/diagnostics";
import { readOpsState, writeOpsState } from "../db/ops-state";
import { latestRegressions } from "../db/regression";
import { readRollups, sumByKey } from "../db/rollups";
import { listSources } from "../db/sources";
import { enqueueAlert } from "../delivery/jobs";
import { getBuyerRegistry } from "../integration/registry";
import type { AlertEvent } from "../observability/alert-payloads";
import { buyerConditions, type Condition, escalationLevel, platformConditions, SEVERITY, sourceConditions, THRESHOLDS } from "../observability/alert-rules";
import { log } from "../observability/log";
import type { RollupRow } from "../observability/metrics";
import { addCounts, bucketStart, type Counts, emptyCounts, HOUR_MS, MINUTE_MS } from "../observability/rollup";

const DEFAULT_TIMEOUT_MS = 15_000;
const BACKLOG_CAP = 1000;

export interface AlertRunReport {
  opened: string[];
  resolved: string[];
  escalated: string[];
  notifications: number;
  rowsRead: number;
}

/** Sums, per key of one dimension, the minute rows of the last `minutes` minutes (the current one included). */
function lastMinutes(rows: readonly RollupRow[], nowMs: number, minutes: number): { byKey: (dim: RollupRow["dim"]) => Map<string, Counts> } {
  const since = new Date(bucketStart("m", nowMs) - (minutes - 1) * MINUTE_MS).toISOString();
  const inWindow = rows.filter((r) => r.bucket >= since);
  return { byKey: (dim) => sumByKey(inWindow, dim) };
}

/**
 * One evaluation: reads the minute rollups of the last hour and the hour rollups of the 24
 * hours before the current hour (a bounded number of rows), every gate's status, pauses,
 * regression results and the queue backlog; then opens, touches and resolves alerts.
 */
export async function evaluateAlerts(env: Env, nowMs: number): Promise<AlertRunReport> {
  const report: AlertRunReport = { opened: [], resolved: [], escalated: [], notifications: 0, rowsRead: 0 };
  const buyers = [...getBuyerRegistry(env).values()];
  const curMinute = bucketStart("m", nowMs);
  const curHour = bucketStart("h", nowMs);
  const [minutes, hours, gates, overrides, regressions, sources, backlog, prev] = await Promise.all([
    readRollups(env, "m", curMinute - 59 * MINUTE_MS, curMinute + MINUTE_MS),
    readRollups(env, "h", curHour - 24 * HOUR_MS, curHour),
    gateStatuses(env, buyers),
    buyerOverrides(env),
    latestRegressions(env, nowMs - 3 * 86_400_000),
    listSources(env),
    overdueLeads(env, nowMs, BACKLOG_CAP),
    readOpsState(
      env,
      buyers.map((b) => `circuit.opens.${b.id}`),
    ),
  ]);
  report.rowsRead = minutes.rowsRead + hours.rowsRead;
  const w15 = lastMinutes(minutes.rows, nowMs, 15);
  const w30 = lastMinutes(minutes.rows, nowMs, 30);
  const w60 = lastMinutes(minutes.rows, nowMs, 60);
  const base = (dim: RollupRow["dim"]) => sumByKey(hours.rows, dim);
  const pick = (m: Map<string, Counts>, k: string) => m.get(k) ?? emptyCounts();

  const conditions: Condition[] = [];
  const b15 = w15.byKey("buyer");
  const b30 = w30.byKey("buyer");
  const b60 = w60.byKey("buyer");
  const bBase = base("buyer");
  const opens: Record<string, string> = {};
  for (const b of buyers) {
    const g = gates[b.id];
    const gate = g && "circuit" in g ? (g as GateStatus) : undefined;
    const ov = overrides.get(b.id);
    const reg = regressions.get(b.id);
    if (gate) opens[`circuit.opens.${b.id}`] = String(gate.circuit.opens);
    conditions.push(
      ...buyerConditions({
        buyerId: b.id,
        name: b.name,
        timeoutMs: b.endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        last15: pick(b15, b.id),
        last30: pick(b30, b.id),
        last60: pick(b60, b.id),
        baseline: pick(bBase, b.id),
        circuit: gate
          ? { state: gate.circuit.state, openedAt: gate.circuit.openedAt, opens: gate.circuit.opens, windowFailures: gate.circuit.windowFailures }
          : undefined,
        // A buyer never seen before counts its current openings as new only while its circuit is not closed.
        prevOpens: Number(prev.get(`circuit.opens.${b.id}`) ?? gate?.circuit.opens ?? 0),
        paused: ov?.status === "paused",
        pausedReason: ov?.reason,
        regression: reg ? { outcome: reg.outcome, reason: reg.reason, at: reg.createdAt } : undefined,
      }),
    );
  }
  const s60 = w60.byKey("source");
  const sBase = base("source");
  for (const s of sources) conditions.push(...sourceConditions({ sourceId: s.id, name: s.name, last60: pick(s60, s.id), baseline: pick(sBase, s.id) }));
  const all15 = w15.byKey("all").get("") ?? emptyCounts();
  conditions.push(...platformConditions({ last15: all15, backlog }));

  const open = new Map((await openAlerts(env)).map((a) => [`${a.kind}|${a.subject}`, a]));
  for (const c of conditions) {
    const existing = open.get(`${c.kind}|${c.subject}`);
    if (c.firing) {
      if (existing) await touchAlert(env, existing.id, c.message, nowMs);
      else {
        const id = await raiseAlert(env, { kind: c.kind, buyerId: c.buyerId, subject: c.subject, severity: SEVERITY[c.kind], message: c.message, nowMs });
        if (id) {
          report.opened.push(id);
          log("warn", "alert opened", { id, kind: c.kind, subject: c.subject, message: c.message });
        }
      }
    } else if (existing && c.clear && (await resolveAlert(env, existing.id, nowMs))) {
      report.resolved.push(existing.id);
      log("info", "alert resolved", { id: existing.id, kind: c.kind, subject: c.subject });
      report.notifications += await notify(env, existing, "resolve", 0, existing.notifiedLevel, nowMs);
    }
  }
  if (Object.keys(opens).length > 0) await writeOpsState(env, opens, nowMs);
  return report;
}

/**
 * Escalation and delivery: an open alert nobody acknowledged climbs to level 1 after 15
 * minutes and to level 2 (the last) after an hour; every level reached is sent to its targets
 * once (a guarded update decides which cron sends it, so two overlapping runs send it once).
 */
export async function escalateAndNotify(env: Env, nowMs: number, report: AlertRunReport): Promise<void> {
  for (const a of await openAlerts(env)) {
    let level = a.level;
    if (a.ackedAt === null) {
      const due = escalationLevel(Date.parse(a.createdAt), nowMs);
      if (due > level && (await escalateAlert(env, a.id, due))) {
        report.escalated.push(a.id);
        log("warn", "alert escalated", { id: a.id, kind: a.kind, subject: a.subject, level: due });
        level = due;
      }
    }
    if (a.notifiedLevel < level && (await markAlertNotified(env, a.id, a.notifiedLevel, level))) {
      for (let l = a.notifiedLevel + 1; l <= level; l++)
        report.notifications += await notify(env, { ...a, level }, l === 0 ? "trigger" : "escalate", l, l, nowMs);
    }
  }
}

/** Records and queues one notification per target whose level is in [fromLevel, toLevel]. */
async function notify(env: Env, a: AlertRow, event: AlertEvent, fromLevel: number, toLevel: number, nowMs: number): Promise<number> {
  let n = 0;
  for (const t of settings(env).alertTargets) {
    if (t.level < fromLevel || t.level > toLevel) continue;
    if (event === "acknowledge" && t.format !== "pagerduty") continue;
    const id = await recordNotification(env, { alertId: a.id, target: t.name, level: t.level, event, nowMs });
    if (!id) continue;
    await enqueueAlert(env, id);
    n++;
  }
  return n;
}

/** `POST /v1/alerts/:id/ack`: escalation stops; PagerDuty targets already paged are told. Undefined when no such open alert waits. */
export async function acknowledgeAlert(env: Env, id: string, by: string, nowMs: number): Promise<AlertRow | undefined> {
  const row = await ackAlert(env, id, by, nowMs);
  if (row) await notify(env, row, "acknowledge", 0, row.notifiedLevel, nowMs);
  return row;
}

export { addCounts, THRESHOLDS };
