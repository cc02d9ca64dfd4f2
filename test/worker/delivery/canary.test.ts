import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import type { BuyerGate } from "../../../src/buyer-gate";
import type { CanaryState } from "../../../src/buyer-gate/canary";
import { gateFor } from "../../../src/buyer-gate/client";
import type { Clock } from "../../../src/core/clock";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { canaryOf, getBuyerRegistry } from "../../../src/integration/registry";
import { configVersion } from "../../../src/integration/version";
import { runOps } from "../../../src/ops/cron";
import { MOCK_CONTACT_FIELDS } from "../../mock-buyer/contract";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, mockRequests, storeLead, testClock } from "../helpers/engine";
import { drainAlertJobs, hooksAt, opsHarness, target } from "../helpers/ops";
import { allRows, leadD1 } from "../helpers/shards";
import { ADMIN } from "../helpers/sources";

/**
 * Issue 15 against the mock buyer over real HTTP, through the real waterfall and BuyerGate:
 * a candidate config rolled out as a canary, judged against the live version over the same
 * window, rolled back or promoted by the gate on its own; an operator's rollback pin.
 */

type Env2 = ReturnType<typeof harness>["env"];

function api(e: Env2, clock: Clock) {
  const app = createApp({ clock });
  return async (path: string, init: RequestInit = {}) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`https://leadwire.test${path}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json", ...init.headers },
      }),
      e,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  };
}

async function canaryState(e: Env2, buyerId: string): Promise<CanaryState | null> {
  const buyer = getBuyerRegistry(e).get(buyerId);
  if (!buyer) throw new Error(`no buyer ${buyerId}`);
  return (await gateFor(e, buyer).versionState()).canary;
}

/** One lead stored and run through the waterfall; its outcome. */
/** The order the leads were routed in (the test clock stands still, so created_at ties across shards). */
const routedOrder = new Map<string, number>();

async function oneLead(e: Env2, clock: Clock) {
  const leadId = await storeLead(e, clock);
  routedOrder.set(leadId, routedOrder.size);
  const out = await processDeliveryJob(e, clock, { kind: "deliver", leadId });
  return { leadId, out };
}

interface AttemptRow {
  lead_id: string;
  buyer_id: string;
  config_version: string | null;
  outcome: string;
  error_class: string | null;
  status_code: number | null;
}

async function attemptsOfBuyer(buyerId: string): Promise<AttemptRow[]> {
  // Attempts live on their lead's shard: read on every database, then put in time order.
  const rows = await allRows<AttemptRow & { created_at: string; rid: number }>(
    "SELECT lead_id, buyer_id, config_version, outcome, error_class, status_code, created_at, rowid AS rid FROM delivery_attempts WHERE buyer_id = ?",
    buyerId,
  );
  const order = (leadId: string) => routedOrder.get(leadId) ?? -1;
  // One lead's attempts share its shard, so rowid orders them; leads go in the order they were routed.
  rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || order(a.lead_id) - order(b.lead_id) || a.rid - b.rid);
  return rows.map(({ created_at: _at, rid: _rid, ...r }) => r);
}

/** The mock's contact fields without one: a candidate mapping that drops a field the buyer requires. */
const withoutLastName = MOCK_CONTACT_FIELDS.filter((f) => f.to !== "last_name");

describe("canary: a candidate config judged against the live version", () => {
  it("a candidate whose mapping drops a required field starts at 10 %, is rolled back after its minimum sample with an alert naming it, and loses no lead", async () => {
    const id = uid("cnry-bad");
    const other = uid("cnry-next");
    const live: BuyerConfigInput = testBuyer(id, "accept", { price: 40 }, { require: "last_name,email", price: "40" });
    const file = {
      ...live,
      changeNote: "v1: contact fields",
      canary: { changeNote: "v2: drop last_name (broken)", config: { mapping: { fields: withoutLastName } }, steps: [10, 50, 100], minSample: 20 },
    };
    const clock = testClock();
    // The alert goes out through the usual path: the minute cron sends it to the targets.
    const slack = target(uid("cnry-slack"), "slack", 0);
    const h = opsHarness([file, testBuyer(other, "accept", { price: 10 })], [slack], {
      REGRESSION_HOUR_UTC: String((new Date(clock.now()).getUTCHours() + 12) % 24),
    });
    const buyer = getBuyerRegistry(h.env).get(id);
    const cand = buyer ? canaryOf(buyer) : undefined;
    if (!buyer || !cand) throw new Error("the registry holds the buyer and its candidate");
    const liveVersion = configVersion(buyer);
    expect(cand.version).not.toBe(liveVersion);

    const outcomes = new Map<string, { status: string; buyer?: string }>();
    let leads = 0;
    for (; leads < 800; leads++) {
      const { leadId, out } = await oneLead(h.env, clock);
      outcomes.set(leadId, { status: String((out as { status?: string }).status), buyer: (out as { buyer?: string }).buyer });
      if ((await canaryState(h.env, id))?.status === "rolled_back") break;
    }
    const state = await canaryState(h.env, id);
    expect(state?.status).toBe("rolled_back");
    expect(state?.share).toBe(10);

    // After the rollback no lead goes through the candidate.
    const after = 30;
    for (let i = 0; i < after; i++) {
      const { leadId, out } = await oneLead(h.env, clock);
      outcomes.set(leadId, { status: String((out as { status?: string }).status), buyer: (out as { buyer?: string }).buyer });
    }

    const rows = await attemptsOfBuyer(id);
    const candRows = rows.filter((r) => r.config_version === cand.version);
    const touched = new Set(candRows.map((r) => r.lead_id));
    // Every candidate attempt was the buyer's 400 for the missing field, before the rollback.
    expect(candRows.every((r) => r.status_code === 400 && r.error_class === "client")).toBe(true);
    expect(touched.size).toBe(20);
    expect(candRows).toHaveLength(20);
    const lastCandidateAt = rows.map((r) => r.config_version).lastIndexOf(cand.version);
    expect(rows.slice(lastCandidateAt + 1).every((r) => r.config_version === liveVersion)).toBe(true);

    // Where the leads the candidate touched went: 0 lost.
    const where = { soldLive: 0, soldOther: 0, notSold: 0 };
    for (const leadId of touched) {
      const lead = await leadD1(leadId)
        .prepare("SELECT status, sold_buyer_id FROM leads WHERE id = ?")
        .bind(leadId)
        .first<{ status: string; sold_buyer_id: string | null }>();
      const accepted = rows.find((r) => r.lead_id === leadId && r.outcome === "accepted");
      if (lead?.status === "sold" && lead.sold_buyer_id === id && accepted?.config_version === liveVersion) where.soldLive++;
      else if (lead?.status === "sold" && lead.sold_buyer_id === other) where.soldOther++;
      else where.notSold++;
    }
    expect(where.notSold).toBe(0);
    expect(where.soldLive + where.soldOther).toBe(touched.size);
    expect([...outcomes.values()].every((o) => o.status === "sold")).toBe(true);
    // The mock saw the candidate's requests without last_name, and the live re-offer with it.
    const got = await mockRequests(id);
    expect(got.filter((r) => !JSON.parse(r.body).last_name)).toHaveLength(20);

    // The alert names the buyer, the version and the evidence.
    const alerts = await env.DB.prepare("SELECT kind, subject, severity, message FROM alerts WHERE buyer_id = ? AND kind = 'canary_rollback'")
      .bind(id)
      .all<{ kind: string; subject: string; severity: string; message: string }>();
    expect(alerts.results).toHaveLength(1);
    const alert = alerts.results[0];
    expect(alert?.subject).toBe(`${id}@${cand.version}`);
    expect(alert?.message).toContain(cand.version);
    expect(alert?.message).toMatch(/rejected or client errors 100\.0 % vs live 0\.0 % \(z = [\d.]+\)/);

    expect((await runOps(h.env, clock)).errors).toEqual([]);
    // The rollback alert; the candidate's 400s also count in the buyer's figures, so the error-rate
    // rule may open its own when they pass 10 % of the buyer's attempts in 30 minutes.
    const opened = await env.DB.prepare("SELECT kind FROM alerts WHERE subject LIKE ? ORDER BY kind").bind(`${id}%`).all<{ kind: string }>();
    expect(opened.results.map((r) => r.kind)).toContain("canary_rollback");
    expect(opened.results.every((r) => r.kind === "canary_rollback" || r.kind === "error_rate")).toBe(true);
    expect(await drainAlertJobs(h, clock)).toBe(opened.results.length);
    const sent = await hooksAt(slack.name);
    expect(sent.filter((x) => x.body.includes(cand.version) && x.body.includes("rolled back"))).toHaveLength(1);

    // The versions endpoint shows both versions with their figures.
    const res = await api(h.env, clock)(`/v1/buyers/${id}/versions`);
    expect(res.status).toBe(200);
    const body = await res.json<{
      canary: CanaryState;
      versions: {
        version: string;
        kind: string;
        changeNote: string | null;
        figures: { attempts: number; accepted: number; acceptanceRate: number; errorsByClass: Record<string, number> };
      }[];
    }>();
    const vCand = body.versions.find((v) => v.version === cand.version);
    const vLive = body.versions.find((v) => v.version === liveVersion);
    expect(vCand).toMatchObject({
      kind: "candidate",
      changeNote: "v2: drop last_name (broken)",
      figures: { attempts: 20, accepted: 0, acceptanceRate: 0, errorsByClass: { client: 20 } },
    });
    expect(vLive).toMatchObject({ kind: "live", changeNote: "v1: contact fields", figures: { acceptanceRate: 1 } });
    expect(body.canary.totals).toMatchObject({ candidateAttempts: 20, lost: 20, reoffered: 20 });
    // The buyer's metrics count the candidate's 400s too (its attempts are rolled up like any other).
    const metrics = await (await api(h.env, clock)("/v1/metrics?window=24h")).json<{
      buyers: { buyerId: string; attempts: number; errorsByClass: Record<string, number> }[];
    }>();
    const m = metrics.buyers.find((b) => b.buyerId === id);
    expect(m?.errorsByClass.client).toBe(20);
    expect(m?.attempts).toBe(rows.length);

    console.log(
      `[canary bad] leads run before rollback: ${leads + 1}; candidate saw ${touched.size} leads (${candRows.length} attempts, all 400); ` +
        `after the candidate lost them: ${where.soldLive} sold to ${id} on the live version, ${where.soldOther} sold to ${other}, ${where.notSold} lost; ` +
        `live arm in the window: ${state?.window.live.sent} attempts; ${after} leads after the rollback all on the live version`,
    );
  });

  it("a good candidate is promoted step by step to 100 %, and then takes every lead", async () => {
    const id = uid("cnry-good");
    const live = testBuyer(id, "accept", { price: 40 }, { require: "last_name,email", price: "40" });
    const file = {
      ...live,
      canary: {
        changeNote: "adds lead_source",
        config: { mapping: { fields: [...MOCK_CONTACT_FIELDS, { to: "lead_source", value: "leadwire" }] } },
        steps: [10, 50, 100],
        minSample: 10,
      },
    };
    const h = harness([file]);
    const clock = testClock();
    const buyer = getBuyerRegistry(h.env).get(id);
    const cand = buyer ? canaryOf(buyer) : undefined;
    if (!buyer || !cand) throw new Error("the registry holds the buyer and its candidate");
    let leads = 0;
    const shares: number[] = [];
    for (; leads < 600; leads++) {
      const { out } = await oneLead(h.env, clock);
      expect(out).toMatchObject({ status: "sold", buyer: id });
      const s = await canaryState(h.env, id);
      if (s && shares[shares.length - 1] !== s.share) shares.push(s.share);
      if (s?.status === "promoted") break;
    }
    const state = await canaryState(h.env, id);
    expect(state?.status).toBe("promoted");
    expect(shares).toEqual([10, 50, 100]);
    expect(state?.events.map((e) => `${e.event}@${e.share}`)).toEqual(["started@10", "promoted@50", "promoted@100"]);
    expect(state?.totals.lost).toBe(0);

    for (let i = 0; i < 10; i++) await oneLead(h.env, clock);
    const rows = await attemptsOfBuyer(id);
    expect(rows.slice(-10).every((r) => r.config_version === cand.version && r.outcome === "accepted")).toBe(true);
    const got = await mockRequests(id);
    expect(got.slice(-10).every((r) => JSON.parse(r.body).lead_source === "leadwire")).toBe(true);
    console.log(
      `[canary good] promoted 10 → 50 → 100 % after ${leads + 1} leads; ${rows.filter((r) => r.config_version === cand.version).length} candidate attempts, 0 lost`,
    );
  });
});

describe("rollback pin", () => {
  it("pins a previous version at once, holds across a config reload and a gate restart, and is released by DELETE", async () => {
    const id = uid("pin");
    const v1 = { ...testBuyer(id, "accept", { price: 30 }, { price: "11" }), changeNote: "v1" };
    const v2 = { ...testBuyer(id, "accept", { price: 30 }, { price: "22" }), changeNote: "v2" };
    const v3 = { ...testBuyer(id, "accept", { price: 30 }, { price: "33" }), changeNote: "v3" };
    const clock = testClock();
    const deploy2 = { ...harness([v2]).env, BUYER_HISTORY: JSON.stringify([v1]) } as Env2;
    const call2 = api(deploy2, clock);

    expect((await oneLead(deploy2, clock)).out).toMatchObject({ status: "sold", price: 22 });
    const listed = await (await call2(`/v1/buyers/${id}/versions`)).json<{ live: string; versions: { version: string; kind: string; changeNote: string }[] }>();
    expect(listed.versions.map((v) => `${v.kind}:${v.changeNote}`)).toEqual(["live:v2", "previous:v1"]);
    const v1Version = listed.versions.find((v) => v.changeNote === "v1")?.version ?? "";

    const unknown = await call2(`/v1/buyers/${id}/rollback`, { method: "POST", body: JSON.stringify({ version: "00000000000000" }) });
    expect(unknown.status).toBe(400);
    const err = await unknown.json<{ error: { issues: { path: string; message: string }[] } }>();
    expect(err.error.issues[0]?.path).toBe("version");
    expect(err.error.issues[0]?.message).toContain(v1Version);
    const missing = await call2(`/v1/buyers/${id}/rollback`, { method: "POST", body: JSON.stringify({}) });
    expect(missing.status).toBe(400);
    expect((await missing.json<{ error: { issues: { path: string }[] } }>()).error.issues[0]?.path).toBe("version");

    const pinned = await call2(`/v1/buyers/${id}/rollback`, { method: "POST", body: JSON.stringify({ version: v1Version, reason: "v2 prices wrong" }) });
    expect(pinned.status).toBe(200);
    expect(await pinned.json()).toMatchObject({ buyerId: id, version: v1Version, reason: "v2 prices wrong" });
    expect((await oneLead(deploy2, clock)).out).toMatchObject({ status: "sold", price: 11 });

    // A config reload (a deploy bringing v3) does not lift the pin; nor does a gate restart.
    const deploy3 = { ...harness([v3]).env, BUYER_HISTORY: JSON.stringify([v2, v1]) } as Env2;
    expect((await oneLead(deploy3, clock)).out).toMatchObject({ status: "sold", price: 11 });
    const buyer3 = getBuyerRegistry(deploy3).get(id);
    if (!buyer3) throw new Error("buyer");
    await runInDurableObject(gateFor(deploy3, buyer3), (_g: BuyerGate, state) => state.abort("restart")).catch(() => undefined);
    expect((await oneLead(deploy3, clock)).out).toMatchObject({ status: "sold", price: 11 });

    const call3 = api(deploy3, clock);
    const during = await (await call3(`/v1/buyers/${id}/versions`)).json<{
      pin: { version: string };
      versions: { version: string; kind: string; pinned: boolean; figures: { attempts: number } }[];
    }>();
    expect(during.pin.version).toBe(v1Version);
    expect(during.versions.find((v) => v.version === v1Version)).toMatchObject({ kind: "previous", pinned: true, figures: { attempts: 3 } });

    const released = await call3(`/v1/buyers/${id}/pin`, { method: "DELETE" });
    expect(released.status).toBe(200);
    expect(await released.json()).toMatchObject({ released: { version: v1Version } });
    expect((await oneLead(deploy3, clock)).out).toMatchObject({ status: "sold", price: 33 });
    const versions = (await attemptsOfBuyer(id)).map((r) => r.config_version);
    expect(new Set(versions).size).toBe(3);
    expect(versions[1]).toBe(v1Version);
  });
});
