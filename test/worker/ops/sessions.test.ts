import { env } from "cloudflare:workers";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { testClock } from "../helpers/engine";
import { ADMIN } from "../helpers/sources";

// Dashboard sessions on the real runtime and D1, with the clock injected: random ids stored
// server-side, idle and absolute expiry, sign-out and token rotation revoke, and the page
// headers (CSP without any script, nosniff, no referrer, no framing).

const BASE = "https://leadwire.test";
const HOUR = 3_600_000;

function client(clock = testClock(), testEnv: Env = env) {
  const app = createApp({ clock });
  const call = (path: string, init: RequestInit = {}, e: Env = testEnv) => app.request(`${BASE}${path}`, { redirect: "manual", ...init }, e);
  const signIn = async (e: Env = testEnv) => {
    const res = await call("/dashboard/login", { method: "POST", body: new URLSearchParams({ token: e.ADMIN_TOKEN }) }, e);
    expect(res.status).toBe(303);
    const setCookie = res.headers.get("set-cookie") ?? "";
    return { setCookie, cookie: setCookie.split(";")[0] ?? "" };
  };
  const view = async (cookie: string, e: Env = testEnv) => (await call("/dashboard?view=executive", { headers: { cookie } }, e)).status;
  return { clock, call, signIn, view };
}

async function sessionRows(): Promise<{ id: string }[]> {
  return (await env.DB.prepare("SELECT id FROM sessions").all<{ id: string }>()).results;
}

describe("dashboard sessions", () => {
  it("a sign-in sets a random, HttpOnly, Secure, SameSite=Strict cookie on /dashboard; only a keyed hash is stored", async () => {
    const c = client();
    const a = await c.signIn();
    const b = await c.signIn();
    expect(a.cookie).toMatch(/^lw_session=[\w-]{43}$/);
    expect(a.cookie).not.toBe(b.cookie);
    const attrs = a.setCookie.toLowerCase();
    for (const attr of ["httponly", "secure", "samesite=strict", "path=/dashboard", "max-age=86400"]) expect(attrs).toContain(attr);
    // Not the admin token, not a fixed hash of it (the old cookie was sha256 of the token).
    const value = a.cookie.slice("lw_session=".length);
    expect(value).not.toContain(ADMIN);
    expect(value).not.toBe(createHash("sha256").update(`leadwire-dashboard:${ADMIN}`).digest("hex"));
    // D1 holds neither the id nor its plain hash.
    const ids = (await sessionRows()).map((r) => r.id);
    expect(ids).not.toContain(value);
    expect(ids).not.toContain(createHash("sha256").update(value).digest("hex"));
    expect(await c.view(a.cookie)).toBe(200);
    expect(await c.view(b.cookie)).toBe(200);
  });

  it("over http (local dev) the cookie is not marked Secure, so the browser keeps it", async () => {
    const app = createApp({ clock: testClock() });
    const res = await app.request(
      "http://127.0.0.1:8787/dashboard/login",
      { method: "POST", body: new URLSearchParams({ token: ADMIN }), redirect: "manual" },
      env,
    );
    expect(res.headers.get("set-cookie")?.toLowerCase()).not.toContain("secure");
  });

  it("a forged, unknown or malformed cookie gets the sign-in page", async () => {
    const c = client();
    for (const cookie of ["lw_session=forged", `lw_session=${"A".repeat(43)}`, `lw_session=${"x".repeat(500)}`, "lw_admin=whatever"]) {
      expect(await c.view(cookie), cookie).toBe(401);
    }
  });

  it("expires after 8 hours unused; each use moves the idle limit", async () => {
    const c = client();
    const { cookie } = await c.signIn();
    c.clock.advance(7 * HOUR);
    expect(await c.view(cookie)).toBe(200);
    c.clock.advance(7 * HOUR); // 14 h after sign-in, 7 h after the last use
    expect(await c.view(cookie)).toBe(200);
    c.clock.advance(8 * HOUR + 1);
    expect(await c.view(cookie)).toBe(401);
  });

  it("expires 24 hours after sign-in however often it is used", async () => {
    const c = client();
    const { cookie } = await c.signIn();
    for (let h = 4; h < 24; h += 4) {
      c.clock.advance(4 * HOUR);
      expect(await c.view(cookie), `${h} h`).toBe(200);
    }
    c.clock.advance(4 * HOUR); // 24 h
    expect(await c.view(cookie)).toBe(401);
  });

  it("sign-out revokes the session on the server: the old cookie no longer works", async () => {
    const c = client();
    const { cookie } = await c.signIn();
    const other = await c.signIn();
    const out = await c.call("/dashboard/logout", { method: "POST", headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/^lw_session=;.*Max-Age=0/i);
    expect(await c.view(cookie)).toBe(401);
    // Only that session ended.
    expect(await c.view(other.cookie)).toBe(200);
  });

  it("rotating the admin token ends every session", async () => {
    const c = client();
    const { cookie } = await c.signIn();
    expect(await c.view(cookie)).toBe(200);
    const rotated = { ...env, ADMIN_TOKEN: "a-brand-new-admin-token-0123" } as Env;
    expect(await c.view(cookie, rotated)).toBe(401);
    const fresh = await c.signIn(rotated);
    expect(await c.view(fresh.cookie, rotated)).toBe(200);
    // And the sessions of the new token are no good under the old one either.
    expect(await c.view(fresh.cookie)).toBe(401);
  });

  it("a sign-in drops expired sessions from D1", async () => {
    const c = client();
    const past = new Date(c.clock.now() - HOUR).toISOString();
    await env.DB.prepare("INSERT INTO sessions (id, created_at, idle_until, expires_at) VALUES ('stale-1', ?, ?, ?)").bind(past, past, past).run();
    await c.signIn();
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE id = 'stale-1'").first<number>("n")).toBe(0);
    expect((await sessionRows()).length).toBeGreaterThan(0);
  });
});

describe("page headers", () => {
  function styleHashes(html: string): string[] {
    return [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(
      (m) =>
        `'sha256-${createHash("sha256")
          .update(m[1] ?? "")
          .digest("base64")}'`,
    );
  }

  it("every HTML page has a strict CSP: nothing inline, no eval, no framing, forms to us only; nosniff", async () => {
    const c = client();
    const { cookie } = await c.signIn();
    const dashboard = [
      await c.call("/dashboard"),
      await c.call("/dashboard?view=operations", { headers: { cookie } }),
      await c.call("/dashboard/login", { method: "POST", body: new URLSearchParams({ token: "wrong" }) }),
    ];
    const docs = await c.call("/docs");
    const docsHtml = await docs.clone().text();
    for (const res of [...dashboard, docs]) {
      const html = await res.text();
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      // No inline script, handler or style attribute on any page.
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)|\son\w+=|style="/i);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
    // The dashboard loads its own stylesheet and script files only; /docs has no script, one hashed style.
    for (const res of dashboard) {
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
    }
    const docsCsp = docs.headers.get("content-security-policy") ?? "";
    expect(docsCsp).not.toContain("script-src");
    const hashes = styleHashes(docsHtml);
    expect(hashes.length).toBeGreaterThan(0);
    for (const h of hashes) expect(docsCsp).toContain(h);
    expect(docs.headers.get("referrer-policy")).toBe("no-referrer");
    expect(dashboard[1]?.headers.get("cache-control")).toBe("no-store");
  });

  it("JSON answers are nosniff too", async () => {
    const c = client();
    expect((await c.call("/health")).headers.get("x-content-type-options")).toBe("nosniff");
  });
});
