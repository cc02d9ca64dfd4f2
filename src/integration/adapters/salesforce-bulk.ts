import type { Preset } from "./types";
import { requireUrl } from "./util";

/**
 * Salesforce Bulk API 2.0 ingest for batch buyers (issue 16): the buyer's leads are collected in
 * its BuyerGate — 200 leads or 15 minutes by default (`batch.size`, `batch.maxAgeMinutes`) — then
 * sent as one CSV job: create the job, upload the CSV, close it (UploadComplete; Salesforce
 * processes nothing before), poll with backoff until JobComplete / Failed / Aborted, and settle
 * each lead from its own row of successfulResults (sold, with its `sf__Id`) or failedResults
 * (rejected, with its `sf__Error`). Until then the lead waits `pending`: an upload's 201 only
 * means "uploaded", never "sold". The job client is `src/integration/bulk/salesforce-job.ts`,
 * driven step by step by `src/buyer-gate/channels/salesforce-bulk.ts`.
 *
 * The buyer file gives its ingest URL, its connected app (OAuth 2.0 client credentials) and the
 * Lead fields; a column mapped from `lead.id` (best an External ID field such as
 * `Leadwire_Lead_Id__c`) matches result rows back to leads, since Bulk API 2.0 keeps no row order.
 */
export const salesforceBulk: Preset = {
  name: "salesforce-bulk",
  description:
    "Bulk API 2.0 ingest job (CSV) at https://<MyDomain>.my.salesforce.com/services/data/v62.0/jobs/ingest with OAuth 2.0: a batch buyer (200 leads or 15 minutes per job by default); map the Lead fields and, ideally, lead.id to an External ID field.",
  defaults: {
    endpoint: { method: "POST" },
    format: { type: "csv", header: true, delimiter: "," },
    auth: { type: "oauth2_client_credentials", authStyle: "body", instanceUrl: true },
    response: { rules: [] },
    batch: { size: 200, maxAgeMinutes: 15, job: { type: "salesforce-bulk", object: "Lead", operation: "insert" } },
  },
  check(cfg) {
    return requireUrl(
      cfg,
      /^https:\/\/[^/]+\/services\/data\/v\d+\.\d\/jobs\/ingest\/?$/,
      "https://MyDomain.my.salesforce.com/services/data/v62.0/jobs/ingest",
      /\/services\/data\/v\d+\.\d\/jobs\/ingest\/?$/,
    );
  },
};
