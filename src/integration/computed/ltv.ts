import { roundTo, toNumber } from "../mapping/formatters";
import type { ComputedFunction } from "./types";

/** Loan-to-value in percent: loan amount / property value × 100 (options.decimals, default 2). */
export const ltv: ComputedFunction = {
  name: "ltv",
  description: "Loan-to-value percent (args: loan amount, property value; options: decimals)",
  output: "number",
  minArgs: 2,
  fn([loan, value], options) {
    const l = toNumber(loan);
    const v = toNumber(value);
    if (l === undefined || v === undefined || v <= 0 || l < 0) return undefined;
    const decimals = typeof options.decimals === "number" ? options.decimals : 2;
    return roundTo((l / v) * 100, decimals);
  },
};
