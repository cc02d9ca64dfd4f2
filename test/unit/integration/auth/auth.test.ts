// config.ts first: auth/schema.ts reaches SecretRefSchema through it (see the note in schema.ts).
import "../../../../src/integration/config";
import { createHmac } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import type { FetchFn } from "../../../../src/integration/auth";
import { AuthError, applyAuth, ConfigError, fetchToken, secretValues, usesTokens } from "../../../../src/integration/auth";
import type { AuthConfigInput } from "../../../../src/integration/auth/schema";
import { AuthConfigSchema } from "../../../../src/integration/auth/schema";
import type { BuildContext, OutboundRequest } from "../../../../src/integration/types";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function ctx(secrets: Record<string, string> = {}, extra: Partial<BuildContext> = {}): BuildContext {
  return {
    secret: (n) => secrets[n],
    vars: () => undefined,
    now: () => NOW,
    deliveryId: "dlv_1",
    idempotencyKey: "idem_1",
    ...extra,
  };
}

const auth = (a: AuthConfigInput) => AuthConfigSchema.parse(a);

const req: OutboundRequest = {
  method: "POST",
  url: "https://buyer.example.com/leads?src=lw",
  headers: { "Content-Type": "application/json" },
  body: '{"first_name":"Renée","amount":312500}',
};

describe("none / api_key / basic / bearer", () => {
  it("none leaves the request alone", async () => {
    expect(await applyAuth(req, auth({ type: "none" }), ctx())).toEqual(req);
  });

  it("api_key in a header", async () => {
    const out = await applyAuth(req, auth({ type: "api_key", name: "X-API-Key", value: { secret: "ACME_KEY" } }), ctx({ ACME_KEY: "k-123" }));
    expect(out.headers["X-API-Key"]).toBe("k-123");
    expect(req.headers["X-API-Key"]).toBeUndefined(); // input not mutated
  });

  it("api_key in the query keeps the existing query and is not duplicated", async () => {
    const r = { ...req, url: "https://buyer.example.com/leads?src=lw&api_key=old" };
    const out = await applyAuth(r, auth({ type: "api_key", in: "query", name: "api_key", value: { secret: "ACME_KEY" } }), ctx({ ACME_KEY: "a b&c" }));
    const u = new URL(out.url);
    expect(u.searchParams.get("src")).toBe("lw");
    expect(u.searchParams.getAll("api_key")).toEqual(["a b&c"]);
  });

  it("basic encodes UTF-8 credentials", async () => {
    const out = await applyAuth(req, auth({ type: "basic", username: "acme", password: { secret: "ACME_PW" } }), ctx({ ACME_PW: "pässwörd:1" }));
    expect(out.headers.Authorization).toBe(`Basic ${Buffer.from("acme:pässwörd:1", "utf8").toString("base64")}`);
  });

  it("basic with the username from a secret, replacing an Authorization header in any case", async () => {
    const r = { ...req, headers: { authorization: "old" } };
    const out = await applyAuth(r, auth({ type: "basic", username: { secret: "U" }, password: { secret: "P" } }), ctx({ U: "u", P: "p" }));
    expect(out.headers).toEqual({ Authorization: `Basic ${Buffer.from("u:p").toString("base64")}` });
  });

  it("bearer", async () => {
    const out = await applyAuth(req, auth({ type: "bearer", token: { secret: "HS_TOKEN" } }), ctx({ HS_TOKEN: "pat-na1-xyz" }));
    expect(out.headers.Authorization).toBe("Bearer pat-na1-xyz");
  });

  it("a missing secret is a ConfigError naming it", async () => {
    const p = applyAuth(req, auth({ type: "basic", username: "acme", password: { secret: "ACME_API_PASSWORD" } }), ctx());
    await expect(p).rejects.toBeInstanceOf(ConfigError);
    await expect(p).rejects.toMatchObject({ secret: "ACME_API_PASSWORD", field: "auth.password", message: expect.stringContaining("ACME_API_PASSWORD") });
  });
});

describe("hmac", () => {
  const nodeHmac = (alg: string, key: string, data: string, enc: "hex" | "base64") => createHmac(alg, key).update(data, "utf8").digest(enc);

  it("signs the body (sha256, hex) as node:crypto does", async () => {
    const out = await applyAuth(req, auth({ type: "hmac", secret: { secret: "SIG" } }), ctx({ SIG: "s3cr3t" }));
    expect(out.headers["X-Signature"]).toBe(nodeHmac("sha256", "s3cr3t", req.body ?? "", "hex"));
  });

  it("timestamp.body, sha512, base64, prefix and timestamp header from the injected clock", async () => {
    const a = auth({
      type: "hmac",
      secret: { secret: "SIG" },
      header: "X-Hub-Signature",
      algorithm: "sha512",
      encoding: "base64",
      content: "timestamp.body",
      timestampHeader: "X-Timestamp",
      prefix: "sha512=",
    });
    const out = await applyAuth(req, a, ctx({ SIG: "k" }));
    const ts = String(NOW / 1000);
    expect(out.headers["X-Timestamp"]).toBe(ts);
    expect(out.headers["X-Hub-Signature"]).toBe(`sha512=${nodeHmac("sha512", "k", `${ts}.${req.body}`, "base64")}`);
  });

  it("a method+path+timestamp+body template in milliseconds", async () => {
    const a = auth({
      type: "hmac",
      secret: { secret: "SIG" },
      content: "{method}\n{path}\n{timestamp}\n{body}",
      timestampHeader: "X-Ts",
      timestampUnit: "ms",
    });
    const out = await applyAuth(req, a, ctx({ SIG: "k" }));
    expect(out.headers["X-Signature"]).toBe(nodeHmac("sha256", "k", `POST\n/leads?src=lw\n${NOW}\n${req.body}`, "hex"));
  });

  it("an empty body (GET) signs the empty string", async () => {
    const get: OutboundRequest = { method: "GET", url: "https://b.example/x?a=1", headers: {} };
    const out = await applyAuth(get, auth({ type: "hmac", secret: { secret: "SIG" } }), ctx({ SIG: "k" }));
    expect(out.headers["X-Signature"]).toBe(nodeHmac("sha256", "k", "", "hex"));
  });

  it("the schema refuses a timestamp signature without a timestamp header, and unknown placeholders", () => {
    expect(AuthConfigSchema.safeParse({ type: "hmac", secret: { secret: "S" }, content: "timestamp.body" }).success).toBe(false);
    expect(AuthConfigSchema.safeParse({ type: "hmac", secret: { secret: "S" }, content: "{verb}{body}" }).success).toBe(false);
  });
});

interface Captured {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

function fakeFetch(status: number, body: unknown, calls: Captured[] = []): FetchFn {
  return async (url, init) => {
    calls.push({ url, ...init });
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
}

describe("oauth2 client credentials", () => {
  const cc = auth({
    type: "oauth2_client_credentials",
    tokenUrl: "https://login.example.com/oauth2/token",
    clientId: "client-1",
    clientSecret: { secret: "CC_SECRET" },
    scope: "leads.write",
    audience: "https://api.example.com",
  });

  it("fills ${VAR} in the token URL from the Worker's vars, and calls an unbuildable URL a config fault", async () => {
    const withVar = auth({
      type: "oauth2_client_credentials",
      tokenUrl: "${MOCK_BUYER_ORIGIN}/oauth/token",
      clientId: "c",
      clientSecret: { secret: "CC_SECRET" },
    });
    const calls: Captured[] = [];
    const vars = (n: string) => (n === "MOCK_BUYER_ORIGIN" ? "http://127.0.0.1:9999" : undefined);
    await fetchToken(withVar, ctx({ CC_SECRET: "s" }, { vars }), fakeFetch(200, { access_token: "t" }, calls));
    expect(calls[0]?.url).toBe("http://127.0.0.1:9999/oauth/token");
    await expect(fetchToken(withVar, ctx({ CC_SECRET: "s" }), fakeFetch(200, { access_token: "t" }))).rejects.toBeInstanceOf(ConfigError);
    const invalid: FetchFn = async () => {
      throw new TypeError("Invalid URL: nope/oauth");
    };
    const bad = auth({ type: "oauth2_client_credentials", tokenUrl: "nope/oauth", clientId: "c", clientSecret: { secret: "CC_SECRET" } });
    await expect(fetchToken(bad, ctx({ CC_SECRET: "s" }), invalid)).rejects.toBeInstanceOf(ConfigError);
  });

  it("posts the grant as a form with Basic client auth and parses expires_in", async () => {
    const calls: Captured[] = [];
    const t = await fetchToken(cc, ctx({ CC_SECRET: "sh:h" }), fakeFetch(200, { access_token: "tok-1", token_type: "Bearer", expires_in: 1800 }, calls));
    expect(t).toEqual({ accessToken: "tok-1", expiresAt: NOW + (1800 - 60) * 1000 });
    expect(calls).toHaveLength(1);
    const c = calls[0] as Captured;
    expect(c.url).toBe("https://login.example.com/oauth2/token");
    expect(c.method).toBe("POST");
    expect(c.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    expect(c.headers.Authorization).toBe(`Basic ${Buffer.from("client-1:sh%3Ah").toString("base64")}`);
    const form = new URLSearchParams(c.body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: "client_credentials", scope: "leads.write", audience: "https://api.example.com" });
  });

  it("authStyle body sends the client credentials as form fields; a string expires_in and a missing one", async () => {
    const calls: Captured[] = [];
    const body = auth({
      type: "oauth2_client_credentials",
      tokenUrl: "https://t.example/token",
      clientId: { secret: "CID" },
      clientSecret: { secret: "CS" },
      authStyle: "body",
      defaultTtlSeconds: 7200,
    });
    const t1 = await fetchToken(body, ctx({ CID: "id", CS: "sec" }), fakeFetch(200, { access_token: "a", expires_in: "600" }, calls));
    expect(t1.expiresAt).toBe(NOW + 540_000);
    const c = calls[0] as Captured;
    expect(c.headers.Authorization).toBeUndefined();
    expect(new URLSearchParams(c.body).get("client_secret")).toBe("sec");
    expect(new URLSearchParams(c.body).get("client_id")).toBe("id");
    const t2 = await fetchToken(body, ctx({ CID: "id", CS: "sec" }), fakeFetch(200, { access_token: "b" }));
    expect(t2.expiresAt).toBe(NOW + (7200 - 60) * 1000);
  });

  it("a refusal is an AuthError with the status, without the secret in the message", async () => {
    const err = await fetchToken(cc, ctx({ CC_SECRET: "sh:h" }), fakeFetch(401, { error: "invalid_client", error_description: "bad secret" })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ status: 401, transient: false });
    expect((err as Error).message).toContain("invalid_client");
    expect((err as Error).message).not.toContain("sh:h");
  });

  it("5xx and network failures are transient; a 200 without access_token is not a token", async () => {
    await expect(fetchToken(cc, ctx({ CC_SECRET: "x" }), fakeFetch(503, "down"))).rejects.toMatchObject({ status: 503, transient: true });
    const boom: FetchFn = async () => {
      throw new TypeError("connection refused");
    };
    await expect(fetchToken(cc, ctx({ CC_SECRET: "x" }), boom)).rejects.toMatchObject({ status: 0, transient: true });
    await expect(fetchToken(cc, ctx({ CC_SECRET: "x" }), fakeFetch(200, { token: "nope" }))).rejects.toBeInstanceOf(AuthError);
    await expect(fetchToken(cc, ctx({ CC_SECRET: "x" }), fakeFetch(200, "<html>"))).rejects.toBeInstanceOf(AuthError);
  });

  it("a missing client secret is a ConfigError before any request", async () => {
    const f = vi.fn(fakeFetch(200, {}));
    await expect(fetchToken(cc, ctx(), f)).rejects.toMatchObject({ name: "ConfigError", secret: "CC_SECRET" });
    expect(f).not.toHaveBeenCalled();
  });

  it("applyAuth takes the token from the provider and refreshes once when forced", async () => {
    const getToken = vi.fn(async (force?: boolean) => (force ? "fresh" : "cached"));
    const c = ctx({}, { tokens: { getToken } });
    expect((await applyAuth(req, cc, c)).headers.Authorization).toBe("Bearer cached");
    expect((await applyAuth(req, cc, c, { forceRefresh: true })).headers.Authorization).toBe("Bearer fresh");
    expect(getToken.mock.calls).toEqual([[false], [true]]);
  });

  it("without a token provider it is a ConfigError", async () => {
    await expect(applyAuth(req, cc, ctx())).rejects.toBeInstanceOf(ConfigError);
    expect(usesTokens(cc)).toBe(true);
    expect(usesTokens(auth({ type: "bearer", token: { secret: "T" } }))).toBe(false);
  });
});

describe("oauth2 refresh token", () => {
  const rt = auth({
    type: "oauth2_refresh_token",
    tokenUrl: "https://login.salesforce.com/services/oauth2/token",
    clientId: "cid",
    clientSecret: { secret: "SF_SECRET" },
    refreshToken: { secret: "SF_REFRESH" },
  });

  it("posts grant_type=refresh_token and returns a rotated refresh token", async () => {
    const calls: Captured[] = [];
    const t = await fetchToken(
      rt,
      ctx({ SF_SECRET: "s", SF_REFRESH: "r0" }),
      fakeFetch(200, { access_token: "a1", refresh_token: "r1", expires_in: 3600 }, calls),
    );
    expect(t).toEqual({ accessToken: "a1", refreshToken: "r1", expiresAt: NOW + 3540_000 });
    expect(Object.fromEntries(new URLSearchParams((calls[0] as Captured).body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: "r0",
      client_id: "cid",
      client_secret: "s",
    });
  });

  it("uses the rotated refresh token the BuyerGate holds over the configured one", async () => {
    const calls: Captured[] = [];
    await fetchToken(rt, ctx({ SF_SECRET: "s", SF_REFRESH: "r0" }), fakeFetch(200, { access_token: "a2" }, calls), { refreshToken: "r1" });
    expect(new URLSearchParams((calls[0] as Captured).body).get("refresh_token")).toBe("r1");
  });
});

describe("login token", () => {
  const lt = auth({
    type: "login_token",
    loginUrl: "https://api.buyer.example/auth/login",
    username: "leadwire",
    password: { secret: "BUYER_PW" },
    tokenPath: "data.session.token",
    expiresInPath: "data.session.ttl",
    header: "X-Session",
    scheme: "",
    ttlSeconds: 900,
  });

  it("logs in with JSON credentials and reads the token and lifetime by path", async () => {
    const calls: Captured[] = [];
    const t = await fetchToken(lt, ctx({ BUYER_PW: "pw" }), fakeFetch(200, { data: { session: { token: "sess-9", ttl: 300 } } }, calls));
    expect(t).toEqual({ accessToken: "sess-9", expiresAt: NOW + (300 - 60) * 1000 });
    expect(JSON.parse((calls[0] as Captured).body ?? "")).toEqual({ username: "leadwire", password: "pw" });
  });

  it("a form login with an XML answer, and ttlSeconds when the answer has no lifetime", async () => {
    const a = auth({
      type: "login_token",
      loginUrl: "https://x.example/login",
      username: "u",
      password: { secret: "PW" },
      loginFormat: "form",
      tokenPath: { xpath: "//Token" },
      ttlSeconds: 900,
    });
    const calls: Captured[] = [];
    const f: FetchFn = async (url, init) => {
      calls.push({ url, ...init });
      return new Response("<Login><Token>abc</Token></Login>", { status: 200, headers: { "Content-Type": "text/xml" } });
    };
    const t = await fetchToken(a, ctx({ PW: "p w" }), f);
    expect(t).toEqual({ accessToken: "abc", expiresAt: NOW + 840_000 });
    expect((calls[0] as Captured).body).toBe("username=u&password=p+w");
  });

  it("applies the token under the configured header and scheme", async () => {
    const out = await applyAuth(req, lt, ctx({}, { tokens: { getToken: async () => "sess-9" } }));
    expect(out.headers["X-Session"]).toBe("sess-9");
    const bearerStyle = auth({ type: "login_token", loginUrl: "https://x/login", username: "u", password: { secret: "PW" }, tokenPath: "token" });
    expect((await applyAuth(req, bearerStyle, ctx({}, { tokens: { getToken: async () => "t" } }))).headers.Authorization).toBe("Bearer t");
  });

  it("a login answer without the token is an AuthError", async () => {
    await expect(fetchToken(lt, ctx({ BUYER_PW: "pw" }), fakeFetch(200, { data: {} }))).rejects.toBeInstanceOf(AuthError);
  });
});

describe("secretValues", () => {
  it("lists every resolved secret and the Basic credential as sent", () => {
    const a = auth({ type: "basic", username: { secret: "U" }, password: { secret: "P" } });
    const values = secretValues(a, ctx({ U: "acme", P: "pw" }));
    expect(values).toEqual(expect.arrayContaining(["acme", "pw", Buffer.from("acme:pw").toString("base64")]));
  });

  it("skips missing secrets instead of throwing, and has nothing for none", () => {
    expect(secretValues(auth({ type: "hmac", secret: { secret: "NOPE" } }), ctx())).toEqual([]);
    expect(secretValues(auth({ type: "none" }), ctx())).toEqual([]);
    expect(secretValues(auth({ type: "api_key", name: "k", value: { secret: "K" } }), ctx({ K: "v" }))).toEqual(["v"]);
  });
});

describe("AuthConfigSchema", () => {
  it("fills defaults and rejects unknown schemes and badly named secrets", () => {
    expect(auth({ type: "hmac", secret: { secret: "S" } })).toMatchObject({ header: "X-Signature", algorithm: "sha256", encoding: "hex", content: "body" });
    expect(auth({ type: "oauth2_client_credentials", tokenUrl: "https://t", clientId: "c", clientSecret: { secret: "S" } })).toMatchObject({
      authStyle: "basic",
      refreshSkewSeconds: 60,
    });
    expect(AuthConfigSchema.safeParse({ type: "digest" }).success).toBe(false);
    expect(AuthConfigSchema.safeParse({ type: "bearer", token: { secret: "lower_case" } }).success).toBe(false);
    expect(AuthConfigSchema.safeParse({ type: "bearer", token: "inline-token" }).success).toBe(false);
    expect(AuthConfigSchema.safeParse({ type: "bearer", token: { secret: "T" }, extra: 1 }).success).toBe(false);
  });
});
