import { z } from "zod";
// PLACEHOLDER — owned by the integration-engine helper, who replaces it.
export const MappingConfigSchema = z.object({}).passthrough();
export type MappingConfig = z.infer<typeof MappingConfigSchema>;
