/**
 * `npm run buyer:preview -- <buyer-id> <lead.json>` — prints the exact request a buyer would
 * receive for a NormalizedLead (see test/unit/integration/fixtures/lead.json), without
 * sending it. Secrets come from .dev.vars (masked in the output); token schemes (OAuth, login)
 * show a placeholder token, since a preview never calls the buyer's auth server.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NormalizedLead } from "../core/lead";
import { idempotencyKeyFor } from "../delivery/keys";
import { MappingError } from "../integration/build";
import { loadBuyers } from "../integration/load-buyers";
import { previewRequest } from "../integration/preview";
import type { BuildContext } from "../integration/types";

/** NAME=value pairs of a .env-style file. */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return out;
}

/** `[vars]` of wrangler.toml (top-level section only: the local dev values). */
export function wranglerVars(toml: string): Record<string, string> {
  const out: Record<string, string> = {};
  const section = /^\[vars\]\s*$([\s\S]*?)(?=^\[)/m.exec(toml)?.[1] ?? "";
  for (const m of section.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)) if (m[1] && m[2] !== undefined) out[m[1]] = m[2];
  return out;
}

async function main(): Promise<number> {
  const [buyerId, leadFile] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  if (!buyerId || !leadFile) {
    console.error("usage: npm run buyer:preview -- <buyer-id> <lead.json>");
    return 2;
  }
  const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  const dir = join(root, "buyers");
  const raw = readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown);
  const { buyers, errors } = loadBuyers(raw);
  const buyer = buyers.find((b) => b.id === buyerId);
  if (!buyer) {
    const bad = errors.find((e) => e.id === buyerId);
    console.error(bad ? `buyer ${buyerId} is invalid: ${JSON.stringify(bad.issues)}` : `no buyer "${buyerId}"; known: ${buyers.map((b) => b.id).join(", ")}`);
    return 1;
  }
  const lead = JSON.parse(readFileSync(resolve(leadFile), "utf8")) as NormalizedLead;
  const devVars = existsSync(join(root, ".dev.vars")) ? join(root, ".dev.vars") : join(root, ".dev.vars.example");
  const secrets = readEnvFile(devVars);
  const vars = { ...wranglerVars(readFileSync(join(root, "wrangler.toml"), "utf8")), ...secrets };
  const ctx: BuildContext = {
    secret: (n) => secrets[n] ?? process.env[n],
    vars: (n) => process.env[n] ?? vars[n],
    now: () => Date.now(),
    deliveryId: "dlv_preview",
    idempotencyKey: idempotencyKeyFor(lead.id, buyer.id),
    tokens: { getToken: async () => "preview-token-not-fetched" },
  };
  try {
    const preview = await previewRequest(buyer, lead, ctx);
    console.log(JSON.stringify(preview, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof MappingError) {
      console.error(`the lead cannot be sent to ${buyer.id}:`);
      for (const i of e.issues) console.error(`  ${i.field}: ${i.message}`);
      return 1;
    }
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main().then((code) => process.exit(code));
}
