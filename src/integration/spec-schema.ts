import { z } from "zod";

/** One field of the buyer's API as its documentation describes it. */
export interface SpecField {
  type: "string" | "number" | "integer" | "boolean" | "object" | "array";
  required?: boolean;
  description?: string;
  enum?: (string | number | boolean)[];
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  /** Children of an object field (exact, case-sensitive names). */
  properties?: Record<string, SpecField>;
  /** Element shape of an array field. */
  items?: SpecField;
}

export const SpecFieldSchema: z.ZodType<SpecField> = z.lazy(() =>
  z
    .object({
      type: z.enum(["string", "number", "integer", "boolean", "object", "array"]),
      required: z.boolean().optional(),
      description: z.string().optional(),
      enum: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
      maxLength: z.number().int().positive().optional(),
      minLength: z.number().int().nonnegative().optional(),
      pattern: z.string().optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      properties: z.record(z.string(), SpecFieldSchema).optional(),
      items: SpecFieldSchema.optional(),
    })
    .strict(),
);

/**
 * What the buyer's API requires, written from its documentation. `validateMapping` checks a
 * buyer's mapping against it; tests check real mapped payloads against it.
 */
export const SpecSchema = z
  .object({
    description: z.string().optional(),
    docsUrl: z.string().optional(),
    /** Top-level fields of the payload (for XML/SOAP: children of the root/operation element). */
    fields: z.record(z.string(), SpecFieldSchema),
    /** Fields the buyer does not document are a problem unless this is true. */
    allowUnknownFields: z.boolean().default(false),
  })
  .strict();
export type Spec = z.infer<typeof SpecSchema>;
