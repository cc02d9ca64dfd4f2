import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

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
        },
      },
      {
        plugins: [
          cloudflareTest(async ({ inject }) => {
            const migrations = await readD1Migrations(`${root}/migrations`);
            return {
              wrangler: { configPath: `${root}/wrangler.toml` },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  MOCK_BUYER_ORIGIN: inject<string>("mockBuyerOrigin"),
                  ADMIN_TOKEN: "test-admin-token",
                  ALLOW_TEST_CLOCK: "1",
                  REQUEST_ENCRYPTION_KEYS: "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
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
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
