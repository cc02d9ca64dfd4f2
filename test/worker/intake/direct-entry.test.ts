import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { systemClock } from "../../../src/core/clock";
import { postLeadDirect } from "../../../src/routes/leads";
import { countAll } from "../helpers/shards";
import { newSource, sampleLead } from "../helpers/sources";

/**
 * The Worker sends `POST /v1/leads` straight to its handler, past the router (src/index.ts);
 * the router still serves the same route (createApp). A source must not be able to tell them
 * apart: for every kind of request, both give the same status, headers and body.
 */

const BASE = "https://leadwire.test";
const HEADERS = ["content-type", "x-request-id", "x-content-type-options", "www-authenticate", "idempotent-replayed"];

interface Post {
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

function init(p: Post, requestId: string): RequestInit {
  return { method: "POST", headers: { "x-request-id": requestId, ...p.headers }, ...(p.body !== undefined ? { body: p.body } : {}) };
}

/** One answer as a source sees it; the new lead's id (on a 202) is left out, the rest is compared whole. */
async function seen(res: Response): Promise<{ status: number; headers: Record<string, string | null>; body: unknown }> {
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status === 202) expect(body.id).toMatch(/^lead_/);
  return {
    status: res.status,
    headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])),
    body: res.status === 202 ? { ...body, id: "(new)" } : body,
  };
}

const direct = (p: Post, id: string) => exports.default.fetch(`${BASE}${p.path ?? "/v1/leads"}`, init(p, id));
const routed = (p: Post, id: string) => createApp().request(p.path ?? "/v1/leads", init(p, id), env);

function json(key: string, body: unknown, headers: Record<string, string> = {}): Post {
  return { headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

describe("POST /v1/leads: the direct entry answers as the router does", () => {
  it("every refusal: same status, error body (code, message, issues, request id) and headers", async () => {
    const src = await newSource("Direct Entry");
    const key = src.apiKey;
    const big = { ...sampleLead(), notes: "x".repeat(70 * 1024) };
    const cases: [string, Post][] = [
      ["no key", { headers: { "content-type": "application/json" }, body: JSON.stringify(sampleLead()) }],
      ["unknown key", json("lw_not_a_key", sampleLead())],
      ["not JSON", { headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" }, body: "hello" }],
      ["malformed JSON", { headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: "{ nope" }],
      ["empty body", { headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: "" }],
      ["unknown mode", { ...json(key, sampleLead()), path: "/v1/leads?mode=fast" }],
      ["mode given twice", { ...json(key, sampleLead()), path: "/v1/leads?mode=sync&mode=async" }],
      ["idempotency key with a space", json(key, sampleLead(), { "idempotency-key": "two words" })],
      // Declared as a client declares it (a Request built in the test has no Content-Length of its own).
      ["too large", json(key, big, { "content-length": String(new TextEncoder().encode(JSON.stringify(big)).length) })],
      ["invalid fields", json(key, sampleLead({ email: "not-an-email", address: { state: "ZZ", zip: "1" } }))],
    ];
    for (const [name, post] of cases) {
      const a = await seen(await direct(post, `req-${name.replaceAll(" ", "-")}`));
      const b = await seen(await routed(post, `req-${name.replaceAll(" ", "-")}`));
      expect(a.status, name).toBeGreaterThanOrEqual(400);
      expect(a, name).toEqual(b);
    }
    // Nothing was stored by any of them, through either entry.
    expect(await countAll("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?", src.id)).toBe(0);
  });

  it("a new lead, its replay through the other entry and a reused key: 202, 200 replayed, 422", async () => {
    const src = await newSource("Direct Entry Replays");
    for (const [first, second] of [
      [direct, routed],
      [routed, direct],
    ] as const) {
      const idem = `idem-${crypto.randomUUID()}`;
      // No external id: the lead's shard is pinned by the idempotency key, so a reuse meets it.
      const lead = sampleLead({ external_id: undefined });
      const created = await first(json(src.apiKey, lead, { "idempotency-key": idem }), "req-new");
      expect(created.status).toBe(202);
      const { id } = await created.clone().json<{ id: string }>();
      const replay = await second(json(src.apiKey, lead, { "idempotency-key": idem }), "req-replay");
      expect(replay.status).toBe(200);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(await replay.json()).toEqual({ id, status: "queued", duplicate: true });
      const other = sampleLead({ external_id: undefined, first_name: "Noah" });
      const reused = await seen(await second(json(src.apiKey, other, { "idempotency-key": idem }), "req-reused"));
      const reusedOther = await seen(await first(json(src.apiKey, other, { "idempotency-key": idem }), "req-reused"));
      expect(reused.status).toBe(422);
      expect(reused).toEqual(reusedOther);
    }
    expect(await countAll("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?", src.id)).toBe(2);
  });

  it("a Worker that cannot work as configured: 503 naming nothing secret, from both, nothing stored", async () => {
    const src = await newSource("Direct Entry Misconfigured");
    const prod = { ...env, ENVIRONMENT: "production", DEDUPE_HASH_KEY: "" } as Env;
    const post = json(src.apiKey, sampleLead());
    const a = await seen(
      await postLeadDirect(new Request(`${BASE}/v1/leads`, init(post, "req-misconfigured")), new URL(`${BASE}/v1/leads`), prod, systemClock),
    );
    const b = await seen(await createApp().request("/v1/leads", init(post, "req-misconfigured"), prod));
    expect(a.status).toBe(503);
    expect(a).toEqual(b);
    expect(await countAll("SELECT COUNT(*) AS n FROM leads WHERE source_id = ?", src.id)).toBe(0);
  });
});
