import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { SaleTermsSchema } from "../../../src/core/sale-terms";
import { setSaleTerms } from "../../../src/db/sources";
import { normalizeLead } from "../../../src/intake/normalize";
import { normalizePing } from "../../../src/intake/ping";
import type { PostingSpec } from "../../../src/intake/posting-spec";
import { VERTICALS } from "../../../src/intake/schema";
import { MOCK_CONTACT_FIELDS } from "../../mock-buyer/contract";
import { testBuyer, uid } from "../helpers/buyers";
import { ADMIN, newSource } from "../helpers/sources";

function buyers() {
  const ids = { auto: uid("psauto"), picky: uid("pspicky"), mort: uid("psmort"), legal: uid("pslegal"), hidden: uid("pshidden") };
  const configs = [
    testBuyer(ids.auto, "accept", {
      price: 30,
      verticals: ["auto_insurance"],
      filters: { states: ["TX", "OK"], minAge: 21 },
      mapping: { fields: [...MOCK_CONTACT_FIELDS, { to: "year", from: "lead.fields.vehicle_year", required: true }] },
    }),
    testBuyer(ids.picky, "accept", {
      price: 25,
      verticals: ["auto_insurance"],
      filters: { states: ["TX"], rules: [{ field: "fields.currently_insured", op: "eq", value: true }] },
    }),
    testBuyer(ids.mort, "accept", {
      price: 45,
      verticals: ["mortgage"],
      filters: { requireTrustedForm: true, rules: [{ field: "fields.credit_rating", op: "in", value: ["excellent", "good"] }] },
    }),
    testBuyer(ids.legal, "accept", {
      price: 60,
      verticals: ["legal"],
      mapping: {
        fields: [
          ...MOCK_CONTACT_FIELDS,
          { to: "case", from: "lead.fields.case_type", required: true },
          { to: "court", from: "lead.fields.venue", required: true },
        ],
      },
    }),
    // The source excludes this one: it is not counted in the source's spec.
    testBuyer(ids.hidden, "accept", { price: 99, verticals: ["solar"] }),
  ];
  return { ids, configs };
}

describe("posting instructions (issue 13)", () => {
  it("a source's spec: every vertical's example passes intake as it is, fields say required / needed by how many buyers / accepted values, and no buyer is named", async () => {
    const { ids, configs } = buyers();
    const testEnv = { ...env, BUYER_CONFIGS: JSON.stringify(configs) } as unknown as Env;
    const src = await newSource("Spec source", { excludedBuyers: [ids.hidden] });
    await setSaleTerms(env, src.id, SaleTermsSchema.parse({ payout: { type: "share", percent: 80 } }));
    const app = createApp();
    const res = await app.request("/v1/sources/me/posting-spec", { headers: { authorization: `Bearer ${src.apiKey}` } }, testEnv);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const id of Object.values(ids)) expect(text).not.toContain(id);
    const spec = JSON.parse(text) as PostingSpec;
    expect(spec.source).toEqual({ id: src.id, name: "Spec source" });
    expect(spec.verticals.map((v) => v.vertical)).toEqual([...VERTICALS]);

    for (const v of spec.verticals) {
      // The example is a lead intake accepts as it is, and its ping a ping intake accepts.
      const r = normalizeLead(v.example, { id: "lead_spec", sourceId: src.id, nowMs: Date.now() });
      expect(r.ok, `${v.vertical}: ${JSON.stringify(r.ok ? [] : r.issues)}`).toBe(true);
      const p = normalizePing(v.pingExample, { id: "png_spec", sourceId: src.id, nowMs: Date.now() });
      expect(p.ok, `${v.vertical} ping: ${JSON.stringify(p.ok ? [] : p.issues)}`).toBe(true);
      // And over HTTP, through the real route.
      const posted = await app.request(
        "/v1/leads",
        {
          method: "POST",
          headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ ...v.example, external_id: `spec-${v.vertical}-${crypto.randomUUID()}` }),
        },
        { ...testEnv, DELIVERIES: { send: async () => {}, sendBatch: async () => {} } },
      );
      expect(posted.status, `${v.vertical}: ${await posted.clone().text()}`).toBe(202);
    }

    const auto = spec.verticals.find((v) => v.vertical === "auto_insurance");
    expect(auto?.buyers).toBe(2);
    expect(auto?.accepted).toEqual({ states: ["OK", "TX"], zipPrefixes: null, age: { min: 21 } });
    const field = (path: string) => auto?.fields.find((f) => f.path === path);
    expect(field("email")).toMatchObject({ required: true, inPing: false });
    expect(field("fields.vehicle_year")).toMatchObject({ required: false, neededBy: 1, format: "a whole number from 1950 to 2100", example: 2019 });
    expect(field("dob")).toMatchObject({ required: false, neededBy: 1, inPing: false });
    expect(field("fields.currently_insured")).toMatchObject({ neededBy: 1, accepted: ["true"] });
    expect(field("address.zip")).toMatchObject({ required: true, inPing: true });
    // The example lives where both buyers buy (TX) and meets the picky buyer's rule.
    expect(auto?.example).toMatchObject({ address: { state: "TX" }, fields: { currently_insured: true } });

    const mortgage = spec.verticals.find((v) => v.vertical === "mortgage");
    expect(mortgage?.fields.find((f) => f.path === "fields.credit_rating")).toMatchObject({ neededBy: 1, accepted: ["excellent", "good"] });
    expect(mortgage?.fields.find((f) => f.path === "consent.trustedform_cert_url")).toMatchObject({ neededBy: 1 });
    expect(mortgage?.example).toMatchObject({ fields: { credit_rating: "excellent" } });
    // A custom field a buyer needs is listed, and the example carries it.
    const legal = spec.verticals.find((v) => v.vertical === "legal");
    expect(legal?.fields.find((f) => f.path === "fields.venue")).toMatchObject({ neededBy: 1 });
    expect(legal?.example).toMatchObject({ fields: { venue: "example" } });
    // The excluded buyer does not count for this source.
    expect(spec.verticals.find((v) => v.vertical === "solar")?.buyers).toBe(0);

    // Endpoints with their documented answers (from the OpenAPI document), ping/post included (a payout rule is set).
    expect(spec.endpoints.map((e) => e.name)).toEqual(["Direct post", "Direct post, waiting for the outcome", "Lead status", "Ping", "Post"]);
    expect(spec.endpoints[0]?.answers.map((a) => a.status)).toEqual(expect.arrayContaining([200, 202, 400, 401, 413, 415, 422]));
    expect(spec.errors.find((e) => e.code === "validation_failed")).toMatchObject({ status: 400 });
    expect(auto?.curl.direct).toContain("http://localhost/v1/leads");
    expect(auto?.curl.ping).toContain("/v1/ping");
    // The ping example really gets an answer from /v1/ping.
    const ping = await app.request(
      "/v1/ping",
      { method: "POST", headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(auto?.pingExample) },
      testEnv,
    );
    expect(ping.status).toBe(200);
  });

  it("the printable page: HTML under a CSP without script, one section per vertical that sells, and the operator's view names the buyers", async () => {
    const { ids, configs } = buyers();
    const testEnv = { ...env, BUYER_CONFIGS: JSON.stringify(configs) } as unknown as Env;
    const src = await newSource("Printable");
    const app = createApp();
    const page = await app.request("/v1/sources/me/posting-spec?format=html", { headers: { authorization: `Bearer ${src.apiKey}` } }, testEnv);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[^']+'/);
    const body = await page.text();
    expect(body).not.toMatch(/<script/i);
    for (const v of ["auto_insurance", "mortgage", "legal", "solar"]) expect(body).toContain(`data-vertical="${v}"`);
    expect(body).toContain("Ping/post is not enabled for this source");
    for (const id of Object.values(ids)) expect(body).not.toContain(id);

    const admin = await app.request(`/v1/admin/sources/${src.id}/posting-spec`, { headers: { authorization: `Bearer ${ADMIN}` } }, testEnv);
    const spec = (await admin.json()) as PostingSpec;
    const auto = spec.verticals.find((v) => v.vertical === "auto_insurance");
    expect(auto?.fields.find((f) => f.path === "fields.vehicle_year")?.neededByBuyers).toEqual([ids.auto]);
    expect(auto?.buyerDetails?.map((b) => b.id).sort()).toEqual([ids.auto, ids.picky].sort());
    expect(auto?.distribution).toEqual({ method: "waterfall" });

    const dash = await app.request(`/dashboard/posting-spec?source=${src.id}`, { headers: { authorization: `Bearer ${ADMIN}` } }, testEnv);
    expect(dash.status).toBe(200);
    expect(await dash.text()).toContain(ids.legal);
    // Without a session or the admin token the page sends to the sign-in.
    const anon = await app.request(`/dashboard/posting-spec?source=${src.id}`, {}, testEnv);
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toBe("/dashboard");
  });

  it("asks for a source's key, not the admin token, on the source's own spec", async () => {
    const res = await createApp().request("/v1/sources/me/posting-spec", { headers: { authorization: `Bearer ${ADMIN}` } }, env);
    expect(res.status).toBe(400);
    const unknown = await createApp().request(`/v1/admin/sources/${uid("src")}/posting-spec`, { headers: { authorization: `Bearer ${ADMIN}` } }, env);
    expect(unknown.status).toBe(404);
  });
});
