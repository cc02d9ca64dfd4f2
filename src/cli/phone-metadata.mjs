#!/usr/bin/env node
// Writes src/intake/phone-metadata.nanp.json: libphonenumber-js's "max" metadata cut to the
// countries of calling code +1 (NANP), the only numbers intake accepts. Same patterns as "max"
// for every number intake keeps, a tenth of its size. Run after upgrading libphonenumber-js
// (`npm run phone:metadata`); a unit test fails while the file and the package disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The NANP part of the package's max metadata.
 * @param {{ version: number, country_calling_codes: Record<string, string[]>, countries: Record<string, unknown> }} max
 */
export function nanpMetadata(max) {
  const countries = max.country_calling_codes["1"] ?? [];
  return {
    version: max.version,
    country_calling_codes: { 1: countries },
    countries: Object.fromEntries(countries.map((c) => [c, max.countries[c]])),
    nonGeographic: {},
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const require = createRequire(import.meta.url);
  const max = JSON.parse(readFileSync(require.resolve("libphonenumber-js/metadata.max.json"), "utf8"));
  const out = fileURLToPath(new URL("../intake/phone-metadata.nanp.json", import.meta.url));
  writeFileSync(out, `${JSON.stringify(nanpMetadata(max))}\n`);
  console.log(`wrote ${out}`);
}
