import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openJson } from "../../../src/db/lead-data";
import { newSource, sampleLead } from "../helpers/sources";

// Odd and hostile input through the deployed entry point: each answered with a 4xx naming the
// field (never a 500), and nothing stored for a refused lead.

const BASE = "https://leadwire.test";

function post(key: string, body: unknown, headers: Record<string, string> = {}) {
  return exports.default.fetch(`${BASE}/v1/leads`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface ErrorBody {
  error: { code: string; message: string; issues: { path: string; message: string }[] };
}

async function leadsOf(sourceId: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?").bind(sourceId).first<number>("n")) ?? 0;
}

describe("POST /v1/leads — hostile and odd input", () => {
  it("custom fields named toString, valueOf, hasOwnProperty, isPrototypeOf, constructor are stored as data (no 500)", async () => {
    const src = await newSource();
    const names = ["toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "constructor"];
    const fields = { vehicle_year: 2019, currently_insured: "Y", ...Object.fromEntries(names.map((n) => [n, `v-${n}`])) };
    const res = await post(src.apiKey, sampleLead({ fields }));
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    const data = await openJson<{
      fields: Record<string, unknown>;
    }>(env, (await env.DB.prepare("SELECT data FROM leads WHERE id = ?").bind(id).first<string>("data")) ?? "{}");
    for (const n of names) expect(Object.getOwnPropertyDescriptor(data.fields, n)?.value).toBe(`v-${n}`);
  });

  it("a field named __proto__ is refused by name, and a state named constructor too", async () => {
    const src = await newSource();
    const body = JSON.stringify(sampleLead()).replace('"fields":{', '"fields":{"__proto__":{"polluted":true},');
    const res = await post(src.apiKey, body);
    expect(res.status).toBe(400);
    expect((await res.json<ErrorBody>()).error.issues.map((i) => i.path)).toContain("fields.__proto__");
    const state = await post(src.apiKey, sampleLead({ address: { street: "1 Main St", city: "Dallas", state: "constructor", zip: "75201" } }));
    expect(state.status).toBe(400);
    expect((await state.json<ErrorBody>()).error.issues).toEqual([{ path: "address.state", message: "is not a US state code or name" }]);
    expect(await leadsOf(src.id)).toBe(0);
  });

  it("an Idempotency-Key reused with a different body is 422 naming the conflict; the same body is still 200 duplicate", async () => {
    const src = await newSource();
    const first = sampleLead({ external_id: undefined });
    const a = await post(src.apiKey, first, { "idempotency-key": "order-77" });
    expect(a.status).toBe(202);
    const { id } = await a.json<{ id: string }>();

    // Same body, keys in another order and other whitespace: the same request.
    const reordered = `${JSON.stringify(Object.fromEntries(Object.entries(first).reverse()), null, 2)}\n`;
    const same = await post(src.apiKey, reordered, { "idempotency-key": "order-77" });
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual({ id, status: "queued", duplicate: true });

    const other = await post(src.apiKey, { ...first, first_name: "Noah" }, { "idempotency-key": "order-77" });
    expect(other.status).toBe(422);
    const err = (await other.json<ErrorBody>()).error;
    expect(err.code).toBe("unprocessable");
    expect(err.issues).toEqual([{ path: "header.idempotency-key", message: expect.stringContaining(`already used for lead ${id} with a different body`) }]);
    expect(await leadsOf(src.id)).toBe(1);
  });

  it("a lead stored before the hash column existed is compared by its stored body", async () => {
    const src = await newSource();
    const body = sampleLead({ external_id: undefined });
    const a = await post(src.apiKey, body, { "idempotency-key": "legacy-1" });
    const { id } = await a.json<{ id: string }>();
    await env.DB.prepare("UPDATE leads SET idempotency_hash = NULL WHERE id = ?").bind(id).run();
    expect((await post(src.apiKey, body, { "idempotency-key": "legacy-1" })).status).toBe(200);
    expect((await post(src.apiKey, { ...body, email: "other@example.com" }, { "idempotency-key": "legacy-1" })).status).toBe(422);
  });

  it.each([0, -1.5, 1969, "1969-07-20T20:17:00Z"])("consent.consented_at %j is refused naming the field", async (at) => {
    const src = await newSource();
    const lead = sampleLead();
    const res = await post(src.apiKey, { ...lead, consent: { ...(lead.consent as object), consented_at: at } });
    expect(res.status).toBe(400);
    const issues = (await res.json<ErrorBody>()).error.issues;
    expect(issues).toEqual([{ path: "consent.consented_at", message: expect.stringMatching(/more than 90 days old/) }]);
  });

  it("NUL, BEL, CR/LF and U+202E in a name are refused naming the field; nothing is stored", async () => {
    const src = await newSource();
    for (const name of ["Li\u0000am", "Li\u0007am", "Liam\r\nBcc: x", "Liam\u202Egnp"]) {
      const res = await post(src.apiKey, sampleLead({ first_name: name, last_name: name }));
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect((await res.json<ErrorBody>()).error.issues.map((i) => i.path).sort()).toEqual(["first_name", "last_name"]);
    }
    expect(await leadsOf(src.id)).toBe(0);
  });

  it("a +1 242 (Bahamas) phone is refused as not a US number", async () => {
    const src = await newSource();
    const res = await post(src.apiKey, sampleLead({ phone: "+1 242 357 1234" }));
    expect(res.status).toBe(400);
    expect((await res.json<ErrorBody>()).error.issues).toEqual([{ path: "phone", message: "is a BS number (area code 242); accepted countries: US" }]);
  });

  it('"on" is refused as a boolean with the documented writings', async () => {
    const src = await newSource();
    const res = await post(src.apiKey, sampleLead({ homeowner: "on" }));
    expect(res.status).toBe(400);
    expect((await res.json<ErrorBody>()).error.issues).toEqual([{ path: "homeowner", message: "must be true/false, yes/no, Y/N or 1/0" }]);
  });

  it("a US-written date in a custom field is stored as ISO", async () => {
    const src = await newSource();
    const res = await post(src.apiKey, sampleLead({ fields: { vehicle_year: 2019, currently_insured: "Y", policy_expires: "3/15/2027" } }));
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    const data = await openJson<{
      fields: Record<string, unknown>;
    }>(env, (await env.DB.prepare("SELECT data FROM leads WHERE id = ?").bind(id).first<string>("data")) ?? "{}");
    expect(data.fields.policy_expires).toBe("2027-03-15");
  });
});
