import type { AuthScheme } from "./common";
import { requireSecret, stringOrSecret, tryStringOrSecret, withBearerToken } from "./common";
import { clientBasic, requestToken } from "./token-request";

/** OAuth 2.0 client credentials grant; the token is cached by the BuyerGate. */
export const oauth2ClientCredentials: AuthScheme<"oauth2_client_credentials"> = {
  async apply(req, auth, ctx, opts) {
    return withBearerToken(req, ctx, opts.forceRefresh, auth.instanceUrl);
  },
  async fetchToken(auth, ctx, fetchFn) {
    const clientId = stringOrSecret(auth.clientId, ctx, "auth.clientId");
    const clientSecret = requireSecret(auth.clientSecret, ctx, "auth.clientSecret");
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (auth.scope) form.set("scope", auth.scope);
    if (auth.audience) form.set("audience", auth.audience);
    const headers: Record<string, string> = {};
    if (auth.authStyle === "basic") headers.Authorization = clientBasic(clientId, clientSecret);
    else {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    }
    return requestToken(fetchFn, ctx, auth.tokenUrl, form, headers, auth.refreshSkewSeconds, auth.defaultTtlSeconds);
  },
  derivedSecrets(auth, ctx) {
    const id = tryStringOrSecret(auth.clientId, ctx);
    const secret = tryStringOrSecret(auth.clientSecret, ctx);
    return id !== undefined && secret !== undefined ? [clientBasic(id, secret).slice("Basic ".length)] : [];
  },
};
