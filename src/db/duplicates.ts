import { and, eq, ne } from "drizzle-orm";
import type { NormalizedLead } from "../core/lead";
import { type DbEnv, leadDbs, schema } from "./client";
import { leadHashes } from "./lead-data";

const H = schema.leadHashes;

/**
 * Earlier leads of the same vertical with the same normalized phone or e-mail, found by their
 * SHA-256 hashes alone — so they are found also after retention removed the personal data.
 * (Duplicate suppression, a later issue, decides what to do with them.)
 */
export async function findDuplicateLeads(
  env: DbEnv,
  lead: Pick<NormalizedLead, "id" | "phone" | "email" | "vertical">,
): Promise<{ leadId: string; kind: string }[]> {
  const out: { leadId: string; kind: string }[] = [];
  for (const h of await leadHashes(lead)) {
    for (const d of leadDbs(env)) {
      const rows = await d
        .select({ leadId: H.leadId, kind: H.kind })
        .from(H)
        .where(and(eq(H.vertical, lead.vertical), eq(H.kind, h.kind), eq(H.hash, h.hash), ne(H.leadId, lead.id)))
        .limit(100);
      out.push(...rows);
    }
  }
  return out;
}
