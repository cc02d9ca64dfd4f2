import type { AuthScheme } from "./common";
import { requireSecret, stringOrSecret, tryStringOrSecret, withBearerToken } from "./common";
import { clientBasic, requestToken } from "./token-request";

/** OAuth 2.0 refresh-token grant (RFC 6749 §6), e.g. Salesforce or HubSpot OAuth apps. */
export const oauth2RefreshToken: AuthScheme<"oauth2_refresh_token"> = {
  async apply(req, auth, ctx, opts) {
    return withBearerToken(req, ctx, opts.forceRefresh, auth.instanceUrl);
  },
  async fetchToken(auth, ctx, fetchFn, opts) {
    const clientId = stringOrSecret(auth.clientId, ctx, "auth.clientId");
    const clientSecret = auth.clientSecret ? requireSecret(auth.clientSecret, ctx, "auth.clientSecret") : undefined;
    // A rotated refresh token held by the BuyerGate supersedes the configured one.
    const refreshToken = opts.refreshToken ?? requireSecret(auth.refreshToken, ctx, "auth.refreshToken");
    const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
    if (auth.scope) form.set("scope", auth.scope);
    const headers: Record<string, string> = {};
    if (clientSecret !== undefined && auth.authStyle === "basic") headers.Authorization = clientBasic(clientId, clientSecret);
    else {
      form.set("client_id", clientId);
      if (clientSecret !== undefined) form.set("client_secret", clientSecret);
    }
    return requestToken(fetchFn, ctx, auth.tokenUrl, form, headers, auth.refreshSkewSeconds, auth.defaultTtlSeconds);
  },
  derivedSecrets(auth, ctx) {
    const id = tryStringOrSecret(auth.clientId, ctx);
    const secret = tryStringOrSecret(auth.clientSecret, ctx);
    return id !== undefined && secret !== undefined ? [clientBasic(id, secret).slice("Basic ".length)] : [];
  },
};
