import { z } from "zod";
import { BODY_KINDS } from "./body-kinds";
import { isValidRegex } from "./extract";

export const BodyKindSchema = z.enum(BODY_KINDS);

const RegexFlags = z
  .string()
  .regex(/^[imsu]*$/, "regex flags: any of i, m, s, u")
  .optional();

/**
 * Where a value is in a body:
 * - `{ "jsonPath": "$.data.id" }` / `"data.errors[0].message"` / `"errors[*].message"` (all) —
 *   on JSON bodies, and on XML bodies as parsed by fast-xml-parser (namespace prefixes removed,
 *   attributes as `@_name`, text beside attributes as `#text`) and form bodies (one level of keys).
 * - `{ "xpath": "//Result/LeadId", "namespaces"?: {"p": "urn:x"} }` — XML bodies only;
 *   `//*[local-name()='LeadId']` works without namespace declarations.
 * - `{ "regex": "id=(\\d+)", "group"?: 1, "flags"?: "i" }` — over the raw body; group 0 is the whole match.
 * - `{ "formKey": "lead_id" }` — urlencoded bodies.
 *
 * A schema for configs (the build, buyers:check, runtime BUYER_CONFIGS); extract.ts reads
 * bodies with already validated selectors.
 */
export const SelectorSchema = z.union([
  z.object({ jsonPath: z.string().min(1) }).strict(),
  z
    .object({
      xpath: z.string().min(1),
      namespaces: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
  z
    .object({
      regex: z.string().min(1),
      group: z.number().int().min(0).default(1),
      flags: RegexFlags,
    })
    .strict()
    .refine((s) => isValidRegex(s.regex, s.flags), { message: "invalid regular expression" }),
  z.object({ formKey: z.string().min(1) }).strict(),
]);
export type Selector = z.infer<typeof SelectorSchema>;
export type SelectorInput = z.input<typeof SelectorSchema>;

/** Parses a selector written in a config (accepts a bare string as a JSON path). */
export function toSelector(input: string | SelectorInput): Selector {
  return SelectorSchema.parse(typeof input === "string" ? { jsonPath: input } : input);
}
