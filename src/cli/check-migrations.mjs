#!/usr/bin/env node
// `npm run check:migrations` (run by .ci/run): fails when
//   1. the drizzle schema (src/db/schema.ts) has changes no migration holds yet: `drizzle-kit
//      generate` (config src/db/drizzle.config.ts) would write a new migration. It is run
//      against a copy of migrations/ in a temporary folder, so the work tree is never touched.
//   2. a migration already committed was edited: every file under migrations/ must be byte for
//      byte what the commit that added it holds (git history), and the journal may only grow.
//      An applied migration is never edited: append a new one (`npm run db:generate`).
// Works on a fresh clone (full history). In a shallow clone the oldest commit present stands in
// for the first one, and the check says so.
//
// 0000_init.sql was reshaped while the project was still unreleased (three commits on
// 2026-11-28, before any database held it). Those edits are history, not a fault: files that
// existed at FROZEN_AT, the commit that introduced this check, are compared with their version
// there; files added later, with the commit that added them.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CONFIG = "src/db/drizzle.config.ts";
/** The commit from which every migration file present is frozen (see the header). */
export const FROZEN_AT = "8e2398891cd13d0f94af0d71aeeea7b7f5a34215";

/**
 * Every file under `dir`, relative to `base`, sorted.
 * @param {string} dir
 * @param {string} base
 * @returns {string[]}
 */
function filesUnder(dir, base) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, base));
    else out.push(relative(base, p));
  }
  return out.sort();
}

/**
 * Runs `drizzle-kit generate` with the project's config, writing into a copy of migrations/.
 * @param {string} root
 * @returns {{ added: string[], changed: string[], output: string }} files generate would add or change
 */
export function pendingMigrations(root) {
  const tmp = mkdtempSync(join(tmpdir(), "leadwire-migrations-"));
  try {
    const out = join(tmp, "migrations");
    cpSync(join(root, "migrations"), out, { recursive: true });
    // The project's config, only moved: same dialect, same schema, same options. drizzle-kit
    // reads `out` relative to its working directory, so it runs in the temporary folder.
    const config = join(tmp, "drizzle.config.ts");
    writeFileSync(
      config,
      `import base from ${JSON.stringify(join(root, CONFIG))};\nexport default { ...base, schema: ${JSON.stringify(join(root, "src/db/schema.ts"))}, out: "migrations" };\n`,
    );
    const bin = join(root, "node_modules", ".bin", "drizzle-kit");
    const r = spawnSync(bin, ["generate", "--config", config], { cwd: tmp, encoding: "utf8" });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    // drizzle-kit may print an error and still exit 0: insist on one of its two verdicts.
    if (r.status !== 0 || !/No schema changes|migration file/i.test(output) || /\bError\b/.test(output)) {
      throw new Error(`drizzle-kit generate did not run cleanly:\n${output}`);
    }
    const before = new Set(filesUnder(join(root, "migrations"), join(root, "migrations")));
    const added = [];
    const changed = [];
    for (const f of filesUnder(out, out)) {
      if (!before.has(f)) added.push(`migrations/${f}`);
      else if (!readFileSync(join(out, f)).equals(readFileSync(join(root, "migrations", f)))) changed.push(`migrations/${f}`);
    }
    return { added, changed, output };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** @param {string} root @param {string[]} args */
const git = (root, args) => execFileSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

/**
 * Compares each committed migration file with the version of the commit that added it.
 * @param {string} root
 * @returns {{ problems: string[], checked: number, shallow: boolean }}
 */
export function editedMigrations(root) {
  const shallow = git(root, ["rev-parse", "--is-shallow-repository"]).trim() === "true";
  const frozenKnown = spawnSync("git", ["cat-file", "-e", `${FROZEN_AT}^{commit}`], { cwd: root }).status === 0;
  const tracked = git(root, ["ls-files", "-z", "migrations"]).split("\0").filter(Boolean);
  const problems = [];
  let checked = 0;
  for (const file of tracked) {
    // The oldest commit that added the file (following no renames: a moved migration is an edit).
    let added = git(root, ["log", "--diff-filter=A", "--format=%H", "--", file]).trim().split("\n").filter(Boolean).pop();
    if (!added) continue; // tracked but not yet committed: new, nothing to compare with
    if (frozenKnown && spawnSync("git", ["merge-base", "--is-ancestor", added, FROZEN_AT], { cwd: root }).status === 0) added = FROZEN_AT;
    const first = git(root, ["show", `${added}:${file}`]);
    if (!existsSync(join(root, file))) {
      problems.push(`${file}: deleted (first committed in ${added.slice(0, 10)})`);
      continue;
    }
    const now = readFileSync(join(root, file), "utf8");
    checked++;
    if (file === "migrations/meta/_journal.json") {
      // The journal grows by one entry per migration; the entries it had must stay as they were.
      const was = JSON.parse(first).entries ?? [];
      const is = JSON.parse(now).entries ?? [];
      const kept = was.every((/** @type {unknown} */ e, /** @type {number} */ i) => JSON.stringify(e) === JSON.stringify(is[i]));
      if (!kept) problems.push(`${file}: an existing entry changed since ${added.slice(0, 10)} (entries may only be appended)`);
    } else if (now !== first) {
      problems.push(`${file}: changed since it was first committed in ${added.slice(0, 10)} — never edit an applied migration; append a new one`);
    }
  }
  return { problems, checked, shallow };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let failed = false;
  const pending = pendingMigrations(ROOT);
  if (pending.added.length > 0 || pending.changed.length > 0) {
    failed = true;
    console.error(`src/db/schema.ts has changes no migration holds: drizzle-kit generate would write ${[...pending.added, ...pending.changed].join(", ")}`);
    console.error("Run `npm run db:generate` and commit the new migration.");
  }
  const edited = editedMigrations(ROOT);
  for (const p of edited.problems) console.error(p);
  if (edited.problems.length > 0) failed = true;
  if (failed) process.exit(1);
  console.log(
    `check:migrations: schema and migrations agree (drizzle-kit generate: nothing to write); ${edited.checked} committed migration file(s) unchanged${edited.shallow ? " (shallow clone: compared with the oldest commit present)" : ""}`,
  );
}
