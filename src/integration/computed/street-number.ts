import { splitStreet } from "./street-parts";
import type { ComputedFunction } from "./types";

/** House number from a street line. */
export const street_number: ComputedFunction = {
  name: "street_number",
  description: "House number of a street line (args: street)",
  output: "string",
  minArgs: 1,
  fn: ([street]) => splitStreet(street)?.number,
};
