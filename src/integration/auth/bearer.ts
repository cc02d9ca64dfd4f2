import type { AuthScheme } from "./common";
import { requireSecret, withHeader } from "./common";

/** A static bearer token (e.g. a HubSpot private app token). */
export const bearer: AuthScheme<"bearer"> = {
  async apply(req, auth, ctx) {
    return withHeader(req, "Authorization", `Bearer ${requireSecret(auth.token, ctx, "auth.token")}`);
  },
};
