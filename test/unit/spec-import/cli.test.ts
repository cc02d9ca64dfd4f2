/**
 * `npm run buyer:new` as a process, in a temporary copy of the repository's buyers/ and
 * .dev.vars.example: the file it writes, what it prints, its exit code, and buyers:check over the
 * result before and after a person decides the open fields and lists the secrets.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBuyers } from "../../../src/cli/buyers-check";
import { loadBuyers } from "../../../src/integration/registry";
import { fillOpen, SPEC_DIR, SPECS } from "./specs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const TSX = join(repo, "node_modules", ".bin", "tsx");
const CLI = join(repo, "src", "cli", "buyer-new.ts");

let root = "";

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [CLI, ...args, "--root", root], { cwd: repo, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "buyer-new-"));
  mkdirSync(join(root, "buyers"));
  for (const f of readdirSync(join(repo, "buyers"))) copyFileSync(join(repo, "buyers", f), join(root, "buyers", f));
  copyFileSync(join(repo, ".dev.vars.example"), join(root, ".dev.vars.example"));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("npm run buyer:new", () => {
  it.each(SPECS)(
    "$file → buyers/<id>.json: written, checked, no credential in it; buyers:check passes once open fields are decided and secrets listed",
    async (c) => {
      const r = await run([c.id, "--from", join(SPEC_DIR, c.file)]);
      const file = join(root, "buyers", `${c.id}.json`);
      const text = readFileSync(file, "utf8");
      for (const s of c.secrets) expect(text).not.toContain(s);
      const config = JSON.parse(text) as Record<string, unknown>;
      expect(config.$schema).toBe("./schema.json");
      expect(config.environments).toEqual(["development"]);

      expect(r.stdout).toContain(`Wrote buyers/${c.id}.json`);
      expect(r.stdout).toMatch(/Required fields: \d+ — \d+ matched to the lead, \d+ by default, \d+ through auth, \d+ open \([\d.]+ % without help\)\./);
      for (const name of c.secretNames) expect(r.stdout).toContain(`npx wrangler secret put ${name} --env production`);
      const pending = Object.keys(c.open).length + c.secretNames.length;
      expect(r.code).toBe(pending ? 1 : 0);
      expect(r.stdout).toContain(pending ? "Next: " : "buyers:check: OK");

      // buyers:check (the function the npm script runs) over the temporary repository.
      const before = checkBuyers(root).problems.filter((p) => p.file === `buyers/${c.id}.json`);
      expect(
        before.filter((p) => p.message.startsWith("open, no source decided")).map((p) => p.path.replace(/^mapping\.fields\[\d+\] \((.*)\)$/, "$1")),
      ).toEqual(Object.keys(c.open));
      expect(before.filter((p) => p.path === "secret").length).toBe(c.secretNames.length);
      if (Object.keys(c.open).length) expect(loadBuyers([config]).errors[0]?.id).toBe(c.id);

      // A person decides each open field and lists each secret name with a placeholder.
      writeFileSync(file, `${JSON.stringify(fillOpen(config, c.open), null, 2)}\n`);
      const example = join(root, ".dev.vars.example");
      writeFileSync(example, `${readFileSync(example, "utf8")}${c.secretNames.map((n) => `${n}=placeholder\n`).join("")}`);
      expect(checkBuyers(root).problems.filter((p) => p.file === `buyers/${c.id}.json`)).toEqual([]);
      expect(loadBuyers([JSON.parse(readFileSync(file, "utf8"))]).errors).toEqual([]);
    },
    60_000,
  );

  it("previews the repository's sample leads through the new mapping and counts what would be sent", async () => {
    const r = await run([
      "harborline-mortgage-2",
      "--from",
      join(SPEC_DIR, "harborline-mortgage.salesforce-w2l.csv"),
      "--leads",
      join(repo, "test/fixtures/leads-sample.jsonl"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("mortgage: POST https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8");
    expect(r.stdout).toMatch(/leads-sample\.jsonl: 425 valid mortgage leads, 425 would be sent\n {4}spec violations: none/);
    expect(r.stdout).toContain("npm run buyer:preview -- harborline-mortgage-2 <lead.json>");
  }, 60_000);

  it("refuses to replace an existing buyer file unless --force, and writes nothing for a spec it cannot read", async () => {
    const spec = join(SPEC_DIR, "summit-auto.openapi.yaml");
    const first = await run(["summit-twice", "--from", spec]);
    expect(first.code).toBe(1);
    const file = join(root, "buyers", "summit-twice.json");
    writeFileSync(file, "{}\n");
    const again = await run(["summit-twice", "--from", spec]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("buyers/summit-twice.json exists; pass --force to replace it");
    expect(readFileSync(file, "utf8")).toBe("{}\n");
    const forced = await run(["summit-twice", "--from", spec, "--force"]);
    expect(forced.code).toBe(1);
    expect(JSON.parse(readFileSync(file, "utf8")).id).toBe("summit-twice");

    const bad = join(root, "two-posts.yaml");
    writeFileSync(
      bad,
      [
        "openapi: 3.0.3",
        "info: {title: Two, version: '1'}",
        "servers: [{url: 'https://two.example'}]",
        "paths:",
        "  /a: {post: {operationId: postA, requestBody: {content: {application/json: {schema: {type: object, properties: {email: {type: string}}}}}}, responses: {'200': {description: ok}}}}",
        "  /b: {post: {operationId: postB, requestBody: {content: {application/json: {schema: {type: object, properties: {email: {type: string}}}}}}, responses: {'200': {description: ok}}}}",
      ].join("\n"),
    );
    const unread = await run(["two-posts", "--from", bad]);
    expect(unread.code).toBe(2);
    expect(unread.stderr).toContain("choose one with --operation: postA = POST /a; postB = POST /b");
    expect(existsSync(join(root, "buyers", "two-posts.json"))).toBe(false);
    const chosen = await run(["two-posts", "--from", bad, "--operation", "POST /b", "--vertical", "legal"]);
    expect(JSON.parse(readFileSync(join(root, "buyers", "two-posts.json"), "utf8")).endpoint.url).toBe("https://two.example/b");
    expect(chosen.code).toBe(0);
  }, 120_000);
});
