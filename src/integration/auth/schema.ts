import { z } from "zod";
import { SecretRefSchema } from "../secret-ref";
import { SelectorSchema } from "../selector-schema";

const SecretRef = SecretRefSchema;
const StringOrSecret = z.union([z.string().min(1), SecretRef]);

/**
 * Client certificate (mTLS, issue 16): the name of a Workers `mtls_certificates` binding in
 * wrangler.toml. Every request to the buyer — the delivery, a token call, the probe — then goes
 * through that binding's `fetch`, which presents the certificate. Any scheme may add it.
 */
const clientCertificate = {
  mtlsCertificate: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, "a binding name as declared in wrangler.toml [[mtls_certificates]], e.g. ACME_MTLS")
    .optional(),
};

export const NoAuthSchema = z.object({ type: z.literal("none"), ...clientCertificate }).strict();

export const ApiKeyAuthSchema = z
  .object({
    type: z.literal("api_key"),
    ...clientCertificate,
    in: z.enum(["header", "query"]).default("header"),
    /** Header or query parameter name, e.g. `X-API-Key` or `api_key`. */
    name: z.string().min(1),
    value: SecretRef,
  })
  .strict();

export const BasicAuthSchema = z.object({ type: z.literal("basic"), username: StringOrSecret, password: SecretRef, ...clientCertificate }).strict();

export const BearerAuthSchema = z.object({ type: z.literal("bearer"), token: SecretRef, ...clientCertificate }).strict();

const skew = z.number().int().min(0).max(3600).default(60);

/**
 * Salesforce: send each request to the `instance_url` of the token answer (where the org lives
 * now), keeping the endpoint's path from `/services/` on. Without an `instance_url` in the
 * answer the endpoint URL is used as written.
 */
const instanceUrl = z.boolean().default(false);

export const OAuth2ClientCredentialsSchema = z
  .object({
    type: z.literal("oauth2_client_credentials"),
    ...clientCertificate,
    tokenUrl: z.string().min(1),
    clientId: StringOrSecret,
    clientSecret: SecretRef,
    scope: z.string().optional(),
    audience: z.string().optional(),
    /** basic: client id/secret in an Authorization: Basic header (RFC 6749 §2.3.1); body: as form fields. */
    authStyle: z.enum(["body", "basic"]).default("basic"),
    /** The token is refreshed this long before it expires. */
    refreshSkewSeconds: skew,
    /** Lifetime assumed when the token response has no `expires_in` (Salesforce omits it). */
    defaultTtlSeconds: z.number().int().positive().default(3600),
    instanceUrl,
  })
  .strict();

export const OAuth2RefreshTokenSchema = z
  .object({
    type: z.literal("oauth2_refresh_token"),
    ...clientCertificate,
    tokenUrl: z.string().min(1),
    clientId: StringOrSecret,
    clientSecret: SecretRef.optional(),
    refreshToken: SecretRef,
    scope: z.string().optional(),
    authStyle: z.enum(["body", "basic"]).default("body"),
    refreshSkewSeconds: skew,
    defaultTtlSeconds: z.number().int().positive().default(3600),
    instanceUrl,
  })
  .strict();

/** Placeholders allowed in an HMAC content template. */
export const HMAC_PLACEHOLDERS = ["method", "path", "url", "query", "timestamp", "body"] as const;

export const HmacAuthSchema = z
  .object({
    type: z.literal("hmac"),
    ...clientCertificate,
    secret: SecretRef,
    header: z.string().min(1).default("X-Signature"),
    algorithm: z.enum(["sha256", "sha512"]).default("sha256"),
    encoding: z.enum(["hex", "base64"]).default("hex"),
    /**
     * What is signed: `body`, `timestamp.body` (`{timestamp}.{body}`), or a template with
     * `{method}` `{path}` (path + query) `{url}` `{query}` `{timestamp}` `{body}`, e.g.
     * `{method}\n{path}\n{timestamp}\n{body}`.
     */
    content: z.string().min(1).default("body"),
    /** Header carrying the timestamp the signature covers. */
    timestampHeader: z.string().min(1).optional(),
    timestampUnit: z.enum(["s", "ms"]).default("s"),
    /** Put before the digest, e.g. `sha256=`. */
    prefix: z.string().default(""),
  })
  .strict()
  .refine(
    (h) => {
      for (const m of h.content.matchAll(/\{(\w+)\}/g)) if (!(HMAC_PLACEHOLDERS as readonly string[]).includes(m[1] ?? "")) return false;
      return true;
    },
    { message: `content placeholders: ${HMAC_PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}`, path: ["content"] },
  )
  .refine((h) => !(h.content === "timestamp.body" || h.content.includes("{timestamp}")) || h.timestampHeader !== undefined, {
    message: "a signature over the timestamp needs `timestampHeader` so the buyer can verify it",
    path: ["timestampHeader"],
  });

export const LoginTokenSchema = z
  .object({
    type: z.literal("login_token"),
    ...clientCertificate,
    loginUrl: z.string().min(1),
    username: StringOrSecret,
    password: SecretRef,
    /** How the credentials are posted. */
    loginFormat: z.enum(["json", "form"]).default("json"),
    usernameField: z.string().min(1).default("username"),
    passwordField: z.string().min(1).default("password"),
    /** Where the token is in the login response: a JSON path string or any selector. */
    tokenPath: z.union([z.string().min(1), SelectorSchema]),
    /** Where the lifetime (seconds) is, when the login response says; otherwise `ttlSeconds`. */
    expiresInPath: z.string().min(1).optional(),
    header: z.string().min(1).default("Authorization"),
    /** Put before the token in the header; "" sends the bare token. */
    scheme: z.string().default("Bearer"),
    ttlSeconds: z.number().int().positive().default(3600),
    refreshSkewSeconds: skew,
  })
  .strict();

export const AuthConfigSchema = z.discriminatedUnion("type", [
  NoAuthSchema,
  ApiKeyAuthSchema,
  BasicAuthSchema,
  BearerAuthSchema,
  OAuth2ClientCredentialsSchema,
  OAuth2RefreshTokenSchema,
  HmacAuthSchema,
  LoginTokenSchema,
]);
export type AuthConfig = z.infer<typeof AuthConfigSchema>;
export type AuthConfigInput = z.input<typeof AuthConfigSchema>;
export type AuthType = AuthConfig["type"];
/** The config of one scheme. */
export type AuthOf<T extends AuthType> = Extract<AuthConfig, { type: T }>;
