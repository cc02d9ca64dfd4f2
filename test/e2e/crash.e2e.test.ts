/**
 * Crashes, black-box: `wrangler dev` (D1, Durable Objects and Queues in one local runtime, the
 * cron ticking every minute as `npm run dev` ticks it) is killed with SIGKILL mid-flight and
 * started again on the same state. Local queues live in memory, so every message in flight dies
 * with the process: only D1, the BuyerGates' storage and the sweep can bring the leads home.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MOCK_CONTACT_FIELDS, MOCK_JSON_RESPONSE } from "../mock-buyer/contract";
import { type Stack, startStack } from "./harness";
import { type LeadView, pollLeads, postLead, TERMINAL, validLead } from "./helpers";

function buyer(id: string, price: number, behavior: string, extra: Record<string, unknown> = {}, query = "") {
  return {
    id,
    name: `Crash ${id}`,
    status: "active",
    verticals: ["auto_insurance", "mortgage", "solar", "legal"],
    price,
    region: "enam",
    endpoint: { url: `\${MOCK_BUYER_ORIGIN}/b/${id}/${behavior}?respond=json&price=${price}${query}`, method: "POST", timeoutMs: 5_000 },
    format: { type: "json" },
    mapping: { fields: [...MOCK_CONTACT_FIELDS] },
    response: MOCK_JSON_RESPONSE,
    retry: { maxAttempts: 6 },
    ...extra,
  };
}

const VERTICALS = ["auto_insurance", "mortgage", "solar", "legal"];
const lead = (i: number, tag: string) => validLead(VERTICALS[i % 4] ?? "auto_insurance", Math.floor(i / 4), tag);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The id of the lead a buyer's request carried (from the Idempotency-Key `lw-<lead>-<buyer>`). */
function leadOfRequest(headers: Record<string, string>, buyerId: string): string | undefined {
  const key = headers["idempotency-key"] ?? "";
  return key.endsWith(`-${buyerId}`) ? key.slice(3, -(buyerId.length + 1)) : undefined;
}

describe("a crash loses no lead and sells none twice", () => {
  it("restart mid-retry: 20 leads whose buyer answered 503 all end sold within two minutes, with no manual call", async () => {
    stack = await startStack({ buyerConfigs: [buyer("crash-down", 30, "accept")], cron: true });
    const s = stack;
    s.mock.setBehavior("crash-down", "error503");
    const posted = await Promise.all(Array.from({ length: 20 }, (_, i) => postLead(s, lead(i, "restart"))));
    expect(posted.map((p) => p.status)).toEqual(Array(20).fill(202));
    const ids = posted.map((p) => String(p.body["id"]));
    // Every lead failed once and waits for its retry (whose message is in the process's memory).
    await pollLeads(s, ids, (v) => v.attempts.length >= 1 && v.status === "queued", 60_000);

    await s.crash();
    s.mock.setBehavior("crash-down", null);
    await s.restart();
    const restartedAt = Date.now();

    const done = await pollLeads(s, ids, (v) => TERMINAL.has(v.status), 150_000);
    const statuses = [...done.values()].map((d) => d.view.status);
    expect(statuses).toEqual(Array(20).fill("sold"));
    // The cron recovered them (D1 knows when each was due): within two minutes of the restart.
    expect(Date.now() - restartedAt).toBeLessThan(120_000 + 10_000);
    // Each retry carried the lead's one idempotency key.
    for (const id of ids) {
      const keys = new Set(s.mock.requests({ buyer: "crash-down", leadId: id }).map((r) => r.headers["idempotency-key"]));
      expect(keys).toEqual(new Set([`lw-${id}-crash-down`]));
    }
  }, 330_000);

  it("kill mid-flight: 150 async and 20 sync leads to a slow, capped buyer all end sold, unsold or expired; no lead is held by a buyer Leadwire did not sell it to; the cap holds", async () => {
    const CAP = 40;
    stack = await startStack({
      buyerConfigs: [buyer("crash-slow", 40, "slow", { caps: { day: CAP, timezone: "UTC" } }, "&ms=600"), buyer("crash-backup", 20, "accept")],
      cron: true,
      startTimeoutMs: 120_000,
    });
    const s = stack;
    const asyncLeads = Array.from({ length: 150 }, (_, i) => lead(i, "crash-async"));
    const syncLeads = Array.from({ length: 20 }, (_, i) => lead(150 + i, "crash-sync"));
    const ids: string[] = [];
    for (let i = 0; i < asyncLeads.length; i += 25) {
      const batch = await Promise.all(asyncLeads.slice(i, i + 25).map((l) => postLead(s, l)));
      for (const p of batch) {
        expect(p.status).toBe(202);
        ids.push(String(p.body["id"]));
      }
    }
    // The sync posts wait for their waterfall: the crash cuts them off (a source sees an error).
    const inFlight = Promise.allSettled(syncLeads.map((l) => postLead(s, l, "?mode=sync")));
    await sleep(3_000);
    expect(s.mock.requests({ buyer: "crash-slow" }).length).toBeGreaterThan(0);
    await s.crash();
    await inFlight;
    await s.restart();

    // A source whose sync post failed posts again (same external_id): the original lead answers,
    // or the lead is stored now if the first post never was.
    for (const l of syncLeads) {
      const again = await postLead(s, l);
      expect([200, 202]).toContain(again.status);
      ids.push(String(again.body["id"]));
    }

    const done = await pollLeads(s, ids, (v) => TERMINAL.has(v.status), 200_000);
    const views = [...done.values()].map((d) => d.view);
    const open = views.filter((v) => !TERMINAL.has(v.status)).map((v) => `${v.id}: ${v.status}`);
    expect(open, `leads not ended three minutes after the restart: ${open.join(", ")}`).toEqual([]);
    expect(views).toHaveLength(170);

    // Whatever a buyer accepted (even answers Leadwire never saw, cut off by the crash) is the
    // sale Leadwire booked: no buyer holds a lead that was sold to another.
    const soldTo = new Map<string, string | undefined>(views.map((v: LeadView) => [v.id, v.sold?.buyer]));
    for (const buyerId of ["crash-slow", "crash-backup"]) {
      const accepted = new Set(
        s.mock
          .requests({ buyer: buyerId })
          .filter((r) => r.status === 200)
          .map((r) => leadOfRequest(r.headers, buyerId))
          .filter((id): id is string => id !== undefined),
      );
      for (const id of accepted) expect(soldTo.get(id), `${buyerId} holds ${id}`).toBe(buyerId);
      if (buyerId === "crash-slow") expect(accepted.size).toBeLessThanOrEqual(CAP);
    }
  }, 420_000);
});
