import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { bundleBuyers } from "../src/cli/bundle-buyers.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

// buyers/*.json are validated and bundled into the Worker (it has no file system) before any
// project loads: a broken buyer file stops the run with its problems listed.
await bundleBuyers(root);

/** The mTLS stand-in's forwarding: the same request, marked with the certificate it would present. */
async function forwardWithCertificate(request: Request, subject: string): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("x-client-certificate-subject", subject);
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  return fetch(request.url, { method: request.method, headers, redirect: "manual", ...(body ? { body } : {}) });
}

/**
 * Three projects:
 * - unit: pure code (integration engine, normalizers, verifiers) in Node — fast.
 * - worker: the real Workers runtime (workerd) with D1, Durable Objects and Queues,
 *   talking over real HTTP to the mock buyer started by the global setup.
 * - e2e: starts `wrangler dev` and the mock buyer as processes and speaks HTTP to them.
 */
export default defineConfig({
  root,
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // The XPath engine is imported on first need (src/integration/extract.ts): unit tests read XML with XPath directly.
          setupFiles: ["test/unit/setup.ts"],
        },
      },
      {
        plugins: [
          cloudflareTest(async ({ inject }) => {
            const migrations = await readD1Migrations(`${root}/migrations`);
            return {
              wrangler: { configPath: `${root}/wrangler.toml` },
              miniflare: {
                // Two lead shards (issue 17): DB (main + shard 0) and DB_LEADS_1, both migrated by
                // test/worker/setup.ts, so every lead-level query and every fan-out runs sharded.
                d1Databases: { DB: "leadwire", DB_LEADS_1: "leadwire-leads-1" },
                r2Buckets: ["ARCHIVE"],
                bindings: {
                  LEAD_SHARDS: "DB,DB_LEADS_1",
                  TEST_MIGRATIONS: migrations,
                  // The soak (test/worker/soak) reads the shared sample; `npm run soak` sets SOAK_LEADS=2000.
                  SOAK_SAMPLE: readFileSync(`${root}/test/fixtures/leads-sample.jsonl`, "utf8"),
                  SOAK_LEADS: process.env.SOAK_LEADS ?? "150",
                  MOCK_BUYER_ORIGIN: inject("mockBuyerOrigin"),
                  MOCK_OPS_ORIGIN: inject("mockOpsOrigin"),
                  ADMIN_TOKEN: "test-admin-token",
                  // The demo buyers' secrets (values as in .dev.vars.example).
                  ACME_API_KEY: "acme-demo-key",
                  SUNRISE_PASSWORD: "sunrise-demo-password",
                  MERIDIAN_CLIENT_SECRET: "meridian-demo-client-secret",
                  LEXLINK_HMAC_SECRET: "lexlink-demo-signing-secret",
                  HARBOR_API_TOKEN: "harbor-demo-token",
                  SALESFORCE_DEMO_CLIENT_SECRET: "salesforce-demo-client-secret",
                  HUBSPOT_DEMO_PRIVATE_APP_TOKEN: "pat-na1-00000000-demo-0000-0000-000000000000",
                  HARBOR_WEBHOOK_SECRET: "whsec_ZGVtby1hY21lLXdlYmhvb2stc2VjcmV0LTEyMzQ=",
                  REQUEST_ENCRYPTION_KEYS: "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                  DEDUPE_HASH_KEY: "dev-dedupe-hash-key-0123456789abcdef0123",
                },
                serviceBindings: {
                  // A stand-in for an `mtls_certificates` binding (issue 16): workerd cannot present a
                  // real client certificate to a loopback server, and miniflare serves such bindings
                  // only remotely. Like a TLS terminator that passes the client certificate on, it
                  // forwards the request unchanged plus a header naming the certificate, so a test
                  // sees at the mock buyer which requests went through the binding.
                  TEST_MTLS: (request: Request) => forwardWithCertificate(request, "CN=leadwire-test-client"),
                },
              },
            };
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          setupFiles: ["test/worker/setup.ts"],
          globalSetup: ["test/global-mock-buyer.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/browser-setup.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
