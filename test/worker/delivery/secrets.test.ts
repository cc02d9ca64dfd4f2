import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../../src/app";
import { toBase64 } from "../../../src/core/crypto";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { type BuyerOverrides, testBuyer, uid } from "../helpers/buyers";
import { harness, mockRequests, storeLead, testClock } from "../helpers/engine";
import { everyD1 } from "../helpers/shards";
import { ADMIN, newSource, sampleLead } from "../helpers/sources";

/**
 * A buyer's secrets never leave its gate: for each auth scheme, a lead is delivered through the
 * real gate to the mock buyer, then every D1 row, every log line and every API answer (the
 * source's lead view, the operator's lead view, the buyer test route) is searched for the
 * secret and for every credential the scheme put on the wire.
 */

const SECRETS = env as unknown as Record<string, string>;
const origin = () => env.MOCK_BUYER_ORIGIN;

interface Scheme {
  name: string;
  behavior: string;
  over: BuyerOverrides;
  /** The secret values the config resolves. */
  secrets: string[];
  /** Credentials the scheme added to the request, as the buyer received them. */
  onWire: (headers: Record<string, string>, url: string) => string[];
}

const afterScheme = (h: string | undefined) => (h ? [h.slice(h.indexOf(" ") + 1)] : []);

const SCHEMES: Scheme[] = [
  {
    name: "API key in a header",
    behavior: "accept",
    over: { auth: { type: "api_key", in: "header", name: "X-API-Key", value: { secret: "ACME_API_KEY" } } },
    secrets: [SECRETS.ACME_API_KEY ?? ""],
    onWire: (h) => [h["x-api-key"] ?? ""],
  },
  {
    name: "API key in the query string",
    behavior: "accept",
    over: { auth: { type: "api_key", in: "query", name: "key", value: { secret: "ACME_API_KEY" } } },
    secrets: [SECRETS.ACME_API_KEY ?? ""],
    onWire: (_h, url) => [new URL(url, "http://x").searchParams.get("key") ?? ""],
  },
  {
    name: "HTTP Basic",
    behavior: "accept",
    over: { auth: { type: "basic", username: "partner-7", password: { secret: "SUNRISE_PASSWORD" } } },
    secrets: [SECRETS.SUNRISE_PASSWORD ?? ""],
    onWire: (h) => afterScheme(h.authorization),
  },
  {
    name: "Bearer token",
    behavior: "accept",
    over: { auth: { type: "bearer", token: { secret: "HARBOR_API_TOKEN" } } },
    secrets: [SECRETS.HARBOR_API_TOKEN ?? ""],
    onWire: (h) => afterScheme(h.authorization),
  },
  {
    name: "HMAC request signing",
    behavior: "accept",
    over: { auth: { type: "hmac", secret: { secret: "LEXLINK_HMAC_SECRET" }, header: "X-Signature", content: "body" } },
    secrets: [SECRETS.LEXLINK_HMAC_SECRET ?? ""],
    onWire: (h) => [h["x-signature"] ?? ""],
  },
  {
    name: "OAuth 2.0 client credentials",
    behavior: "oauth",
    over: {
      auth: {
        type: "oauth2_client_credentials",
        tokenUrl: `${origin()}/oauth/token`,
        clientId: "leadwire",
        clientSecret: { secret: "MERIDIAN_CLIENT_SECRET" },
      },
    },
    secrets: [SECRETS.MERIDIAN_CLIENT_SECRET ?? ""],
    onWire: (h) => afterScheme(h.authorization),
  },
  {
    name: "login then token",
    behavior: "oauth",
    over: { auth: { type: "login_token", loginUrl: `${origin()}/login`, username: "partner-7", password: { secret: "SUNRISE_PASSWORD" }, tokenPath: "token" } },
    secrets: [SECRETS.SUNRISE_PASSWORD ?? ""],
    onWire: (h) => afterScheme(h.authorization),
  },
  {
    name: "a secret custom header",
    behavior: "accept",
    over: { endpoint: { headers: { "X-Partner-Token": { secret: "HARBOR_API_TOKEN" } } } },
    secrets: [SECRETS.HARBOR_API_TOKEN ?? ""],
    onWire: (h) => [h["x-partner-token"] ?? ""],
  },
];

/** Every row of every D1 table, as text. */
async function allRows(): Promise<string> {
  const out: string[] = [];
  for (const d1 of everyD1()) {
    const { results } = await d1.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{
      name: string;
    }>();
    for (const { name } of results) out.push(JSON.stringify((await d1.prepare(`SELECT * FROM "${name}"`).all()).results));
  }
  return out.join("\n");
}

/** A value and the forms it can hide in: URL-encoded and base64. */
function forms(v: string): string[] {
  return [v, encodeURIComponent(v), toBase64(new TextEncoder().encode(v))];
}

let logs: string[] = [];
beforeEach(() => {
  logs = [];
  for (const level of ["log", "warn", "error", "info"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(" "));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

describe("a buyer's secrets never leave its gate", () => {
  for (const scheme of SCHEMES) {
    it(`${scheme.name}: nowhere in D1, the logs, the source's or the operator's lead view, or the test route`, async () => {
      const buyerId = uid("sec");
      const config = testBuyer(buyerId, scheme.behavior, { price: 31, ...scheme.over });
      const h = harness([config]);
      const clock = testClock();
      const source = await newSource("Secret test");
      const leadId = await storeLead(h.env, clock, {}, source);
      expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId })).toMatchObject({ status: "sold", buyer: buyerId });

      const app = createApp({ clock });
      const call = async (path: string, init: RequestInit) => {
        const ctx = createExecutionContext();
        const res = await app.fetch(new Request(`https://leadwire.test${path}`, init), h.env, ctx);
        await waitOnExecutionContext(ctx);
        return res;
      };
      const asSource = await call(`/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${source.apiKey}` } });
      const asAdmin = await call(`/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const tested = await call(`/v1/buyers/${buyerId}/test`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify(sampleLead()),
      });
      expect([asSource.status, asAdmin.status, tested.status]).toEqual([200, 200, 200]);
      const answers = [await asSource.text(), await asAdmin.text(), await tested.text()];

      const wire = (await mockRequests(buyerId)).filter((r) => r.method !== "GET");
      expect(wire.length).toBeGreaterThanOrEqual(2);
      const needles = new Set<string>();
      for (const s of scheme.secrets) for (const f of forms(s)) needles.add(f);
      for (const r of wire) {
        const url =
          (r as unknown as { path: string; query: Record<string, string> }).path +
          `?${new URLSearchParams((r as unknown as { query: Record<string, string> }).query)}`;
        for (const c of scheme.onWire(r.headers, url)) if (c.length >= 6) for (const f of forms(c)) needles.add(f);
      }
      expect(needles.size).toBeGreaterThan(0);

      const haystacks = { d1: await allRows(), logs: logs.join("\n"), sourceView: answers[0] ?? "", adminView: answers[1] ?? "", testRoute: answers[2] ?? "" };
      for (const needle of needles) {
        for (const [where, text] of Object.entries(haystacks)) expect(text.includes(needle), `${scheme.name}: "${needle}" found in ${where}`).toBe(false);
      }

      // The source sees its lead's status, not who bought it, for what, or how it was sent.
      const sourceView = JSON.parse(answers[0] ?? "{}") as Record<string, unknown>;
      expect(sourceView.status).toBe("sold");
      expect(answers[0]).not.toContain(buyerId);
      expect(answers[0]).not.toContain(env.MOCK_BUYER_ORIGIN);
      expect(sourceView).not.toHaveProperty("attempts");
    });
  }
});
