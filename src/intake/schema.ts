import { z } from "@hono/zod-openapi";

const Str = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const PhoneIn = z.union([z.string(), z.number()]).openapi({ example: "(214) 715-3718" });
const BoolIn = z.union([z.boolean(), z.number(), z.string()]).openapi({ example: "yes" });

export const VERTICALS = ["auto_insurance", "mortgage", "solar", "legal", "home_services", "health"] as const;

/**
 * The lead as sources post it. Deliberately lenient about *writing* (phones in any format,
 * states by name, yes/no booleans, "$1,200" money) and strict about *meaning*: intake
 * normalizes each value and refuses what it cannot read, naming the field.
 */
export const LeadInputSchema = z
  .object({
    external_id: Str(128).optional().openapi({ description: "The source's own id; a repeat returns the original lead." }),
    vertical: z.enum(VERTICALS),
    first_name: Str(100).trim().min(1, "is required"),
    last_name: Str(100).trim().min(1, "is required"),
    email: Str(254),
    phone: PhoneIn,
    phone_secondary: PhoneIn.nullish(),
    address: z
      .object({
        street: Str(200).trim().min(1, "is required"),
        city: Str(100).trim().min(1, "is required"),
        state: Str(40),
        zip: z.union([z.string(), z.number()]),
      })
      .strict(),
    dob: Str(40).nullish().openapi({ description: "Date of birth: YYYY-MM-DD, MM/DD/YYYY, M/D/YYYY, YYYYMMDD or ISO." }),
    homeowner: BoolIn.nullish(),
    ip_address: Str(64).nullish(),
    user_agent: Str(512).nullish(),
    consent: z
      .object({
        trustedform_cert_url: Str(300).nullish(),
        jornaya_leadid: Str(64).nullish(),
        tcpa_text: Str(4000).nullish(),
        consented_at: z.union([z.string().max(64), z.number()]).nullish(),
      })
      .strict()
      .optional(),
    fields: z.record(z.string().max(64), z.union([z.string().max(4000), z.number(), z.boolean(), z.null()])).optional(),
    test: BoolIn.optional(),
  })
  .strict()
  .openapi("LeadInput");

export type LeadInput = z.infer<typeof LeadInputSchema>;

export const LeadAcceptedSchema = z.object({ id: z.string(), status: z.enum(["queued", "received"]) }).openapi("LeadAccepted");

export const LeadSyncResultSchema = z
  .object({
    id: z.string(),
    status: z.enum(["sold", "unsold", "expired", "pending", "queued"]),
    buyer: z.string().optional(),
    price: z.number().optional(),
    buyerLeadId: z.string().optional(),
    attempts: z.number(),
    reasons: z.array(z.object({ buyerId: z.string(), reason: z.string() })).optional(),
  })
  .openapi("LeadSyncResult");

export const LeadDuplicateSchema = z
  .object({
    id: z.string(),
    status: z.enum(["received", "queued", "delivering", "pending", "sold", "unsold", "expired"]),
    duplicate: z.literal(true),
  })
  .openapi("LeadDuplicate");

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .openapi("Error");
