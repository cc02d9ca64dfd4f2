/**
 * Re-records golden/*.json from the CURRENT implementation: `npx tsx test/unit/integration/golden/record.ts`.
 *
 * The files were first recorded from the pre-optimisation code, so they prove the fast paths
 * changed no byte. Re-recording accepts whatever src/ produces today: do it only after a
 * deliberate change to an input (a buyer in buyers/, the shared sample, helpers.lead, the cases
 * in cases.ts) with fast-paths.test.ts passing beforehand, and review the diff of the files.
 */
import { writeFileSync } from "node:fs";
import * as c from "./cases";

const write = (name: string, v: unknown): void =>
  writeFileSync(`${process.env.OUT ?? c.goldenDir}/${name}`, `${c.prettyJson(JSON.parse(JSON.stringify(v)))}\n`);

const sample = c.sampleLeads();
const buyers = c.demoBuyers();
write("sample.json", c.recordSample(c.currentImpl, sample, buyers));
write("hostile.json", c.recordHostile(c.currentImpl, buyers));
write("nested.json", c.recordNested(c.currentImpl, sample));
write("fallback.json", c.recordFallback(c.currentImpl, sample));
write("form.json", c.recordForm(c.currentImpl));
write("dates.json", c.recordDates(c.currentImpl));
