import type { Preset } from "./types";
import { requireUrl } from "./util";

/**
 * Salesforce Bulk API 2.0, the upload step only: PUT CSV rows to
 * /services/data/vXX.X/jobs/ingest/<jobId>/batches (201 Created, empty body).
 *
 * Covered: the CSV wire format (header row, comma, LF), the OAuth token, the upload request and
 * reading its 201. Not covered — it needs a batch component outside the per-lead engine:
 * creating the job (POST /jobs/ingest `{"object":"Lead","operation":"insert","contentType":"CSV"}`),
 * closing it (PATCH `{"state":"UploadComplete"}`; processing starts only then), and polling
 * successfulResults / failedResults. A 201 therefore means "uploaded", not "Lead created", and a
 * job accepts uploads only until it is closed, so the job id in the URL must be rotated by that
 * component.
 */
export const salesforceBulk: Preset = {
  name: "salesforce-bulk",
  description:
    "CSV PUT to /services/data/v62.0/jobs/ingest/<jobId>/batches with OAuth 2.0; upload step only (job create/close and result polling are not covered).",
  defaults: {
    endpoint: { method: "PUT" },
    format: { type: "csv", header: true, delimiter: "," },
    auth: { type: "oauth2_client_credentials", authStyle: "body" },
    response: {
      rules: [
        { status: 201, outcome: "accepted" },
        { match: { jsonPath: "[*].errorCode" }, outcome: "error" },
      ],
      reason: ["[*].message"],
    },
  },
  check(cfg) {
    return requireUrl(
      cfg,
      /^https:\/\/[^/]+\/services\/data\/v\d+\.\d\/jobs\/ingest\/[^/]+\/batches\/?$/,
      "https://MyDomain.my.salesforce.com/services/data/v62.0/jobs/ingest/<jobId>/batches",
    );
  },
};
