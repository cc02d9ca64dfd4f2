import { z } from "zod";
// PLACEHOLDER — owned by the integration-engine helper, who replaces it.
export const SpecSchema = z.object({}).passthrough();
export type Spec = z.infer<typeof SpecSchema>;
