#!/usr/bin/env node
// The buyer build: validates buyers/*.json (except schema.json) and bundles them into
// src/buyers.generated.ts, since a Worker has no file system. Run by wrangler's [build] (so by
// `npm run dev` and `npm run deploy`), the vitest config, `npm run typecheck` and CI. A buyer
// file with any problem `npm run buyers:check` reports fails the build: a broken buyer can
// never be bundled, so never deployed. Steps, each one function:
//   read → validate (the buyers:check rules) → compile → write.
// Compiling parses each config with the schema the Worker would otherwise run at startup
// (presets expanded, defaults filled) and versions it, so the Worker loads its buyers with one
// JSON.parse and never builds the config schema.
// With the buyers goes config/routing.json, the distribution method of each vertical (issue 13):
// it names the buyers (weighted targets), so it is checked and shipped together with them.
// Versions: a file's `changeNote` and `canary` block are split off and the candidate compiled
// too (any problem stops the build). For rollback pins the bundle also keeps, per buyer, the
// last HISTORY_KEEP earlier versions of its file read from git history (`git log` + one
// `git cat-file --batch`), compiled with today's schema; outside a git checkout there is no
// history (a pin can then name the live or candidate version only). Each version carries the
// time a build first bundled it, kept from the previous bundle so an unchanged build writes
// an identical file.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

/** A build that must not go on: one line per problem, `buyers/<file>: <path>: <message>`. */
export class BuyerBuildError extends Error {
  /** @param {string[]} lines */
  constructor(lines) {
    super(`${lines.length} problem(s) in buyers/ — the build stops here:\n${lines.map((l) => `  ${l}`).join("\n")}`);
    this.name = "BuyerBuildError";
    this.lines = lines;
  }
}

/**
 * Step 1: the buyer files, sorted, parsed.
 * @param {string} rootDir repository root
 * @returns {{ file: string, config: unknown }[]}
 */
export function readBuyerFiles(rootDir) {
  const dir = join(rootDir, "buyers");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .sort()
    .map((file) => {
      try {
        return { file, config: JSON.parse(readFileSync(join(dir, file), "utf8")) };
      } catch (e) {
        throw new BuyerBuildError([`buyers/${file}: (file): not valid JSON: ${e instanceof Error ? e.message : String(e)}`]);
      }
    });
}

/**
 * Step 1b: config/routing.json, parsed (null when the repository has none: every vertical routes by waterfall).
 * @param {string} rootDir repository root
 * @returns {unknown}
 */
export function readRoutingFile(rootDir) {
  const file = join(rootDir, "config", "routing.json");
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new BuyerBuildError([`config/routing.json: (file): not valid JSON: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

/**
 * Step 2: every check of `npm run buyers:check` (schema, preset expansion, duplicate ids, ids
 * matching file names, mappings that compile, spec violations, secrets listed in
 * .dev.vars.example; config/routing.json against the buyers it names). The checks are the TypeScript ones the Worker itself uses, loaded through
 * tsx, so the build and the runtime can never disagree on what a valid buyer is.
 * @param {string} rootDir
 * @returns {Promise<void>} rejects with a BuyerBuildError listing every problem
 */
export async function validateBuyers(rootDir) {
  /** @type {{ checkBuyers: (root: string) => { files: string[], problems: { file: string, path: string, message: string }[] } }} */
  const { checkBuyers } = await tsImport("./buyers-check.ts", import.meta.url);
  const { problems } = checkBuyers(rootDir);
  if (problems.length > 0) throw new BuyerBuildError(problems.map((p) => `${p.file}: ${p.path || "(file)"}: ${p.message}`));
}

/**
 * Step 3: the configs compiled with the Worker's own TypeScript (through tsx): parsed, presets
 * expanded, defaults filled, each with its version. A config the schema refuses is reported
 * (step 2 has refused it already; the build stops either way).
 * @param {unknown[]} configs
 * @returns {Promise<{ buyers: { version: string, config: unknown }[], errors: { index: number, id?: string, issues: { path: string, message: string }[] }[] }>}
 */
export async function compileBuyers(configs) {
  /** @type {{ compileBuyerConfigs: (raw: unknown[]) => { buyers: { version: string, config: unknown }[], errors: { index: number, id?: string, issues: { path: string, message: string }[] }[] } }} */
  const { compileBuyerConfigs } = await tsImport("./compile-buyers.ts", import.meta.url);
  return compileBuyerConfigs(configs);
}

/** Earlier versions of each buyer kept for rollback pins. */
export const HISTORY_KEEP = 3;
/** Commits of buyers/ read for the history (newest first). */
const HISTORY_COMMITS = 200;

/**
 * Every earlier revision of each buyer file that git holds, newest first, by buyer id (the file
 * name). Empty outside a git checkout or without git: history is a convenience, not a gate.
 * @param {string} rootDir
 * @returns {Map<string, { commit: string, committedAt: string, raw: unknown }[]>}
 */
export function readBuyerRevisions(rootDir) {
  /** @type {Map<string, { commit: string, committedAt: string, raw: unknown }[]>} */
  const out = new Map();
  let logText;
  try {
    logText = execFileSync("git", ["log", `-n${HISTORY_COMMITS}`, "--format=@%H %cI", "--name-only", "--", "buyers/"], {
      cwd: rootDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return out;
  }
  /** @type {{ commit: string, committedAt: string, file: string }[]} */
  const wanted = [];
  let commit = "";
  let committedAt = "";
  for (const line of logText.split("\n")) {
    if (line.startsWith("@")) {
      [commit = "", committedAt = ""] = line.slice(1).split(" ");
    } else if (/^buyers\/[a-z0-9][a-z0-9-]*\.json$/.test(line) && line !== "buyers/schema.json" && commit) {
      wanted.push({ commit, committedAt, file: line });
    }
  }
  if (wanted.length === 0) return out;
  let blobs;
  try {
    blobs = execFileSync("git", ["cat-file", "--batch"], {
      cwd: rootDir,
      input: `${wanted.map((w) => `${w.commit}:${w.file}`).join("\n")}\n`,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["pipe", "pipe", "ignore"],
    });
  } catch {
    return out;
  }
  // --batch answers "<sha> blob <size>\n<content>\n" per object, or "<name> missing\n" (a deletion).
  let at = 0;
  for (const w of wanted) {
    const nl = blobs.indexOf(10, at);
    if (nl < 0) break;
    const header = blobs.subarray(at, nl).toString("utf8");
    at = nl + 1;
    const m = /^[0-9a-f]+ blob (\d+)$/.exec(header);
    if (!m) continue;
    const size = Number(m[1]);
    const text = blobs.subarray(at, at + size).toString("utf8");
    at += size + 1;
    let raw;
    try {
      raw = JSON.parse(text);
    } catch {
      continue;
    }
    const id = w.file.slice("buyers/".length, -".json".length);
    const list = out.get(id) ?? [];
    list.push({ commit: w.commit, committedAt: w.committedAt, raw });
    out.set(id, list);
  }
  return out;
}

/**
 * The previous versions kept for rollback, compiled with the Worker's own TypeScript.
 * @param {unknown[]} current the compiled buyers
 * @param {Map<string, { commit: string, committedAt: string, raw: unknown }[]>} revisions
 * @returns {Promise<unknown[]>}
 */
export async function compileBuyerHistory(current, revisions) {
  /** @type {{ compileHistory: (current: unknown[], revisions: Map<string, unknown[]>, keep: number) => unknown[] }} */
  const { compileHistory } = await tsImport("./compile-buyers.ts", import.meta.url);
  return compileHistory(current, revisions, HISTORY_KEEP);
}

/**
 * The time each version was first bundled, read back from the bundle in place (so a rebuild
 * of the same buyers writes the same text: wrangler dev would otherwise rebuild for ever).
 * @param {string} file
 * @returns {Record<string, string>}
 */
function previousBuiltAt(file) {
  try {
    const m = /^export const versionsBuiltAt: Record<string, string> = (.*);$/m.exec(readFileSync(file, "utf8"));
    return m?.[1] ? JSON.parse(m[1]) : {};
  } catch {
    return {};
  }
}

/**
 * Step 4: writes `<rootDir>/src/buyers.generated.ts` (only when its text changes: wrangler dev
 * watches src/ and would rebuild for an identical file).
 * @param {string} rootDir
 * @param {unknown[]} raw the files as written (tests read them)
 * @param {{ version: string, config: unknown }[]} compiled
 * @param {unknown[]} [history] previous versions kept for rollback
 * @param {unknown} [routing] config/routing.json (null: none)
 * @returns {string} the file written
 */
export function writeBundle(rootDir, raw, compiled, history = [], routing = null) {
  const file = join(rootDir, "src", "buyers.generated.ts");
  const known = previousBuiltAt(file);
  const now = new Date().toISOString();
  /** @type {Record<string, string>} */
  const builtAt = {};
  /** @param {{ version: string, builtAt?: string }} v */
  const stamp = (v) => {
    builtAt[v.version] = known[v.version] ?? now;
    v.builtAt = builtAt[v.version];
  };
  for (const b of /** @type {{ version: string, builtAt?: string, canary?: { version: string, builtAt?: string } }[]} */ (compiled)) {
    stamp(b);
    if (b.canary) stamp(b.canary);
  }
  for (const h of /** @type {{ version: string, builtAt?: string }[]} */ (history)) if (known[h.version]) h.builtAt = known[h.version];
  const text =
    "// Generated by src/cli/bundle-buyers.mjs from buyers/*.json and config/routing.json. Do not edit; git-ignored.\n" +
    "/** buyers/*.json as written (tests read them; the Worker does not). */\n" +
    `export const bundledBuyers: unknown[] = ${JSON.stringify(raw, null, 2)};\n` +
    "/** The same buyers compiled by the build (parsed, defaults filled, versioned): the registry's input, read with one JSON.parse. */\n" +
    `export const compiledBuyersJson: string = ${JSON.stringify(JSON.stringify(compiled))};\n` +
    "/** config/routing.json (issue 13): each vertical's distribution method; null when the repository has none. */\n" +
    `export const bundledRouting: unknown = ${JSON.stringify(routing, null, 2)};\n` +
    "/** Earlier versions of each buyer (from git history), kept so an operator can pin one without a deploy. */\n" +
    `export const compiledHistoryJson: string = ${JSON.stringify(JSON.stringify(history))};\n` +
    "/** When a build first bundled each version (read back by the next build). */\n" +
    `export const versionsBuiltAt: Record<string, string> = ${JSON.stringify(builtAt)};\n`;
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // first run: no bundle yet
  }
  if (current !== text) writeFileSync(file, text);
  return file;
}

/**
 * The whole build: read, validate, compile, write. Nothing is written when a buyer has a
 * problem, so the previous bundle (or none) stays and the caller fails.
 * @param {string} rootDir repository root
 * @returns {Promise<{ file: string, count: number, previous: number }>}
 */
export async function bundleBuyers(rootDir) {
  const raw = readBuyerFiles(rootDir).map((f) => f.config);
  const routing = readRoutingFile(rootDir);
  await validateBuyers(rootDir);
  const { buyers, errors } = await compileBuyers(raw);
  // validateBuyers runs the schema too, so a refusal here means the two disagree: stop as well.
  if (errors.length > 0) {
    throw new BuyerBuildError(errors.map((e) => `buyer ${e.id ?? `#${e.index}`}: ${e.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`));
  }
  const history = await compileBuyerHistory(buyers, readBuyerRevisions(rootDir));
  const file = writeBundle(rootDir, raw, buyers, history, routing);
  return { file, count: buyers.length, previous: history.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  try {
    const { file, count, previous } = await bundleBuyers(root);
    console.log(`validated and bundled ${count} buyer config(s), ${previous} previous version(s) and the routing config into ${file}`);
  } catch (e) {
    console.error(e instanceof BuyerBuildError ? e.message : e);
    process.exit(1);
  }
}
