#!/usr/bin/env node
// `npm run deploy:gradual` — Workers gradual deployments for Leadwire's own code (issue 15):
// upload a new version without serving it (`wrangler versions upload`), then split traffic
// between it and the version now deployed (`wrangler versions deploy <new>@N% <current>@(100-N)%`),
// raise its share step by step, and roll back with one command. Buyer config changes have their
// own, finer canary (the `canary` block of a buyer file); this is for the Worker itself.
//
//   npm run deploy:gradual -- --percentage 10 [--message "…"]   upload, then 10 % new / 90 % current
//   npm run deploy:gradual -- --version <id> --percentage 50    raise the new version's share
//   npm run deploy:gradual -- --version <id> --percentage 100   finish: the new version takes everything
//   npm run deploy:gradual -- --rollback [<version-id>]         everything back to the previous (or given) version
//   … --env <name> (default production), --dry-run prints the commands and runs nothing.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export class UsageError extends Error {}

/**
 * Reads the command line.
 * @param {string[]} argv
 * @returns {{ env: string, percentage?: number, version?: string, rollback?: string | true, message?: string, dryRun: boolean }}
 */
export function parseArgs(argv) {
  /** @type {{ env: string, percentage?: number, version?: string, rollback?: string | true, message?: string, dryRun: boolean }} */
  const out = { env: "production", dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--dry-run") out.dryRun = true;
    else if (a === "--env") out.env = value();
    else if (a === "--message") out.message = value();
    else if (a === "--version") out.version = value();
    else if (a === "--percentage") {
      const raw = value();
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`--percentage: "${raw}" is not a whole number from 1 to 100`);
      out.percentage = n;
    } else if (a === "--rollback") {
      const next = argv[i + 1];
      if (next && !next.startsWith("--")) {
        out.rollback = next;
        i++;
      } else out.rollback = true;
    } else throw new UsageError(`unknown argument ${a}`);
  }
  if (out.rollback !== undefined && (out.percentage !== undefined || out.version !== undefined)) {
    throw new UsageError("--rollback takes no --percentage or --version: it sends all traffic to one version");
  }
  if (out.rollback === undefined && out.percentage === undefined) throw new UsageError("--percentage: give the new version's share (1–100), or --rollback");
  return out;
}

/**
 * The wrangler commands for a request, in order. `current` and `uploaded` are the version ids
 * learned while running (placeholders in a dry run).
 * @param {ReturnType<typeof parseArgs>} a
 * @param {{ current: string, uploaded: string }} ids
 * @returns {{ step: string, args: string[] }[]}
 */
export function plan(a, ids) {
  const env = ["--env", a.env];
  const msg = a.message ? ["--message", a.message] : [];
  if (a.rollback !== undefined) {
    return [
      {
        step: "rollback",
        args: ["wrangler", "rollback", ...(a.rollback === true ? [] : [a.rollback]), ...env, "--yes", ...(a.message ? ["--message", a.message] : [])],
      },
    ];
  }
  const pct = a.percentage ?? 100;
  const steps = [];
  if (!a.version) steps.push({ step: "upload", args: ["wrangler", "versions", "upload", ...env, ...msg] });
  steps.push({ step: "current", args: ["wrangler", "deployments", "status", ...env, "--json"] });
  const target = a.version ?? ids.uploaded;
  const specs = pct === 100 ? [`${target}@100%`] : [`${target}@${pct}%`, `${ids.current}@${100 - pct}%`];
  steps.push({ step: "deploy", args: ["wrangler", "versions", "deploy", ...specs, ...env, "--yes", ...msg] });
  return steps;
}

/**
 * The version now serving most traffic, other than `except`, from `deployments status --json`.
 * @param {string} json
 * @param {string | undefined} except
 */
export function currentVersion(json, except) {
  const d = JSON.parse(json);
  const versions = (d.versions ?? []).filter((/** @type {{ version_id: string }} */ v) => v.version_id !== except);
  versions.sort((/** @type {{ percentage: number }} */ x, /** @type {{ percentage: number }} */ y) => y.percentage - x.percentage);
  const top = versions[0];
  if (!top) throw new Error("no deployed version found: run `npm run deploy` once first");
  return top.version_id;
}

/** @param {string} text */
export function uploadedVersion(text) {
  const m = /Worker Version ID:\s*([0-9a-f-]{36})/i.exec(text);
  if (!m?.[1]) throw new Error("wrangler versions upload did not print a Worker Version ID");
  return m[1];
}

/**
 * A command as an operator would type it (a dry run's `<…>` placeholders are left bare: they are to be replaced).
 * @param {string[]} args
 */
function shown(args) {
  return `npx ${args.map((x) => (/^[\w@%.:/=<>-]+$/.test(x) ? x : JSON.stringify(x))).join(" ")}`;
}

function main() {
  let a;
  try {
    a = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`deploy:gradual: ${e.message}`);
    process.exit(2);
  }
  const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  if (a.dryRun) {
    const ids = { current: "<current-version-id>", uploaded: "<new-version-id>" };
    console.log("deploy:gradual (dry run): these commands would run, in order:");
    for (const s of plan(a, ids)) console.log(`  ${shown(s.args)}`);
    if (a.rollback === undefined && (a.percentage ?? 100) < 100) {
      console.log(`then raise the share with: npm run deploy:gradual -- --version ${a.version ?? ids.uploaded} --percentage <next>`);
      console.log("and roll back at any time with: npm run deploy:gradual -- --rollback");
    }
    return;
  }
  const ids = { current: "", uploaded: a.version ?? "" };
  const run = (/** @type {string[]} */ args) => {
    console.log(`$ ${shown(args)}`);
    return execFileSync("npx", args, { cwd: root, encoding: "utf8", stdio: ["inherit", "pipe", "inherit"] });
  };
  for (const s of plan(a, ids)) {
    if (s.step === "upload") {
      const out = run(s.args);
      process.stdout.write(out);
      ids.uploaded = uploadedVersion(out);
    } else if (s.step === "current") {
      ids.current = currentVersion(run(s.args), ids.uploaded);
    } else {
      // The deploy's specs need the ids learned above: plan again with them.
      const final = plan(a, ids).find((p) => p.step === s.step);
      if (final) process.stdout.write(run(final.args));
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
