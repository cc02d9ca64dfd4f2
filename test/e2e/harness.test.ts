import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupAlive } from "../../src/cli/lib/proc.mjs";
import { type Stack, startStack } from "./harness";
import { sampleLines } from "./helpers";

// A lead exactly as sources post it: the first valid line of the sample (test/fixtures).
function sampleLead(): Record<string, unknown> {
  for (const row of sampleLines()) {
    if (row.valid) return { ...row.lead, external_id: `e2e-harness-${Date.now()}` };
  }
  throw new Error("no valid lead in the sample");
}

describe("e2e harness", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("starts wrangler dev with a fresh state and answers /health", async () => {
    const res = await fetch(`${stack.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
    expect((await fetch(`${stack.mockOrigin}/_control/health`)).status).toBe(200);
  });

  it("the seeded source key is accepted and a posted lead reaches the mock buyer", async () => {
    const res = await fetch(`${stack.baseUrl}/v1/leads`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.sourceKey}`, "content-type": "application/json" },
      body: JSON.stringify(sampleLead()),
    });
    const body = (await res.json()) as { id: string; status: string };
    expect(res.status).toBe(202);
    expect(body.status).toBe("queued");

    // The deliveries queue runs in wrangler dev; the first attempt lands within seconds.
    const deadline = Date.now() + 30_000;
    while (stack.mock.requests({ leadId: body.id }).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const got = stack.mock.requests({ leadId: body.id });
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]?.headers["idempotency-key"]).toContain(body.id);
  });

  it("rejects an unknown source key with 401", async () => {
    const res = await fetch(`${stack.baseUrl}/v1/leads`, {
      method: "POST",
      headers: { authorization: "Bearer lw_not-a-real-key", "content-type": "application/json" },
      body: JSON.stringify(sampleLead()),
    });
    expect(res.status).toBe(401);
  });

  it("stop() ends the whole wrangler process tree and frees the port", async () => {
    const pgid = stack.wranglerPgid;
    expect(groupAlive(pgid)).toBe(true);
    await stack.stop();
    expect(groupAlive(pgid)).toBe(false);
    await expect(fetch(`${stack.baseUrl}/health`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});
