/**
 * `npm run buyer:new -- <id> --from <spec> [--operation <operationId | "POST /path">]
 *   [--vertical auto_insurance,…] [--url https://…] [--name "…"] [--force]
 *   [--leads <sample.jsonl>] [--now <ISO instant>] [--root <repo>]`
 *
 * Reads a buyer's posting spec (OpenAPI 3 JSON/YAML, a sample request, or a field-table CSV),
 * writes `buyers/<id>.json` (development-only), runs the buyers:check checks on it, previews the
 * sample lead of each vertical it takes (and the repo's sample leads), and prints a coverage
 * report. Exit 0: written and checked clean; 1: written, but buyers:check reports problems (open
 * fields, secrets to list); 2: nothing written.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { normalizeLead } from "../intake/normalize";
import { expandPreset } from "../integration/adapters";
import { type BuyerConfig, BuyerConfigSchema } from "../integration/config";
import { loadXPath } from "../integration/extract";
import { openRules, openTargets, withoutOpenRules } from "../integration/mapping/open";
import { mapLead } from "../integration/mapping/request";
import { sampleLead } from "../integration/mapping/sample-lead";
import { previewRequest } from "../integration/preview";
import { generateBuyer, importSpec, SpecImportError } from "../integration/spec-import";
import { formatReport, type PreviewResult, type SampleRun } from "../integration/spec-import/report";
import type { BuildContext } from "../integration/types";
import { validateMappedPayload } from "../integration/validate";
import { readEnvFile } from "./buyer-preview";
import { checkBuyers, envNames } from "./buyers-check";

const USAGE =
  'usage: npm run buyer:new -- <id> --from <spec> [--operation <operationId | "POST /path">] [--vertical <v,…>] [--url <endpoint>] [--name <name>] [--force] [--leads <sample.jsonl>] [--now <ISO instant>] [--root <repo>]';

/** The day the shipped sample leads were made: previews are reproducible. */
const DEFAULT_NOW = "2026-11-28T15:00:00Z";

function fail(message: string): number {
  console.error(message);
  return 2;
}

/** Maps the valid sample lines of one vertical and counts what a delivery would see. */
function runSample(file: string, text: string, vertical: string, buyer: BuyerConfig, nowMs: number, skip: Set<string>): SampleRun {
  const run: SampleRun = { file, vertical, leads: 0, sent: 0, notSent: {}, violations: {} };
  text
    .trim()
    .split("\n")
    .forEach((line, i) => {
      const row = JSON.parse(line) as { lead?: { vertical?: unknown }; valid?: boolean };
      if (!row.valid || row.lead?.vertical !== vertical) return;
      const r = normalizeLead(row.lead, { id: `lead_${String(i).padStart(26, "0")}`, sourceId: "src_sample", nowMs });
      if (!r.ok) return;
      run.leads++;
      const m = mapLead(buyer, r.lead, () => nowMs);
      if (m.issues.length) {
        for (const x of m.issues) run.notSent[`${x.field}: ${x.message}`] = (run.notSent[`${x.field}: ${x.message}`] ?? 0) + 1;
        return;
      }
      run.sent++;
      if (!buyer.spec || !m.payload) return;
      for (const p of validateMappedPayload(buyer.spec, m.payload))
        if (!skip.has(p.path)) run.violations[`${p.path}: ${p.message}`] = (run.violations[`${p.path}: ${p.message}`] ?? 0) + 1;
    });
  return run;
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  function parse(a: string[]) {
    return parseArgs({
      args: a,
      allowPositionals: true,
      options: {
        from: { type: "string" },
        operation: { type: "string" },
        vertical: { type: "string", multiple: true },
        url: { type: "string" },
        name: { type: "string" },
        force: { type: "boolean", default: false },
        leads: { type: "string" },
        now: { type: "string", default: DEFAULT_NOW },
        root: { type: "string" },
      },
    });
  }
  try {
    args = parse(argv);
  } catch (e) {
    return fail(`${(e as Error).message}\n${USAGE}`);
  }
  const id = args.positionals[0];
  const from = args.values.from;
  if (!id || !from || args.positionals.length > 1) return fail(USAGE);
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) return fail(`buyer id "${id}": lower-case letters, digits and dashes (2–63 characters)`);
  const nowMs = Date.parse(args.values.now ?? DEFAULT_NOW);
  if (Number.isNaN(nowMs)) return fail(`--now ${args.values.now}: not an ISO instant`);
  const root = resolve(args.values.root ?? fileURLToPath(new URL("../..", import.meta.url)));
  const specPath = resolve(from);
  if (!existsSync(specPath)) return fail(`--from ${from}: no such file`);
  const target = join(root, "buyers", `${id}.json`);
  if (existsSync(target) && !args.values.force) return fail(`${relative(process.cwd(), target)} exists; pass --force to replace it`);

  // The documented answers are read back through the response rules, XPath ones included.
  await loadXPath();
  let generated: ReturnType<typeof generateBuyer>;
  try {
    const spec = importSpec(readFileSync(specPath, "utf8"), {
      fileName: basename(specPath),
      ...(args.values.operation ? { operation: args.values.operation } : {}),
    });
    const verticals = (args.values.vertical ?? [])
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter(Boolean);
    generated = generateBuyer(spec, {
      id,
      ...(verticals.length ? { verticals } : {}),
      ...(args.values.url ? { url: args.values.url } : {}),
      ...(args.values.name ? { name: args.values.name } : {}),
    });
  } catch (e) {
    if (e instanceof SpecImportError) return fail(`${from}: ${e.message}`);
    throw e;
  }
  writeFileSync(target, `${JSON.stringify(generated.config, null, 2)}\n`);
  const file = `buyers/${id}.json`;

  // The same checks as `npm run buyers:check`, for this file.
  const check = checkBuyers(root).problems.filter((p) => p.file === file);

  const buyer = BuyerConfigSchema.parse(expandPreset(generated.config));
  const open = openRules(buyer.mapping);
  const previewed = open.length ? withoutOpenRules(buyer) : buyer;
  const envFile = existsSync(join(root, ".dev.vars")) ? join(root, ".dev.vars") : join(root, ".dev.vars.example");
  const secrets = readEnvFile(envFile);
  const ctx: BuildContext = {
    // A secret not set yet still previews: its value is masked in the output either way.
    secret: (n) => secrets[n] ?? `preview-${n.toLowerCase()}`,
    vars: (n) => process.env[n],
    now: () => nowMs,
    deliveryId: "dlv_preview",
    idempotencyKey: `preview-${id}`,
    tokens: { getToken: async () => "preview-token-not-fetched" },
  };
  // Open fields are reported as open, not again as "missing" in every preview.
  const openPaths = openTargets(buyer.mapping);
  const previews: PreviewResult[] = [];
  for (const vertical of buyer.verticals) {
    const lead = sampleLead(vertical);
    const m = mapLead(previewed, lead, () => nowMs);
    const result: PreviewResult = { vertical, method: previewed.endpoint.method, url: previewed.endpoint.url, notSent: m.issues, violations: [] };
    if (!m.issues.length) {
      const p = await previewRequest(previewed, lead, ctx);
      result.method = p.method;
      result.url = p.url;
      if (p.body !== undefined) result.body = p.body;
      if (previewed.spec && m.payload) result.violations = validateMappedPayload(previewed.spec, m.payload).filter((v) => !openPaths.has(v.path));
    }
    previews.push(result);
  }
  const samples: SampleRun[] = [];
  const leadsFile = args.values.leads ? resolve(args.values.leads) : join(root, "test", "fixtures", "leads-sample.jsonl");
  if (existsSync(leadsFile)) {
    const text = readFileSync(leadsFile, "utf8");
    for (const vertical of buyer.verticals) samples.push(runSample(relative(process.cwd(), leadsFile), text, vertical, previewed, nowMs, openPaths));
  }
  const exampleFile = join(root, ".dev.vars.example");
  const listedSecrets = existsSync(exampleFile) ? envNames(readFileSync(exampleFile, "utf8")) : new Set<string>();
  console.log(
    formatReport({
      id,
      file,
      specFile: relative(process.cwd(), specPath),
      generated,
      check,
      previews,
      samples,
      listedSecrets,
      previewComplete: open.length === 0,
    }),
  );
  return check.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(2);
    },
  );
}
