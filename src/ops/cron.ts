/**
 * The ops half of the minute cron: alert rules, escalation and notifications; retention in
 * bounded steps; rollup pruning; the daily regression lead. Each part runs on its own, so one
 * failing (logged) never stops the others.
 */
import type { Clock } from "../core/clock";
import { settings } from "../core/settings";
import { claimTurn } from "../db/ops-state";
import { deleteExpiredRecords, type ExpiryReport, type PurgeReport, purgePersonalData } from "../db/retention";
import { pruneRollups } from "../db/rollups";
import { log } from "../observability/log";
import { type AlertRunReport, escalateAndNotify, evaluateAlerts } from "./alerts";
import { type RegressionResult, runRegressions } from "./regression";

const DAY_MS = 86_400_000;
/** Minute rollups serve the 1-hour window and the rules: two days is plenty. */
const MINUTE_ROLLUP_DAYS = 2;
/** Hour rollups serve trends: kept 400 days. */
const HOUR_ROLLUP_DAYS = 400;
/** Retention steps per cron run: a backlog drains at up to this × RETENTION_BATCH rows per minute. */
const MAX_RETENTION_STEPS = 10;

export interface RetentionReport {
  purged: PurgeReport;
  expired: ExpiryReport;
  rollupsPruned: number;
}

/**
 * Personal data older than RETENTION_DAYS is removed, sanitized records older than
 * COMPLIANCE_YEARS are deleted, old rollup rows pruned — each in steps of RETENTION_BATCH rows,
 * repeated while a step comes back full (at most MAX_RETENTION_STEPS per run).
 */
export async function runRetention(env: Env, nowMs: number): Promise<RetentionReport> {
  const s = settings(env);
  const purged: PurgeReport = { leads: 0, attempts: 0, webhookEvents: 0, deadLetters: 0 };
  for (let i = 0; i < MAX_RETENTION_STEPS; i++) {
    const r = await purgePersonalData(env, { beforeMs: nowMs - s.retentionDays * DAY_MS, limit: s.retentionBatch, nowMs });
    purged.leads += r.leads;
    purged.attempts += r.attempts;
    purged.webhookEvents += r.webhookEvents;
    purged.deadLetters += r.deadLetters;
    if (Math.max(r.leads, r.attempts, r.webhookEvents, r.deadLetters) < s.retentionBatch) break;
  }
  const expired: ExpiryReport = { attempts: 0, leads: 0 };
  for (let i = 0; i < MAX_RETENTION_STEPS; i++) {
    const r = await deleteExpiredRecords(env, { beforeMs: nowMs - s.complianceYears * 365 * DAY_MS, limit: s.retentionBatch });
    expired.attempts += r.attempts;
    expired.leads += r.leads;
    if (Math.max(r.attempts, r.leads) < s.retentionBatch) break;
  }
  const rollupsPruned = await pruneRollups(env, {
    minuteBeforeMs: nowMs - MINUTE_ROLLUP_DAYS * DAY_MS,
    hourBeforeMs: nowMs - HOUR_ROLLUP_DAYS * DAY_MS,
    limit: 500,
  });
  return { purged, expired, rollupsPruned };
}

/** The UTC day a daily job runs for, once the configured hour has come. */
export function regressionDue(nowMs: number, hourUtc: number): string | undefined {
  const d = new Date(nowMs);
  return d.getUTCHours() >= hourUtc ? d.toISOString().slice(0, 10) : undefined;
}

export interface OpsReport {
  alerts?: AlertRunReport;
  retention?: RetentionReport;
  regression?: RegressionResult[];
  errors: string[];
}

async function step<T>(name: string, errors: string[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    errors.push(`${name}: ${message}`);
    log("error", "ops cron step failed", { step: name, error: message, stack: err instanceof Error ? err.stack : undefined });
    return undefined;
  }
}

/**
 * Every minute: the daily regression when due (once per day: the first cron past the hour
 * takes the turn), then the alert rules (so a failed regression alerts in the same run),
 * escalation and notifications, then retention.
 */
export async function runOps(env: Env, clock: Clock): Promise<OpsReport> {
  const report: OpsReport = { errors: [] };
  const nowMs = clock.now();
  const day = regressionDue(nowMs, settings(env).regressionHourUtc);
  if (day) {
    report.regression = await step("regression", report.errors, async () =>
      (await claimTurn(env, "regression.day", day, nowMs)) ? runRegressions(env, day, nowMs) : undefined,
    );
  }
  const alerts = await step("alerts", report.errors, () => evaluateAlerts(env, nowMs));
  if (alerts) {
    report.alerts = alerts;
    await step("escalation", report.errors, () => escalateAndNotify(env, nowMs, alerts));
  }
  report.retention = await step("retention", report.errors, () => runRetention(env, nowMs));
  return report;
}
