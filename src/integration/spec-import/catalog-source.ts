/**
 * The shape of a catalog entry (what the normalized lead can give a buyer field) and the two
 * helpers the catalog's parts write their rules with.
 */
import type { Compute } from "../mapping/schema";

export type ValueKind =
  | "id"
  | "text"
  | "name"
  | "email"
  | "phone"
  | "street"
  | "city"
  | "state"
  | "zip"
  | "date"
  | "instant"
  | "boolean"
  | "integer"
  | "money"
  | "enum"
  | "ip"
  | "url";

/** One thing the lead can supply. */
export interface LeadSource {
  /** Shown to people: `lead.first_name`, `full_name(first_name, last_name)`. */
  label: string;
  rule: { from: string } | { compute: Compute };
  type: "string" | "number" | "integer" | "boolean";
  kind: ValueKind;
  /** The vertical whose leads carry it (vertical-specific `fields.*`); none = every lead. */
  vertical?: string;
  /** Intake guarantees it on every accepted lead. */
  alwaysPresent: boolean;
  /** The values a normalized lead can hold, when that set is closed. */
  values?: readonly string[];
  /** Typical values of a free-text field (for proposing enum translations). */
  typical?: readonly string[];
  /** Compacted names buyers use for it. */
  names: readonly string[];
}

/** A rule that reads one lead path. */
export const from = (path: string): { from: string } => ({ from: path });
/** A rule that computes a value from lead paths. */
export const compute = (fn: string, args: string[], options?: Compute["options"]): { compute: Compute } => ({
  compute: options ? { fn, args, options } : { fn, args },
});
