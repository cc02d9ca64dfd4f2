import { z } from "@hono/zod-openapi";
import type { FieldIssue } from "../core/errors";
import { formatPath } from "../core/errors";
import type { NormalizedLead } from "../core/lead";
import { type NormalizeOptions, normalizeLead } from "./normalize";
import { LeadInputSchema } from "./schema";

/**
 * What a source may ping with: the lead schema without the fields that identify a person (name,
 * e-mail, phones, street, date of birth, IP address, browser), derived from the intake schema so
 * both always validate the same fields the same way. City is optional in a ping.
 */
export const PingInputSchema = LeadInputSchema.omit({
  first_name: true,
  last_name: true,
  email: true,
  phone: true,
  phone_secondary: true,
  dob: true,
  ip_address: true,
  user_agent: true,
})
  .extend({
    address: LeadInputSchema.shape.address.omit({ street: true }).extend({ city: LeadInputSchema.shape.address.shape.city.optional() }),
  })
  .strict()
  .openapi("PingInput");
export type PingInput = z.infer<typeof PingInputSchema>;

/** A post: the full lead for a ping, and in shared mode the bids the source takes. */
export const PostInputSchema = z
  .object({
    ping_id: z.string().min(1).max(64),
    bid_ids: z.array(z.string().min(1).max(64)).min(1).max(10).optional().openapi({ description: "Shared mode: the bids (from the ping's answer) to sell to" }),
    lead: z.unknown().openapi({ description: "The full lead (LeadInput), which must agree with what was pinged" }),
  })
  .strict()
  .openapi("PostInput");

/** Stand-ins for the identifying fields, so a ping is normalized by exactly the lead's normalizers. */
const STAND_INS = { first_name: "-", last_name: "-", email: "ping@example.com", phone: "2125550100" } as const;

/** The pinged values a post must repeat, by path (`vertical`, `address.zip`, `fields.loan_amount` …). */
export type PingData = Record<string, string | number | boolean | null>;

function flatten(obj: Record<string, unknown>, prefix: string, out: PingData): void {
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) flatten(v as Record<string, unknown>, path, out);
    else if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[path] = v;
  }
}

export type PingNormalized = { ok: true; lead: NormalizedLead; data: PingData } | { ok: false; issues: FieldIssue[] };

/**
 * Validates and normalizes a source's ping like a lead (every field's path and reason on a
 * 400), then removes what a ping must not hold: the result has no name, e-mail, phone, street
 * or date of birth. `data` is every value the ping carried, normalized: what the post must repeat.
 */
export function normalizePing(raw: unknown, opts: NormalizeOptions): PingNormalized {
  const parsed = PingInputSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  const input = parsed.data;
  const r = normalizeLead({ ...input, ...STAND_INS, address: { ...input.address, street: "-", city: input.address.city ?? "-" } }, opts);
  if (!r.ok) return { ok: false, issues: r.issues };
  const lead: NormalizedLead = {
    ...r.lead,
    first_name: "",
    last_name: "",
    email: "",
    phone: "",
    phone_national: "",
    address: { ...r.lead.address, street: "", city: input.address.city === undefined ? "" : r.lead.address.city },
  };
  const data: PingData = {};
  const pinged: Record<string, unknown> = {
    vertical: lead.vertical,
    address: { state: lead.address.state, zip: lead.address.zip, ...(lead.address.zip4 ? { zip4: lead.address.zip4 } : {}) },
    fields: lead.fields,
    consent: lead.consent,
  };
  if (input.address.city !== undefined) (pinged.address as Record<string, unknown>).city = lead.address.city;
  if (lead.homeowner !== undefined) pinged.homeowner = lead.homeowner;
  if (lead.external_id !== undefined) pinged.external_id = lead.external_id;
  if (lead.test) pinged.test = true;
  flatten(pinged, "", data);
  return { ok: true, lead, data };
}

function valueAt(lead: NormalizedLead, path: string): unknown {
  let cur: unknown = lead;
  for (const seg of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Where a post's lead does not agree with its ping: one issue per field, naming what was pinged. */
export function postMismatches(data: PingData, lead: NormalizedLead): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const [path, pinged] of Object.entries(data)) {
    const posted = valueAt(lead, path) ?? (path === "test" ? false : undefined);
    if (posted === pinged) continue;
    out.push({
      path,
      message: `does not match the ping: pinged ${JSON.stringify(pinged)}, posted ${posted === undefined ? "nothing" : JSON.stringify(posted)}`,
    });
  }
  return out;
}
