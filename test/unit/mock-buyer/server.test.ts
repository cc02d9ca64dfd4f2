import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_WEBHOOK_SECRET, type MockBuyer, startMockBuyer } from "../../mock-buyer/server";

let mb: MockBuyer;
let hooks: { server: Server; origin: string; received: { headers: Record<string, string>; body: string }[] };

beforeAll(async () => {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      received.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(req.url?.startsWith("/v1/webhooks/") ? 200 : 404).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("no address");
  hooks = { server, origin: `http://127.0.0.1:${addr.port}`, received };
  mb = await startMockBuyer({ port: 0, leadwireOrigin: hooks.origin, seed: 42 });
});

afterAll(async () => {
  await mb.close();
  await new Promise<void>((r) => hooks.server.close(() => r()));
});

afterEach(() => {
  mb.reset();
  hooks.received.length = 0;
});

const post = (path: string, body: unknown = { lead: "x" }, headers: Record<string, string> = {}) =>
  fetch(`${mb.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("mock buyer behaviors over HTTP", () => {
  it("accept answers 200 with a sequential lead id and the price asked for", async () => {
    const a = await post("/b/acme/accept");
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ status: "accepted", lead_id: "MB-1", price: 25 });
    const b = await post("/b/acme/accept?price=31.5");
    expect(await b.json()).toEqual({ status: "accepted", lead_id: "MB-2", price: 31.5 });
  });

  it("reject answers 200 with the default or the given reason", async () => {
    expect(await (await post("/b/acme/reject")).json()).toEqual({ status: "rejected", reason: "Duplicate lead" });
    const r = await post("/b/acme/reject?reason=Out%20of%20area");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "rejected", reason: "Out of area" });
  });

  it.each([
    ["bad-request", 400],
    ["unauthorized", 401],
    ["forbidden", 403],
    ["not-found", 404],
    ["gone", 410],
    ["error500", 500],
    ["error502", 502],
    ["error503", 503],
  ])("%s answers %i with an error body", async (behavior, status) => {
    const r = await post(`/b/acme/${behavior}`);
    expect(r.status).toBe(status);
    const body = (await r.json()) as { status: string; message: string };
    expect(body.status).toBe("error");
    expect(body.message.length).toBeGreaterThan(0);
  });

  it("rate-limit answers 429 with Retry-After (default 7, or ?retryAfter)", async () => {
    const a = await post("/b/acme/rate-limit");
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("7");
    const b = await post("/b/acme/rate-limit?retryAfter=30");
    expect(b.headers.get("retry-after")).toBe("30");
  });

  it("error503 sends Retry-After only when asked", async () => {
    expect((await post("/b/acme/error503")).headers.get("retry-after")).toBeNull();
    expect((await post("/b/acme/error503?retryAfter=5")).headers.get("retry-after")).toBe("5");
  });

  it("renders xml, form and text answers", async () => {
    expect(await (await post("/b/x/accept?respond=xml")).text()).toBe("<response><status>accepted</status><lead_id>MB-1</lead_id><price>25</price></response>");
    expect(await (await post("/b/x/reject?respond=xml&reason=Bad%20ZIP")).text()).toBe(
      "<response><status>rejected</status><reason>Bad ZIP</reason></response>",
    );
    const form = await post("/b/x/accept?respond=form");
    expect(form.headers.get("content-type")).toContain("application/x-www-form-urlencoded");
    expect(await form.text()).toBe("status=accepted&lead_id=MB-2&price=25");
    expect(await (await post("/b/x/accept?respond=text")).text()).toBe("ACCEPTED MB-3");
    expect(await (await post("/b/x/reject?respond=text&reason=Too%20old")).text()).toBe("REJECTED: Too old");
  });

  it("slow answers accept after the delay", async () => {
    const t0 = Date.now();
    const r = await post("/b/acme/slow?ms=120");
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it("hang never answers; the client times out and close() still ends", async () => {
    const other = await startMockBuyer({ port: 0 });
    const err = await fetch(`${other.origin}/b/acme/hang`, { method: "POST", body: "{}", signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(other.requests({ buyer: "acme" })[0]?.status).toBeNull();
    // A second hang still open while closing must not keep close() waiting.
    const pending = fetch(`${other.origin}/b/acme/hang`, { method: "POST", body: "{}" }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it("reset destroys the connection without an answer", async () => {
    const err = await post("/b/acme/reset").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });

  it("oauth answers 401 until a token from /oauth/token is used, and honours expireAfter", async () => {
    expect((await post("/b/m/oauth")).status).toBe(401);
    const bad = await fetch(`${mb.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=m&client_secret=",
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: "invalid_client" });

    const ok = await fetch(`${mb.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=m&client_secret=s3cret",
    });
    const tok = (await ok.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(tok.token_type).toBe("Bearer");
    expect(tok.expires_in).toBe(3600);
    const auth = { authorization: `Bearer ${tok.access_token}` };
    expect((await post("/b/m/oauth?expireAfter=2", {}, auth)).status).toBe(200);
    expect((await post("/b/m/oauth?expireAfter=2", {}, auth)).status).toBe(200);
    expect((await post("/b/m/oauth?expireAfter=2", {}, auth)).status).toBe(401);
    expect((await post("/b/m/oauth", {}, { authorization: "Bearer forged" })).status).toBe(401);

    // Basic client authentication works too.
    const basic = await fetch(`${mb.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from("m:s3cret").toString("base64")}` },
      body: "grant_type=client_credentials",
    });
    expect(basic.status).toBe(200);
    expect(mb.stats().tokenRequests).toBe(3);
  });

  it("oauth tokens expire with time (injected clock)", async () => {
    let t = 1_000_000;
    const timed = await startMockBuyer({ port: 0, now: () => t });
    try {
      const res = await fetch(`${timed.origin}/oauth/token`, { method: "POST", body: "grant_type=client_credentials&client_secret=x" });
      const { access_token } = (await res.json()) as { access_token: string };
      const call = () => fetch(`${timed.origin}/b/m/oauth`, { method: "POST", headers: { authorization: `Bearer ${access_token}` } });
      expect((await call()).status).toBe(200);
      t += 3600 * 1000;
      expect((await call()).status).toBe(401);
    } finally {
      await timed.close();
    }
  });

  it("login issues a token for username/password", async () => {
    const r = await post("/login", { username: "u", password: "p" });
    const body = (await r.json()) as { token: string; expires_in: number };
    expect(r.status).toBe(200);
    expect(body.token.length).toBeGreaterThan(10);
    expect(body.expires_in).toBe(3600);
    expect((await post("/login", { username: "u" })).status).toBe(401);
  });

  it("async acks 202 and later posts a Standard Webhooks signed callback", async () => {
    const r = await post("/b/acme/async?delayMs=20&decision=reject&reason=Duplicate", { x: 1 }, { "x-leadwire-delivery-id": "dlv_1" });
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ status: "received", ack_id: "MB-1" });
    await mb.settled();
    expect(hooks.received).toHaveLength(1);
    const got = hooks.received[0];
    if (!got) throw new Error("no callback");
    expect(JSON.parse(got.body)).toEqual({
      id: "evt_1",
      type: "lead.decision",
      delivery_id: "dlv_1",
      lead_id: "MB-1",
      decision: "rejected",
      price: 25,
      reason: "Duplicate",
    });
    const id = got.headers["webhook-id"];
    const ts = got.headers["webhook-timestamp"];
    expect(id).toBe("evt_1");
    const key = Buffer.from(DEFAULT_WEBHOOK_SECRET.slice(6), "base64");
    const expected = createHmac("sha256", key).update(`${id}.${ts}.${got.body}`).digest("base64");
    expect(got.headers["webhook-signature"]).toBe(`v1,${expected}`);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    expect(mb.callbacks()[0]?.status).toBe(200);
    expect(mb.stats().callbacks).toMatchObject({ sent: 1, ok: 1, failed: 0 });
  });

  it("flaky fails about failRate of distinct leads, identically for the same seed", async () => {
    const run = async (seed: number): Promise<number[]> => {
      const m = await startMockBuyer({ port: 0, seed });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 60; i++) {
          const r = await fetch(`${m.origin}/b/f/flaky?failRate=0.3&failWith=500`, {
            method: "POST",
            headers: { "idempotency-key": `lw-lead${i}-f` },
            body: "{}",
          });
          statuses.push(r.status);
        }
        return statuses;
      } finally {
        await m.close();
      }
    };
    const a = await run(7);
    const b = await run(7);
    expect(a).toEqual(b);
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(30);
    expect(a.every((s) => s === 200 || s === 500)).toBe(true);
  });
});

describe("control API", () => {
  it("records requests, filters by buyer and lead id, and counts per behavior", async () => {
    await post("/b/a/accept", { lead: "L1" }, { "idempotency-key": "lw-lead_1-a" });
    await post("/b/a/reject", { lead: "L2" });
    await post("/b/b/error503?x=1", { lead: "L1" });
    const all = (await (await fetch(`${mb.origin}/_control/requests`)).json()) as { buyerId: string; query: Record<string, string> }[];
    expect(all).toHaveLength(3);
    expect(all[2]?.query).toEqual({ x: "1" });
    const a = (await (await fetch(`${mb.origin}/_control/requests?buyer=a`)).json()) as unknown[];
    expect(a).toHaveLength(2);
    const l1 = (await (await fetch(`${mb.origin}/_control/requests?leadId=lead_1`)).json()) as { buyerId: string }[];
    expect(l1.map((r) => r.buyerId)).toEqual(["a"]);
    const stats = (await (await fetch(`${mb.origin}/_control/stats`)).json()) as {
      perBuyer: Record<string, { total: number; byBehavior: Record<string, number> }>;
    };
    expect(stats.perBuyer["a"]).toEqual({ total: 2, byBehavior: { accept: 1, reject: 1 }, maxOpen: 1 });
    expect(stats.perBuyer["b"]).toEqual({ total: 1, byBehavior: { error503: 1 }, maxOpen: 1 });
    expect((await fetch(`${mb.origin}/_control/health`)).status).toBe(200);
    expect((await fetch(`${mb.origin}/_control/reset`, { method: "POST" })).status).toBe(200);
    expect(await (await fetch(`${mb.origin}/_control/requests`)).json()).toEqual([]);
  });

  it("a behavior override takes a buyer down and brings it back", async () => {
    const set = (body: unknown) => fetch(`${mb.origin}/_control/behavior`, { method: "POST", body: JSON.stringify(body) });
    expect((await set({ buyerId: "acme", behavior: "error503", params: { retryAfter: 9 } })).status).toBe(200);
    const down = await post("/b/acme/accept");
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("9");
    expect((await post("/b/other/accept")).status).toBe(200);
    await set({ buyerId: "acme", behavior: null });
    expect((await post("/b/acme/accept")).status).toBe(200);
    expect((await set({ buyerId: "acme", behavior: "explode" })).status).toBe(400);
  });
});
