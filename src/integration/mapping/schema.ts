import { z } from "zod";

/** A JSON scalar: what constants, defaults and translation outputs may be. */
export const ScalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof ScalarSchema>;

/** `area_code`: the first three digits only (a non-identifying part a ping may carry). */
export const PHONE_STYLES = ["digits10", "digits11", "e164", "dashed", "dotted", "parens", "area_code"] as const;
export const BOOLEAN_STYLES = ["yes_no", "Yes/No", "YES/NO", "y_n", "Y/N", "1_0", "true_false", "True/False", "TRUE/FALSE", "string_1_0"] as const;

/**
 * Formatting applied to a mapped value, in this order: trim → case → phone → date → boolean
 * → number/money → zip5 → maxLength → sha256. Each key is optional; an empty object is a no-op.
 */
export const FieldFormatSchema = z
  .object({
    trim: z.boolean().optional(),
    case: z.enum(["upper", "lower", "title"]).optional(),
    /** digits10 2025550123 · digits11 12025550123 · e164 +12025550123 · dashed 202-555-0123 · dotted 202.555.0123 · parens (202) 555-0123 · area_code 202 */
    phone: z.enum(PHONE_STYLES).optional(),
    /** A pattern of YYYY YY MM M DD D HH hh mm ss A tokens (e.g. `MM/DD/YYYY`, `MMDDYYYY`), or `unix`, `unix_ms`, `iso`. */
    date: z.string().min(1).optional(),
    /** IANA zone an instant is shown in (date-only values are not shifted). Default UTC. */
    timezone: z.string().optional(),
    boolean: z.enum(BOOLEAN_STYLES).optional(),
    /** Round to a number with this many decimals. */
    decimals: z.number().int().min(0).max(10).optional(),
    /** Money as a fixed-decimal string, e.g. `312500.00` (`symbol` adds a prefix such as `$`). */
    money: z
      .object({ decimals: z.number().int().min(0).max(4).default(2), symbol: z.string().optional() })
      .strict()
      .optional(),
    /** First five digits of a ZIP / ZIP+4. */
    zip5: z.boolean().optional(),
    /** Truncate strings longer than this many characters (code points). */
    maxLength: z.number().int().positive().optional(),
    /**
     * Lower-case hex SHA-256 of the value's text, last (after trim, case …): what a ping/post
     * buyer that matches on a hashed e-mail or phone asks for. Combine with `case: "lower"` and
     * `trim` for e-mails, `phone: "e164"` for phones, as the buyer's spec says.
     */
    sha256: z.boolean().optional(),
  })
  .strict();
export type FieldFormat = z.infer<typeof FieldFormatSchema>;

export const TranslateSchema = z
  .object({
    /** Source value (as text) → value sent to the buyer. */
    table: z.record(z.string(), ScalarSchema),
    caseInsensitive: z.boolean().default(false),
    /** Used when a value has no entry (a warning is still reported). Omitted: the value passes through. */
    default: ScalarSchema.optional(),
  })
  .strict();
export type Translate = z.infer<typeof TranslateSchema>;

/** Map the field only when another lead field exists / equals / is one of. */
export const WhenSchema = z
  .object({
    field: z.string().min(1),
    exists: z.boolean().optional(),
    equals: ScalarSchema.optional(),
    in: z.array(ScalarSchema).optional(),
  })
  .strict();
export type When = z.infer<typeof WhenSchema>;

export const ComputeSchema = z
  .object({
    /** A function name from the computed registry (age, ltv, full_name, …). */
    fn: z.string().min(1),
    /** Lead paths passed as arguments, in order. */
    args: z.array(z.string()).default([]),
    /** Constant options for the function (e.g. decimals, separator). */
    options: z.record(z.string(), ScalarSchema).optional(),
  })
  .strict();
export type Compute = z.infer<typeof ComputeSchema>;

export const FieldRuleSchema = z
  .object({
    /** Where the value goes in the buyer's payload: `contact.phones[0].number`. */
    to: z.string().min(1),
    /** Path into the canonical lead: `lead.address.zip` or `address.zip`. */
    from: z.string().min(1).optional(),
    /** A constant. */
    value: ScalarSchema.optional(),
    compute: ComputeSchema.optional(),
    translate: TranslateSchema.optional(),
    format: FieldFormatSchema.optional(),
    /** Final type of the value sent. */
    type: z.enum(["string", "number", "integer", "boolean"]).optional(),
    when: WhenSchema.optional(),
    /** Missing or invalid after mapping → the lead is not sent (MappingError, no HTTP call). */
    required: z.boolean().default(false),
    /** Used when the source value is missing. */
    default: ScalarSchema.optional(),
    /**
     * A decision left to a person (written by `npm run buyer:new`): no source yet, and why, e.g.
     * "no lead field matched; candidates: …". Accepted here so the file can be written, but
     * buyers:check reports it and the registry refuses the buyer until it is replaced by a source.
     */
    open: z.string().min(1).optional(),
  })
  .strict()
  .refine(
    (r) => {
      const sources = [r.from !== undefined, r.value !== undefined, r.compute !== undefined].filter(Boolean).length;
      return r.open === undefined ? sources === 1 : sources === 0;
    },
    { message: "a field rule needs exactly one of `from`, `value`, `compute` (or `open` while no source is decided)" },
  );
export type FieldRule = z.infer<typeof FieldRuleSchema>;

export const FieldsMappingSchema = z.object({ fields: z.array(FieldRuleSchema).min(1) }).strict();

/**
 * The buyer's body written out with `{{lead.first_name}}` / `{{formatPhone(lead.phone, "dashed")}}`
 * placeholders, escaped for the wire format (JSON string, XML text, form value, CSV cell).
 */
export const TemplateMappingSchema = z
  .object({
    template: z.string().min(1),
    /** Placeholders that must produce a value; otherwise MappingError. */
    required: z.array(z.string()).optional(),
  })
  .strict();

export const MappingConfigSchema = z.union([FieldsMappingSchema, TemplateMappingSchema]);
export type MappingConfig = z.infer<typeof MappingConfigSchema>;
export type FieldsMapping = z.infer<typeof FieldsMappingSchema>;
export type TemplateMapping = z.infer<typeof TemplateMappingSchema>;
