#!/usr/bin/env node
// `npm run source:create -- <name> [--remote --env production] [--webhook-url URL]`
// `npm run source:create -- --revoke <sourceId> [--remote --env production]`
// Creates a lead source with a new API key (printed once; only its SHA-256 hash is stored), or
// revokes one. Talks to D1 through `wrangler d1 execute`, local unless --remote (which needs
// --env and a real database id in wrangler.toml: it never targets the placeholder database).
import { parseArgs } from "node:util";
import { createSourceSql, revokeSourceSql } from "./lib/sql.mjs";
import { d1Execute, remoteTargetProblem } from "./lib/wrangler.mjs";

const USAGE = `Usage:
  npm run source:create -- <name> [--remote] [--env <env>] [--webhook-url <url>] [--persist-to <dir>]
  npm run source:create -- --revoke <sourceId> [--remote] [--env <env>] [--persist-to <dir>]

  <name>          1–80 characters of A-Z a-z 0-9 space _ . -
  --remote        the Cloudflare D1 database instead of the local one; needs --env production
                  (the top-level database in wrangler.toml is the local development one)
  --webhook-url   where lead.sold / lead.unsold / lead.expired events for this source are sent`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      remote: { type: "boolean", default: false },
      env: { type: "string" },
      "webhook-url": { type: "string" },
      "persist-to": { type: "string" },
      revoke: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const target = {
    remote: values.remote,
    ...(values.env ? { env: values.env } : {}),
    ...(values["persist-to"] ? { persistTo: values["persist-to"] } : {}),
  };
  if (values.remote) {
    const problem = remoteTargetProblem(values.env);
    if (problem) {
      console.error(`source:create: ${problem}.`);
      process.exitCode = 2;
      return;
    }
  }
  const where = values.remote ? `remote D1${values.env ? ` (env ${values.env})` : ""}` : "local D1";

  if (values.revoke !== undefined) {
    const rows = await d1Execute(revokeSourceSql(values.revoke), target);
    if (rows.length === 0) {
      console.error(`No active source ${values.revoke} in ${where}; nothing revoked.`);
      process.exitCode = 1;
      return;
    }
    console.log(`Revoked ${values.revoke} in ${where}. Its key now gets 401; its leads are kept.`);
    return;
  }

  const name = positionals.join(" ").trim();
  if (!name) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const source = createSourceSql({ name, ...(values["webhook-url"] ? { webhookUrl: values["webhook-url"] } : {}) });
  const rows = await d1Execute(source.sql, target);
  if (rows.length !== 1) throw new Error("the source was not stored");
  console.log(`Created source ${source.id} (${source.name}) in ${where}.`);
  console.log(`API key (shown once, store it now): ${source.apiKey}`);
  if (source.webhookSecret) console.log(`Webhook signing secret (Standard Webhooks): ${source.webhookSecret}`);
  console.log(`Use it as: Authorization: Bearer ${source.apiKey}`);
}

main().catch((err) => {
  console.error(`source:create failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
