import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { editedMigrations } from "../../../src/cli/check-migrations.mjs";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir, stdio: "ignore" });
const journal = (tags: string[]) => JSON.stringify({ version: "7", dialect: "sqlite", entries: tags.map((tag, idx) => ({ idx, tag, when: 1000 + idx })) });

/** A repository with one committed migration. */
function repo(): void {
  dir = mkdtempSync(join(tmpdir(), "leadwire-mig-"));
  mkdirSync(join(dir, "migrations", "meta"), { recursive: true });
  writeFileSync(join(dir, "migrations", "0000_init.sql"), "CREATE TABLE a (id TEXT);\n");
  writeFileSync(join(dir, "migrations", "meta", "_journal.json"), journal(["0000_init"]));
  git("init", "-q");
  git("add", ".");
  git("commit", "-qm", "first");
}

describe("check:migrations — a committed migration is never edited", () => {
  it("passes when migrations are only appended (new file, journal grown)", () => {
    repo();
    writeFileSync(join(dir, "migrations", "0001_more.sql"), "CREATE TABLE b (id TEXT);\n");
    writeFileSync(join(dir, "migrations", "meta", "_journal.json"), journal(["0000_init", "0001_more"]));
    git("add", ".");
    git("commit", "-qm", "second");
    expect(editedMigrations(dir)).toMatchObject({ problems: [], checked: 3 });
  });

  it("fails when a committed migration changed, committed or not, and when a journal entry was rewritten", () => {
    repo();
    writeFileSync(join(dir, "migrations", "0000_init.sql"), "CREATE TABLE a (id TEXT, b TEXT);\n");
    writeFileSync(join(dir, "migrations", "meta", "_journal.json"), journal(["0000_renamed"]));
    const dirty = editedMigrations(dir).problems;
    expect(dirty).toHaveLength(2);
    expect(dirty[0]).toMatch(/^migrations\/0000_init\.sql: changed since it was first committed/);
    expect(dirty[1]).toMatch(/^migrations\/meta\/_journal\.json: an existing entry changed/);
    git("commit", "-qam", "edit the applied migration");
    expect(editedMigrations(dir).problems).toHaveLength(2);
  });
});
