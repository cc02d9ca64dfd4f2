import { z } from "zod";
// PLACEHOLDER — owned by the integration-engine helper, who replaces it.
export const FormatConfigSchema = z.object({ type: z.string() }).passthrough();
export type FormatConfig = z.infer<typeof FormatConfigSchema>;
