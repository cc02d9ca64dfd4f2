import type { Clock } from "../core/clock";
import type { SqlLike } from "./breaker";

/**
 * One alarm multiplexed over a `schedule` table (as cloudflare/agents does): each entry is a
 * task kind due at a time on the gate's clock; the alarm is always set to the earliest entry.
 */
export class Scheduler {
  constructor(
    private readonly sql: SqlLike,
    private readonly storage: Pick<DurableObjectStorage, "setAlarm" | "deleteAlarm">,
    private readonly clock: () => Clock,
  ) {}

  /** Adds or moves the entry `id`. */
  schedule(id: string, kind: string, runAt: number): void {
    this.sql.exec(
      "INSERT INTO schedule (id, kind, run_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, run_at = excluded.run_at",
      id,
      kind,
      runAt,
    );
    this.arm();
  }

  /** Removes and returns every entry due now, earliest first. */
  takeDue(): { id: string; kind: string }[] {
    const now = this.clock().now();
    const due = this.sql.exec<{ id: string; kind: string }>("SELECT id, kind FROM schedule WHERE run_at <= ? ORDER BY run_at", now).toArray();
    this.sql.exec("DELETE FROM schedule WHERE run_at <= ?", now);
    return due;
  }

  /** Sets the alarm to the earliest entry, in real time (the gate's clock may run ahead in tests). */
  arm(): void {
    const row = this.sql.exec<{ at: number | null }>("SELECT MIN(run_at) AS at FROM schedule").toArray()[0];
    const at = row?.at;
    if (at === null || at === undefined) {
      void this.storage.deleteAlarm();
      return;
    }
    const ahead = this.clock().now() - Date.now();
    void this.storage.setAlarm(Math.max(Date.now(), at - ahead));
  }
}
