export const ROOT: string;
export const WRANGLER: string;
export function wranglerEnv(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
export function runWrangler(
  args: string[],
  opts?: { cwd?: string; quiet?: boolean; env?: Record<string, string | undefined> },
): Promise<{ stdout: string; stderr: string }>;
export interface D1Target {
  remote?: boolean;
  persistTo?: string;
  env?: string;
}
export function applyMigrations(target?: D1Target & { quiet?: boolean }): Promise<void>;
export function d1Execute(sql: string, target?: D1Target): Promise<Record<string, unknown>[]>;
export function remoteTargetProblem(envName: string | undefined, toml?: string): string | undefined;
export function readVarsFile(file: string): Record<string, string>;
export function freePort(): Promise<number>;
export function waitForHttp(url: string, opts?: { timeoutMs?: number; okStatuses?: number[]; isAlive?: () => boolean }): Promise<number>;
