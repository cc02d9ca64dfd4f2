import type { ComputedFunction } from "./types";

/** Whole years from a date of birth (`YYYY-MM-DD…`) to now. */
export const age: ComputedFunction = {
  name: "age",
  description: "Age in whole years from a date of birth (args: dob)",
  output: "integer",
  minArgs: 1,
  fn([dob], _options, env) {
    if (typeof dob !== "string") return undefined;
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(dob);
    if (!m) return undefined;
    const y = Number(m[1]),
      mo = Number(m[2]),
      d = Number(m[3]);
    const now = new Date(env.now());
    let years = now.getUTCFullYear() - y;
    const nm = now.getUTCMonth() + 1;
    if (nm < mo || (nm === mo && now.getUTCDate() < d)) years--;
    return years >= 0 && years < 130 ? years : undefined;
  },
};
