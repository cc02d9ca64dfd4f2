import { AuthError } from "../errors";
import { asSelector, parseBody, select } from "../extract";
import { resolveVars } from "../vars";
import type { AuthScheme } from "./common";
import { requireSecret, stringOrSecret, tokenFrom, withHeader } from "./common";
import { expiryAt, seconds, send } from "./token-request";

/** Custom login-then-token: POST credentials to a login URL, send the returned token on each lead. */
export const loginToken: AuthScheme<"login_token"> = {
  async apply(req, auth, ctx, opts) {
    const token = await tokenFrom(ctx, opts.forceRefresh, "auth");
    return withHeader(req, auth.header, auth.scheme ? `${auth.scheme} ${token}` : token);
  },
  async fetchToken(auth, ctx, fetchFn) {
    const username = stringOrSecret(auth.username, ctx, "auth.username");
    const password = requireSecret(auth.password, ctx, "auth.password");
    const creds = { [auth.usernameField]: username, [auth.passwordField]: password };
    const isJson = auth.loginFormat === "json";
    const { status, text } = await send(
      fetchFn,
      resolveVars(auth.loginUrl, ctx.vars, "auth.loginUrl"),
      {
        method: "POST",
        headers: {
          "Content-Type": isJson ? "application/json" : "application/x-www-form-urlencoded",
          Accept: "application/json, application/xml;q=0.9, */*;q=0.8",
        },
        body: isJson ? JSON.stringify(creds) : new URLSearchParams(creds).toString(),
      },
      "login request",
    );
    const body = parseBody(text);
    const token = select(body, asSelector(auth.tokenPath));
    if (token === undefined) throw new AuthError("login response has no token at tokenPath", status);
    const ttl = (auth.expiresInPath ? seconds(select(body, { jsonPath: auth.expiresInPath })) : undefined) ?? auth.ttlSeconds;
    return { accessToken: token, expiresAt: expiryAt(ctx.now(), ttl, auth.refreshSkewSeconds) };
  },
};
