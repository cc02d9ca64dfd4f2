import { splitName } from "./name-parts";
import type { ComputedFunction } from "./types";

/** Surname (with suffix) from a full name. */
export const last_name: ComputedFunction = {
  name: "last_name",
  description: "Last name from a full name (args: full name)",
  output: "string",
  minArgs: 1,
  fn: ([full]) => splitName(full)?.last,
};
