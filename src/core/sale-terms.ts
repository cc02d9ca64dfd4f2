import { z } from "zod";
import { DistributionSchema } from "./distribution";

/**
 * What a source is paid for a lead sold: the price minus a fixed margin, or a share of it.
 * `{"type": "margin", "amount": 5}` pays $35 of a $40 sale; `{"type": "share", "percent": 80}` pays $32.
 */
export const PayoutRuleSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("margin"), amount: z.number().nonnegative() }).strict(),
  z.object({ type: z.literal("share"), percent: z.number().gt(0).max(100) }).strict(),
]);
export type PayoutRule = z.infer<typeof PayoutRuleSchema>;

/**
 * A source's terms of sale (ping/post, issue 12), set through the admin sources API:
 * exclusive or shared to up to `maxBuyers`, how it is paid, how long its pings' offers hold and
 * how long an auction may take, and whether leads already received (from any source) are refused.
 */
export const SaleTermsSchema = z
  .object({
    mode: z.enum(["exclusive", "shared"]).default("exclusive"),
    /** Shared mode: the most buyers one lead is sold to (the top bids). */
    maxBuyers: z.number().int().min(1).max(10).default(1),
    payout: PayoutRuleSchema.optional(),
    /** How long the auction waits for bids (ms). */
    auctionDeadlineMs: z.number().int().min(100).max(10_000).default(1500),
    /** How long a ping's offer holds at most (the top bid's own expiry may end it sooner). */
    pingTtlSeconds: z.number().int().min(5).max(3600).default(60),
    /** Refuse a lead whose phone or e-mail this vertical already received from any source within N days (409). */
    rejectDuplicatesDays: z.number().int().positive().max(365).optional(),
    /** Routing (issue 13): this source's distribution method, instead of its verticals' (config/routing.json). */
    distribution: DistributionSchema.optional(),
  })
  .strict()
  .refine((t) => t.mode === "shared" || t.maxBuyers === 1, { message: 'maxBuyers above 1 needs mode "shared"', path: ["maxBuyers"] });
export type SaleTerms = z.infer<typeof SaleTermsSchema>;
export type SaleTermsInput = z.input<typeof SaleTermsSchema>;

/** The terms a source has when none were set. */
export const DEFAULT_SALE_TERMS: SaleTerms = SaleTermsSchema.parse({});

/** Terms read from storage (JSON, or null for the defaults); a stored value that no longer parses falls back to the defaults. */
export function parseSaleTerms(stored: string | null | undefined): SaleTerms {
  if (!stored) return DEFAULT_SALE_TERMS;
  try {
    const r = SaleTermsSchema.safeParse(JSON.parse(stored));
    return r.success ? r.data : DEFAULT_SALE_TERMS;
  } catch {
    return DEFAULT_SALE_TERMS;
  }
}

/** Cents, so sums of payouts do not drift. */
function money(n: number): number {
  return Math.round(n * 100) / 100;
}

/** What the source is paid for a sale at `price` (undefined when it has no payout rule). */
export function payoutFor(rule: PayoutRule | undefined, price: number): number | undefined {
  if (!rule) return undefined;
  return rule.type === "margin" ? money(Math.max(0, price - rule.amount)) : money((price * rule.percent) / 100);
}
