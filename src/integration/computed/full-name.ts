import type { ComputedFunction } from "./types";

/** Joins name parts that are present (options.separator, default a space). */
export const full_name: ComputedFunction = {
  name: "full_name",
  description: "Join name parts (args: first, last, …; options: separator)",
  output: "string",
  minArgs: 1,
  fn(args, options) {
    const sep = typeof options.separator === "string" ? options.separator : " ";
    const parts = args.filter((a): a is string => typeof a === "string" && a.trim() !== "").map((a) => a.trim());
    return parts.length ? parts.join(sep) : undefined;
  },
};
