export class BuyerBuildError extends Error {
  constructor(lines: string[]);
  lines: string[];
}
export function readBuyerFiles(rootDir: string): { file: string; config: unknown }[];
export function validateBuyers(rootDir: string): Promise<void>;
export function writeBundle(rootDir: string, configs: unknown[], compiled: unknown[], history?: unknown[], routing?: unknown): string;
export const HISTORY_KEEP: number;
export function readBuyerRevisions(rootDir: string): Map<string, { commit: string; committedAt: string; raw: unknown }[]>;
export function compileBuyerHistory(current: unknown[], revisions: Map<string, { commit: string; committedAt: string; raw: unknown }[]>): Promise<unknown[]>;
export function bundleBuyers(rootDir: string): Promise<{ file: string; count: number; previous: number }>;
