interface Env {
  DB: D1Database;
  BUYER_GATE: DurableObjectNamespace<import("./index").BuyerGate>;
  DELIVERIES: Queue;
  EVENTS: Queue;
  ATTEMPTS: AnalyticsEngineDataset;
  ENVIRONMENT: string;
  MOCK_BUYER_ORIGIN: string;
  ADMIN_TOKEN: string;
  REQUEST_ENCRYPTION_KEYS: string;
  /** "1" only in the vitest worker project: lets tests move the BuyerGate clock. */
  ALLOW_TEST_CLOCK?: string;
  /** Hours a lead may wait for a buyer before it expires (default 24, at most 48). */
  LEAD_MAX_AGE_HOURS?: string;
  /** Total deadline for ?mode=sync in ms (default 15000). */
  SYNC_DEADLINE_MS?: string;
  /** JSON array of buyer configs replacing buyers/*.json (tests, staging). */
  BUYER_CONFIGS?: string;
  /** Tests only: the shared 2,000-lead sample and how many of its lines the soak posts. */
  SOAK_SAMPLE?: string;
  SOAK_LEADS?: string;
  TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
}
declare namespace Cloudflare {
  interface Env extends globalThis.Env {}
}
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("./index");
    durableNamespaces: "BuyerGate";
  }
}
