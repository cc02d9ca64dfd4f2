import type { AuthScheme } from "./common";
import { requireSecret, withHeader } from "./common";

/** A static key in a header (`X-API-Key: …`) or a query parameter (`?api_key=…`). */
export const apiKey: AuthScheme<"api_key"> = {
  async apply(req, auth, ctx) {
    const key = requireSecret(auth.value, ctx, "auth.value");
    if (auth.in === "header") return withHeader(req, auth.name, key);
    const url = new URL(req.url);
    // set, not append: a key already in the configured URL must not be sent twice.
    url.searchParams.set(auth.name, key);
    return { ...req, url: url.toString() };
  },
};
