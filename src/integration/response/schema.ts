import { z } from "zod";
// PLACEHOLDER — owned by the auth/response helper, who replaces it.
export const ResponseRulesSchema = z.object({}).passthrough();
export type ResponseRules = z.infer<typeof ResponseRulesSchema>;
