import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openJson } from "../../../src/db/lead-data";
import { sweepLeads } from "../../../src/delivery/sweep";
import { acceptLead } from "../../../src/intake/accept";
import { ADMIN, newSource, recordingQueue, sampleLead } from "../helpers/sources";

const BASE = "https://leadwire.test";

function post(key: string, body: unknown, headers: Record<string, string> = {}, path = "/v1/leads") {
  return exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface ErrorBody {
  error: { code: string; message: string; requestId: string; issues: { path: string; message: string }[] };
}

describe("POST /v1/leads", () => {
  it("accepts a lead: 202, stored normalized in D1, queued", async () => {
    const src = await newSource();
    const res = await post(src.apiKey, sampleLead());
    expect(res.status).toBe(202);
    const body = await res.json<{ id: string; status: string }>();
    expect(body.id).toMatch(/^lead_/);
    expect(body.status).toBe("queued");
    const row = await env.DB.prepare("SELECT data, raw, source_id FROM leads WHERE id = ?")
      .bind(body.id)
      .first<{ data: string; raw: string; source_id: string }>();
    expect(row?.source_id).toBe(src.id);
    // Personal data is sealed at rest (AES-GCM, the archive's keys): read back through src/db.
    expect(row?.data).toMatch(/^enc1:k1:/);
    expect(`${row?.data}${row?.raw}`).not.toMatch(/2147153718|715-3718|obrien@example|Sunset/i);
    const data = await openJson<{ phone: string; email: string; address: unknown; dob: string; homeowner: boolean; fields: unknown }>(env, row?.data ?? "{}");
    expect(data.phone).toBe("+12147153718");
    expect(data.email).toBe("liam.obrien@example.com");
    expect(data.address).toEqual({ street: "6220 Sunset Blvd", city: "Dallas", state: "TX", zip: "75201", zip4: "1234" });
    expect(data.dob).toBe("1989-07-20");
    expect(data.homeowner).toBe(true);
    expect(data.fields).toMatchObject({ vehicle_year: 2019, currently_insured: true });
    expect((await openJson<Record<string, unknown>>(env, row?.raw ?? "{}")).phone).toBe("(214) 715-3718");
  });

  it("refuses missing, unknown and revoked keys with 401", async () => {
    const src = await newSource();
    expect((await exports.default.fetch(`${BASE}/v1/leads`, { method: "POST", body: "{}" })).status).toBe(401);
    expect((await post("lw_nope", sampleLead())).status).toBe(401);
    const revoke = await exports.default.fetch(`${BASE}/v1/admin/sources/${src.id}/revoke`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(revoke.status).toBe(200);
    const res = await post(src.apiKey, sampleLead());
    expect(res.status).toBe(401);
    expect((await res.json<ErrorBody>()).error.code).toBe("unauthorized");
  });

  it("answers each bad input class with its status and a field-level message", async () => {
    const src = await newSource();
    const malformed = await post(src.apiKey, "{not json");
    expect(malformed.status).toBe(400);
    expect((await malformed.json<ErrorBody>()).error.code).toBe("malformed_json");

    const wrongType = await post(src.apiKey, "a=b", { "content-type": "application/x-www-form-urlencoded" });
    expect(wrongType.status).toBe(415);

    const big = await post(src.apiKey, sampleLead({ fields: { description: "x".repeat(70 * 1024) } }));
    expect(big.status).toBe(413);

    const bad = await post(
      src.apiKey,
      sampleLead({ email: "not-an-email", phone: "555-1234", address: { street: "1 A St", city: "X", state: "ZZ", zip: "7870" } }),
    );
    expect(bad.status).toBe(400);
    const err = await bad.json<ErrorBody>();
    expect(err.error.code).toBe("validation_failed");
    expect(err.error.requestId).toBeTruthy();
    expect(err.error.issues.map((i) => i.path).sort()).toEqual(["address.state", "address.zip", "email", "phone"]);
    expect(err.error.issues.find((i) => i.path === "phone")?.message).toMatch(/phone/);

    const consent = await post(src.apiKey, sampleLead({ consent: { trustedform_cert_url: "https://evil.example.com/cert/123" } }));
    expect(consent.status).toBe(400);
    expect((await consent.json<ErrorBody>()).error.issues[0]?.path).toBe("consent.trustedform_cert_url");

    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?").bind(src.id).first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("is idempotent on the Idempotency-Key header, also under 20 concurrent duplicates", async () => {
    const src = await newSource();
    const lead = sampleLead({ external_id: undefined });
    const results = await Promise.all(Array.from({ length: 20 }, () => post(src.apiKey, lead, { "idempotency-key": "order-42" })));
    const ids = new Set<string>();
    const statuses: number[] = [];
    for (const r of results) {
      statuses.push(r.status);
      ids.add((await r.json<{ id: string }>()).id);
    }
    expect(ids.size).toBe(1);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?").bind(src.id).first<{ n: number }>();
    expect(n?.n).toBe(1);
  });

  it("is idempotent on the source's external_id, per source", async () => {
    const a = await newSource("A");
    const b = await newSource("B");
    const lead = sampleLead({ external_id: "same-ext" });
    const results = await Promise.all(Array.from({ length: 10 }, () => post(a.apiKey, lead)));
    const ids = new Set(await Promise.all(results.map(async (r) => (await r.json<{ id: string }>()).id)));
    expect(ids.size).toBe(1);
    const other = await post(b.apiKey, lead);
    expect(other.status).toBe(202);
    expect((await other.json<{ id: string }>()).id).not.toBe([...ids][0]);
  });

  it("never loses a lead when the queue is down: the sweep enqueues it", async () => {
    const src = await newSource();
    const t0 = Date.now();
    const broken = { ...env, DELIVERIES: recordingQueue({ fail: true }) } as unknown as Env;
    const accepted = await acceptLead(broken, { now: () => t0 }, { id: src.id, name: src.name, excludedBuyers: [] }, sampleLead(), { mode: "async" });
    expect(accepted.status).toBe("received");
    const q = recordingQueue();
    const sweepEnv = { ...env, DELIVERIES: q } as unknown as Env;
    await sweepLeads(sweepEnv, { now: () => t0 + 30_000 });
    expect(q.sent.some((m) => (m.body as { leadId: string }).leadId === accepted.lead.id)).toBe(false);
    await sweepLeads(sweepEnv, { now: () => t0 + 61_000 });
    expect(q.sent).toContainEqual({ body: { kind: "deliver", leadId: accepted.lead.id } });
    const row = await env.DB.prepare("SELECT status FROM leads WHERE id = ?").bind(accepted.lead.id).first<{ status: string }>();
    expect(row?.status).toBe("queued");
  });
});

describe("GET /v1/leads/:id", () => {
  it("shows the source its own lead with PII masked, and hides other sources' leads", async () => {
    const a = await newSource("A");
    const b = await newSource("B");
    const res = await post(a.apiKey, sampleLead());
    const { id } = await res.json<{ id: string }>();
    const mine = await exports.default.fetch(`${BASE}/v1/leads/${id}`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    expect(mine.status).toBe(200);
    const text = await mine.text();
    expect(text).not.toContain("2147153718");
    expect(text).not.toContain("liam.obrien@example.com");
    expect(text).not.toContain("1989-07-20");
    const view = JSON.parse(text) as { id: string; lead: { address: { state: string } } };
    expect(view.id).toBe(id);
    expect(view.lead.address.state).toBe("TX");
    const theirs = await exports.default.fetch(`${BASE}/v1/leads/${id}`, { headers: { authorization: `Bearer ${b.apiKey}` } });
    expect(theirs.status).toBe(404);
    const admin = await exports.default.fetch(`${BASE}/v1/leads/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(admin.status).toBe(200);
  });
});

describe("service routes", () => {
  it("answers /health, documents the API from the zod schemas, and creates sources for admins", async () => {
    expect((await exports.default.fetch(`${BASE}/health`)).status).toBe(200);
    const doc = await (await exports.default.fetch(`${BASE}/openapi.json`)).json<{
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/leads", "/v1/leads/{id}", "/v1/webhooks/{buyerId}", "/v1/buyers"]));
    expect(JSON.stringify(doc.components.schemas.LeadInput)).toContain("trustedform_cert_url");
    const docs = await exports.default.fetch(`${BASE}/docs`);
    expect(await docs.text()).toContain("/v1/leads");

    const denied = await post("not-admin", { name: "x" }, {}, "/v1/admin/sources");
    expect(denied.status).toBe(401);
    const created = await post(ADMIN, { name: "Partner One" }, {}, "/v1/admin/sources");
    expect(created.status).toBe(201);
    const { apiKey } = await created.json<{ apiKey: string }>();
    expect(apiKey).toMatch(/^lw_[0-9A-Za-z]{40}$/);
    const stored = await env.DB.prepare("SELECT key_hash FROM sources WHERE name = 'Partner One'").first<{ key_hash: string }>();
    expect(stored?.key_hash).not.toContain(apiKey);
    expect((await post(apiKey, sampleLead())).status).toBe(202);
    const invalid = await post(ADMIN, { name: "" }, {}, "/v1/admin/sources");
    expect(invalid.status).toBe(400);
    expect((await invalid.json<ErrorBody>()).error.issues[0]?.path).toBe("name");
  });

  it("answers unknown routes with the error body", async () => {
    const res = await exports.default.fetch(`${BASE}/nope`);
    expect(res.status).toBe(404);
    expect((await res.json<ErrorBody>()).error.code).toBe("not_found");
  });
});
