import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { currentVersion, parseArgs, plan, uploadedVersion } from "../../../src/cli/deploy-gradual.mjs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));

/** `npm run deploy:gradual -- <args>` as an operator runs it (node on the script; --dry-run never calls wrangler). */
function gradual(...args: string[]) {
  return spawnSync("node", ["src/cli/deploy-gradual.mjs", ...args], { cwd: repo, encoding: "utf8" });
}

describe("npm run deploy:gradual (Workers gradual deployments)", () => {
  it("--dry-run prints the upload, the status read and the split deploy, and how to go on and roll back", () => {
    const r = gradual("--percentage", "10", "--message", "issue 15 canary", "--dry-run");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toEqual([
      "deploy:gradual (dry run): these commands would run, in order:",
      '  npx wrangler versions upload --env production --message "issue 15 canary"',
      "  npx wrangler deployments status --env production --json",
      '  npx wrangler versions deploy <new-version-id>@10% <current-version-id>@90% --env production --yes --message "issue 15 canary"',
      "then raise the share with: npm run deploy:gradual -- --version <new-version-id> --percentage <next>",
      "and roll back at any time with: npm run deploy:gradual -- --rollback",
    ]);
  });

  it("--dry-run of the next steps and of a rollback", () => {
    const up = gradual("--version", "2f0c0e1a-0000-4000-8000-000000000001", "--percentage", "50", "--env", "staging", "--dry-run");
    expect(up.stdout).toContain("npx wrangler versions deploy 2f0c0e1a-0000-4000-8000-000000000001@50% <current-version-id>@50% --env staging --yes");
    expect(up.stdout).not.toContain("versions upload");
    const all = gradual("--version", "2f0c0e1a-0000-4000-8000-000000000001", "--percentage", "100", "--dry-run");
    expect(all.stdout).toContain("npx wrangler versions deploy 2f0c0e1a-0000-4000-8000-000000000001@100% --env production --yes");
    const back = gradual("--rollback", "--message", "5xx after deploy", "--dry-run");
    expect(back.stdout.trim().split("\n").slice(1)).toEqual(['  npx wrangler rollback --env production --yes --message "5xx after deploy"']);
    const to = gradual("--rollback", "11111111-2222-4333-8444-555555555555", "--dry-run");
    expect(to.stdout).toContain("npx wrangler rollback 11111111-2222-4333-8444-555555555555 --env production --yes");
  });

  it("refuses a bad request with exit 2 naming the argument", () => {
    for (const [args, words] of [
      [["--percentage", "0"], "--percentage"],
      [["--percentage", "150"], "--percentage"],
      [["--dry-run"], "--percentage"],
      [["--rollback", "--percentage", "10"], "--rollback"],
      [["--percent", "10"], "unknown argument --percent"],
    ] as const) {
      const r = gradual(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(words);
    }
  });

  it("reads the new version id from wrangler's upload output and the current one from deployments status", () => {
    expect(uploadedVersion("Uploaded leadwire (3.21 sec)\nWorker Version ID: 095f00a7-23a7-43b7-a227-e4c97cab5f22\nVersion Preview URL: …")).toBe(
      "095f00a7-23a7-43b7-a227-e4c97cab5f22",
    );
    expect(() => uploadedVersion("error")).toThrow(/Worker Version ID/);
    const status = JSON.stringify({
      id: "d1",
      versions: [
        { version_id: "aaaaaaaa-0000-4000-8000-000000000000", percentage: 10 },
        { version_id: "bbbbbbbb-0000-4000-8000-000000000000", percentage: 90 },
      ],
    });
    expect(currentVersion(status, "aaaaaaaa-0000-4000-8000-000000000000")).toBe("bbbbbbbb-0000-4000-8000-000000000000");
    const a = parseArgs(["--version", "aaaaaaaa-0000-4000-8000-000000000000", "--percentage", "25"]);
    expect(plan(a, { current: "bbbbbbbb-0000-4000-8000-000000000000", uploaded: "" }).at(-1)?.args).toEqual([
      "wrangler",
      "versions",
      "deploy",
      "aaaaaaaa-0000-4000-8000-000000000000@25%",
      "bbbbbbbb-0000-4000-8000-000000000000@75%",
      "--env",
      "production",
      "--yes",
    ]);
  });

  it("is an npm script", () => {
    const out = execFileSync("npm", ["run", "-s", "deploy:gradual", "--", "--percentage", "5", "--dry-run"], { cwd: repo, encoding: "utf8" });
    expect(out).toContain("<new-version-id>@5% <current-version-id>@95%");
  });
});
