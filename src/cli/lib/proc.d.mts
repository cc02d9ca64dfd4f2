import type { ChildProcess, SpawnOptions } from "node:child_process";
export function spawnGroup(cmd: string, args: string[], opts: SpawnOptions): ChildProcess;
export function signalGroup(child: ChildProcess, signal?: NodeJS.Signals): boolean;
export function groupAlive(pgid: number): boolean;
export function stopGroup(child: ChildProcess, graceMs?: number): Promise<void>;
