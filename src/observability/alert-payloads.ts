/**
 * The bodies an alert target receives, pure: Slack-compatible (an incoming webhook's `text`
 * and `blocks`) and PagerDuty Events API v2 (`routing_key`, `event_action`, `dedup_key`,
 * `payload`). Both carry the alert id, so a receiver can tie a resolve to its trigger.
 */
import type { Severity } from "./alert-rules";

export type AlertEvent = "trigger" | "escalate" | "acknowledge" | "resolve";

export interface AlertView {
  id: string;
  kind: string;
  subject: string;
  buyerId: string | null;
  severity: Severity;
  message: string;
  level: number;
  createdAt: string;
  resolvedAt: string | null;
  ackedAt: string | null;
}

const EMOJI: Record<AlertEvent, string> = { trigger: ":rotating_light:", escalate: ":arrow_double_up:", acknowledge: ":eyes:", resolve: ":white_check_mark:" };
const VERB: Record<AlertEvent, string> = { trigger: "Alert", escalate: "Escalated", acknowledge: "Acknowledged", resolve: "Resolved" };

function link(base: string | undefined, a: AlertView): string | undefined {
  return base ? `${base.replace(/\/$/, "")}/dashboard?view=operations#alert-${a.id}` : undefined;
}

/** A Slack incoming-webhook body (also read by Mattermost, Rocket.Chat, Discord's /slack endpoint). */
export function slackBody(a: AlertView, event: AlertEvent, dashboardUrl?: string) {
  const url = link(dashboardUrl, a);
  const title = `${EMOJI[event]} ${VERB[event]} [${a.severity}] ${a.kind}${a.subject ? ` · ${a.subject}` : ""}${event === "escalate" ? ` (level ${a.level + 1})` : ""}`;
  const text = `${title}\n${a.message}`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${title}*\n${a.message}` } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `alert \`${a.id}\` · opened ${a.createdAt}${a.resolvedAt ? ` · resolved ${a.resolvedAt}` : ""}${url ? ` · <${url}|dashboard>` : ""}`,
          },
        ],
      },
    ],
  };
}

/** A PagerDuty Events API v2 body; `dedup_key` is the alert id, so resolve and acknowledge find the incident. */
export function pagerDutyBody(a: AlertView, event: AlertEvent, routingKey: string, dashboardUrl?: string) {
  const action = event === "resolve" ? "resolve" : event === "acknowledge" ? "acknowledge" : "trigger";
  const url = link(dashboardUrl, a);
  if (action !== "trigger") return { routing_key: routingKey, event_action: action, dedup_key: a.id };
  return {
    routing_key: routingKey,
    event_action: action,
    dedup_key: a.id,
    payload: {
      summary: `${a.kind}${a.subject ? ` ${a.subject}` : ""}: ${a.message}`.slice(0, 1024),
      source: "leadwire",
      severity: a.severity,
      timestamp: a.createdAt,
      component: a.buyerId ?? (a.subject || "platform"),
      group: a.buyerId ? "buyer" : a.subject ? "source" : "platform",
      class: a.kind,
      custom_details: { alert_id: a.id, level: a.level, message: a.message },
    },
    ...(url ? { links: [{ href: url, text: "Leadwire dashboard" }] } : {}),
  };
}
