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
import { type GeneratedBuyer, generateBuyer, importSpec, SpecImportError } from "../integration/spec-import";
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

/** The command line, checked: what to read, where to write, and at what instant to preview. */
interface Options {
  id: string;
  /** `--from` as given (for messages). */
  from: string;
  specPath: string;
  root: string;
  target: string;
  nowMs: number;
  operation?: string;
  verticals: string[];
  url?: string;
  name?: string;
  leads?: string;
}

/** Parses and checks the arguments; a string is the message to fail with (nothing written). */
function readOptions(argv: string[]): Options | string {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    return `${(e as Error).message}\n${USAGE}`;
  }
  const id = args.positionals[0];
  const from = args.values.from;
  if (!id || !from || args.positionals.length > 1) return USAGE;
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) return `buyer id "${id}": lower-case letters, digits and dashes (2–63 characters)`;
  const nowMs = Date.parse(args.values.now ?? DEFAULT_NOW);
  if (Number.isNaN(nowMs)) return `--now ${args.values.now}: not an ISO instant`;
  const root = resolve(args.values.root ?? fileURLToPath(new URL("../..", import.meta.url)));
  const specPath = resolve(from);
  if (!existsSync(specPath)) return `--from ${from}: no such file`;
  const target = join(root, "buyers", `${id}.json`);
  if (existsSync(target) && !args.values.force) return `${relative(process.cwd(), target)} exists; pass --force to replace it`;
  const verticals = (args.values.vertical ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  const o: Options = { id, from, specPath, root, target, nowMs, verticals };
  if (args.values.operation) o.operation = args.values.operation;
  if (args.values.url) o.url = args.values.url;
  if (args.values.name) o.name = args.values.name;
  if (args.values.leads) o.leads = args.values.leads;
  return o;
}

/** Imports the spec and generates the buyer; a string is the spec's own fault, to fail with. */
function generate(o: Options): GeneratedBuyer | string {
  try {
    const spec = importSpec(readFileSync(o.specPath, "utf8"), {
      fileName: basename(o.specPath),
      ...(o.operation ? { operation: o.operation } : {}),
    });
    return generateBuyer(spec, {
      id: o.id,
      ...(o.verticals.length ? { verticals: o.verticals } : {}),
      ...(o.url ? { url: o.url } : {}),
      ...(o.name ? { name: o.name } : {}),
    });
  } catch (e) {
    if (e instanceof SpecImportError) return `${o.from}: ${e.message}`;
    throw e;
  }
}

/** A build context for previews: secrets from the local env file, or placeholders, at the fixed instant. */
function previewContext(o: Options): BuildContext {
  const envFile = existsSync(join(o.root, ".dev.vars")) ? join(o.root, ".dev.vars") : join(o.root, ".dev.vars.example");
  const secrets = readEnvFile(envFile);
  return {
    // A secret not set yet still previews: its value is masked in the output either way.
    secret: (n) => secrets[n] ?? `preview-${n.toLowerCase()}`,
    vars: (n) => process.env[n],
    now: () => o.nowMs,
    deliveryId: "dlv_preview",
    idempotencyKey: `preview-${o.id}`,
    tokens: { getToken: async () => "preview-token-not-fetched" },
  };
}

/** The sample lead of each vertical, mapped and previewed as the exact request. */
async function previewVerticals(buyer: BuyerConfig, previewed: BuyerConfig, o: Options, openPaths: Set<string>): Promise<PreviewResult[]> {
  const ctx = previewContext(o);
  const previews: PreviewResult[] = [];
  for (const vertical of buyer.verticals) {
    const lead = sampleLead(vertical);
    const m = mapLead(previewed, lead, () => o.nowMs);
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
  return previews;
}

/** The repo's (or `--leads`) sample leads of each vertical, run through the mapping. */
function runSamples(buyer: BuyerConfig, previewed: BuyerConfig, o: Options, openPaths: Set<string>): SampleRun[] {
  const leadsFile = o.leads ? resolve(o.leads) : join(o.root, "test", "fixtures", "leads-sample.jsonl");
  if (!existsSync(leadsFile)) return [];
  const text = readFileSync(leadsFile, "utf8");
  return buyer.verticals.map((vertical) => runSample(relative(process.cwd(), leadsFile), text, vertical, previewed, o.nowMs, openPaths));
}

async function main(argv: string[]): Promise<number> {
  const o = readOptions(argv);
  if (typeof o === "string") return fail(o);
  // The documented answers are read back through the response rules, XPath ones included.
  await loadXPath();
  const generated = generate(o);
  if (typeof generated === "string") return fail(generated);
  writeFileSync(o.target, `${JSON.stringify(generated.config, null, 2)}\n`);
  const file = `buyers/${o.id}.json`;

  // The same checks as `npm run buyers:check`, for this file.
  const check = checkBuyers(o.root).problems.filter((p) => p.file === file);

  const buyer = BuyerConfigSchema.parse(expandPreset(generated.config));
  const open = openRules(buyer.mapping);
  const previewed = open.length ? withoutOpenRules(buyer) : buyer;
  // Open fields are reported as open, not again as "missing" in every preview.
  const openPaths = openTargets(buyer.mapping);
  const previews = await previewVerticals(buyer, previewed, o, openPaths);
  const samples = runSamples(buyer, previewed, o, openPaths);
  const exampleFile = join(o.root, ".dev.vars.example");
  const listedSecrets = existsSync(exampleFile) ? envNames(readFileSync(exampleFile, "utf8")) : new Set<string>();
  console.log(
    formatReport({
      id: o.id,
      file,
      specFile: relative(process.cwd(), o.specPath),
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
