import type { AuthScheme } from "./common";

/** No credentials. */
export const none: AuthScheme<"none"> = {
  apply: async (req) => req,
};
