import { apiKey } from "./api-key";
import { basic } from "./basic";
import { bearer } from "./bearer";
import type { AuthScheme } from "./common";
import { hmac } from "./hmac";
import { loginToken } from "./login-token";
import { none } from "./none";
import { oauth2ClientCredentials } from "./oauth2-client-credentials";
import { oauth2RefreshToken } from "./oauth2-refresh-token";
import type { AuthType } from "./schema";

/** Every scheme by its `type`; the mapped type makes a scheme missing here a compile error. */
export const AUTH_SCHEMES: { readonly [K in AuthType]: AuthScheme<K> } = {
  none,
  api_key: apiKey,
  basic,
  bearer,
  oauth2_client_credentials: oauth2ClientCredentials,
  oauth2_refresh_token: oauth2RefreshToken,
  hmac,
  login_token: loginToken,
};
