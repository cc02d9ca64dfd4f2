export const FROZEN_AT: string;
export function pendingMigrations(root: string): { added: string[]; changed: string[]; output: string };
export function editedMigrations(root: string): { problems: string[]; checked: number; shallow: boolean };
