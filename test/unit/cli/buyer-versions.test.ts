import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BuyerBuildError, bundleBuyers } from "../../../src/cli/bundle-buyers.mjs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
let root: string;

function scratch(): string {
  root = mkdtempSync(join(tmpdir(), "leadwire-versions-"));
  mkdirSync(join(root, "buyers"));
  mkdirSync(join(root, "src"));
  for (const f of readdirSync(join(repo, "buyers"))) copyFileSync(join(repo, "buyers", f), join(root, "buyers", f));
  copyFileSync(join(repo, ".dev.vars.example"), join(root, ".dev.vars.example"));
  return root;
}
afterEach(() => rmSync(root, { recursive: true, force: true }));

const acme = () => JSON.parse(readFileSync(join(repo, "buyers", "acme-auto.json"), "utf8")) as Record<string, unknown>;
const put = (config: unknown) => writeFileSync(join(root, "buyers", "acme-auto.json"), JSON.stringify(config, null, 2));
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: root, encoding: "utf8" });

/** The bundle's exports, read back from the generated file. */
function bundle(): {
  compiled: { version: string; changeNote?: string; builtAt?: string; canary?: { version: string; changeNote?: string; policy: { steps: number[] } } }[];
  history: { id: string; version: string; changeNote?: string; commit?: string }[];
} {
  const text = readFileSync(join(root, "src", "buyers.generated.ts"), "utf8");
  const grab = (name: string) => {
    const m = new RegExp(`^export const ${name}: string = (.*);$`, "m").exec(text);
    return JSON.parse(JSON.parse(m?.[1] ?? '""'));
  };
  return { compiled: grab("compiledBuyersJson"), history: grab("compiledHistoryJson") };
}

describe("versions in the buyer build", { timeout: 60_000 }, () => {
  it("compiles a file's canary candidate with its own version, and its change notes", async () => {
    scratch();
    const a = acme();
    put({ ...a, changeNote: "hourly cap 80", canary: { changeNote: "price 31", config: { price: 31 }, steps: [10, 50, 100], minSample: 30 } });
    await bundleBuyers(root);
    const first = bundle().compiled.find((b) => b.changeNote === "hourly cap 80");
    expect(first?.canary).toMatchObject({ changeNote: "price 31", policy: { steps: [10, 50, 100] } });
    expect(first?.canary?.version).not.toBe(first?.version);
    // Adding a canary block does not change the live version.
    put(a);
    await bundleBuyers(root);
    expect(bundle().compiled.map((b) => b.version)).toContain(first?.version);
    // An unchanged rebuild writes the same file (builtAt is kept).
    const before = readFileSync(join(root, "src", "buyers.generated.ts"), "utf8");
    await bundleBuyers(root);
    expect(readFileSync(join(root, "src", "buyers.generated.ts"), "utf8")).toBe(before);
  });

  it("fails the build on a candidate that does not validate or compile, naming the file and the path", async () => {
    scratch();
    put({ ...acme(), canary: { config: { mapping: { template: '{"n": "{{shout(lead.first_name)}}"}' } } } });
    const err = await bundleBuyers(root).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BuyerBuildError);
    expect((err as BuyerBuildError).lines).toContainEqual(
      expect.stringMatching(/^buyers\/acme-auto\.json: canary \(candidate config\): .*unknown template function "shout"/),
    );

    const lines = async () =>
      bundleBuyers(root).then(
        () => [],
        (e: BuyerBuildError) => e.lines,
      );
    put({ ...acme(), canary: { config: { price: 31 }, steps: [10, 5, 100] } });
    expect(await lines()).toEqual(["buyers/acme-auto.json: canary.steps: must grow step by step"]);
    put({ ...acme(), canary: { config: { price: "lots" } } });
    expect(await lines()).toContainEqual(expect.stringMatching(/^buyers\/acme-auto\.json: canary \(candidate config\): price:/));
  });

  it("keeps the previous versions of a buyer from git history, with their commit and note", async () => {
    scratch();
    git("init", "-q");
    put({ ...acme(), changeNote: "first" });
    git("add", ".");
    git("commit", "-qm", "first");
    put({ ...acme(), price: 29, changeNote: "second" });
    git("commit", "-qam", "second");
    const head = git("rev-parse", "HEAD").trim();
    put({ ...acme(), price: 30, changeNote: "third (not committed)" });
    const { previous } = await bundleBuyers(root);
    const kept = bundle().history.filter((h) => h.id === "acme-auto");
    expect(kept.map((h) => h.changeNote)).toEqual(["second", "first"]);
    expect(kept[0]?.commit).toBe(head);
    expect(previous).toBe(kept.length);
    const live = bundle().compiled.find((b) => b.changeNote === "third (not committed)");
    expect(kept.map((h) => h.version)).not.toContain(live?.version);
  });
});
