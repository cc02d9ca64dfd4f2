/**
 * CRM presets: a buyer file that says `"preset": "hubspot-contacts"` gets that CRM's endpoint,
 * wire format, auth and response rules, and supplies only what is its own (org/portal ids,
 * mapping, credential refs). The merged result is validated by BuyerConfigSchema like any file.
 */
import { ownValue } from "../../core/values";
import { hubspotContacts } from "./hubspot-contacts";
import { hubspotForms } from "./hubspot-forms";
import { salesforceBulk } from "./salesforce-bulk";
import { salesforceRest } from "./salesforce-rest";
import { salesforceWebToLead } from "./salesforce-web-to-lead";
import type { Preset } from "./types";
import { PresetError } from "./types";
import { isPlainObject } from "./util";
import { velocify } from "./velocify";

export type { Preset } from "./types";
export { PresetError } from "./types";

/** Every preset by name; adding one is one file and one line here. */
export const PRESETS: Readonly<Record<string, Preset>> = Object.fromEntries(
  [salesforceWebToLead, salesforceRest, salesforceBulk, hubspotContacts, hubspotForms, velocify].map((p) => [p.name, p]),
);

/**
 * Merges `over` onto `base`: plain objects key by key, everything else (arrays, scalars)
 * replaced; two objects with different `type` (e.g. an auth or format the buyer changes)
 * are not mixed — the buyer's object replaces the preset's whole.
 */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (!isPlainObject(base) || !isPlainObject(over)) return structuredClone(over);
  if (typeof base.type === "string" && typeof over.type === "string" && base.type !== over.type) return structuredClone(over);
  const out: Record<string, unknown> = {};
  // defineProperty, not `out[k] =`: a key "__proto__" in a buyer file is then an ordinary key
  // (which the schema refuses by name) instead of replacing the merged object's prototype.
  const set = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const k of Object.keys(base)) set(k, structuredClone(base[k]));
  for (const [k, v] of Object.entries(over)) set(k, Object.hasOwn(base, k) ? mergeConfig(base[k], v) : structuredClone(v));
  return out;
}

/**
 * Expands a buyer file's `preset`: returns the input unchanged when it names none, otherwise
 * the preset's defaults with the file merged over them (the file wins; `preset` is kept).
 * Throws PresetError for an unknown preset or a file lacking what its CRM needs.
 */
export function expandPreset(input: unknown): unknown {
  if (!isPlainObject(input) || input.preset === undefined) return input;
  const name = input.preset;
  const preset = typeof name === "string" ? ownValue(PRESETS, name) : undefined;
  if (!preset) {
    throw new PresetError(String(name), [`unknown preset; known: ${Object.keys(PRESETS).join(", ")}`]);
  }
  const merged = mergeConfig(preset.defaults, input) as Record<string, unknown>;
  const problems = preset.check?.(merged) ?? [];
  if (problems.length) throw new PresetError(preset.name, problems);
  return merged;
}
