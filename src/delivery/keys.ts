/**
 * The Idempotency-Key sent with every delivery of a lead to a buyer: stable per (lead, buyer),
 * so a retry after an ambiguous timeout carries the same key and the buyer can drop it.
 */
export function idempotencyKeyFor(leadId: string, buyerId: string): string {
  return `lw-${leadId}-${buyerId}`;
}
