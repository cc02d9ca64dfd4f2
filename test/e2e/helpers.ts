/**
 * Small helpers shared by the e2e files: the sample data, source requests, bounded polling.
 * Everything here speaks real HTTP to a stack from ./harness.
 */
import { postedAt, sampleLines as recordedLines } from "../fixtures/sample";
import type { Stack } from "./harness";

export interface SampleLine {
  lead: Record<string, unknown>;
  valid: boolean;
  why: string;
}

/** The field each kind of invalid sample line is rejected on (as in test/unit/intake/sample.test.ts). */
export const EXPECTED_FIELD: Record<string, string> = {
  "email malformed": "email",
  "phone has 7 digits": "phone",
  "last_name missing": "last_name",
  "zip has 4 digits": "address.zip",
  "trustedform url not a TrustedForm certificate": "consent.trustedform_cert_url",
};

let cache: SampleLine[] | undefined;

/**
 * Every line of test/fixtures/leads-sample.jsonl as a source would post it now: the worker under
 * test reads the real clock, so consent times are moved to the same distance from now as they
 * had from the recording (see postedAt).
 */
export function sampleLines(): SampleLine[] {
  const now = Date.now();
  cache ??= recordedLines().map((l) => ({ ...l, lead: postedAt(l.lead, now) }));
  return cache;
}

/** The n-th valid sample lead of a vertical, with a fresh external_id so runs never collide. */
export function validLead(vertical: string, n = 0, tag = "e2e"): Record<string, unknown> {
  const hits = sampleLines().filter((l) => l.valid && l.lead["vertical"] === vertical);
  const line = hits[n];
  if (!line) throw new Error(`no valid ${vertical} lead #${n} in the sample`);
  return { ...line.lead, external_id: `${tag}-${vertical}-${n}-${Date.now()}` };
}

export interface LeadView {
  id: string;
  status: string;
  sold: { buyer: string; price: number | null; buyerLeadId: string | null } | null;
  reasons: unknown;
  lead: Record<string, unknown>;
  attempts: {
    id: string;
    buyer: string;
    attempt: number;
    statusCode: number | null;
    outcome: string;
    errorClass: string | null;
    reason: string | null;
    price: number | null;
    request: unknown;
    response: string | null;
  }[];
  timeline: { type: string; buyer: string | null; at: string; data: unknown }[];
  /** Revenue, source payout and margin from the lead's `sales` rows. */
  money?: { revenue: number | null; payout: number | null; margin: number | null; sales: number };
}

/** POST /v1/leads as the stack's source. */
export async function postLead(stack: Stack, lead: unknown, query = ""): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.baseUrl}/v1/leads${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.sourceKey}`, "content-type": "application/json" },
    body: JSON.stringify(lead),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** GET /v1/leads/:id with the operator's view (admin token); throws on anything but 200. */
export async function getLead(stack: Stack, id: string): Promise<{ view: LeadView; text: string }> {
  const res = await fetch(`${stack.baseUrl}/v1/leads/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /v1/leads/${id} answered ${res.status}: ${text}`);
  return { view: JSON.parse(text) as LeadView, text };
}

export const TERMINAL = new Set(["sold", "unsold", "expired"]);

/**
 * Polls GET /v1/leads/:id for every id until `done` holds for each, or the deadline passes.
 * Resolves with the last view of each lead either way: the caller asserts on what it got, so a
 * timeout fails with the statuses actually reached rather than a bare "timed out".
 */
export async function pollLeads(
  stack: Stack,
  ids: string[],
  done: (v: LeadView) => boolean,
  timeoutMs = 30_000,
): Promise<Map<string, { view: LeadView; text: string }>> {
  const last = new Map<string, { view: LeadView; text: string }>();
  const deadline = Date.now() + timeoutMs;
  let open = [...ids];
  while (open.length > 0) {
    const got = await Promise.all(open.map((id) => getLead(stack, id)));
    got.forEach((g, i) => {
      last.set(open[i] ?? g.view.id, g);
    });
    open = open.filter((id) => {
      const v = last.get(id)?.view;
      return !v || !done(v);
    });
    if (open.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}
