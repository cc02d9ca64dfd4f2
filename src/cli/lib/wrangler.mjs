// Running wrangler from the Node CLIs and the e2e harness: always the project's own
// node_modules/.bin/wrangler (the pinned version), never a global one.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";

/** The repository root (this file is src/cli/lib/wrangler.mjs). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The project's wrangler binary. */
export const WRANGLER = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "wrangler.cmd" : "wrangler");

/**
 * Environment for wrangler children: non-interactive (CI=true answers prompts), no telemetry
 * prompt, colours off so forwarded output stays readable in logs.
 * @param {Record<string, string | undefined>} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
export function wranglerEnv(extra = {}) {
  return { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_D1_WARNING: "true", FORCE_COLOR: "0", ...extra };
}

/**
 * Runs wrangler to completion and returns its output; rejects with the output when it fails.
 * @param {string[]} args
 * @param {{ cwd?: string, quiet?: boolean, env?: Record<string, string | undefined> }} [opts]
 * @returns {Promise<{ stdout: string, stderr: string }>}
 */
export function runWrangler(args, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    if (!existsSync(WRANGLER)) {
      reject(new Error(`wrangler not found at ${WRANGLER}: run npm install first`));
      return;
    }
    const child = spawn(WRANGLER, args, { cwd: opts.cwd ?? ROOT, env: wranglerEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!opts.quiet) process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      if (!opts.quiet) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} exited with ${code}\n${stdout}\n${stderr}`.trim()));
    });
  });
}

/**
 * @param {{ remote?: boolean, persistTo?: string, env?: string }} target
 * @returns {string[]}
 */
function targetArgs(target) {
  const args = [target.remote ? "--remote" : "--local"];
  if (target.persistTo && !target.remote) args.push("--persist-to", target.persistTo);
  if (target.env) args.push("--env", target.env);
  return args;
}

/**
 * Applies the D1 migrations in migrations/ (idempotent: applied ones are skipped).
 * @param {{ remote?: boolean, persistTo?: string, env?: string, quiet?: boolean }} [target]
 */
export async function applyMigrations(target = {}) {
  await runWrangler(["d1", "migrations", "apply", "DB", ...targetArgs(target)], { quiet: target.quiet ?? false });
}

/** database_id values in wrangler.toml that stand for "no real database yet". */
const PLACEHOLDER_DB_ID = /^(0{8}-0{4}-0{4}-0{4}-0{12}|REPLACE_WITH.*)$/;

/**
 * Why a `--remote` command cannot reach the D1 database bound as DB in wrangler environment
 * `envName`, or undefined when it can. Without --env, wrangler takes the top-level
 * [[d1_databases]], the local development database, whose id is a placeholder: a remote command
 * there would fail late, or worse, reach the wrong database.
 * @param {string | undefined} envName
 * @param {string} [toml] the text of wrangler.toml (read from the repository by default)
 * @returns {string | undefined}
 */
export function remoteTargetProblem(envName, toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8")) {
  if (!envName)
    return "--remote needs --env production: without it wrangler uses the top-level D1 database of wrangler.toml, which is the local development one";
  const config = /** @type {{ env?: Record<string, { d1_databases?: { binding?: string, database_id?: string }[] }> }} */ (parseToml(toml));
  const env = config.env?.[envName];
  if (!env) return `wrangler.toml has no [env.${envName}]`;
  const db = env.d1_databases?.find((d) => d.binding === "DB");
  if (!db?.database_id) return `[env.${envName}] in wrangler.toml binds no D1 database as DB`;
  if (PLACEHOLDER_DB_ID.test(db.database_id)) {
    return `the D1 database_id of [env.${envName}] in wrangler.toml is still the placeholder "${db.database_id}": run \`npx wrangler d1 create leadwire\` and paste its id there (README, Going to production)`;
  }
  return undefined;
}

/**
 * Executes SQL on D1 and returns the rows of the last statement. Local D1 reports no change
 * counts, so callers that need to know what changed use `RETURNING`.
 * @param {string} sql
 * @param {{ remote?: boolean, persistTo?: string, env?: string }} [target]
 * @returns {Promise<Record<string, unknown>[]>}
 */
export async function d1Execute(sql, target = {}) {
  const { stdout } = await runWrangler(["d1", "execute", "DB", ...targetArgs(target), "--yes", "--json", "--command", sql], { quiet: true });
  // --json prints an array with one result per statement; tolerate banner noise before it.
  const start = stdout.indexOf("[");
  if (start < 0) throw new Error(`wrangler d1 execute printed no JSON:\n${stdout}`);
  const parsed = JSON.parse(stdout.slice(start));
  const last = Array.isArray(parsed) ? parsed[parsed.length - 1] : undefined;
  return last && typeof last === "object" && Array.isArray(last.results) ? last.results : [];
}

/**
 * Parses a .dev.vars / .env file into NAME → value (comments and blank lines skipped).
 * @param {string} file
 * @returns {Record<string, string>}
 */
export function readVarsFile(file) {
  /** @type {Record<string, string>} */
  const out = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m?.[1]) continue;
    let v = m[2] ?? "";
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/**
 * A free TCP port on 127.0.0.1 (bind to 0, read it, release it).
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = addr && typeof addr === "object" ? addr.port : 0;
      srv.close(() => (port ? resolvePromise(port) : reject(new Error("no free port"))));
    });
  });
}

/**
 * Polls `url` until it answers with a status in `okStatuses`, the process dies, or the time is up.
 * @param {string} url
 * @param {{ timeoutMs?: number, okStatuses?: number[], isAlive?: () => boolean }} [opts]
 * @returns {Promise<number>} the status seen
 */
export async function waitForHttp(url, opts = {}) {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const ok = opts.okStatuses ?? [200];
  let last = "no answer";
  while (Date.now() < deadline) {
    if (opts.isAlive && !opts.isAlive()) throw new Error(`process exited before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (ok.includes(res.status)) return res.status;
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer in time (${last})`);
}
