export const EVERY_MINUTE: string;
export function devCrons(toml?: string): { ticked: string[]; skipped: string[] };
export function triggerScheduled(origin: string, cron?: string): Promise<number>;
export function startCronTicker(opts: {
  trigger: () => Promise<number>;
  onResult?: (r: { ok: boolean; status?: number; error?: unknown; at: number }) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}): { stop: () => void; runs: () => number };
