import { splitStreet } from "./street-parts";
import type { ComputedFunction } from "./types";

/** Street line without its house number. */
export const street_name: ComputedFunction = {
  name: "street_name",
  description: "Street line without the house number (args: street)",
  output: "string",
  minArgs: 1,
  fn: ([street]) => splitStreet(street)?.name,
};
