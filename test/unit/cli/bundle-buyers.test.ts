import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BuyerBuildError, bundleBuyers } from "../../../src/cli/bundle-buyers.mjs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
let root: string;

/** A scratch repository with the demo buyers, .dev.vars.example and an empty src/. */
function scratch(): string {
  root = mkdtempSync(join(tmpdir(), "leadwire-build-"));
  mkdirSync(join(root, "buyers"));
  mkdirSync(join(root, "src"));
  for (const f of readdirSync(join(repo, "buyers"))) copyFileSync(join(repo, "buyers", f), join(root, "buyers", f));
  copyFileSync(join(repo, ".dev.vars.example"), join(root, ".dev.vars.example"));
  return root;
}
afterEach(() => rmSync(root, { recursive: true, force: true }));

const acme = () => JSON.parse(readFileSync(join(repo, "buyers", "acme-auto.json"), "utf8")) as Record<string, unknown>;
const put = (file: string, config: unknown) => writeFileSync(join(root, "buyers", file), JSON.stringify(config));
const bundlePath = () => join(root, "src", "buyers.generated.ts");

async function buildError(): Promise<string[]> {
  const err = await bundleBuyers(root).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BuyerBuildError);
  return (err as BuyerBuildError).lines;
}

describe("the buyer build (wrangler's [build] command)", () => {
  it("validates and bundles the demo buyers", async () => {
    scratch();
    const { count } = await bundleBuyers(root);
    expect(count).toBe(readdirSync(join(repo, "buyers")).filter((f) => f !== "schema.json").length);
    expect(readFileSync(bundlePath(), "utf8")).toContain('"id": "acme-auto"');
  });

  it("fails on a schema error, naming the file and the field, and writes no bundle", async () => {
    scratch();
    put("broken.json", { ...acme(), id: "broken", price: "lots" });
    const lines = await buildError();
    expect(lines.some((l) => l.startsWith("buyers/broken.json: price:"))).toBe(true);
    expect(existsSync(bundlePath())).toBe(false);
  });

  it("fails on a duplicate id, a secret missing from .dev.vars.example and a template that does not compile", async () => {
    scratch();
    put("acme-auto-copy.json", acme());
    put("secretive.json", { ...acme(), id: "secretive", auth: { type: "api_key", in: "header", name: "X-Api-Key", value: { secret: "NOT_IN_EXAMPLE" } } });
    put("templated.json", { ...acme(), id: "templated", spec: undefined, mapping: { template: '{"name": "{{shout(lead.first_name)}}"}' } });
    const lines = await buildError();
    expect(lines).toContainEqual(expect.stringMatching(/^buyers\/acme-auto\.json: id: duplicate id, also in buyers\/acme-auto-copy\.json/));
    expect(lines).toContainEqual(expect.stringMatching(/^buyers\/secretive\.json: secret: secret NOT_IN_EXAMPLE is not listed in \.dev\.vars\.example/));
    expect(lines).toContainEqual(expect.stringMatching(/^buyers\/templated\.json: .*unknown template function "shout"/));
  });

  it("bundles config/routing.json with the buyers, and stops on one that names a buyer it does not have (routing, issue 13)", async () => {
    scratch();
    mkdirSync(join(root, "config"));
    const routing = { $schema: "./routing.schema.json", verticals: { auto_insurance: { method: "weighted", targets: { "acme-auto": 300 } } } };
    writeFileSync(join(root, "config", "routing.json"), JSON.stringify(routing));
    await bundleBuyers(root);
    expect(readFileSync(bundlePath(), "utf8")).toContain('"method": "weighted"');
    writeFileSync(
      join(root, "config", "routing.json"),
      JSON.stringify({ ...routing, verticals: { auto_insurance: { method: "weighted", targets: { nobody: 1 } } } }),
    );
    const lines = await buildError();
    expect(lines).toEqual(["config/routing.json: verticals.auto_insurance.targets.nobody: no buyer nobody"]);
  });

  it("fails on a file that is not JSON and keeps the previous bundle", async () => {
    scratch();
    await bundleBuyers(root);
    const before = readFileSync(bundlePath(), "utf8");
    writeFileSync(join(root, "buyers", "half.json"), '{"id": "half",');
    const lines = await buildError();
    expect(lines[0]).toMatch(/^buyers\/half\.json: \(file\): not valid JSON/);
    expect(readFileSync(bundlePath(), "utf8")).toBe(before);
  });
});
