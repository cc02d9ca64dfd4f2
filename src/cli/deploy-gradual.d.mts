export class UsageError extends Error {}
export interface GradualArgs {
  env: string;
  percentage?: number;
  version?: string;
  rollback?: string | true;
  message?: string;
  dryRun: boolean;
}
export function parseArgs(argv: string[]): GradualArgs;
export function plan(a: GradualArgs, ids: { current: string; uploaded: string }): { step: string; args: string[] }[];
export function currentVersion(json: string, except: string | undefined): string;
export function uploadedVersion(text: string): string;
