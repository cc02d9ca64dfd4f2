/**
 * Issue 15 end to end: `wrangler dev` and the mock buyer as processes, spoken to over HTTP only.
 * A buyer's canary candidate drops a field the buyer requires (the mock answers 400): it takes
 * 10 % of the buyer's leads, is rolled back by the buyer's gate after its minimum sample, the
 * alert names it, and every lead it touched is sold. Then an operator pins a previous version,
 * the pin holds across a restart of the Worker (a deploy), and is released.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOCK_CONTACT_FIELDS, MOCK_JSON_RESPONSE } from "../mock-buyer/contract";
import { type Stack, startStack } from "./harness";
import { postLead, validLead } from "./helpers";

const ID = "e2e-canary";

function buyer(price: string, over: Record<string, unknown> = {}) {
  return {
    id: ID,
    name: "E2E canary",
    verticals: ["auto_insurance"],
    price: 50,
    endpoint: { url: `\${MOCK_BUYER_ORIGIN}/b/${ID}/accept?respond=json&require=last_name,email&price=${price}`, method: "POST", timeoutMs: 5000 },
    format: { type: "json" },
    mapping: { fields: MOCK_CONTACT_FIELDS },
    response: MOCK_JSON_RESPONSE,
    ...over,
  };
}

const LIVE = buyer("41", {
  changeNote: "live",
  canary: {
    changeNote: "drops last_name",
    config: { mapping: { fields: MOCK_CONTACT_FIELDS.filter((f) => f.to !== "last_name") } },
    steps: [10, 50, 100],
    minSample: 5,
  },
});
const PREVIOUS = buyer("37", { changeNote: "previous" });

interface Versions {
  live: string;
  pin: { version: string } | null;
  canary: { status: string; share: number; candidate: string; totals: { candidateAttempts: number; lost: number } } | null;
  versions: {
    version: string;
    kind: string;
    changeNote: string | null;
    pinned: boolean;
    figures: { attempts: number; accepted: number; errorsByClass: Record<string, number> };
  }[];
}

describe("canary rollback and rollback pin (end to end)", () => {
  let stack: Stack;
  const admin = () => ({ authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" });
  const versions = async () => (await (await fetch(`${stack.baseUrl}/v1/buyers/${ID}/versions`, { headers: admin() })).json()) as Versions;

  beforeAll(async () => {
    stack = await startStack({ buyerConfigs: [LIVE], vars: { BUYER_HISTORY: JSON.stringify([PREVIOUS]) } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("rolls a candidate that makes the buyer answer 400 back after its minimum sample, selling every lead", async () => {
    const results: { status: number; body: Record<string, unknown> }[] = [];
    let state: Versions | undefined;
    for (let i = 0; i < 400; i++) {
      results.push(await postLead(stack, validLead("auto_insurance", i % 20, `canary-${i}`), "?mode=sync"));
      state = await versions();
      if (state.canary?.status === "rolled_back") break;
    }
    expect(state?.canary).toMatchObject({ status: "rolled_back", share: 10, totals: { candidateAttempts: 5, lost: 5 } });
    expect(results.every((r) => r.status === 200 && r.body.status === "sold" && r.body.buyer === ID && r.body.price === 41)).toBe(true);
    const cand = state?.versions.find((v) => v.kind === "candidate");
    expect(cand).toMatchObject({ changeNote: "drops last_name", figures: { attempts: 5, accepted: 0, errorsByClass: { client: 5 } } });
    const alerts = (await (await fetch(`${stack.baseUrl}/v1/alerts`, { headers: admin() })).json()) as { alerts: { kind: string; message: string }[] };
    const alert = alerts.alerts.find((a) => a.kind === "canary_rollback");
    expect(alert?.message).toContain(cand?.version ?? "?");
    console.log(`[e2e canary] ${results.length} sync leads until rollback; the candidate saw 5, all answered 400, all re-offered and sold on the live version`);
  });

  it("pins a previous version without a deploy; the pin holds across a restart of the Worker and is released", async () => {
    const before = await versions();
    const previous = before.versions.find((v) => v.kind === "previous");
    expect(previous?.changeNote).toBe("previous");
    const bad = await fetch(`${stack.baseUrl}/v1/buyers/${ID}/rollback`, { method: "POST", headers: admin(), body: JSON.stringify({ version: "nope" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe("version");
    const pin = await fetch(`${stack.baseUrl}/v1/buyers/${ID}/rollback`, {
      method: "POST",
      headers: admin(),
      body: JSON.stringify({ version: previous?.version }),
    });
    expect(pin.status).toBe(200);
    expect((await postLead(stack, validLead("auto_insurance", 1, "pin-1"), "?mode=sync")).body).toMatchObject({ status: "sold", price: 37 });

    // The Worker goes down and comes back on the same state (as a deploy replaces it); the gate's storage stays.
    await stack.crash();
    await stack.restart();
    expect((await postLead(stack, validLead("auto_insurance", 2, "pin-2"), "?mode=sync")).body).toMatchObject({ status: "sold", price: 37 });
    expect((await versions()).pin?.version).toBe(previous?.version);

    const released = await fetch(`${stack.baseUrl}/v1/buyers/${ID}/pin`, { method: "DELETE", headers: admin() });
    expect(released.status).toBe(200);
    expect((await postLead(stack, validLead("auto_insurance", 3, "pin-3"), "?mode=sync")).body).toMatchObject({ status: "sold", price: 41 });
  });
});
