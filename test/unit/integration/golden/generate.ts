/* One-off: records the golden outputs from the frozen reference implementation. Deleted after use. */
import { writeFileSync } from "node:fs";
import type { NormalizedLead } from "../../../../src/intake/lead";
import type { BuyerConfig } from "../../../../src/integration/config";
import { compileTemplate } from "../../../../src/integration/mapping/template";
import { buyer } from "../helpers";
import { compileDateFormat as refDateFormat } from "../reference/formatters";
import { referenceRender, referenceSerializer } from "../reference/index";
import { formComponent as refFormComponent, formEncodePayload as refFormEncode } from "../reference/serialize";
import * as c from "./cases";

const FULL = Number(process.env.FULL ?? "1000000");
const out = process.env.OUT ?? c.goldenDir;

function refOutcome(b: BuyerConfig, l: NormalizedLead): c.Outcome {
  const m = b.mapping;
  if ("fields" in m) {
    const r = referenceRender(b, l, c.env, c.secret);
    return { body: r.body, payload: JSON.stringify(r.payload), warnings: r.warnings, issues: r.issues };
  }
  const t = compileTemplate(m.template, b.format.type === "json" ? "json" : "other", referenceSerializer(b.format).escape, m.required)(l, c.env);
  return { body: t.body, warnings: t.warnings, issues: t.issues };
}
const group = (b: BuyerConfig, leads: NormalizedLead[], full: number): c.GroupGolden =>
  c.summarize(leads.map((l) => ({ lead: l.id, outcome: refOutcome(b, l) })), full);
const write = (name: string, v: unknown): void => writeFileSync(`${out}/${name}`, `${JSON.stringify(v, null, 1)}\n`);

const sample = c.sampleLeads();
const buyers = c.demoBuyers();
const hostile = c.hostileLeads();
const variants = c.variants(sample);

write("sample.json", { leads: sample.length, buyers: Object.fromEntries(buyers.map(({ config, text }) => [config.id, { config: c.digest([text]), ...group(config, sample, 3) }])) });
write("hostile.json", { buyers: Object.fromEntries(buyers.map(({ config, text }) => [config.id, { config: c.digest([text]), ...group(config, hostile, Number(process.env.HFULL ?? FULL)) }])) });
write("nested.json", { formats: c.FORMATS.map((format) => ({ format, ...group(buyer({ format: format as never, mapping: { fields: c.NESTED_FIELDS } as never }), variants, Number(process.env.NFULL ?? FULL)) })) });
write("fallback.json", { groups: c.FALLBACK_SHAPES.flatMap((fields, shape) => c.FALLBACK_FORMATS.map((format) => ({ shape, format, ...group(buyer({ format: format as never, mapping: { fields } as never }), variants.slice(0, c.FALLBACK_LEADS), Number(process.env.FFULL ?? FULL)) }))) });
write("form.json", {
  strings: c.FORM_STRINGS.map((s) => ({ component: c.textOf(refFormComponent(s)), bracket: c.textOf(refFormEncode(c.formPayload(s), "bracket")), dot: c.textOf(refFormEncode(c.formPayload(s), "dot")) })),
  big: c.textOf(refFormEncode(c.bigFormPayload(), "dot")),
});
const dates: Record<string, unknown[]> = {};
for (const p of c.DATE_PATTERNS) for (const z of c.DATE_ZONES) { const f = refDateFormat(p, z); dates[c.dateKey(p, z)] = c.DATE_VALUES.map((v) => c.dateOutcome(f, v)); }
const ms = c.randomInstants();
const ny = refDateFormat(...c.RANDOM_NY), utc = refDateFormat(c.RANDOM_UTC);
const series = { ny: ms.map((x) => ny(new Date(x).toISOString())), utcMs: ms.map((x) => utc(x)), utcIso: ms.map((x) => utc(new Date(x).toISOString())) };
write("dates.json", { values: dates, random: Object.fromEntries(Object.entries(series).map(([k, v]) => [k, { count: v.length, sha256: c.digest(v), first: v.slice(0, 10) }])) });
