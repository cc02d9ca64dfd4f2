import type { Preset } from "./types";
import { requireUrl } from "./util";

/**
 * Salesforce Bulk API 2.0 ingest: leads are collected and sent as one CSV job — create the job,
 * upload the CSV, close it (UploadComplete; Salesforce processes nothing before), poll until
 * JobComplete / Failed / Aborted, then settle each lead from its own row of successfulResults
 * (sold, with its `sf__Id`) or failedResults (rejected, with its `sf__Error`). The job client
 * is `src/integration/salesforce-bulk` (pure, over an injected transport).
 *
 * A buyer file naming this preset is refused for now: the per-lead engine cannot collect a
 * batch, and an upload's 201 only means "uploaded" — booking it as a sale would sell leads
 * Salesforce never took. Batch delivery in the BuyerGate lifts the refusal.
 */
export const salesforceBulk: Preset = {
  name: "salesforce-bulk",
  description:
    "Bulk API 2.0 ingest job (CSV) at https://<MyDomain>.my.salesforce.com/services/data/v62.0/jobs/ingest with OAuth 2.0; needs batch delivery, which is not available yet — use salesforce-rest per lead until then.",
  defaults: {
    endpoint: { method: "POST" },
    format: { type: "csv", header: true, delimiter: "," },
    auth: { type: "oauth2_client_credentials", authStyle: "body", instanceUrl: true },
    response: { rules: [] },
  },
  check(cfg) {
    return [
      ...requireUrl(
        cfg,
        /^https:\/\/[^/]+\/services\/data\/v\d+\.\d\/jobs\/ingest\/?$/,
        "https://MyDomain.my.salesforce.com/services/data/v62.0/jobs/ingest",
        /\/services\/data\/v\d+\.\d\/jobs\/ingest\/?$/,
      ),
      "salesforce-bulk needs batch delivery (leads collected by count and age in the BuyerGate, then one Bulk API 2.0 job), which Leadwire does not run yet; a per-lead upload would book leads as sold before Salesforce processed them. Use the salesforce-rest preset until then.",
    ];
  },
};
