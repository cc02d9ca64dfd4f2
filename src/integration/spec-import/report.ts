/**
 * The coverage report `npm run buyer:new` prints: what became of every required field, how the
 * documented answers read, what buyers:check says, what the previews violate, which secrets to
 * set, and the next command. Pure text from data the CLI gathered.
 */
import type { GeneratedBuyer } from "./generate";

export interface PreviewResult {
  vertical: string;
  method: string;
  url: string;
  body?: string;
  /** Why the sample lead could not be sent (required fields missing after mapping). */
  notSent: { field: string; message: string }[];
  /** The mapped payload against the buyer's own spec. */
  violations: { path: string; message: string }[];
}

export interface SampleRun {
  file: string;
  vertical: string;
  leads: number;
  sent: number;
  /** Why leads were not sent (field: message → count). */
  notSent: Record<string, number>;
  /** Spec violations in the payloads of leads that were sent (path: message → count). */
  violations: Record<string, number>;
}

export interface ReportInput {
  id: string;
  file: string;
  specFile: string;
  generated: GeneratedBuyer;
  /** buyers:check's problems for this file. */
  check: { path: string; message: string }[];
  previews: PreviewResult[];
  samples: SampleRun[];
  /** Secret names .dev.vars.example already lists. */
  listedSecrets: Set<string>;
  /** False when open rules were left out of the previews. */
  previewComplete: boolean;
}

const pct = (n: number, d: number): string => (d === 0 ? "100 %" : `${Math.floor((n / d) * 1000) / 10} %`);

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s;
}

/** The opening line: what was written from what, and how it posts. */
function headline(r: ReportInput): string[] {
  const g = r.generated;
  const cfg = g.config as { endpoint: { method: string; url: string }; format?: { type: string }; auth?: { type: string } };
  return [
    `Wrote ${r.file} from ${r.specFile}: ${cfg.endpoint.method} ${cfg.endpoint.url}, ${cfg.format?.type ?? "preset format"}, auth ${cfg.auth?.type ?? "from preset"}${g.preset ? `, preset ${g.preset}` : ""}; verticals ${g.verticals.join(", ")}.`,
  ];
}

/** What became of every required field, then of the optional ones. */
function fieldSection(g: GeneratedBuyer): string[] {
  const c = g.coverage;
  const out: string[] = [];
  const helped = c.auto + c.byDefault + c.viaAuth;
  out.push(
    `Required fields: ${c.required} — ${c.auto} matched to the lead, ${c.byDefault} by default, ${c.viaAuth} through auth, ${c.open} open (${pct(helped, c.required)} without help).`,
  );
  const width = Math.min(44, Math.max(...g.fields.map((f) => f.to.length), 10));
  for (const f of g.fields.filter((x) => x.required)) {
    const src = f.status === "open" ? "" : ` ← ${f.source ?? ""}`;
    out.push(`  ${f.status.padEnd(8)} ${f.to.padEnd(width)}${src}${f.notes.length ? `   (${f.notes.join("; ")})` : ""}`);
  }
  const optional = g.fields.filter((x) => !x.required);
  if (optional.length) {
    const mapped = optional.filter((f) => f.status !== "unmapped");
    const left = optional.filter((f) => f.status === "unmapped");
    out.push(`Optional fields: ${mapped.length} mapped${left.length ? `, ${left.length} left out (${left.map((f) => f.to).join(", ")})` : ""}.`);
    for (const f of mapped) out.push(`  ${f.status.padEnd(8)} ${f.to.padEnd(width)} ← ${f.source ?? ""}${f.notes.length ? `   (${f.notes.join("; ")})` : ""}`);
  }
  return out;
}

/** How the documented answers read through the generated response rules (or who reads them). */
function responseSection(g: GeneratedBuyer): string[] {
  if (!g.response) return g.preset ? [`Answers are read by the ${g.preset} preset's response rules.`] : [];
  if (!g.response.readings.length) return ["The spec documents no answers: check the response rules against a real one."];
  const out = ["Documented answers, read back through the generated response rules:"];
  for (const x of g.response.readings) {
    const extra = [x.buyerLeadId && `lead id ${x.buyerLeadId}`, x.price !== undefined && `price ${x.price}`, x.reason && `reason "${x.reason}"`]
      .filter(Boolean)
      .join(", ");
    const mark = x.expected === undefined ? "" : x.expected === x.outcome ? "  ✓" : `  ✗ expected ${x.expected}`;
    out.push(`  ${String(x.status).padEnd(5)} → ${x.outcome}${extra ? ` (${extra})` : ""}${mark}`);
  }
  return out;
}

/** buyers:check's verdict on the written file. */
function checkSection(r: ReportInput): string[] {
  if (r.check.length === 0) return ["buyers:check: OK"];
  return [`buyers:check: ${r.check.length} problem(s)`, ...r.check.map((p) => `  ${p.path || "(file)"}: ${p.message}`)];
}

/** The sample lead of each vertical, then each sample file, as the buyer would receive them. */
function previewSection(r: ReportInput): string[] {
  const out = [`Previews of the sample lead of each vertical${r.previewComplete ? "" : " (open fields left out until decided)"}:`];
  for (const p of r.previews) {
    out.push(`  ${p.vertical}: ${p.method} ${p.url}`);
    if (p.body !== undefined) out.push(`    ${clip(p.body.replace(/\s+/g, " "), 400)}`);
    for (const n of p.notSent) out.push(`    not sent: ${n.field}: ${n.message}`);
    out.push(p.violations.length ? `    spec violations: ${p.violations.length}` : "    spec violations: none");
    for (const v of p.violations) out.push(`      ${v.path}: ${v.message}`);
  }
  for (const s of r.samples) {
    const why = Object.entries(s.notSent)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ×${n}`)
      .join(", ");
    out.push(`  ${s.file}: ${s.leads} valid ${s.vertical} leads, ${s.sent} would be sent${s.leads - s.sent ? `, ${s.leads - s.sent} not (${why})` : ""}`);
    const v = Object.entries(s.violations).sort((a, b) => b[1] - a[1]);
    out.push(v.length ? `    spec violations: ${v.length} kind(s)` : "    spec violations: none");
    for (const [k, n] of v.slice(0, 10)) out.push(`      ${k} ×${n}`);
  }
  return out;
}

/** The secrets to set, by name only, for production and for local runs. */
function secretSection(r: ReportInput): string[] {
  const g = r.generated;
  if (!g.secrets.length) return [];
  return [
    "",
    "Secrets (referenced by name; no value from the spec was written):",
    ...g.secrets.map((s) => `  npx wrangler secret put ${s.name} --env production      # ${s.use}`),
    "  and for local runs, in .dev.vars (git-ignored) the real values, and in .dev.vars.example each name with a placeholder:",
    ...g.secrets.map((s) => `    ${s.name}=${r.listedSecrets.has(s.name) ? "   (already listed in .dev.vars.example)" : "<placeholder>"}`),
  ];
}

/** The generator's notes, one per line. */
function notesSection(g: GeneratedBuyer): string[] {
  return g.notes.length ? ["", "Notes:", ...g.notes.map((n) => `  - ${n}`)] : [];
}

/** The one next step: decide open fields, fix check problems, or preview a real lead. */
function nextStep(r: ReportInput): string[] {
  const open = r.generated.fields.filter((f) => f.status === "open");
  if (open.length) {
    return [
      `Next: decide ${open.length === 1 ? "the open field" : `the ${open.length} open fields`} (${open.map((f) => f.to).join(", ")}) in ${r.file} — replace "open" with "from", "value" or "compute" — then run:`,
      "  npm run buyers:check",
    ];
  }
  if (r.check.length) return [`Next: fix the problems above in ${r.file} (and .dev.vars.example), then run:`, "  npm run buyers:check"];
  return [
    'Next: look at the exact request for a lead of your own, then remove "environments" when the buyer goes live:',
    `  npm run buyer:preview -- ${r.id} <lead.json>`,
  ];
}

/** The report as lines of text. */
export function formatReport(r: ReportInput): string {
  const g = r.generated;
  // Sections are separated by a blank line; an empty section keeps its separator.
  return [
    ...headline(r),
    "",
    ...fieldSection(g),
    "",
    ...responseSection(g),
    "",
    ...checkSection(r),
    "",
    ...previewSection(r),
    ...secretSection(r),
    ...notesSection(g),
    "",
    ...nextStep(r),
  ].join("\n");
}
