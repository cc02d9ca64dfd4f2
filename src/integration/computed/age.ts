import { ageOn } from "../../core/values";
import type { ComputedFunction } from "./types";

/** Whole years from a date of birth (`YYYY-MM-DD…`) to now. */
export const age: ComputedFunction = {
  name: "age",
  description: "Age in whole years from a date of birth (args: dob)",
  output: "integer",
  minArgs: 1,
  fn([dob], _options, env) {
    if (typeof dob !== "string") return undefined;
    if (!/^\d{4}-\d{2}-\d{2}/.test(dob)) return undefined;
    const years = ageOn(dob.slice(0, 10), env.now());
    return years >= 0 && years < 130 ? years : undefined;
  },
};
