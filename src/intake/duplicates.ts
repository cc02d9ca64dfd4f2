import { ApiError } from "../core/errors";
import type { NormalizedLead } from "../core/lead";
import type { SaleTerms } from "../core/sale-terms";
import { earlierLeads, lookupHashes } from "../db/dedupe";

const DAY_MS = 86_400_000;

/** "3 minutes", "5 hours", "2 days": how long ago, in the largest whole unit. */
export function ageText(ms: number): string {
  const units: [number, string][] = [
    [DAY_MS, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? "" : "s"}`;
  }
  return "less than a minute";
}

/**
 * A source whose terms refuse duplicates gets a 409 for a lead whose phone or e-mail this
 * vertical already received — from any source — within its window, naming the field and the
 * earlier lead's age. A repeat of the source's own lead (same external id or idempotency key)
 * is not a duplicate: intake answers it with the original. Matched on hashes only (keyed, and
 * the legacy plain ones of leads stored before the key), so leads whose personal data was purged
 * still count.
 */
export async function refuseKnownDuplicate(
  env: Env,
  terms: SaleTerms | undefined,
  sourceId: string,
  lead: NormalizedLead,
  idempotencyKey: string | undefined,
  nowMs: number,
): Promise<void> {
  const days = terms?.rejectDuplicatesDays;
  if (days === undefined) return;
  const earlier = await earlierLeads(env, lead.vertical, await lookupHashes(env, lead), nowMs - days * DAY_MS);
  const dup = earlier.find(
    (e) =>
      !(
        e.sourceId === sourceId &&
        ((lead.external_id !== undefined && e.externalId === lead.external_id) || (idempotencyKey !== undefined && e.idempotencyKey === idempotencyKey))
      ),
  );
  if (!dup) return;
  const age = ageText(Math.max(0, nowMs - dup.receivedAtMs));
  throw new ApiError("conflict", `Duplicate lead: a lead with the same ${dup.kind} was received ${age} ago.`, [
    { path: dup.kind, message: `already received ${age} ago (this source refuses duplicates within ${days} days)` },
  ]);
}
