export class BuyerBuildError extends Error {
  constructor(lines: string[]);
  lines: string[];
}
export function readBuyerFiles(rootDir: string): { file: string; config: unknown }[];
export function validateBuyers(rootDir: string): Promise<void>;
export function writeBundle(rootDir: string, configs: unknown[]): string;
export function bundleBuyers(rootDir: string): Promise<{ file: string; count: number }>;
