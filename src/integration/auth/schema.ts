import { z } from "zod";
// PLACEHOLDER — owned by the auth/response helper, who replaces it.
export const AuthConfigSchema = z.object({ type: z.string() }).passthrough();
export type AuthConfig = z.infer<typeof AuthConfigSchema>;
