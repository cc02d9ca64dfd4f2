import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { remoteTargetProblem } from "../../../src/cli/lib/wrangler.mjs";

const toml = readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8");
const realId = "5f0c2a7e-1b7d-4c41-9f0e-2d1c3b4a5e6f";

describe("source:create --remote never targets the placeholder database", () => {
  it("refuses --remote without --env, naming the flag it needs", () => {
    expect(remoteTargetProblem(undefined, toml)).toMatch(/^--remote needs --env production/);
  });

  it("refuses the shipped [env.production] until its database id is pasted in", () => {
    expect(remoteTargetProblem("production", toml)).toMatch(/still the placeholder "REPLACE_WITH_wrangler_d1_create_leadwire_ID"/);
    expect(remoteTargetProblem("production", toml.replace("REPLACE_WITH_wrangler_d1_create_leadwire_ID", realId))).toBeUndefined();
  });

  it("refuses an environment wrangler.toml does not define", () => {
    expect(remoteTargetProblem("staging", toml)).toBe("wrangler.toml has no [env.staging]");
  });
});
