import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { loadBuyers } from "../../src/integration/load-buyers";
import { useConfigLoader } from "../../src/integration/registry";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Tests give their buyers in BUYER_CONFIGS and call the delivery functions directly (not
// through the Worker's entry, which installs the runtime config loader on first need).
useConfigLoader(loadBuyers);
