/**
 * How a buyer takes its leads besides one HTTP request per lead (issue 16): a batch job
 * (Salesforce Bulk API 2.0), e-mail (one mail per lead or a digest), and the rules that keep
 * such a config sound. Pure: the BuyerGate sends, the delivery layer settles.
 */
import type { NormalizedLead } from "../../core/lead";
import type { BuyerConfig } from "../config";
import type { EmailField } from "../email/mime";
import { MappingError } from "../errors";
import { compileBuyer } from "../mapping/request";
import { getPath, parsePath } from "../path";
import type { MappingWarning } from "../types";

export type { BatchConfig, SalesforceBulkJobConfig } from "./schema";

/** http: one request per lead; email: one mail per lead; digest and salesforce-bulk are collected in the gate. */
export type Channel = "http" | "email" | "email-digest" | "salesforce-bulk";

/** The channel a buyer's config chooses. */
export function channelOf(buyer: Pick<BuyerConfig, "batch" | "email">): Channel {
  if (buyer.batch) return buyer.batch.job.type;
  if (buyer.email) return buyer.email.mode === "digest" ? "email-digest" : "email";
  return "http";
}

/** Whether the buyer's leads wait in its BuyerGate for a batch or a digest before anything is sent. */
export function collectsInGate(buyer: Pick<BuyerConfig, "batch" | "email">): boolean {
  const c = channelOf(buyer);
  return c === "salesforce-bulk" || c === "email-digest";
}

/**
 * Whether the buyer decides after the delivery call returns — by callback (async
 * acknowledgement), by its batch job or with its digest. Such a buyer cannot answer a source
 * waiting in sync mode or a source's ping.
 */
export function decidesLater(buyer: Pick<BuyerConfig, "batch" | "email" | "endpoint">): boolean {
  return buyer.endpoint.mode === "async" || collectsInGate(buyer);
}

/** Time for the result rows to come back and be reported after a job ends (abort, result files, the queue). */
const REPORT_MARGIN_SECONDS = 3600;

/**
 * How long a pending delivery to this buyer may wait for its decision before the sweep expires
 * it: the acknowledgement timeout, or for a collected lead its wait for the batch (or digest)
 * plus the job's whole poll budget and a margin — long enough that a lead is never expired (and
 * offered to another buyer) while its job may still create it.
 */
export function decisionWindowSeconds(buyer: Pick<BuyerConfig, "batch" | "email" | "endpoint">): number {
  if (buyer.batch) return buyer.batch.maxAgeMinutes * 60 + buyer.batch.job.pollBudgetMinutes * 60 + REPORT_MARGIN_SECONDS;
  if (buyer.email?.mode === "digest") return 2 * buyer.email.digestMinutes * 60 + REPORT_MARGIN_SECONDS;
  return buyer.endpoint.ackTimeoutSeconds;
}

/** The mapped columns' names, in the mapping's order (a template has none). */
export function columnNames(buyer: Pick<BuyerConfig, "mapping">): string[] {
  const m = buyer.mapping;
  return "fields" in m ? m.fields.map((f) => f.to) : [];
}

/**
 * The column that carries our lead id in a Bulk job's rows (result rows are matched back by it):
 * the job's `leadIdField`, else the first column mapped from `lead.id`; undefined when none is.
 */
export function leadIdColumn(buyer: BuyerConfig): string | undefined {
  if (buyer.batch?.job.leadIdField) return buyer.batch.job.leadIdField;
  const m = buyer.mapping;
  if (!("fields" in m)) return undefined;
  return m.fields.find((f) => "from" in f && (f.from === "lead.id" || f.from === "id") && !("format" in f && f.format))?.to;
}

/**
 * The lead as the buyer's flat columns, in the mapping's order: a batch job's CSV row, an
 * e-mail's fields. A column the mapping left empty is omitted. Throws MappingError when the
 * lead lacks a required field, like a request that cannot be built.
 */
export function mappedColumns(buyer: BuyerConfig, lead: NormalizedLead, now: () => number): { fields: EmailField[]; warnings: MappingWarning[] } {
  const mapper = compileBuyer(buyer).mapPayload;
  if (!mapper) throw new MappingError([{ field: "mapping", message: "a batch or e-mail buyer needs a field-list mapping" }]);
  const r = mapper(lead, { now });
  if (r.issues.length) throw new MappingError(r.issues);
  const fields: EmailField[] = [];
  for (const name of columnNames(buyer)) {
    const v = getPath(r.payload, parsePath(name));
    if (v === undefined || v === null || v === "") continue;
    fields.push({ name, value: typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v) });
  }
  return { fields, warnings: r.warnings };
}

/**
 * What makes a buyer's channel config unworkable; `npm run buyers:check` lists these and the
 * registry does not load such a buyer.
 */
export function channelProblems(buyer: BuyerConfig): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const collected = buyer.batch !== undefined || buyer.email !== undefined;
  if (buyer.batch && buyer.email) out.push({ path: "email", message: "a buyer takes leads by a batch job or by e-mail, not both" });
  if (collected) {
    const how = buyer.batch ? "a batch buyer" : "an e-mail buyer";
    if (!("fields" in buyer.mapping)) out.push({ path: "mapping", message: `${how} needs a field-list mapping (its columns), not a template` });
    else {
      buyer.mapping.fields.forEach((f, i) => {
        if (/[.[\]]/.test(f.to)) out.push({ path: `mapping.fields.${i}.to`, message: `${how} takes flat column names; "${f.to}" is a path` });
      });
    }
    if (buyer.endpoint.mode === "async")
      out.push({ path: "endpoint.mode", message: `${how} is decided by its own channel; "async" (decided by callback) does not apply` });
    if (buyer.ping) out.push({ path: "ping", message: `${how} cannot bid in a ping/post auction` });
  }
  if (buyer.batch) {
    const job = buyer.batch.job;
    const cols = new Set(columnNames(buyer));
    if (buyer.format.type !== "csv") out.push({ path: "format.type", message: "a Bulk API 2.0 job uploads CSV: the format must be csv" });
    if (job.leadIdField !== undefined && !cols.has(job.leadIdField)) {
      out.push({ path: "batch.job.leadIdField", message: `${job.leadIdField} must be a mapped column (from lead.id), or results cannot be matched by it` });
    }
    if (job.externalIdFieldName !== undefined && !cols.has(job.externalIdFieldName)) {
      out.push({ path: "batch.job.externalIdFieldName", message: `${job.externalIdFieldName} must be a mapped column for an upsert` });
    }
  }
  if (buyer.email && buyer.auth.type !== "none") out.push({ path: "auth", message: "an e-mail buyer has no HTTP authentication" });
  if (buyer.onConflict === "update" && buyer.preset !== "hubspot-contacts") {
    out.push({ path: "onConflict", message: 'updating the existing record on a conflict is built for the hubspot-contacts preset only; use "reject"' });
  }
  return out;
}
