/**
 * The canonical kinds of buyer callback events and their value sets, apart from the schema
 * that validates webhook configs (webhook-config.ts), so the webhook consumer reads them
 * without building that schema.
 */
export const CANONICAL_TYPES = ["decision", "status", "return", "conversion", "feedback"] as const;
export type CanonicalType = (typeof CANONICAL_TYPES)[number];
export const LEAD_STATUSES = ["contacted", "qualified", "converted", "closed_lost"] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const FEEDBACK_KINDS = ["answered", "wrong_number", "not_interested", "excellent_prospect"] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];
