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
  TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
}
declare namespace Cloudflare { interface Env extends globalThis.Env {} }
