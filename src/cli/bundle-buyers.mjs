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

/**
 * Step 4: writes `<rootDir>/src/buyers.generated.ts` (only when its text changes: wrangler dev
 * watches src/ and would rebuild for an identical file).
 * @param {string} rootDir
 * @param {unknown[]} raw the files as written (tests read them)
 * @param {{ version: string, config: unknown }[]} compiled
 * @param {unknown} [routing] config/routing.json (null: none)
 * @returns {string} the file written
 */
export function writeBundle(rootDir, raw, compiled, routing = null) {
  const file = join(rootDir, "src", "buyers.generated.ts");
  const text =
    "// Generated by src/cli/bundle-buyers.mjs from buyers/*.json and config/routing.json. Do not edit; git-ignored.\n" +
    "/** buyers/*.json as written (tests read them; the Worker does not). */\n" +
    `export const bundledBuyers: unknown[] = ${JSON.stringify(raw, null, 2)};\n` +
    "/** The same buyers compiled by the build (parsed, defaults filled, versioned): the registry's input, read with one JSON.parse. */\n" +
    `export const compiledBuyersJson: string = ${JSON.stringify(JSON.stringify(compiled))};\n` +
    "/** config/routing.json (issue 13): each vertical's distribution method; null when the repository has none. */\n" +
    `export const bundledRouting: unknown = ${JSON.stringify(routing, null, 2)};\n`;
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
 * @returns {Promise<{ file: string, count: number }>}
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
  const file = writeBundle(rootDir, raw, buyers, routing);
  return { file, count: buyers.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  try {
    const { file, count } = await bundleBuyers(root);
    console.log(`validated and bundled ${count} buyer config(s) and the routing config into ${file}`);
  } catch (e) {
    console.error(e instanceof BuyerBuildError ? e.message : e);
    process.exit(1);
  }
}
