import { redact } from "./redact";

export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Structured JSON log line. Every field passes through `redact`, so a caller cannot leak a
 * phone number or an email into Workers Logs by accident.
 */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...redact(fields) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
