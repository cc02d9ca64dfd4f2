import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { parseAlertTargetList } from "../../src/core/alert-targets";
import { useAlertTargetParser } from "../../src/core/settings";
import { splitBuyerFile } from "../../src/integration/canary";
import { loadBuyers } from "../../src/integration/load-buyers";
import { useConfigLoader } from "../../src/integration/registry";

// Every lead shard gets the schema (test/vitest.config.ts runs with LEAD_SHARDS = "DB,DB_LEADS_1").
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.DB_LEADS_1, env.TEST_MIGRATIONS);

// Tests give their buyers in BUYER_CONFIGS and call the delivery functions directly (not
// through the Worker's entry, which installs the runtime config loader on first need).
useConfigLoader(loadBuyers, splitBuyerFile);
useAlertTargetParser(parseAlertTargetList);
