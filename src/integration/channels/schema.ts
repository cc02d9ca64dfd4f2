import { z } from "zod";

/**
 * A Salesforce Bulk API 2.0 ingest job (the `salesforce-bulk` preset fills it): the batch's
 * leads become one CSV, uploaded once, closed with UploadComplete, polled with backoff, and each
 * lead settled from its own result row.
 */
export const SalesforceBulkJobSchema = z
  .object({
    type: z.literal("salesforce-bulk"),
    /** The sObject the rows create (API name). */
    object: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "an sObject API name, e.g. Lead")
      .default("Lead"),
    /** `upsert` on an External ID field makes a resent row update instead of duplicating. */
    operation: z.enum(["insert", "upsert"]).default("insert"),
    externalIdFieldName: z.string().min(1).optional(),
    /**
     * A mapped column holding our lead id (e.g. `Leadwire_Lead_Id__c`): result rows are matched
     * back by it. Without one they are matched by their values (Bulk API 2.0 keeps no row order).
     */
    leadIdField: z.string().min(1).optional(),
    /** The first poll this long after the job is closed; each next wait doubles … */
    pollInitialSeconds: z.number().int().min(1).max(3600).default(5),
    /** … up to this. */
    pollMaxSeconds: z.number().int().min(1).max(3600).default(300),
    /** A job still running after this long is aborted: its unprocessed leads go to the next buyer. */
    pollBudgetMinutes: z.number().int().min(1).max(1440).default(240),
  })
  .strict()
  .refine((j) => j.operation !== "upsert" || j.externalIdFieldName !== undefined, {
    message: "an upsert job needs externalIdFieldName",
    path: ["externalIdFieldName"],
  });

/**
 * A batch buyer: its leads are collected in its BuyerGate (each waits `pending`, its cap slot
 * held) and sent as one job when `size` leads wait or the oldest has waited `maxAgeMinutes`.
 */
export const BatchConfigSchema = z
  .object({
    /** Leads per job; the job starts as soon as this many wait. */
    size: z.number().int().min(1).max(10_000).default(200),
    /** … or when the oldest waiting lead has waited this long. */
    maxAgeMinutes: z.number().int().min(1).max(1440).default(15),
    /** What the batch becomes (the preset fills it). */
    job: SalesforceBulkJobSchema,
  })
  .strict();

export type BatchConfig = z.infer<typeof BatchConfigSchema>;
export type SalesforceBulkJobConfig = z.infer<typeof SalesforceBulkJobSchema>;

/**
 * HubSpot contacts (`hubspot-contacts` preset): what a 409 CONFLICT (a contact with that e-mail
 * exists) means for this buyer — a duplicate, rejected (default), or an update of the existing
 * contact (PATCH), which is a sale with the existing contact's id.
 */
export const OnConflictSchema = z.enum(["reject", "update"]);

/** A Workers `mtls_certificates` binding name (upper case, as wrangler.toml declares it). */
export const BindingNameSchema = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "a binding name as declared in wrangler.toml, e.g. ACME_MTLS");
