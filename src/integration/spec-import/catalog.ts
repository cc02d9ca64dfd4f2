/**
 * What Leadwire's normalized lead can give a buyer field: each lead path (and the computed values
 * built from them), its type, what kind of value it is (phone, date, state …), which vertical
 * has it, and the names buyers' docs use for it. Names are compared compacted: lower case,
 * letters and digits only (`First_Name`, `firstName`, `FIRSTNAME` → `firstname`).
 */

import { PERSON_SOURCES } from "./catalog-person";
import type { LeadSource } from "./catalog-source";
import { TRACKING_SOURCES } from "./catalog-tracking";
import { VERTICAL_SOURCES } from "./catalog-verticals";

export type { LeadSource, ValueKind } from "./catalog-source";

/** Every source the matcher may choose, most specific first. */
export const LEAD_SOURCES: readonly LeadSource[] = [...PERSON_SOURCES, ...TRACKING_SOURCES, ...VERTICAL_SOURCES];

/** Compacts a name for comparison: `First_Name` → `firstname`. */
export function compact(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The verticals whose vertical-specific fields a source belongs to (all, for common fields). */
export const VERTICALS = ["auto_insurance", "mortgage", "solar", "legal"] as const;
