import { EmailMessage } from "cloudflare:email";
import { mappedColumns } from "../../integration/channels";
import type { BuyerConfig } from "../../integration/config";
import { type BuiltEmail, type EmailField, leadEmail } from "../../integration/email/mime";
import { ConfigError } from "../../integration/errors";
import type { OutboundRequest } from "../../integration/types";
import { archiveRequest, buildFailure, type Finish, type Taken } from "../attempt";
import type { GateParts } from "../parts";
import type { AttemptResult, ResolvedInput } from "../types";

/** The part of Cloudflare's `send_email` binding we use. */
interface Mailer {
  send(message: EmailMessage): Promise<unknown>;
}

/** The buyer's `send_email` binding; a ConfigError when the Worker has none by that name. */
export function mailerOf(env: Env, buyer: BuyerConfig): Mailer {
  const name = buyer.email?.binding ?? "SEND_EMAIL";
  const binding: unknown = (env as unknown as Record<string, unknown>)[name];
  if (binding === null || typeof binding !== "object" || typeof (binding as { send?: unknown }).send !== "function") {
    throw new ConfigError(`send_email binding ${name} is not bound to the Worker (declare it under [[send_email]] in wrangler.toml)`, "email.binding");
  }
  return binding as Mailer;
}

/** What one message came to: the recipients that took it and, for the others, why not. */
export interface Mailed {
  taken: string[];
  refused: { to: string; error: string }[];
}

/**
 * Sends one built message to each recipient (the binding takes one `to` per EmailMessage).
 * Never throws: a refusal is reported per recipient.
 */
export async function sendMail(mailer: Mailer, mail: BuiltEmail): Promise<Mailed> {
  const out: Mailed = { taken: [], refused: [] };
  for (const to of mail.to) {
    try {
      await mailer.send(new EmailMessage(mail.from, to, mail.raw));
      out.taken.push(to);
    } catch (err) {
      out.refused.push({ to, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

/** A refusal that says our config is wrong (sender or destination not allowed or verified) rather than a passing fault. */
export function refusalIsConfig(error: string): boolean {
  return /not allowed|not verified|unverified|destination|sender|invalid/i.test(error);
}

/**
 * The mail as the attempt records it: the envelope and the fields as text lines (masked like
 * any body before it is stored); the raw MIME goes only into the encrypted archive.
 */
export function mailRecord(mail: BuiltEmail, fields: EmailField[]): { request: OutboundRequest; exact: OutboundRequest } {
  const request: OutboundRequest = {
    method: "POST",
    url: `mailto:${mail.to.join(",")}`,
    headers: { From: mail.from, To: mail.to.join(", "), Subject: mail.subject, "Message-ID": mail.messageId },
    body: fields.map((f) => `${f.name}: ${f.value}`).join("\n"),
  };
  return { request, exact: { ...request, body: mail.raw } };
}

/**
 * One lead by e-mail (issue 16): map the lead to the buyer's columns, build the message (text
 * body and a one-row CSV, Message-ID from the delivery id so a retry is the same mail), and
 * hand it to the `send_email` binding. Accepted when the binding takes it — like any delivery,
 * the attempt is recorded, the cap slot committed, the circuit told.
 */
export async function mailLead(g: GateParts, input: ResolvedInput, taken: Taken, finish: Finish): Promise<AttemptResult> {
  const { buyer, lead } = input;
  const cfg = buyer.email;
  let mailer: Mailer;
  let mail: BuiltEmail;
  let fields: EmailField[];
  let warnings: AttemptResult["warnings"];
  try {
    if (!cfg) throw new ConfigError("the buyer has no email part", "email");
    mailer = mailerOf(g.env, buyer);
    ({ fields, warnings } = mappedColumns(buyer, lead, () => g.clock.now()));
    mail = leadEmail(cfg, fields, {
      leadId: lead.id,
      deliveryId: input.deliveryId,
      vertical: lead.vertical,
      nowMs: g.clock.now(),
      test: lead.test || input.sandbox === true,
    });
  } catch (err) {
    g.reservations.release(taken.reservationId);
    g.breaker.release(taken.permit);
    return finish({ ...buildFailure(err), sent: false, warnings: [] });
  }

  const sent = await sendMail(mailer, mail);
  const now = g.clock.now();
  const { request, exact } = mailRecord(mail, fields);
  const archive = await archiveRequest(g, exact);
  const billable = !(input.sandbox || lead.test);
  const record = { request, ...(archive ? { archive } : {}), warnings };

  if (sent.taken.length > 0) {
    if (billable) g.reservations.commit(taken.reservationId);
    else g.reservations.release(taken.reservationId);
    g.breaker.record(taken.permit, "success", buyer.circuit);
    g.meta.set("last_success_at", String(now));
    const missed = sent.refused.map((r) => `${r.to}: ${r.error}`).join("; ");
    return finish({ outcome: "accepted", ...(missed ? { reason: `not taken for ${missed}` } : {}), ...record, buyerLeadId: mail.messageId, sent: true });
  }
  // Nothing left: the slot goes back. A refused sender or destination is our config; anything else may pass.
  g.reservations.release(taken.reservationId);
  const why = sent.refused.map((r) => `${r.to}: ${r.error}`).join("; ");
  const config = sent.refused.every((r) => refusalIsConfig(r.error));
  g.breaker.record(taken.permit, config ? "neutral" : "failure", buyer.circuit);
  g.meta.set("last_failure_at", String(now));
  return finish({
    outcome: "failed",
    errorClass: config ? "config" : "transient",
    reason: `send_email refused the mail: ${why}`,
    ...record,
    sent: false,
  });
}
