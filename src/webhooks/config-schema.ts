import { z } from "zod";
// PLACEHOLDER — owned by the webhooks helper, who replaces it.
export const WebhookConfigSchema = z.object({}).passthrough();
export type WebhookConfig = z.infer<typeof WebhookConfigSchema>;
