import { splitName } from "./name-parts";
import type { ComputedFunction } from "./types";

/** Given name(s) from a full name. */
export const first_name: ComputedFunction = {
  name: "first_name",
  description: "First name(s) from a full name (args: full name)",
  output: "string",
  minArgs: 1,
  fn: ([full]) => splitName(full)?.first,
};
