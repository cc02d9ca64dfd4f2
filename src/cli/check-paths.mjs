#!/usr/bin/env node
// `npm run check:paths` (run by .ci/run): fails when a file of the repository reaches outside it.
// A fresh clone on a new machine has nothing beside it, so no tracked file (Markdown aside:
// prose may tell where things once were) may hold
//   - an absolute path of a developer's machine (/work/…, /root/…, /home/…, /Users/…, or this
//     checkout's own absolute path), or
//   - a relative path that climbs out of the repository from the file that holds it
//     (a sibling folder of the checkout, two levels up, …), judged by resolving it against the file's folder.
// Paths every machine has (/tmp, /usr/bin/chromium, /dev/null) are not flagged, nor is a line that
// says `check-paths: module specifier` — a string a bundler matches against an import (wrangler's
// [alias] keys), which names no file of this machine.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Absolute paths that only exist on some developer's machine. */
const MACHINE_PATH = /(?<![\w.$~-])\/(?:work|root|home|Users)\/[\w.@-]+/g;
/** A line whose climbing string is an import specifier matched by a bundler, not a path. */
const SPECIFIER_MARK = /check-paths: module specifier/;
/** Runs of `../` followed by what they lead to (a data folder beside the checkout, say). */
const CLIMB = /(?<![\w.])((?:\.\.\/)+)([\w.@-]+(?:\/[\w.@-]+)*)?/g;

/**
 * The files to check: tracked and new (not ignored) ones, without Markdown.
 * @param {string} root
 * @returns {string[]} paths relative to root
 */
export function repoFiles(root) {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  return [...new Set(out.split("\0").filter((f) => f && !f.toLowerCase().endsWith(".md")))].sort();
}

/**
 * Every place in one file's text that reaches outside the repository.
 * @param {string} root repository root (absolute)
 * @param {string} file path relative to root
 * @param {string} text the file's text
 * @returns {{ file: string, line: number, found: string, why: string }[]}
 */
export function findEscapes(root, file, text) {
  /** @type {{ file: string, line: number, found: string, why: string }[]} */
  const hits = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const specifier = SPECIFIER_MARK.test(line);
    for (const m of line.matchAll(MACHINE_PATH)) hits.push({ file, line: i + 1, found: m[0], why: "absolute path of a developer's machine" });
    if (line.includes(root)) hits.push({ file, line: i + 1, found: root, why: "this checkout's own absolute path" });
    for (const m of specifier ? [] : line.matchAll(CLIMB)) {
      const target = resolve(root, dirname(file), `${m[1]}${m[2] ?? ""}`);
      const rel = relative(root, target);
      if (rel === ".." || rel.startsWith(`..${sep}`)) hits.push({ file, line: i + 1, found: m[0], why: "climbs out of the repository" });
    }
  });
  return hits;
}

/**
 * Checks every file; returns the places that reach outside.
 * @param {string} root
 */
export function checkPaths(root) {
  const hits = [];
  for (const file of repoFiles(root)) {
    let buf;
    try {
      buf = readFileSync(join(root, file));
    } catch {
      continue; // deleted in the work tree but still in the index
    }
    if (buf.includes(0)) continue; // binary
    hits.push(...findEscapes(root, file, buf.toString("utf8")));
  }
  return hits;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const hits = checkPaths(ROOT);
  for (const h of hits) console.error(`${h.file}:${h.line}: ${h.found} — ${h.why}`);
  if (hits.length > 0) {
    console.error(`\n${hits.length} reference(s) outside the repository: a fresh clone has nothing beside it. Ship the data in the repo instead.`);
    process.exit(1);
  }
  console.log(`check:paths: ${repoFiles(ROOT).length} files, nothing reaches outside the repository`);
}
