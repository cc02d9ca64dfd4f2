import { z } from "zod";

/**
 * Where alerts go: a webhook per target, Slack-compatible or PagerDuty Events v2, signed with
 * Standard Webhooks (`whsec_…`), at an escalation level (0 at once, 1 after 15 minutes
 * unacknowledged, 2 after an hour). Kept as one secret (`ALERT_TARGETS`, a JSON array): the
 * URLs of incoming webhooks and routing keys are credentials.
 *
 * A module of its own so that settings.ts (read by every isolate) does not load the schema
 * library when it starts: the Worker installs this parser only when ALERT_TARGETS is set
 * (src/index.ts, `useAlertTargetParser`).
 */
export const AlertTargetSchema = z
  .object({
    name: z.string().regex(/^[\w-]{1,40}$/, "letters, digits, _ and -, at most 40"),
    url: z.url({ protocol: /^https?$/ }),
    format: z.enum(["slack", "pagerduty"]),
    level: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
    signingSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, "a Standard Webhooks secret: whsec_ + base64"),
    routingKey: z.string().min(1).optional(),
  })
  .strict()
  .refine((t) => t.format !== "pagerduty" || t.routingKey !== undefined, { message: "a pagerduty target needs its routingKey", path: ["routingKey"] });

export type AlertTarget = z.infer<typeof AlertTargetSchema>;

let listSchema: z.ZodArray<typeof AlertTargetSchema> | undefined;

/**
 * Checks the parsed JSON of ALERT_TARGETS: the targets, or one message per problem naming the
 * target's index and field (`[0.routingKey] …`). Pass it to `useAlertTargetParser`.
 */
export function parseAlertTargetList(json: unknown): { targets: AlertTarget[] } | { problems: string[] } {
  listSchema ??= z.array(AlertTargetSchema);
  const parsed = listSchema.safeParse(json);
  if (parsed.success) return { targets: parsed.data };
  return { problems: parsed.error.issues.map((i) => `[${i.path.join(".")}] ${i.message}`) };
}
