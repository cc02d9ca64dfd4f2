import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const run = promisify(execFile);

// Previews run as of a fixed instant, so intake's "consent in the future" and the computed age
// do not follow the real date.
const AT = ["--at", "2026-12-02T16:00:00Z"];

/** Runs `npm run buyer:preview -- …` as a user would (through tsx), with its exit code. */
async function preview(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(`${root}node_modules/.bin/tsx`, ["src/cli/buyer-preview.ts", ...args, ...AT], {
      cwd: root,
      env: { ...process.env, INIT_CWD: root },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("npm run buyer:preview (the CLI twin of POST /v1/buyers/:id/preview)", () => {
  it("takes the raw example lead, normalizes it like intake, and prints the exact request", async () => {
    const r = await preview("acme-auto", "examples/lead.json");
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as { buyer: string; method: string; url: string; headers: Record<string, string>; body: string; warnings: unknown[] };
    expect(p).toMatchObject({ buyer: "acme-auto", method: "POST", url: "http://127.0.0.1:8788/b/acme-auto/accept?respond=json", warnings: [] });
    expect(p.headers["X-Api-Key"]).toBe("****");
    const body = JSON.parse(p.body) as { applicant: { email: string; age: number; phones: { number: string }[] }; address: { state: string; zip: string } };
    // Normalized on the way: trimmed lower-case email, "arizona" → AZ, ZIP+4 → ZIP.
    expect(body.applicant.email).toBe("liam.martinez@example.com");
    expect(body.applicant.phones[0]?.number).toBe("602-980-7364");
    expect(body.address).toMatchObject({ state: "AZ", zip: "85001" });
    expect(body.applicant).toMatchObject({ age: 37 }); // born 07/20/1989, previewed on 2026-12-02
  }, 30_000);

  it("says so when the lead is of a vertical the buyer does not buy, naming the buyers that do", async () => {
    const r = await preview("acme-auto", "examples/lead-mortgage.json");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe(
      "buyer:preview: acme-auto buys auto_insurance leads; examples/lead-mortgage.json is a mortgage lead, which acme-auto is never offered. Buyers of mortgage: demo-salesforce-rest, demo-velocify, meridian-mortgage, overflow-exchange.",
    );
  }, 30_000);

  it("a missing file is one line, not a stack; a normalized (stored) lead is refused like the API refuses it", async () => {
    const missing = await preview("acme-auto", "examples/nope.json");
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("buyer:preview: cannot read examples/nope.json: no such file");
    const stored = await preview("meridian-mortgage", "test/unit/integration/fixtures/lead.json");
    expect(stored.code).toBe(1);
    expect(stored.stderr).toMatch(
      /^buyer:preview: test\/unit\/integration\/fixtures\/lead\.json is not a lead POST \/v1\/leads accepts:\n {2}address: Unrecognized key: "zip4"/,
    );
  }, 30_000);
});
