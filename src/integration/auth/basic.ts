import type { AuthScheme } from "./common";
import { basicCredential, requireSecret, stringOrSecret, tryStringOrSecret, withHeader } from "./common";

/** HTTP Basic (RFC 7617), UTF-8 credentials. */
export const basic: AuthScheme<"basic"> = {
  async apply(req, auth, ctx) {
    const user = stringOrSecret(auth.username, ctx, "auth.username");
    const pass = requireSecret(auth.password, ctx, "auth.password");
    return withHeader(req, "Authorization", basicCredential(user, pass));
  },
  // The header carries base64(user:pass), which masking the raw password would not catch.
  derivedSecrets(auth, ctx) {
    const user = tryStringOrSecret(auth.username, ctx);
    const pass = tryStringOrSecret(auth.password, ctx);
    if (user === undefined || pass === undefined) return [];
    const cred = basicCredential(user, pass);
    return [cred.slice("Basic ".length)];
  },
};
