import { z } from "zod";
import { getPath, parsePath } from "../integration/path";

/**
 * Selectors that read one value out of a buyer's callback body.
 *
 * TODO(integration/extract.ts): the response-parsing engineer's `SelectorSchema` and extractor
 * are meant to be shared here so callbacks and responses use one path/regex machinery. Until it
 * lands this file carries the JSON-path and regex subset webhooks need (bodies are JSON), with
 * the same field names, so switching is a change to this file only.
 */
export const SelectorSchema = z.union([
  z
    .object({
      /** `$.data.lead_id`, `data.lead_id` or `items[0].id`. */
      jsonPath: z.string().min(1).refine(isValidJsonPath, "a dot path such as $.data.lead_id or items[0].id"),
    })
    .strict(),
  z
    .object({
      /** Run against the raw body; the value is capture `group` (default 1, or the whole match without groups). */
      regex: z.string().min(1).refine(isValidRegex, "a valid regular expression"),
      group: z.number().int().min(0).optional(),
      flags: z.string().regex(/^[imsu]*$/).optional(),
    })
    .strict(),
]);
export type Selector = z.infer<typeof SelectorSchema>;

/** A scalar read from a body; objects and arrays are not values. */
export type Scalar = string | number | boolean;

function stripRoot(path: string): string {
  return path.startsWith("$.") ? path.slice(2) : path;
}

function isValidJsonPath(path: string): boolean {
  try {
    parsePath(stripRoot(path));
    return true;
  } catch {
    return false;
  }
}

function isValidRegex(src: string): boolean {
  try {
    new RegExp(src);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads one scalar from a callback: JSON path over the parsed body, regex over the raw text.
 * Missing values, objects, arrays and null read as undefined, so a buyer's unexpected shape
 * becomes a mapping issue rather than a crash.
 */
export function selectValue(selector: Selector, json: unknown, raw: string): Scalar | undefined {
  if ("jsonPath" in selector) {
    const v = getPath(json, parsePath(stripRoot(selector.jsonPath)));
    return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : undefined;
  }
  const m = new RegExp(selector.regex, selector.flags ?? "").exec(raw);
  if (!m) return undefined;
  return m[selector.group ?? (m.length > 1 ? 1 : 0)];
}
