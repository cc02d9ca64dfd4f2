// Child processes that can be stopped with everything they spawned (wrangler starts workerd):
// each child leads its own process group and is stopped with a signal to the whole group.
import { spawn } from "node:child_process";

/**
 * Spawns `cmd` as the leader of a new process group.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import("node:child_process").SpawnOptions} opts
 * @returns {import("node:child_process").ChildProcess}
 */
export function spawnGroup(cmd, args, opts) {
  return spawn(cmd, args, { ...opts, detached: true });
}

/**
 * Sends `signal` to the child's whole process group; false when it is already gone.
 * @param {import("node:child_process").ChildProcess} child
 * @param {NodeJS.Signals} [signal]
 * @returns {boolean}
 */
export function signalGroup(child, signal = "SIGTERM") {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while any process of the group is alive.
 * @param {number} pgid
 * @returns {boolean}
 */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the child's process group: SIGTERM, then SIGKILL after `graceMs` if anything is left.
 * Resolves when no process of the group remains.
 * @param {import("node:child_process").ChildProcess} child
 * @param {number} [graceMs]
 * @returns {Promise<void>}
 */
export async function stopGroup(child, graceMs = 5000) {
  const pgid = child.pid;
  if (pgid === undefined) return;
  signalGroup(child, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pgid)) {
    signalGroup(child, "SIGKILL");
    const hard = Date.now() + 2000;
    while (groupAlive(pgid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
  }
}
