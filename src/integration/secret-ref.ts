import { z } from "zod";

/**
 * A secret is never written in a buyer file: it is referenced by the name of a Worker
 * secret (`wrangler secret put NAME`) and resolved at send time. A leaf module (imports only
 * zod) so every sub-schema can use it without an import cycle through config.ts.
 */
export const SecretRefSchema = z.object({ secret: z.string().regex(/^[A-Z][A-Z0-9_]*$/, "secret names are UPPER_SNAKE_CASE") }).strict();
export type SecretRef = z.infer<typeof SecretRefSchema>;
