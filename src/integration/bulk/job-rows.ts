/**
 * The rows of a Bulk API job: the CSV uploaded for a batch, the poll schedule, Salesforce's
 * error texts, and the result files read back into one settlement per lead.
 */
import { parseBody } from "../extract";
import { toCsv } from "../formats/serialize";
import { readErrors } from "../response/fields";
import { type BulkJobResult, type BulkLead, type BulkResponse, DEFAULT_POLL, type JobInfo, type LeadSettlement, type PollOptions } from "./bulk-types";

const SF_ERRORS = [{ items: "$", code: "errorCode", message: "message", fields: "fields" }];

/** Salesforce's own error codes and messages in a refused answer, else the start of its body. */
export function reasonOf(res: BulkResponse): string {
  const body = parseBody(res.body, res.headers["content-type"], "json");
  const said = readErrors(body, SF_ERRORS);
  return said.length ? said.join("; ") : res.body.slice(0, 300) || `HTTP ${res.status}`;
}

/**
 * Parses a Bulk API `sf__Error` cell, `CODE:message:fields --`, into its parts. The message may
 * itself hold colons; the code is the leading run of capitals and underscores.
 */
export function parseSfError(cell: string): { code?: string; message: string; fields: string[]; reason: string } {
  const text = cell.replace(/\s*--\s*$/, "").trim();
  const m = /^([A-Z][A-Z0-9_]*):(.*)$/s.exec(text);
  if (!m) return { message: text, fields: [], reason: text };
  const code = m[1] ?? "";
  let message = (m[2] ?? "").trim();
  let fields: string[] = [];
  const last = message.lastIndexOf(":");
  if (last >= 0) {
    const tail = message.slice(last + 1).trim();
    // The field list is API names (no spaces) or empty.
    if (/^[A-Za-z0-9_,]*$/.test(tail)) {
      fields = tail.split(",").filter(Boolean);
      message = message.slice(0, last).trim();
    }
  }
  return { code, message, fields, reason: `${code}: ${message}${fields.length ? ` (fields: ${fields.join(", ")})` : ""}` };
}

/** The next wait: initial × factor^n, capped. */
export function pollDelay(n: number, p: PollOptions = DEFAULT_POLL): number {
  return Math.min(p.maxMs, Math.round(p.initialMs * p.factor ** n));
}

/** The CSV uploaded for a batch: one header of every column (first-seen order), CRLF line ends. */
export function batchCsv(leads: BulkLead[]): { csv: string; columns: string[] } {
  const columns: string[] = [];
  for (const l of leads) for (const k of Object.keys(l.row)) if (!columns.includes(k)) columns.push(k);
  return {
    csv: toCsv(
      leads.map((l) => l.row),
      { header: true, delimiter: ",", columns },
    ),
    columns,
  };
}

/** Finds the lead a result row belongs to: by the lead-id column, else by the row's own values. */
export function rowMatcher(leads: BulkLead[], idField: string | undefined): (row: Record<string, string>) => string | undefined {
  if (idField) {
    const known = new Set(leads.map((l) => l.leadId));
    return (row) => {
      const id = row[idField];
      return id !== undefined && known.has(id) ? id : undefined;
    };
  }
  const { columns } = batchCsv(leads);
  const key = (get: (c: string) => string) => JSON.stringify(columns.map(get));
  // Identical rows are interchangeable: each result row takes the next lead with those values.
  const queues = new Map<string, string[]>();
  for (const l of leads) {
    const k = key((c) => l.row[c] ?? "");
    const q = queues.get(k);
    if (q) q.push(l.leadId);
    else queues.set(k, [l.leadId]);
  }
  return (row) => queues.get(key((c) => row[c] ?? ""))?.shift();
}

/** An ended job's result rows, and how to find each row's lead. */
export interface ResultRows {
  ok: Record<string, string>[];
  bad: Record<string, string>[];
  matcher: (row: Record<string, string>) => string | undefined;
}

/**
 * Settles every lead of the batch from its own result row: created, failed (with the parsed
 * `sf__Error`), or unprocessed when the job ended before its row. A row that matches no lead,
 * or a lead already settled, is counted, never guessed.
 */
export function settleRows(info: JobInfo & { state: "JobComplete" | "Failed" | "Aborted" }, leads: BulkLead[], rows: ResultRows, polls: number): BulkJobResult {
  const ended = info.state;
  const settled = new Map<string, LeadSettlement>();
  let unmatched = 0;
  for (const row of rows.ok) {
    const leadId = rows.matcher(row);
    if (leadId === undefined || settled.has(leadId)) {
      unmatched++;
      continue;
    }
    settled.set(leadId, { leadId, outcome: "created", salesforceId: row["sf__Id"] ?? "", created: (row["sf__Created"] ?? "true").toLowerCase() === "true" });
  }
  for (const row of rows.bad) {
    const leadId = rows.matcher(row);
    if (leadId === undefined || settled.has(leadId)) {
      unmatched++;
      continue;
    }
    const e = parseSfError(row["sf__Error"] ?? "");
    settled.set(leadId, {
      leadId,
      outcome: "failed",
      reason: e.reason || "failed without an error message",
      ...(e.code ? { code: e.code } : {}),
      ...(e.fields.length ? { fields: e.fields } : {}),
    });
  }
  const why = info.errorMessage ? `job ${ended}: ${info.errorMessage}` : `job ${ended} before this row was processed`;
  const settlements = leads.map((l) => settled.get(l.leadId) ?? { leadId: l.leadId, outcome: "unprocessed" as const, reason: why });
  return {
    state: ended,
    jobId: info.id,
    polls,
    ...(info.errorMessage ? { errorMessage: info.errorMessage } : {}),
    settlements,
    unmatchedRows: unmatched,
  };
}
