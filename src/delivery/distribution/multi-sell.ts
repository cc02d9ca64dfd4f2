import type { Distribution } from "../../core/distribution";
import type { SaleTerms } from "../../core/sale-terms";

/**
 * `multi_sell`: the lead is sold to up to `maxBuyers` buyers, each its own delivery with its own
 * idempotency key — the shared mode ping/post already has (issue 12), for direct-post
 * waterfalls too. A source whose own terms already say shared keeps its number of buyers.
 */
export function multiSellTerms(terms: SaleTerms, distribution: Distribution): SaleTerms {
  if (distribution.method !== "multi_sell" || terms.mode === "shared") return terms;
  return { ...terms, mode: "shared", maxBuyers: distribution.maxBuyers };
}
