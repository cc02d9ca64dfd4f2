/**
 * Lead intake and delivery as a source sees it: real HTTP against `wrangler dev`, the local
 * deliveries queue consumer, the BuyerGate objects and the demo buyers in buyers/*.json
 * answering from the mock buyer.
 */
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./harness";
import { EXPECTED_FIELD, getLead, pollLeads, postLead, type SampleLine, sampleLines, TERMINAL, validLead } from "./helpers";

// The stack runs the demo buyers of buyers/*.json (no BUYER_CONFIGS override): every attempt must name one.
const DEMO_BUYERS = readdirSync(new URL("../../buyers/", import.meta.url))
  .filter((f) => f.endsWith(".json") && f !== "schema.json")
  .map((f) => f.slice(0, -".json".length));

/**
 * The raw values no masked view may show, in every writing a buyer format might use: the PII
 * the delivery issue names for redaction (phone, email, street, date of birth).
 */
function piiNeedles(lead: Record<string, unknown>): string[] {
  const digits = String(lead["phone"]).replace(/\D/g, "").slice(-10);
  const out = [String(lead["email"]).trim().toLowerCase(), digits, `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`];
  const street = (lead["address"] as { street?: unknown } | undefined)?.street;
  if (typeof street === "string") out.push(street.trim());
  const dob = lead["dob"];
  if (typeof dob === "string") out.push(dob);
  return out.filter((s) => s.length >= 4);
}

describe("leads end to end (wrangler dev + queue + BuyerGate + mock buyer)", () => {
  let stack: Stack;
  // Unique external ids: the sample's own would collide with nothing here (fresh D1), but a
  // suffix keeps the file independent of what else is posted in this stack.
  const run = Date.now();
  const lines: SampleLine[] = sampleLines()
    .slice(0, 30)
    .map((l) => ({ ...l, lead: { ...l.lead, external_id: `${String(l.lead["external_id"])}-${run}` } }));
  const accepted = new Map<string, SampleLine>();

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("answers 202 queued for each valid sample line and 400 naming the wrong field for each invalid one", async () => {
    expect(lines.filter((l) => l.valid).length).toBeGreaterThan(15);
    expect(lines.filter((l) => !l.valid).length).toBeGreaterThan(4);
    for (const line of lines) {
      const { status, body } = await postLead(stack, line.lead);
      if (line.valid) {
        expect(status, `valid line ${String(line.lead["external_id"])}: ${JSON.stringify(body)}`).toBe(202);
        expect(body).toMatchObject({ status: "queued" });
        expect(body["id"]).toEqual(expect.stringMatching(/^lead_/));
        accepted.set(String(body["id"]), line);
      } else {
        expect(status, `invalid line (${line.why}) answered ${status}`).toBe(400);
        const error = body["error"] as { code: string; requestId: string; issues: { path: string; message: string }[] };
        expect(error.requestId).toBeTruthy();
        const field = EXPECTED_FIELD[line.why];
        expect(field, `unknown reason ${line.why}`).toBeDefined();
        expect(
          error.issues.map((i) => i.path),
          line.why,
        ).toContain(field);
        for (const issue of error.issues) expect(issue.message.length).toBeGreaterThan(0);
      }
    }
  });

  it("delivers every accepted lead through the queue to a terminal status, listing its attempts, with PII masked", async () => {
    const ids = [...accepted.keys()];
    expect(ids.length).toBeGreaterThan(15);
    const views = await pollLeads(stack, ids, (v) => TERMINAL.has(v.status), 30_000);

    const notDone = ids.filter((id) => !TERMINAL.has(views.get(id)?.view.status ?? "?"));
    // On failure, say where each lead is stuck: status and its last attempt's buyer, class and reason.
    const describeLead = (id: string) => {
      const v = views.get(id)?.view;
      const a = v?.attempts.at(-1);
      return `${id}: ${v?.status} after ${v?.attempts.length ?? 0} attempts; last ${a ? `${a.buyer}#${a.attempt} ${a.outcome}/${a.errorClass}: ${a.reason}` : "none"}`;
    };
    expect(notDone.map(describeLead)).toEqual([]);

    for (const id of ids) {
      const got = views.get(id);
      const line = accepted.get(id);
      if (!got || !line) throw new Error(`no view of ${id}`);
      const { view, text } = got;
      expect(["sold", "unsold"]).toContain(view.status);
      expect(view.attempts.length, `${id} has no attempts`).toBeGreaterThan(0);
      for (const a of view.attempts) expect(DEMO_BUYERS).toContain(a.buyer);
      if (view.status === "sold") {
        expect(view.sold?.buyer).toBeDefined();
        expect(view.sold?.price).toBeGreaterThan(0);
        // The sale is the buyer's accepted attempt, or its acknowledged (pending) one settled by its
        // signed callback (harbor-auto decides asynchronously); either way the buyer got the lead.
        const mine = view.attempts.filter((a) => a.buyer === view.sold?.buyer);
        const accepted = mine.some((a) => a.outcome === "accepted");
        const settled = mine.some((a) => a.outcome === "pending") && view.timeline.some((t) => t.type === "sold" && t.buyer === view.sold?.buyer);
        expect(accepted || settled, `${id} sold to ${view.sold?.buyer} without an accepted or settled attempt`).toBe(true);
        expect(stack.mock.requests({ buyer: view.sold?.buyer ?? "", leadId: id }).length).toBeGreaterThan(0);
      } else {
        expect(view.attempts.every((a) => a.outcome !== "accepted")).toBe(true);
      }

      // The normalized lead is there (state upper-cased, ZIP to 5 digits) but the PII is not.
      const address = view.lead["address"] as { state?: string; zip?: string } | undefined;
      expect(address?.state).toMatch(/^[A-Z]{2}$/);
      expect(address?.zip).toMatch(/^\d{5}$/);
      // The names are masked in the lead view too (the product's redaction treats them as PII).
      for (const key of ["first_name", "last_name", "email", "phone", "dob"]) {
        const raw = line.lead[key];
        if (typeof raw !== "string") continue;
        expect(view.lead[key], `${key} of ${id}`).toBeDefined();
        expect(String(view.lead[key]).toLowerCase(), `${key} of ${id}`).not.toContain(raw.trim().toLowerCase().split("@")[0]);
      }
      for (const needle of piiNeedles(line.lead)) expect(text, `raw "${needle}" in GET /v1/leads/${id}`).not.toContain(needle);
    }
    // Real traffic reached more than one kind of buyer API (JSON, XML/SOAP, form …).
    const soldTo = new Set([...views.values()].map((v) => v.view.sold?.buyer).filter(Boolean));
    expect(soldTo.size).toBeGreaterThan(1);
  });

  it("keeps raw PII out of the worker's log lines", () => {
    const logs = stack.logs().join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const line of accepted.values()) {
      for (const needle of piiNeedles(line.lead)) expect(logs, `raw "${needle}" in wrangler output`).not.toContain(needle);
    }
  });

  it("?mode=sync waits for the waterfall and answers 200 sold with buyer and price", async () => {
    const lead = validLead("auto_insurance", 40, "e2e-sync");
    const started = Date.now();
    const { status, body } = await postLead(stack, lead, "?mode=sync");
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: "sold" });
    expect(DEMO_BUYERS).toContain(body["buyer"]);
    expect(body["price"]).toEqual(expect.any(Number));
    expect(body["price"]).toBeGreaterThan(0);
    expect(body["buyerLeadId"]).toEqual(expect.stringMatching(/^MB-\d+$/));
    expect(Date.now() - started).toBeLessThan(15_000);

    // The stored lead agrees with what the source was told.
    const { view } = await getLead(stack, String(body["id"]));
    expect(view.status).toBe("sold");
    expect(view.sold).toMatchObject({ buyer: body["buyer"], price: body["price"], buyerLeadId: body["buyerLeadId"] });
  });

  it("a repeated external_id returns the original lead (200, same id), not a second one", async () => {
    const [first] = accepted.entries();
    if (!first) throw new Error("no accepted lead");
    const [id, line] = first;
    const { status, body } = await postLead(stack, line.lead);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id, duplicate: true });
  });
});
