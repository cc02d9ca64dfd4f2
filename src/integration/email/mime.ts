/**
 * MIME messages for buyers that take leads by e-mail: one message per lead, or an hourly digest
 * with the leads as a CSV attachment. Built with mimetext (the library Cloudflare's Email Workers
 * documentation uses; its browser build writes CRLF line ends and needs no Node API). Pure: the
 * raw message is handed to the `send_email` binding by the caller (`new EmailMessage(from, to,
 * raw)`, one message per recipient).
 *
 * Every value that changes between runs comes in: the clock, the lead and delivery ids. The
 * Message-ID is derived from the delivery id, so a retried send carries the same id and the
 * buyer's mail system can drop the repeat.
 */
import { createMimeMessage, Mailbox } from "mimetext/browser";
import { z } from "zod";
import { base64Utf8 } from "../auth/common";
import { toCsv } from "../formats/serialize";

export { digestWindow } from "./window";

const Address = z.string().regex(/^[^\s@<>",]+@[^\s@<>",]+\.[^\s@<>",]+$/, "an e-mail address");

/** How a buyer takes leads by e-mail (a buyer config's `email`; sent by its BuyerGate). */
export const EmailDeliverySchema = z
  .object({
    /** The Worker's `send_email` binding the mail goes through (wrangler.toml `[[send_email]]`). */
    binding: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, "a send_email binding name as declared in wrangler.toml")
      .default("SEND_EMAIL"),
    /** A sender on a domain with Cloudflare Email Routing. */
    from: z.object({ addr: Address, name: z.string().min(1).optional() }).strict(),
    /** Verified destination addresses (Email Routing sends only to those). */
    to: z.array(Address).min(1).max(10),
    replyTo: Address.optional(),
    /** per_lead: one message per lead as it is delivered; digest: one CSV per window. */
    mode: z.enum(["per_lead", "digest"]).default("per_lead"),
    /** Digest window in minutes (hourly by default). */
    digestMinutes: z.number().int().min(5).max(1440).default(60),
    /** Put before the subject, e.g. the buyer's campaign code. */
    subjectPrefix: z.string().max(60).optional(),
  })
  .strict();
export type EmailDelivery = z.infer<typeof EmailDeliverySchema>;

/** A raw message and the envelope the `send_email` binding needs. */
export interface BuiltEmail {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  raw: string;
}

/** One mapped field, in the order the buyer's mapping lists them. */
export interface EmailField {
  name: string;
  value: string;
}

/** RFC 5322 date from the injected clock (mimetext's own would read the machine's). */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}

function messageIdFor(id: string, from: string): string {
  const domain = from.slice(from.lastIndexOf("@") + 1);
  return `<${id.replace(/[^A-Za-z0-9._-]/g, "-")}@${domain}>`;
}

/** Base64 wrapped at 76 characters per line, as RFC 2045 asks. */
function base64Lines(text: string): string {
  return (base64Utf8(text).match(/.{1,76}/g) ?? []).join("\r\n");
}

function subjectOf(cfg: EmailDelivery, text: string): string {
  // Header injection: a value with a line break must never start a new header.
  const clean = text.replace(/[\r\n]+/g, " ").trim();
  return cfg.subjectPrefix ? `${cfg.subjectPrefix.replace(/[\r\n]+/g, " ")} ${clean}` : clean;
}

function base(cfg: EmailDelivery, subject: string, messageId: string, nowMs: number) {
  const msg = createMimeMessage();
  msg.setSender(cfg.from.name ? { name: cfg.from.name, addr: cfg.from.addr } : { addr: cfg.from.addr });
  msg.setRecipient(cfg.to);
  msg.setSubject(subject);
  msg.setHeader("Date", rfc5322Date(nowMs));
  msg.setHeader("Message-ID", messageId);
  if (cfg.replyTo) msg.setHeader("Reply-To", new Mailbox(cfg.replyTo));
  return msg;
}

/**
 * One lead, one message: a plain-text body of `Name: value` lines in the mapping's order, the
 * same fields as a one-row CSV attachment (for the buyer's importer), and X-Leadwire headers
 * carrying our ids.
 */
export function leadEmail(
  cfg: EmailDelivery,
  fields: EmailField[],
  opts: { leadId: string; deliveryId: string; vertical: string; nowMs: number; test?: boolean },
): BuiltEmail {
  const subject = subjectOf(cfg, `${opts.test ? "[TEST] " : ""}New ${opts.vertical.replace(/_/g, " ")} lead ${opts.leadId}`);
  const messageId = messageIdFor(opts.deliveryId, cfg.from.addr);
  const msg = base(cfg, subject, messageId, opts.nowMs);
  msg.setHeader("X-Leadwire-Lead-Id", opts.leadId);
  msg.setHeader("X-Leadwire-Delivery-Id", opts.deliveryId);
  if (opts.test) msg.setHeader("X-Leadwire-Test", "true");
  const width = Math.max(0, ...fields.map((f) => f.name.length));
  const lines = fields.map((f) => `${`${f.name}:`.padEnd(width + 2)}${f.value.replace(/\r?\n/g, " ")}`);
  const text = [`A new lead from Leadwire (${opts.leadId}).`, "", ...lines, ""].join("\r\n");
  msg.addMessage({ contentType: "text/plain", charset: "UTF-8", encoding: "base64", data: base64Lines(text) });
  const row = Object.fromEntries(fields.map((f) => [f.name, f.value]));
  msg.addAttachment({
    filename: `${opts.leadId}.csv`,
    contentType: "text/csv; charset=UTF-8",
    encoding: "base64",
    data: base64Lines(toCsv([row], { header: true, delimiter: ",", columns: fields.map((f) => f.name) })),
  });
  return { from: cfg.from.addr, to: [...cfg.to], subject, messageId, raw: msg.asRaw() };
}

/**
 * The digest of one window: a short text body (how many leads, which window) and every lead as
 * one CSV row — one header of every column in first-seen order. The Message-ID comes from the
 * digest id (buyer + window), so a resent digest is recognisably the same message.
 */
export function digestEmail(
  cfg: EmailDelivery,
  rows: { leadId: string; fields: EmailField[] }[],
  opts: { digestId: string; windowStartMs: number; windowEndMs: number; nowMs: number },
): BuiltEmail {
  if (rows.length === 0) throw new Error("a digest needs at least one lead");
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  const window = `${iso(opts.windowStartMs)}–${iso(opts.windowEndMs).slice(11)} UTC`;
  const subject = subjectOf(cfg, `${rows.length} new lead${rows.length === 1 ? "" : "s"}, ${window}`);
  const messageId = messageIdFor(opts.digestId, cfg.from.addr);
  const msg = base(cfg, subject, messageId, opts.nowMs);
  msg.setHeader("X-Leadwire-Digest-Id", opts.digestId);
  const columns = ["leadwire_lead_id"];
  for (const r of rows) for (const f of r.fields) if (!columns.includes(f.name)) columns.push(f.name);
  const records = rows.map((r) => ({ leadwire_lead_id: r.leadId, ...Object.fromEntries(r.fields.map((f) => [f.name, f.value])) }));
  const csv = toCsv(records, { header: true, delimiter: ",", columns });
  const text = [`${rows.length} lead${rows.length === 1 ? "" : "s"} from Leadwire, ${window}.`, "The leads are in the attached CSV, one per row.", ""].join(
    "\r\n",
  );
  msg.addMessage({ contentType: "text/plain", charset: "UTF-8", encoding: "base64", data: base64Lines(text) });
  const stamp = new Date(opts.windowStartMs).toISOString().slice(0, 13).replace(/[-:]/g, "");
  msg.addAttachment({ filename: `leads-${stamp}.csv`, contentType: "text/csv; charset=UTF-8", encoding: "base64", data: base64Lines(csv) });
  return { from: cfg.from.addr, to: [...cfg.to], subject, messageId, raw: msg.asRaw() };
}
