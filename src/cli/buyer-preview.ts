/**
 * `npm run buyer:preview -- <buyer-id> <lead.json>` — prints the exact request a buyer would
 * receive for a lead, without sending it. The lead is the same raw lead a source posts to
 * `POST /v1/leads` (examples/lead.json), or `{"lead": …}` as `POST /v1/buyers/:id/preview`
 * takes it; it goes through the intake normalizer first, exactly as the HTTP preview does, and
 * the output has the HTTP preview's shape. Secrets come from .dev.vars (masked in the output);
 * token schemes (OAuth, login) show a placeholder token, since a preview never calls the
 * buyer's auth server.
 */

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { newId } from "../core/ids";
import type { NormalizedLead } from "../core/lead";
import { filterReason } from "../delivery/eligibility";
import { idempotencyKeyFor } from "../delivery/keys";
import { normalizeLead } from "../intake/normalize";
import { MappingError } from "../integration/build";
import type { BuyerConfig } from "../integration/config";
import { ConfigError } from "../integration/errors";
import { loadBuyers } from "../integration/load-buyers";
import { previewRequest } from "../integration/preview";
import type { BuildContext } from "../integration/types";
import { BuyerBuildError, readBuyerFiles } from "./bundle-buyers.mjs";

const USAGE = `usage: npm run buyer:preview -- <buyer-id> <lead.json> [--at <ISO time>]
  <lead.json>  a raw lead as sources post it to POST /v1/leads, e.g. examples/lead.json
  --at         preview as of that instant instead of now (intake's checks, computed ages)`;

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

/** A problem the user can fix: printed as one line (or a short list), never a stack. */
class PreviewError extends Error {}

/** Reads the lead file: a raw lead, or `{"lead": …}` as the HTTP preview takes it. */
export function readLeadFile(file: string): unknown {
  let text: string;
  try {
    // npm runs scripts from the package root; a relative path is the user's, from where they typed it.
    text = readFileSync(resolve(process.env["INIT_CWD"] ?? process.cwd(), file), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PreviewError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PreviewError(`${file} is not JSON: ${(e as Error).message}`);
  }
  return json !== null && typeof json === "object" && "lead" in json ? (json as { lead: unknown }).lead : json;
}

/**
 * The lead as intake would store it, or the same field-level problems `POST /v1/leads` answers
 * with. `nowMs` is the clock intake reads.
 */
export function normalizeForPreview(raw: unknown, file: string, nowMs: number): NormalizedLead {
  const r = normalizeLead(raw, { id: newId("lead", nowMs), sourceId: "src_preview", nowMs });
  if (!r.ok) {
    const lines = r.issues.map((i) => `  ${i.path || "(lead)"}: ${i.message}`);
    throw new PreviewError(`${file} is not a lead POST /v1/leads accepts:\n${lines.join("\n")}`);
  }
  return r.lead;
}

/** Throws unless the buyer buys the lead's vertical, naming the buyers that do. */
export function checkVertical(buyer: BuyerConfig, lead: NormalizedLead, all: BuyerConfig[], file: string): void {
  if (buyer.verticals.includes(lead.vertical)) return;
  const others = all.filter((b) => b.verticals.includes(lead.vertical)).map((b) => b.id);
  throw new PreviewError(
    `${buyer.id} buys ${buyer.verticals.join(", ")} leads; ${file} is a ${lead.vertical} lead, which ${buyer.id} is never offered.` +
      (others.length > 0 ? ` Buyers of ${lead.vertical}: ${others.join(", ")}.` : ` No buyer takes ${lead.vertical}.`),
  );
}

async function main(): Promise<number> {
  let parsed: { values: { at?: string | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({ allowPositionals: true, options: { at: { type: "string" } } });
  } catch (e) {
    console.error(`buyer:preview: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [buyerId, leadFile, extra] = positionals;
  const nowMs = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (!buyerId || !leadFile || extra !== undefined || Number.isNaN(nowMs)) {
    console.error(Number.isNaN(nowMs) ? `buyer:preview: --at ${values.at} is not a time (e.g. 2026-12-02T16:00:00Z)` : USAGE);
    return 2;
  }
  const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  const { buyers, errors } = loadBuyers(readBuyerFiles(root).map((f) => f.config));
  const buyer = buyers.find((b) => b.id === buyerId);
  if (!buyer) {
    const bad = errors.find((e) => e.id === buyerId);
    console.error(bad ? `buyer ${buyerId} is invalid (npm run buyers:check lists why)` : `no buyer "${buyerId}"; known: ${buyers.map((b) => b.id).join(", ")}`);
    return 1;
  }
  const lead = normalizeForPreview(readLeadFile(leadFile), leadFile, nowMs);
  checkVertical(buyer, lead, buyers, leadFile);
  const devVars = existsSync(join(root, ".dev.vars")) ? join(root, ".dev.vars") : join(root, ".dev.vars.example");
  const secrets = readEnvFile(devVars);
  const vars = { ...wranglerVars(readFileSync(join(root, "wrangler.toml"), "utf8")), ...secrets };
  const ctx: BuildContext = {
    secret: (n) => secrets[n] ?? process.env[n],
    vars: (n) => process.env[n] ?? vars[n],
    now: () => nowMs,
    deliveryId: "dlv_preview",
    idempotencyKey: idempotencyKeyFor(lead.id, buyer.id),
    tokens: { getToken: async () => "<access token from the buyer's token endpoint>" },
  };
  try {
    const preview = await previewRequest(buyer, lead, ctx);
    console.log(JSON.stringify({ buyer: buyer.id, ...preview }, null, 2));
  } catch (e) {
    if (e instanceof ConfigError) throw new PreviewError(`${buyer.id}'s configuration is incomplete: ${e.message}`);
    if (!(e instanceof MappingError)) throw e;
    throw new PreviewError(`this lead cannot be mapped for ${buyer.id}:\n${e.issues.map((i) => `  ${i.field}: ${i.message}`).join("\n")}`);
  }
  // The request is what the buyer would get; whether the router offers the lead is another matter.
  const filtered = filterReason(buyer, lead, nowMs);
  if (filtered) console.error(`note: ${buyer.id}'s filters would not offer it this lead (${filtered})`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(
        e instanceof PreviewError || e instanceof BuyerBuildError
          ? `buyer:preview: ${e.message}`
          : e instanceof Error
            ? `buyer:preview failed: ${e.stack ?? e.message}`
            : String(e),
      );
      process.exit(1);
    },
  );
}
